#!/usr/bin/env bash
# The fleet example, Edge Data Replication from zero, end to end on one machine:
#
#     PATH=/path/to/venv/bin:$PATH bash examples/fleet/run.sh [ANSIBLE-PLAYBOOK ARGS...]
#
# Arguments (for example -v or -vvv) are passed to every ansible-playbook run.
# 1. starts one bare InfluxDB test server (tests/server/launch.py: an organization and an operator
#    token, nothing else) per host of examples/fleet/inventory: central-1 (org central,
#    FLEET_CENTRAL_TOKEN) and edge-01 to edge-03 (org edge, FLEET_EDGE_TOKEN), on the port of the
#    host's influx_host, or on a free port when that one is taken (the URLs actually used go into
#    a generated inventory file that is passed after the example inventory, so it wins);
# 2. dry run: playbook.yml (the collection's playbook influxops.influxdb2.edr, then a per-host
#    summary) with --check --diff, then checks through each server's request log that nothing
#    was written;
# 3. apply: playbook.yml --diff: at central the bucket
#    telemetry-<edge> and the token edr:<edge> of each edge; at each edge the bucket telemetry,
#    the remote central with its token and the replication telemetry-to-central;
# 4. rerun: must change nothing and write nothing on any server; the dry run's per-host summary
#    must be the apply's;
# 5. writes one point to the bucket telemetry of each edge host, waits until each one is stored
#    at central in that edge's bucket, then prints the fleet health report (health.yml), which
#    must show every replication healthy;
# 6. checks that no operator token was printed, and stops the servers.
#
# Needs ansible-core 2.19 or later: ansible-playbook on PATH, from a venv whose python runs the
# test servers. The collection is this checkout. Optional environment: FLEET_FORKS (default
# 10), FLEET_CENTRAL_TOKEN and FLEET_EDGE_TOKEN (default: random). No token is printed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
INVENTORY=$HERE/inventory
PLAYBOOK=$HERE/playbook.yml
HEALTH_PLAYBOOK=$HERE/health.yml
FORKS=${FLEET_FORKS:-10}

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1}
export ANSIBLE_RETRY_FILES_ENABLED=false
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-fleet.XXXXXX")
LAUNCH=$REPO/tests/server/launch.py

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local state
    for state in "$WORK"/servers/*.json; do
        if [ -f "$state" ]; then "$PYTHON" "$LAUNCH" stop --state "$state" & fi
    done
    wait
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
    printf '\n### %s\n' "$*"
}

failed() {
    echo "FAILED: $*" >&2
    exit 1
}

if ! command -v ansible-playbook >/dev/null 2>&1; then
    echo "examples/fleet/run.sh: ansible-playbook is not on PATH; put a venv with ansible-core first on PATH" >&2
    exit 2
fi
BIN=$(dirname "$(command -v ansible-playbook)")
PYTHON=$BIN/python
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

# the collection, as Ansible finds installed collections
mkdir -p "$WORK/collections/ansible_collections/influxops" "$WORK/servers"
ln -s "$REPO" "$WORK/collections/ansible_collections/influxops/influxdb2"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections

random_hex() {
    "$PYTHON" -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"
}

export FLEET_EDGE_TOKEN=${FLEET_EDGE_TOKEN:-$(random_hex 24)}
export FLEET_CENTRAL_TOKEN=${FLEET_CENTRAL_TOKEN:-$(random_hex 32)}

start_server() {
    # start_server HOST ORG TOKEN PORT: a bare test server (the organization ORG and the operator
    # token TOKEN); sets SERVER_URL
    SERVER_URL=$("$PYTHON" "$LAUNCH" start --state "$WORK/servers/$1.json" --name "$2" -- --port "$4" --token "$3")
}

api_get() {
    # api_get URL PATH: GET of a test server's test interface, as JSON
    "$PYTHON" -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + sys.argv[2], timeout=10))))' "$1" "$2"
}

requests_of() {
    # requests_of URL: "N M": how many requests the test server at URL logged, how many were not GET
    api_get "$1" /_test/requests | "$PYTHON" -c 'import json, sys; log = json.load(sys.stdin); print(len(log), sum(1 for r in log if r["method"] != "GET"))'
}

clear_requests() {
    "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"), timeout=10)' "$1/_test/requests"
}

no_write() {
    # no_write STEP: fail when a server logged a request other than GET; prints the GET counts
    local host counts line=""
    for host in "${HOSTS[@]}"; do
        read -r -a counts <<<"$(requests_of "${URLS[$host]}")"
        if [ "${counts[1]}" -ne 0 ]; then
            failed "$1: $host received ${counts[1]} write request(s)"
        fi
        line+="$host ${counts[0]}, "
    done
    echo "$1: no write request on any server (GET requests: ${line%, })"
}

edge_write() {
    # edge_write URL LINE: write one line of line protocol to the bucket telemetry of an edge
    "$PYTHON" - "$1" "$2" <<'PY'
import os, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/api/v2/write?org=edge&bucket=telemetry&precision=s",
                                 data=sys.argv[2].encode(), method="POST",
                                 headers={"Authorization": "Token " + os.environ["FLEET_EDGE_TOKEN"]})
urllib.request.urlopen(request, timeout=10)
PY
}

central_has() {
    # central_has BUCKET LINE: whether the central test server stores LINE in BUCKET, once
    api_get "$CENTRAL_URL" "/_test/points?bucket=$1" |
        "$PYTHON" -c 'import json, sys; sys.exit(sum(1 for b in json.load(sys.stdin) for l in b["lines"] if sys.argv[1] in l) != 1)' "$2"
}

run_playbook() {
    # run_playbook LOG ARGS...: run playbook.yml, print its output, keep a copy in LOG
    local logfile=$1 start=$SECONDS rc=0
    shift
    ansible-playbook -i "$INVENTORY" -i "$WORK/servers.yml" -f "$FORKS" "$PLAYBOOK" "${EXTRA_ARGS[@]}" "$@" 2>&1 |
        tee "$logfile" || rc=$?
    echo "(ansible-playbook exit status $rc, $((SECONDS - start)) s)"
    return "$rc"
}

summary_lines() {
    # the per-host lines of the fleet summary in a log
    grep -E "^        edge-" "$1" || true
}

recap_changed() {
    # the hosts with changed>0 in the PLAY RECAP of a log, comma separated
    awk '/^PLAY RECAP/ { recap = 1; next } recap && match($0, /changed=[0-9]+/) && substr($0, RSTART + 8, RLENGTH - 8) > 0 { n = n (n ? "," : "") $1 } END { print n }' "$1"
}

main() {
    EXTRA_ARGS=("$@")
    local total=$SECONDS
    say "ansible-core $("$PYTHON" -c 'from ansible.release import __version__; print(__version__)'), forks $FORKS"

    say "Start one bare test server per host (an organization and an operator token, nothing else)"
    local hosts host group port
    # host name, group and influx_host port of every host, from the example inventory
    hosts=$(ansible-inventory -i "$INVENTORY" --list | "$PYTHON" -c '
import json, sys, urllib.parse
data = json.load(sys.stdin)
hostvars = data.get("_meta", {}).get("hostvars", {})
for group in ("central", "edge"):
    for host in sorted(data.get(group, {}).get("hosts", [])):
        url = urllib.parse.urlsplit(hostvars.get(host, {}).get("influx_host", "http://127.0.0.1:0"))
        print(host, group, url.port or 0)
')
    printf '%s\n' '---' 'all:' '  hosts:' >"$WORK/servers.yml"
    declare -gA URLS=()
    HOSTS=()
    while read -r host group port; do
        local token=$FLEET_EDGE_TOKEN
        [ "$group" = edge ] || token=$FLEET_CENTRAL_TOKEN
        if ! start_server "$host" "$group" "$token" "$port" 2>/dev/null; then
            echo "$host: port $port is not free; using a free port instead"
            start_server "$host" "$group" "$token" 0
        fi
        URLS[$host]=$SERVER_URL
        HOSTS+=("$host")
        printf '    %s:\n      influx_host: %s\n' "$host" "$SERVER_URL" >>"$WORK/servers.yml"
        echo "$host ($group) -> $SERVER_URL"
    done <<<"$hosts"
    CENTRAL_URL=${URLS[central-1]}
    local edges=()
    for host in "${HOSTS[@]}"; do
        [ "$host" = central-1 ] || edges+=("$host")
    done

    say "1/3 dry run: --check --diff"
    run_playbook "$WORK/check.log" --check --diff
    no_write "dry run"

    say "2/3 apply: --diff"
    run_playbook "$WORK/apply.log" --diff

    say "3/3 rerun: must change nothing"
    for host in "${HOSTS[@]}"; do
        clear_requests "${URLS[$host]}"
    done
    run_playbook "$WORK/rerun.log"
    no_write "rerun"

    say "Write one point to the bucket telemetry of each edge host"
    local stamp waited=0 missing=()
    stamp=$(date +%s)
    for host in "${edges[@]}"; do
        edge_write "${URLS[$host]}" "fleet_check,host=$host run=$stamp $stamp"
        echo "$host: fleet_check,host=$host run=$stamp"
    done
    # the edge servers send their queues within a second or so; give them up to 30 s
    while :; do
        missing=()
        for host in "${edges[@]}"; do
            central_has "telemetry-$host" "fleet_check,host=$host run=$stamp" || missing+=("$host")
        done
        if [ "${#missing[@]}" -eq 0 ] || [ "$waited" -ge 30 ]; then break; fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "At central: $((${#edges[@]} - ${#missing[@]})) of ${#edges[@]} points stored, each once in its edge's bucket telemetry-<edge> (waited ${waited} s)"

    say "Fleet health report"
    local health_rc=0
    ansible-playbook -i "$INVENTORY" -i "$WORK/servers.yml" -f "$FORKS" "$HEALTH_PLAYBOOK" "${EXTRA_ARGS[@]}" \
        -e fleet_health_require_healthy=true 2>&1 | tee "$WORK/health.log" || health_rc=$?
    echo "(ansible-playbook exit status $health_rc)"

    local check_changed apply_changed rerun_changed
    check_changed=$(recap_changed "$WORK/check.log")
    apply_changed=$(recap_changed "$WORK/apply.log")
    rerun_changed=$(recap_changed "$WORK/rerun.log")
    say "Summary"
    echo "hosts changed: dry run [${check_changed}], apply [${apply_changed}], rerun [${rerun_changed}] (${#HOSTS[@]} hosts, $((SECONDS - total)) s)"
    [ -z "$rerun_changed" ] || failed "the rerun changed $rerun_changed; expected nothing"
    [ "$check_changed" = "$apply_changed" ] || failed "the dry run predicted changes on [$check_changed], the apply changed [$apply_changed]"
    [ "$(summary_lines "$WORK/check.log")" = "$(summary_lines "$WORK/apply.log")" ] ||
        failed "the per-host summary of the dry run differs from the apply's"
    if grep -q -F -e "$FLEET_EDGE_TOKEN" -e "$FLEET_CENTRAL_TOKEN" "$WORK"/*.log; then
        failed "an operator token appears in the output of ansible-playbook"
    fi
    [ "${#missing[@]}" -eq 0 ] || failed "no point at central from ${missing[*]} after 30 s"
    [ "$health_rc" -eq 0 ] || failed "the fleet health report does not show every replication healthy"
    echo "OK: from bare servers, the dry run wrote nothing and predicted the apply host by host, the rerun changed and wrote nothing, every point arrived at central in its edge's bucket, every replication is healthy, no token was printed."
}

main "$@"
