#!/usr/bin/env bash
# Edge Data Replication from zero: the playbook influxops.influxdb2.edr on one central and two edge
# test servers started bare (an organization and an operator token each, hashed tokens), through
# the events of a fleet's life, each one a run of the playbook (event.yml imports it) followed by
# checks on the servers themselves (checks/<event>.yml): dry run, first apply (and a stolen edge
# token), rerun, rotation (at -vvvv --diff, with points written at the edges throughout), rebuilt
# edge (its dry run, then the run at -vvvv --diff), retired edge; the whole output of the two verbose runs searched for every
# token.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh
# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/leaks.sh
source ../setup_influxdb_test_server/leaks.sh

start=$SECONDS
dir=$INFLUXDB_TEST_DIR
launch() {
    # launch NAME ORG: a bare server (launch.py: a random operator token, one org), its state in $dir/NAME.state
    "$INFLUXDB_TEST_PYTHON_BIN" "$(dirname "$INFLUXDB_TEST_SERVER_SCRIPT")/launch.py" start --state "$dir/$1.state" \
        --python "$INFLUXDB_TEST_PYTHON_BIN" --name "$2" -- --replication-retry-first 0.1 --replication-retry-max 0.5 >/dev/null
}
launch central-1 central &
launch edge-1 edge &
launch edge-2 edge &
wait %1 && wait %2 && wait %3

# The inventory of the events (group_vars as the collection's docs show them), with the servers'
# tokens: written by Python, never traced. inventory ARGS: "retired" leaves edge-2 out and purges.
inventory() {
    "$INFLUXDB_TEST_PYTHON_BIN" - "$dir" "$@" <<'PY'
import json, os, sys
dir, retired = sys.argv[1], 'retired' in sys.argv[2:]
state = dict((name, json.load(open(os.path.join(dir, name + '.state')))) for name in ('central-1', 'edge-1', 'edge-2'))
host = lambda name: dict(influx_host=state[name]['url'], influx_token=state[name]['token'])
edges = ['edge-1'] if retired else ['edge-1', 'edge-2']
inventory = {
    'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}},
    'central': {'hosts': {'central-1': host('central-1')},
                'vars': {'influx_org': 'central', 'influx_central_bucket_retention': '30d', 'influx_central_purge_tokens': retired}},
    'edge': {'hosts': dict((name, host(name)) for name in edges), 'vars': {
        'influx_org': 'edge',
        'influx_buckets': [{'name': 'telemetry', 'retention': '7d'}],
        'influx_remotes': [{'name': 'central', 'central': 'central-1', 'remote_url': state['central-1']['url'], 'replications': [
            {'name': 'telemetry-to-central', 'local_bucket': 'telemetry', 'remote_bucket': 'telemetry-{{ inventory_hostname }}'},
            {'name': 'logs-to-central', 'local_bucket': 'logs', 'remote_bucket': 'logs'}]}]}},
}
path = os.path.join(dir, 'inventory.yml')
with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
    json.dump(inventory, handle)
with open(os.path.join(dir, 'urls.json'), 'w') as handle:
    json.dump({'test_urls': dict((name, state[name]['url']) for name in state), 'test_dir': dir}, handle)
for name in state:
    print(state[name]['token'])
PY
}
{ set +x; } 2>/dev/null
inventory >>"$LEAKS_SECRETS"
set -x

event() {
    # event NAME [ANSIBLE-PLAYBOOK ARG...]: one run of event.yml
    local name=$1 begin=$SECONDS
    shift
    ansible-playbook -i "$dir/inventory.yml" event.yml -e "@$dir/urls.json" -e "test_event=$name" "$@"
    echo "event $name: $((SECONDS - begin)) s"
}

event dry_run --check --diff
event apply
event rerun

verbose_event() {
    # verbose_event NAME [ANSIBLE-PLAYBOOK ARG...]: one run of event.yml at -vvvv --diff, its output kept
    # for the search of every token; on failure its tail is shown with the tokens masked
    local name=$1 begin=$SECONDS
    shift
    ansible-playbook -i "$dir/inventory.yml" event.yml -e "@$dir/urls.json" -e "test_event=$name" "$@" --diff -vvvv \
        >"$LEAKS_OUT/$name.stdout" 2>"$LEAKS_OUT/$name.stderr" || {
        tail -n 80 "$LEAKS_OUT/$name.stdout" "$LEAKS_OUT/$name.stderr" | sed -f <(sed 's/.*/s|&|<token>|g/' "$LEAKS_SECRETS")
        return 1
    }
    grep "\"msg\": \"$name: " "$LEAKS_OUT/$name.stdout"
    echo "event $name: $((SECONDS - begin)) s"
}

# The rotation while a writer writes points at both edges, and the rebuilt edge (whose play makes
# a token at central): at -vvvv --diff.
"$INFLUXDB_TEST_PYTHON_BIN" writer.py "$dir/writer.stop" "$dir/writer.json" "edge-1=$dir/edge-1.state" "edge-2=$dir/edge-2.state" &
writer=$!
verbose_event rotation -e influx_edr_rotate=true || {
    touch "$dir/writer.stop"
    exit 1
}
wait "$writer"

event rebuilt_dry_run --check --diff
verbose_event rebuilt
inventory retired >/dev/null
event retired

# every token of the run: the servers' operator tokens, and each token that central created
for file in "$dir"/tokens-*.json; do
    "$INFLUXDB_TEST_PYTHON_BIN" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1])).values()))' "$file" >>"$LEAKS_SECRETS"
done
# 9 of leaks.sh, 3 operator tokens, 2 of the first apply, 2 of the rotation, 1 of the rebuild
test "$(sort -u "$LEAKS_SECRETS" | wc -l)" -eq 17
strict=()
for name in central-1 edge-1 edge-2; do
    strict+=(--strict "$(_itest_state "$name" stderr_file)" --strict "$(_itest_state "$name" log_file)")
done
leaks_check --min-invocations 20 --min-sections 10 --tasks "$LEAKS_OUT/rotation.stdout" --tasks "$LEAKS_OUT/rebuilt.stdout" \
    --strict "$LEAKS_OUT/rotation.stderr" --strict "$LEAKS_OUT/rebuilt.stderr" "${strict[@]}"
echo "edr: $((SECONDS - start)) s"
