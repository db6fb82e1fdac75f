#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_authorization, influx_authorizations and
# influx_authorization_info against the InfluxDB test server, at -vvvv --diff: the first play of
# playbook.yml on a server that hashes tokens (the default since InfluxDB 2.9), the second on one
# that lists them (--plain-tokens, as 2.7). No token may appear in any output: the server's
# tokens, and every token that the modules create, which the playbook writes to $CREATED_TOKENS
# (with no_log) so that the search knows them.
#
# The playbook's own tasks show tokens at -vvvv (the uri tasks' Authorization header): in its
# output only the sections of the collection's module tasks are searched, and its stderr in full.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh
# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/leaks.sh
source ../setup_influxdb_test_server/leaks.sh

plain_url=''
influxdb_test_server_start_another plain_url plain --plain-tokens
CREATED_TOKENS="$INFLUXDB_TEST_DIR/created-tokens.txt"
(umask 077 && : >"$CREATED_TOKENS")

leaks_run influx_authorization playbook.yml -e "created_tokens=$CREATED_TOKENS" -e "plain_url=$plain_url" "$@"

# every token that the playbook created, and no other line
test "$(grep -c . "$CREATED_TOKENS")" -ge 8
cat "$CREATED_TOKENS" >>"$LEAKS_SECRETS"

leaks_check --min-invocations 15 --min-sections 17 \
    --tasks "$LEAKS_OUT/influx_authorization.stdout" --strict "$LEAKS_OUT/influx_authorization.stderr" \
    --strict "$INFLUXDB_TEST_DIR/plain.stderr" --strict "$INFLUXDB_TEST_DIR/plain.log"
