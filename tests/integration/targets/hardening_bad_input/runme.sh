#!/usr/bin/env bash
# Invalid input stops every module before any request (or, where a lookup must come first,
# before any write), with a message that names the option and the problem.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" "$@"
