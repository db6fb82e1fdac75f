# shellcheck shell=bash
# Start the InfluxDB test server (tests/server/influxdb_test_server.py) for one integration target.
#
# Source this file from a target's runme.sh (the target's aliases must hold
# needs/target/setup_influxdb_test_server). It
#   - finds the collection root (upwards from this file, else ANSIBLE_COLLECTIONS_PATH),
#   - starts the server on a free port with random tokens and two organizations,
#   - waits for its READY line,
#   - writes the connection details to a JSON extra-vars file whose path is exported
#     as INFLUXDB_TEST_VARS (use it with: ansible-playbook -e "@${INFLUXDB_TEST_VARS}"),
#   - stops the server and removes its files when the calling shell exits.
#
# Variables in the extra-vars file:
#   influx_url             base URL of the server, e.g. http://127.0.0.1:40123
#   influx_token           all-access token
#   influx_ro_token        token that may read everything and write nothing
#   influx_bad_token       a token that the server does not know
#   influx_org             name of the first organization;  influx_org_id its ID
#   influx_other_org       name of the second organization; influx_other_org_id its ID
#   influx_missing_org_id  a valid ID that is no organization on the server
#   influx_closed_url      http://127.0.0.1:<port> where nothing listens
#
# Optional environment: INFLUXDB_TEST_PYTHON (interpreter for the server),
# INFLUXDB_TEST_SERVER (path of influxdb_test_server.py).

# Never trace the commands below: they handle the tokens.
case $- in *x*) _itest_xtrace=1 ;; *) _itest_xtrace=0 ;; esac
{ set +x; } 2>/dev/null

