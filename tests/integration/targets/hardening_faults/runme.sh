#!/usr/bin/env bash
# Retries and fault handling of the modules: the test server injects 503s, 429s, dropped
# connections, lost answers, timeouts, proxy error pages and UNIQUE races.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" "$@"
