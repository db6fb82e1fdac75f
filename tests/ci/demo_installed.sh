#!/usr/bin/env bash
# Runs the demo of an installed copy of influxops.influxdb2 (nox session collection-install):
#
#     PATH=/venv/bin:$PATH bash tests/ci/demo_installed.sh COLLECTIONS_DIR TEST_SERVER
#
# COLLECTIONS_DIR holds ansible_collections/influxops/influxdb2 as `ansible-galaxy collection
# install -p` left it; TEST_SERVER is tests/server/influxdb_test_server.py, which launch.py next
# to it starts. Ansible sees that copy only (ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR, no
# sys.path scan), and the playbook and inventory are the installed demo/playbook.yml (which imports
# the installed playbook influxops.influxdb2.edr) and demo/inventory.yml. Like demo/run.sh it runs
# a dry run, the real run and a rerun against two bare test servers on free ports (an organization
# and an operator token each), an edge and a central one, checks their request logs, then that a
# point written at the edge is stored at central; it prints one PASS or FAIL line per check.

set -uo pipefail

COLLECTIONS=$(cd "$1" && pwd -P)
LAUNCH=$(dirname "$2")/launch.py
INSTALLED=$COLLECTIONS/ansible_collections/influxops/influxdb2
PLAYBOOK=$INSTALLED/demo/playbook.yml
INVENTORY=$INSTALLED/demo/inventory.yml

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=1
export ANSIBLE_RETRY_FILES_ENABLED=false
# as demo/run.sh: task results as YAML, so that the health table prints as a table
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
unset ANSIBLE_COLLECTIONS_PATHS INFLUX_HOST INFLUX_TOKEN INFLUX_ORG INFLUX_ORG_ID INFLUX_CONFIGS_PATH INFLUX_ACTIVE_CONFIG \
    DEMO_CENTRAL_ORG DEMO_CENTRAL_ORG_ID DEMO_CENTRAL_BUCKET

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
    (cd "$WORK" && ansible-playbook -i "$INVENTORY" "$PLAYBOOK" "$@") >"$logfile" 2>&1
    local rc=$?
    cat "$logfile"
    return "$rc"
}

echo "ansible-core $(python -c 'from ansible.release import __version__; print(__version__)'), collections from $COLLECTIONS only"
listing=$(ansible-galaxy collection list influxops.influxdb2 2>&1)
echo "$listing"
check "Ansible finds influxops.influxdb2 in the installed copy only" \
    grep -Eq "^# $COLLECTIONS/ansible_collections\$" <<<"$listing"
check "the tarball ships demo/playbook.yml and demo/inventory.yml" test -f "$PLAYBOOK" -a -f "$INVENTORY"

if ! python "$LAUNCH" start --state "$CENTRAL_STATE" --name central >/dev/null; then
    check "the central test server starts" false
    exit 1
fi
DEMO_CENTRAL_URL=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$CENTRAL_STATE")
DEMO_CENTRAL_TOKEN=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$CENTRAL_STATE")
DEMO_CENTRAL_ORG=central
export DEMO_CENTRAL_URL DEMO_CENTRAL_TOKEN DEMO_CENTRAL_ORG
if ! python "$LAUNCH" start --state "$STATE" --name demo >/dev/null; then
    check "the edge test server starts" false
    exit 1
fi
eval "$(python "$LAUNCH" env --state "$STATE")"
unset INFLUX_ORG_ID
echo "Edge test server at $INFLUX_HOST, central test server at $DEMO_CENTRAL_URL (bare: an organization and an operator token each)"

test_get() {
    # test_get URL PATH: a test interface's JSON answer
    python -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + sys.argv[2], timeout=10))))' "$1" "$2"
}

writes() {
    # writes URL: how many requests other than GET the test server at URL recorded
    test_get "$1" /_test/requests | python -c 'import json, sys; print(sum(1 for r in json.load(sys.stdin) if r["method"] != "GET"))'
}

clear_requests() {
    python -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"), timeout=10)' "$1/_test/requests"
}

stored() {
    test_get "$INFLUX_HOST" /_test/remotes | python -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# shellcheck disable=SC2317  # called through check
point_at_central() {
    # point_at_central MARK: within 30 s, central stores exactly one point with MARK in its bucket telemetry
    python - "$INFLUX_HOST" "$DEMO_CENTRAL_URL" "$1" <<'EOF'
import json, os, sys, time, urllib.request
edge, central, mark = sys.argv[1:]
request = urllib.request.Request(edge + '/api/v2/write?org=demo&bucket=telemetry', method='POST',
                                 data=('demo_telemetry,run=%s temperature=21.5' % mark).encode(),
                                 headers={'Authorization': 'Token ' + os.environ['INFLUX_TOKEN']})
urllib.request.urlopen(request, timeout=10)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    with urllib.request.urlopen(central + '/_test/points?bucket=telemetry', timeout=10) as response:
        found = [line for bucket in json.load(response) for line in bucket['lines'] if mark in line]
    if found:
        sys.exit(len(found) != 1)
    time.sleep(0.2)
sys.exit(1)
EOF
}

# shellcheck disable=SC2317  # called through check
no_token_in_logs() {
    ! grep -q -F -e "$INFLUX_TOKEN" -e "$DEMO_CENTRAL_TOKEN" "$WORK"/*.log
}

check "dry run (--check --diff) succeeds" run_playbook "$WORK/check.log" --check --diff
check "the dry run writes nothing (edge $(writes "$INFLUX_HOST"), central $(writes "$DEMO_CENTRAL_URL") write requests; $(stored) remotes)" \
    test "$(writes "$INFLUX_HOST") $(writes "$DEMO_CENTRAL_URL") $(stored)" = "0 0 0"

check "apply (--diff) succeeds" run_playbook "$WORK/apply.log" --diff
check "the apply stores the remote (the server holds $(stored))" test "$(stored)" = 1
check "the dry run predicts the apply (changed=$(recap_changed "$WORK/check.log") and changed=$(recap_changed "$WORK/apply.log"))" \
    test "$(recap_changed "$WORK/check.log")" = "$(recap_changed "$WORK/apply.log")"

check "the health table prints one replication a line" \
    grep -Eq '^ +telemetry-to-central +(unknown|healthy|failing|backlog) ' "$WORK/apply.log"

clear_requests "$INFLUX_HOST"
clear_requests "$DEMO_CENTRAL_URL"
check "rerun succeeds" run_playbook "$WORK/rerun.log" --diff
check "the rerun changes nothing (changed=$(recap_changed "$WORK/rerun.log"))" test "$(recap_changed "$WORK/rerun.log")" = 0
check "the rerun writes nothing (edge $(writes "$INFLUX_HOST"), central $(writes "$DEMO_CENTRAL_URL") write requests)" \
    test "$(writes "$INFLUX_HOST") $(writes "$DEMO_CENTRAL_URL")" = "0 0"

check "a point written at the edge is stored once at central" point_at_central "installed-$(python -c 'import secrets; print(secrets.token_hex(4))')"
check "no operator token in the output of ansible-playbook" no_token_in_logs

exit $((FAILED > 0))
