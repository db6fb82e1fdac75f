#!/usr/bin/env bash
# Edge Data Replication end to end: the setup's test server is the edge, a second test server is
# the central one (with two buckets and a write token for the edge); the remotes role declares
# the remote and its replications on the edge, and points written at the edge are read back
# from central directly.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

central_url=''
central_vars="$INFLUXDB_TEST_DIR/central-vars.json"

# Never trace the commands below: they handle the tokens.
{ set +x; } 2>/dev/null
write_token=$(influxdb_test_random_hex 24)
rotated_token=$(influxdb_test_random_hex 24)
unreachable_token=$(influxdb_test_random_hex 24)
metrics_id=$(influxdb_test_random_id)
bulk_id=$(influxdb_test_random_id)
while [ "$bulk_id" = "$metrics_id" ]; do bulk_id=$(influxdb_test_random_id); done
# The central server: the organization central-ops (influx_other_org_id) has the buckets metrics
# and bulk, and the edge writes with a token that may only write points.
influxdb_test_server_start_another central_url central \
    --bucket "central-ops=metrics=$metrics_id" --bucket "central-ops=bulk=$bulk_id" --write-token "$write_token"
(
    umask 077
    {
        printf '{\n'
        printf '  "central_url": "%s",\n' "$central_url"
        printf '  "central_bucket": "metrics",\n'
        printf '  "central_bucket_id": "%s",\n' "$metrics_id"
        printf '  "central_bulk_bucket": "bulk",\n'
        printf '  "central_bulk_bucket_id": "%s",\n' "$bulk_id"
        printf '  "central_write_token": "%s",\n' "$write_token"
        printf '  "central_rotated_token": "%s",\n' "$rotated_token"
        printf '  "unreachable_token": "%s"\n' "$unreachable_token"
        printf '}\n'
    } >"$central_vars"
)
unset write_token rotated_token unreachable_token
set -x

# The setup's variables are play vars_files here, not extra vars: influx_org and influx_org_id are
# also variables of the remotes role, which takes only one of them, and an extra var could not be
# left out for the role.
ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "setup_vars_file=${INFLUXDB_TEST_VARS}" -e "@${central_vars}" -e "test_dir=${INFLUXDB_TEST_DIR}" "$@"
