#!/usr/bin/env bash
# Ten ansible-playbook runs ensure the same remote at the same moment: each must succeed, and
# exactly one remote must exist at the end, in one of the requested states.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

runs=10
race_dir="$INFLUXDB_TEST_DIR/race"
mkdir "$race_dir"

{ set +x; } 2>/dev/null
race_vars="$race_dir/vars.json"
(
    umask 077
    printf '{"race_token": "%s"}\n' "$(influxdb_test_random_hex 24)" >"$race_vars"
)
set -x

# Hold the first lookups and POSTs of remotes for a moment, so that the runs that arrive
# within a few seconds of each other all find no remote and send their POST: all POSTs but
# the first then meet the UNIQUE constraint.
"$INFLUXDB_TEST_PYTHON_BIN" - "$(sed -n 's/^ *"influx_url": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS")" <<'PY'
import json
import sys
import urllib.request

rules = [{"method": "GET", "path": "/api/v2/remotes", "delay": 1, "count": 10},
         {"method": "POST", "path": "/api/v2/remotes", "delay": 3, "count": 10}]
request = urllib.request.Request(sys.argv[1] + "/_test/faults", data=json.dumps(rules).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request) as answer:
    assert answer.status == 201, answer.status
PY

# The start line: runs wait for a shared lock on this file, held here until all are up.
exec 9>"$race_dir/start"
flock 9

pids=()
for i in $(seq 1 "$runs"); do
    ansible-playbook -i ../setup_influxdb_test_server/inventory.ini race.yml \
        -e "@${INFLUXDB_TEST_VARS}" -e "@${race_vars}" -e "race_id=$i race_dir=$race_dir" "$@" \
        >"$race_dir/run-$i.log" 2>&1 &
    pids+=("$!")
done

for _ in $(seq 1 1200); do
    ready=$(find "$race_dir" -name 'ready-*' | wc -l)
    if [ "$ready" -eq "$runs" ]; then
        break
    fi
    sleep 0.1
done
sleep 0.5
flock --unlock 9
exec 9>&-

failed=0
for i in $(seq 1 "$runs"); do
    if ! wait "${pids[$((i - 1))]}"; then
        echo "run $i failed:" >&2
        tail -n 30 "$race_dir/run-$i.log" >&2
        failed=$((failed + 1))
    fi
done
test "$failed" -eq 0

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini check.yml \
    -e "@${INFLUXDB_TEST_VARS}" -e "@${race_vars}" -e "race_runs=$runs race_dir=$race_dir" "$@"