_itest_random_hex() {
    # $1: number of random bytes; prints twice as many hex characters
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

_itest_random_id() {
    # an InfluxDB ID: 16 hex characters, never all zeros
    local id
    id=$(_itest_random_hex 8)
    while [ "$id" = "0000000000000000" ]; do
        id=$(_itest_random_hex 8)
    done
    printf '%s' "$id"
}

_itest_find_server() {
    local dir collections entry
    if [ -n "${INFLUXDB_TEST_SERVER:-}" ]; then
        printf '%s' "$INFLUXDB_TEST_SERVER"
        return 0
    fi
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
    while [ "$dir" != "/" ]; do
        if [ -f "$dir/galaxy.yml" ] && [ -f "$dir/tests/server/influxdb_test_server.py" ]; then
            printf '%s' "$dir/tests/server/influxdb_test_server.py"
            return 0
        fi
        dir=$(dirname "$dir")
    done
    collections="${ANSIBLE_COLLECTIONS_PATH:-${ANSIBLE_COLLECTIONS_PATHS:-}}"
    IFS=: read -r -a _itest_paths <<<"$collections"
    for entry in "${_itest_paths[@]}"; do
        if [ -f "$entry/ansible_collections/influxops/influxdb2/tests/server/influxdb_test_server.py" ]; then
            printf '%s' "$entry/ansible_collections/influxops/influxdb2/tests/server/influxdb_test_server.py"
            return 0
        fi
    done
    return 1
}

_itest_find_python() {
    local candidate
    for candidate in "${INFLUXDB_TEST_PYTHON:-}" python python3; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

influxdb_test_server_stop() {
    if [ -n "${INFLUXDB_TEST_SERVER_PID:-}" ]; then
        kill "$INFLUXDB_TEST_SERVER_PID" 2>/dev/null || true
        wait "$INFLUXDB_TEST_SERVER_PID" 2>/dev/null || true
        INFLUXDB_TEST_SERVER_PID=
    fi
    if [ -n "${INFLUXDB_TEST_DIR:-}" ] && [ -d "$INFLUXDB_TEST_DIR" ]; then
        rm -rf "$INFLUXDB_TEST_DIR"
    fi
}

_itest_start() {
    local server python token ro_token bad_token org_id other_org_id missing_org_id closed_port url line i

    if ! server=$(_itest_find_server); then
        echo "setup_influxdb_test_server: tests/server/influxdb_test_server.py not found" >&2
        return 1
    fi
    if ! python=$(_itest_find_python); then
        echo "setup_influxdb_test_server: no python interpreter found" >&2
        return 1
    fi

    INFLUXDB_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/influxdb-test-server.XXXXXX")
    chmod 700 "$INFLUXDB_TEST_DIR"
    trap influxdb_test_server_stop EXIT

    token=$(_itest_random_hex 24)
    ro_token=$(_itest_random_hex 24)
    bad_token=$(_itest_random_hex 24)
    org_id=$(_itest_random_id)
    other_org_id=$(_itest_random_id)
    missing_org_id=$(_itest_random_id)
    while [ "$other_org_id" = "$org_id" ]; do other_org_id=$(_itest_random_id); done
    while [ "$missing_org_id" = "$org_id" ] || [ "$missing_org_id" = "$other_org_id" ]; do
        missing_org_id=$(_itest_random_id)
    done
    closed_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

    "$python" "$server" --port 0 --token "$token" --read-only-token "$ro_token" \
        --org "edge=$org_id" --org "central-ops=$other_org_id" \
        >"$INFLUXDB_TEST_DIR/stdout" 2>"$INFLUXDB_TEST_DIR/stderr" &
    INFLUXDB_TEST_SERVER_PID=$!

    line=
    for i in $(seq 1 200); do
        line=$(grep -m1 '^READY ' "$INFLUXDB_TEST_DIR/stdout" || true)
        if [ -n "$line" ]; then
            break
        fi
        if ! kill -0 "$INFLUXDB_TEST_SERVER_PID" 2>/dev/null; then
            echo "setup_influxdb_test_server: the server exited before it was ready (after $i polls):" >&2
            cat "$INFLUXDB_TEST_DIR/stderr" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$line" ]; then
        echo "setup_influxdb_test_server: no READY line within 20 seconds:" >&2
        cat "$INFLUXDB_TEST_DIR/stderr" >&2
        return 1
    fi
    url=${line#READY }

    INFLUXDB_TEST_VARS="$INFLUXDB_TEST_DIR/vars.json"
    (
        umask 077
        {
            printf '{\n'
            printf '  "influx_url": "%s",\n' "$url"
            printf '  "influx_token": "%s",\n' "$token"
            printf '  "influx_ro_token": "%s",\n' "$ro_token"
            printf '  "influx_bad_token": "%s",\n' "$bad_token"
            printf '  "influx_org": "edge",\n'
            printf '  "influx_org_id": "%s",\n' "$org_id"
            printf '  "influx_other_org": "central-ops",\n'
            printf '  "influx_other_org_id": "%s",\n' "$other_org_id"
            printf '  "influx_missing_org_id": "%s",\n' "$missing_org_id"
            printf '  "influx_closed_url": "http://127.0.0.1:%s"\n' "$closed_port"
            printf '}\n'
        } >"$INFLUXDB_TEST_VARS"
    )
    # a profile file that does not exist: no influx CLI profile of the machine applies
    INFLUX_CONFIGS_PATH="$INFLUXDB_TEST_DIR/no-influx-configs"
    export INFLUXDB_TEST_VARS INFLUXDB_TEST_DIR INFLUXDB_TEST_SERVER_PID INFLUX_CONFIGS_PATH
    echo "setup_influxdb_test_server: server ready at $url (pid $INFLUXDB_TEST_SERVER_PID)"
}

# The tests configure the modules through options and through the environment themselves:
# nothing may come from the caller's environment or influx CLI profiles.
unset INFLUX_HOST INFLUX_TOKEN INFLUX_ORG INFLUX_ORG_ID INFLUX_SKIP_VERIFY INFLUX_ACTIVE_CONFIG INFLUX_TRACE_SPAN

_itest_start
_itest_rc=$?
if [ "$_itest_xtrace" = 1 ]; then set -x; fi
if [ "$_itest_rc" != 0 ]; then
    exit "$_itest_rc"
fi
