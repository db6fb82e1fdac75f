#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_remote_info against the InfluxDB test server.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" "$@"

# The connection options from the environment. The token is in the environment of
# ansible-playbook, which the modules inherit over the local connection, never in a task's
# environment keyword (ansible-core shows that in its command lines at -vvv).
{ set +x; } 2>/dev/null
INFLUX_TOKEN=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS") \
    ansible-playbook -i ../setup_influxdb_test_server/inventory.ini from_environment.yml \
    -e "@${INFLUXDB_TEST_VARS}" "$@"
set -x
