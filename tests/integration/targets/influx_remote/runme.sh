#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_remote against the InfluxDB test server, at
# -vvvv --diff with unique random tokens; no token may appear in any output.
#
# playbook.yml's own tasks show tokens at -vvvv (the uri tasks' Authorization header and request
# bodies, set_fact of the tokens): in its output only the sections of the collection's module
# tasks are searched, and its stderr in full. from_environment.yml takes the connection from the
# environment (INFLUX_TOKEN in the environment of ansible-playbook, which the modules inherit over
# the local connection, never a task's environment keyword: ansible-core shows that in its command
# lines at -vvv); it has no such task, and its whole output is searched. Every result of a module
# of the collection is checked in full, from the callback's records.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh
# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/leaks.sh
source ../setup_influxdb_test_server/leaks.sh

leaks_run influx_remote playbook.yml "$@"
leaks_run_env influx_remote-env from_environment.yml "$@"

# The module invocations are shown at -vvvv, with the tokens masked.
grep -q -F '"token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$LEAKS_OUT/influx_remote.stdout"
grep -q -F '"remote_api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$LEAKS_OUT/influx_remote.stdout"

leaks_check --min-invocations 60 --min-sections 50 \
    --tasks "$LEAKS_OUT/influx_remote.stdout" --strict "$LEAKS_OUT/influx_remote.stderr" \
    --strict "$LEAKS_OUT/influx_remote-env.stdout" --strict "$LEAKS_OUT/influx_remote-env.stderr"
