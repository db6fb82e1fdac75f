#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_remotes against the InfluxDB test server.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" "$@"
