#!/usr/bin/env bash
# Invalid input stops every module before any request (or, where a lookup must come first,
# before any write), with a message that names the option and the problem.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

# A server that plays InfluxDB 2.4.0, where a replication to a remote bucket given by name never writes.
old_server_url=''
influxdb_test_server_start_another old_server_url old --version v2.4.0

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" -e "old_server_url=${old_server_url}" "$@"
