#!/usr/bin/env bash
# Runs the quick-start playbook of an installed copy of influxops.influxdb2 (tests/run.sh, step
# "galaxy"):
#
#     PATH=/venv/bin:$PATH bash tests/ci/demo_installed.sh COLLECTIONS_DIR TEST_SERVER
#
# COLLECTIONS_DIR holds ansible_collections/influxops/influxdb2 as `ansible-galaxy collection
# install -p` left it; TEST_SERVER is tests/server/influxdb_test_server.py, which launch.py next
# to it starts. Ansible sees that copy only (ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR, no
# sys.path scan), and the playbook is the installed demo/playbook.yml. Like demo/run.sh it runs a dry run, the real run and a rerun
# against two test servers on free ports, an edge and a central one; it prints one PASS or FAIL
# line per check.

set -uo pipefail

COLLECTIONS=$(cd "$1" && pwd -P)
LAUNCH=$(dirname "$2")/launch.py
INSTALLED=$COLLECTIONS/ansible_collections/influxops/influxdb2
PLAYBOOK=$INSTALLED/demo/playbook.yml

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=1
export ANSIBLE_RETRY_FILES_ENABLED=false
# as demo/run.sh: task results as YAML, so that the health table prints as a table
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
unset ANSIBLE_COLLECTIONS_PATHS INFLUX_HOST INFLUX_TOKEN INFLUX_ORG INFLUX_ORG_ID INFLUX_CONFIGS_PATH INFLUX_ACTIVE_CONFIG

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-installed-demo.XXXXXX")
STATE=$WORK/server.json
CENTRAL_STATE=$WORK/central.json
FAILED=0

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [ -f "$STATE" ]; then python "$LAUNCH" stop --state "$STATE"; fi
    if [ -f "$CENTRAL_STATE" ]; then python "$LAUNCH" stop --state "$CENTRAL_STATE"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() {
    # check WHAT COMMAND...: PASS when COMMAND succeeds
    local what=$1
    shift
    if "$@"; then
        echo "PASS: $what"
    else
        echo "FAIL: $what"
        FAILED=$((FAILED + 1))
    fi
}

recap_changed() {
    awk '/^PLAY RECAP/ { recap = 1; next } recap && match($0, /changed=[0-9]+/) { total += substr($0, RSTART + 8, RLENGTH - 8) } END { print total + 0 }' "$1"
}

# shellcheck disable=SC2317  # called through check
run_playbook() {
    # run_playbook LOG ARGS...
    local logfile=$1
    shift
    (cd "$WORK" && ansible-playbook -i localhost, "$PLAYBOOK" "$@") >"$logfile" 2>&1
    local rc=$?
    cat "$logfile"
    return "$rc"
}

echo "ansible-core $(python -c 'from ansible.release import __version__; print(__version__)'), collections from $COLLECTIONS only"
listing=$(ansible-galaxy collection list influxops.influxdb2 2>&1)
echo "$listing"
check "Ansible finds influxops.influxdb2 in the installed copy only" \
    grep -Eq "^# $COLLECTIONS/ansible_collections\$" <<<"$listing"
check "the tarball ships demo/playbook.yml" test -f "$PLAYBOOK"

DEMO_CENTRAL_TOKEN=$(python -c 'import secrets; print(secrets.token_hex(32))')
if ! python "$LAUNCH" start --state "$CENTRAL_STATE" --name central -- \
    --bucket central=telemetry --write-token "$DEMO_CENTRAL_TOKEN" >/dev/null; then
    check "the central test server starts" false
    exit 1
fi
DEMO_CENTRAL_URL=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$CENTRAL_STATE")
DEMO_CENTRAL_ORG_ID=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["org_id"])' "$CENTRAL_STATE")
export DEMO_CENTRAL_URL DEMO_CENTRAL_ORG_ID DEMO_CENTRAL_TOKEN
if ! python "$LAUNCH" start --state "$STATE" --name demo -- --bucket demo=telemetry >/dev/null; then
    check "the edge test server starts" false
    exit 1
fi
eval "$(python "$LAUNCH" env --state "$STATE")"
unset INFLUX_ORG_ID
echo "Edge test server at $INFLUX_HOST, central test server at $DEMO_CENTRAL_URL"

stored() {
    python -c 'import json, sys, urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1], timeout=10))))' "$INFLUX_HOST/_test/remotes"
}

check "dry run (--check --diff) succeeds" run_playbook "$WORK/check.log" --check --diff
check "the dry run writes nothing (the server holds $(stored) remotes)" test "$(stored)" = 0

check "apply (--diff) succeeds" run_playbook "$WORK/apply.log" --diff
check "the apply stores the remote (the server holds $(stored))" test "$(stored)" = 1
check "the dry run predicts the apply (changed=$(recap_changed "$WORK/check.log") and changed=$(recap_changed "$WORK/apply.log"))" \
    test "$(recap_changed "$WORK/check.log")" = "$(recap_changed "$WORK/apply.log")"

check "the health table prints one replication a line" \
    grep -Eq '^ +telemetry-to-central +(unknown|healthy|failing|backlog) ' "$WORK/apply.log"

check "rerun succeeds" run_playbook "$WORK/rerun.log" --diff
check "the rerun changes nothing (changed=$(recap_changed "$WORK/rerun.log"))" test "$(recap_changed "$WORK/rerun.log")" = 0

exit $((FAILED > 0))
