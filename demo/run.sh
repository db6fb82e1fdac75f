#!/usr/bin/env bash
# The collection's main job, end to end:
#
#     bash demo/run.sh
#
# Runs demo/playbook.yml, which ensures the remote connections of an edge InfluxDB OSS 2.x
# instance to a central one, three times: a dry run (--check --diff), the real run (--diff),
# and a rerun that must report nothing changed (the script fails otherwise).
#
# Target: the InfluxDB at INFLUX_HOST when it is set (with INFLUX_TOKEN, and INFLUX_ORG or
# INFLUX_ORG_ID); otherwise the bundled test server, which tests/server/launch.py starts on
# a free local port with a random token and an organization "demo", and stops at the end.
# Optional: DEMO_REMOTE_URL, DEMO_REMOTE_ORG_ID, DEMO_REMOTE_TOKEN (the central instance's
# write token; a random one by default).
#
# ansible-core comes from demo/requirements.txt, installed into .venv/demo (reused while that
# file is unchanged). No token is ever printed.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
VENV=$REPO/.venv/demo
REQUIREMENTS=$REPO/demo/requirements.txt
PLAYBOOK=$REPO/demo/playbook.yml

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1}
export ANSIBLE_RETRY_FILES_ENABLED=false

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-demo.XXXXXX")
LAUNCH=$REPO/tests/server/launch.py
STATE=$WORK/server.json

cleanup() {
    if [ -f "$STATE" ]; then
        "$VENV/bin/python" "$LAUNCH" stop --state "$STATE" || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
    printf '\n### %s\n' "$*"
}

find_python() {
    # the first interpreter that ansible-core 2.19 accepts as a controller (3.11 to 3.13)
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    echo "demo/run.sh needs Python 3.11, 3.12 or 3.13 with the venv module" >&2
    return 1
}

setup_venv() {
    local python want
    want=$(sha256sum <"$REQUIREMENTS" | cut -d' ' -f1)
    if [ -x "$VENV/bin/ansible-playbook" ] && [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ] &&
        "$VENV/bin/python" -c '' 2>/dev/null; then
        echo "Using $VENV"
        return 0
    fi
    python=$(find_python)
    echo "Creating $VENV with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$want" >"$VENV/.requirements.sha256"
}

random_hex() {
    # random_hex BYTES
    "$VENV/bin/python" -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"
}

start_test_server() {
    local org_id pid
    "$VENV/bin/python" "$LAUNCH" start --state "$STATE" --name demo >/dev/null
    eval "$("$VENV/bin/python" "$LAUNCH" env --state "$STATE")"
    org_id=$INFLUX_ORG_ID
    unset INFLUX_ORG_ID
    pid=$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' "$STATE")
    echo "Test server at $INFLUX_HOST (organization demo, ID $org_id; pid $pid)"
}

stored_remote_count() {
    # number of remotes the bundled test server holds, read from its test interface
    "$VENV/bin/python" - "$INFLUX_HOST/_test/remotes" <<'EOF'
import json
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    print(len(json.load(response)))
EOF
}

run_playbook() {
    # run_playbook LOG ARGS...: run the demo playbook, print its output, keep a copy in LOG
    local logfile=$1
    shift
    "$VENV/bin/ansible-playbook" -i localhost, "$PLAYBOOK" "$@" 2>&1 | tee "$logfile"
}

recap_changed() {
    # total of changed=N over the PLAY RECAP lines of a log
    awk '/^PLAY RECAP/ { recap = 1; next } recap && match($0, /changed=[0-9]+/) { total += substr($0, RSTART + 8, RLENGTH - 8) } END { print total + 0 }' "$1"
}

main() {
    say "ansible-core"
    setup_venv
    echo "ansible-core $("$VENV/bin/python" -c 'from ansible.release import __version__; print(__version__)')"

    # the collection, as Ansible finds installed collections
    mkdir -p "$WORK/collections/ansible_collections/influxops"
    ln -s "$REPO" "$WORK/collections/ansible_collections/influxops/influxdb2"
    export ANSIBLE_COLLECTIONS_PATH=$WORK/collections

    local bundled=false
    if [ -n "${INFLUX_HOST:-}" ]; then
        say "Target: $INFLUX_HOST"
        if [ -z "${INFLUX_TOKEN:-}" ]; then
            echo "INFLUX_HOST is set, so INFLUX_TOKEN must be set too" >&2
            exit 2
        fi
        if [ -z "${INFLUX_ORG:-}" ] && [ -z "${INFLUX_ORG_ID:-}" ]; then
            echo "INFLUX_HOST is set, so INFLUX_ORG or INFLUX_ORG_ID must be set too" >&2
            exit 2
        fi
    else
        say "Target: the bundled test server"
        start_test_server
        bundled=true
    fi

    if [ -z "${DEMO_REMOTE_TOKEN:-}" ]; then
        DEMO_REMOTE_TOKEN=$(random_hex 32)
    fi
    export DEMO_REMOTE_TOKEN

    say "1/3 dry run: ansible-playbook --check --diff"
    run_playbook "$WORK/check.log" --check --diff
    local check_changed
    check_changed=$(recap_changed "$WORK/check.log")
    if [ "$bundled" = true ]; then
        local stored
        stored=$(stored_remote_count)
        if [ "$stored" -ne 0 ]; then
            echo "FAILED: the dry run wrote to the server: it now holds $stored remote(s)" >&2
            exit 1
        fi
        echo "The dry run wrote nothing: the test server still holds 0 remotes."
    fi

    say "2/3 apply: ansible-playbook --diff"
    run_playbook "$WORK/apply.log" --diff
    local apply_changed
    apply_changed=$(recap_changed "$WORK/apply.log")

    say "3/3 rerun: ansible-playbook --diff (must change nothing)"
    run_playbook "$WORK/rerun.log" --diff
    local rerun_changed
    rerun_changed=$(recap_changed "$WORK/rerun.log")

    say "Summary"
    echo "dry run: changed=$check_changed; apply: changed=$apply_changed; rerun: changed=$rerun_changed"
    if [ "$rerun_changed" -ne 0 ]; then
        echo "FAILED: the rerun reported changed=$rerun_changed; expected no change" >&2
        exit 1
    fi
    if [ "$check_changed" -ne "$apply_changed" ]; then
        echo "FAILED: the dry run predicted changed=$check_changed but the apply reported changed=$apply_changed" >&2
        exit 1
    fi
    echo "OK: the dry run predicted the apply, and the rerun changed nothing."
}

main "$@"
