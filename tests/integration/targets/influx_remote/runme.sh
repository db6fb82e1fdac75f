#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_remote against the InfluxDB test server.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" --diff "$@"

# The connection options from the environment. The token is in the environment of
# ansible-playbook, which the modules inherit over the local connection, never in a task's
# environment keyword (ansible-core shows that in its command lines at -vvv).
{ set +x; } 2>/dev/null
INFLUX_TOKEN=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS") \
    ansible-playbook -i ../setup_influxdb_test_server/inventory.ini from_environment.yml \
    -e "@${INFLUXDB_TEST_VARS}" --diff "$@"
set -x

# No token in any output, at any verbosity: run module tasks at -vvvv and search the output
# for every token of this run.
{ set +x; } 2>/dev/null
secrets="$INFLUXDB_TEST_DIR/secrets"
verbose_vars="$INFLUXDB_TEST_DIR/verbose-vars.json"
verbose_log="$INFLUXDB_TEST_DIR/verbose.log"
remote_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
(
    umask 077
    printf '{"verbose_remote_token": "%s"}\n' "$remote_token" >"$verbose_vars"
    {
        printf '%s\n' "$remote_token"
        sed -n 's/^ *"influx_[a-z_]*token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS"
    } >"$secrets"
)
set -x
test "$(wc -l <"$secrets")" -eq 4

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini verbose.yml \
    -e "@${INFLUXDB_TEST_VARS}" -e "@${verbose_vars}" --diff -vvvv >"$verbose_log" 2>&1 || {
    tail -n 40 "$verbose_log"
    exit 1
}
grep -c 'influx_remote' "$verbose_log"
if grep -q -F -f "$secrets" "$verbose_log"; then
    echo "a token appears in the -vvvv output, on lines: $(grep -n -F -f "$secrets" "$verbose_log" | cut -d: -f1 | tr '\n' ' ')" >&2
    exit 1
fi
echo "no token in $(wc -l <"$verbose_log") lines of -vvvv output"
