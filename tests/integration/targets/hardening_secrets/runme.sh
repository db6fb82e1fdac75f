#!/usr/bin/env bash
# No token in any output: run secrets.yml, which takes every path of the modules (errors, check
# mode, the diff, token rotation, retries and races, replications by name, in a set and deleted
# with their remote, and the error paths that the module targets do not take: an invalid or
# unknown ID, a bad token for influx_remote_info, a name twice and a missing remote_url for
# influx_remotes), at -vvvv --diff with unique random tokens; then search stdout, stderr, every
# task result, the results written by the playbook and the test server's own output and request
# log for each token. The influx_remote target runs its playbooks the same way
# (setup_influxdb_test_server/leaks.sh).
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh
# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/leaks.sh
source ../setup_influxdb_test_server/leaks.sh

# Module tasks only: no token may appear anywhere. One task takes the server token from
# INFLUX_TOKEN.
leaks_run_env secrets secrets.yml -e "secret_results_file=$LEAKS_OUT/secrets-results.json" "$@"

# The module invocations are shown at -vvvv, with the tokens masked.
grep -c -F '"token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$LEAKS_OUT/secrets.stdout"
grep -q -F '"remote_api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$LEAKS_OUT/secrets.stdout"

leaks_check --min-invocations 28 \
    --strict "$LEAKS_OUT/secrets.stdout" --strict "$LEAKS_OUT/secrets.stderr" --strict "$LEAKS_OUT/secrets-results.json"
