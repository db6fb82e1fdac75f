# shellcheck shell=bash
# Start the InfluxDB test server for one integration target, through tests/server/launch.py.
#
# Source this file from a target's runme.sh (the target's aliases must hold
# needs/target/setup_influxdb_test_server). It
#   - starts the server (launch.py start) with random tokens and two organizations,
#   - writes the connection details to a JSON extra-vars file whose path is exported
#     as INFLUXDB_TEST_VARS (use it with: ansible-playbook -e "@${INFLUXDB_TEST_VARS}"),
#   - puts the integration targets on ANSIBLE_ROLES_PATH, so that playbooks use the shared
#     task files of this target (tasks/*.yml) with
#     ansible.builtin.include_role: {name: setup_influxdb_test_server, tasks_from: read_server},
#   - stops the servers (launch.py stop) and removes their files when the calling shell exits.
#
# Variables in the extra-vars file:
#   influx_url             base URL of the server, e.g. http://127.0.0.1:40123
#   influx_token           all-access token
#   influx_ro_token        token that may read everything and write nothing
#   influx_bad_token       a token that the server does not know
#   influx_org             name of the first organization;  influx_org_id its ID
#   influx_bucket          name of a bucket of the first organization; influx_bucket_id its ID
#   influx_other_org       name of the second organization; influx_other_org_id its ID
#   influx_missing_org_id  a valid ID that is no organization on the server
#   influx_closed_url      http://127.0.0.1:<port> where nothing listens
#
# Also exported:
#   INFLUXDB_TEST_DIR            private temporary directory of the run (removed at exit)
#   INFLUXDB_TEST_SERVER_PID     process ID of the server
#   INFLUXDB_TEST_SERVER_SCRIPT  path of influxdb_test_server.py (make_test_certs.py is next to it)
#   INFLUXDB_TEST_PYTHON_BIN     interpreter that runs the server
#   INFLUXDB_TEST_SERVER_STDERR  the server's stderr (it runs with --verbose: one line per request)
#   INFLUXDB_TEST_SERVER_LOG     the server's --log-file (one JSON line per recorded request)
#
# influxdb_test_random_hex N prints 2N random hexadecimal characters (a token with N=24);
# influxdb_test_random_id prints a random InfluxDB ID (16 hex characters, never all zeros).
#
# influxdb_test_server_start_another VAR NAME [SERVER OPTION...] starts one more server with the
# same tokens and organizations plus the given options (such as --tls-cert/--tls-key/--client-ca),
# sets VAR to its URL, writes its output to $INFLUXDB_TEST_DIR/NAME.{stdout,stderr,log}, and
# stops it at exit too.
#
# Optional environment: INFLUXDB_TEST_PYTHON (interpreter for the server),
# INFLUXDB_TEST_SERVER (path of influxdb_test_server.py; launch.py is next to it).

# Never trace the commands below: they handle the tokens.
case $- in *x*) _itest_xtrace=1 ;; *) _itest_xtrace=0 ;; esac
{ set +x; } 2>/dev/null

influxdb_test_random_hex() {
    # $1: number of random bytes; prints twice as many hex characters
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

influxdb_test_random_id() {
    # an InfluxDB ID: 16 hex characters, never all zeros
    local id
    id=$(influxdb_test_random_hex 8)
    while [ "$id" = "0000000000000000" ]; do
        id=$(influxdb_test_random_hex 8)
    done
    printf '%s' "$id"
}

_itest_find_server() {
    local dir collections entry suffix=tests/server/influxdb_test_server.py
    if [ -n "${INFLUXDB_TEST_SERVER:-}" ]; then
        printf '%s' "$INFLUXDB_TEST_SERVER"
        return 0
    fi
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
    while [ "$dir" != "/" ]; do
        if [ -f "$dir/galaxy.yml" ] && [ -f "$dir/$suffix" ]; then
            printf '%s' "$dir/$suffix"
            return 0
        fi
        dir=$(dirname "$dir")
    done
    collections="${ANSIBLE_COLLECTIONS_PATH:-${ANSIBLE_COLLECTIONS_PATHS:-}}"
    IFS=: read -r -a _itest_paths <<<"$collections"
    for entry in "${_itest_paths[@]}"; do
        if [ -f "$entry/ansible_collections/influxops/influxdb2/$suffix" ]; then
            printf '%s' "$entry/ansible_collections/influxops/influxdb2/$suffix"
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

_itest_launcher() {
    "$INFLUXDB_TEST_PYTHON_BIN" "$(dirname "$INFLUXDB_TEST_SERVER_SCRIPT")/launch.py" "$@"
}

_itest_state() {
    # _itest_state NAME KEY: one value of the state file that launch.py wrote for server NAME
    "$INFLUXDB_TEST_PYTHON_BIN" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$INFLUXDB_TEST_DIR/$1.state" "$2"
}

influxdb_test_server_stop() {
    local state
    if [ -n "${INFLUXDB_TEST_DIR:-}" ] && [ -d "$INFLUXDB_TEST_DIR" ]; then
        for state in "$INFLUXDB_TEST_DIR"/*.state; do
            if [ -f "$state" ]; then
                _itest_launcher stop --state "$state"
            fi
        done
        rm -rf "$INFLUXDB_TEST_DIR"
    fi
    INFLUXDB_TEST_SERVER_PID=
}

# _itest_launch NAME [SERVER OPTION...]: start a server with the tokens and organizations of this
# run (launch.py writes $INFLUXDB_TEST_DIR/NAME.state and NAME.{stdout,stderr,log}); sets _itest_url.
_itest_launch() {
    local name=$1
    shift
    _itest_url=$(_itest_launcher start --state "$INFLUXDB_TEST_DIR/$name.state" --python "$INFLUXDB_TEST_PYTHON_BIN" -- \
        --token "$_itest_token" --read-only-token "$_itest_ro_token" \
        --org "edge=$_itest_org_id" --org "central-ops=$_itest_other_org_id" \
        --bucket "edge=telemetry=$_itest_bucket_id" "$@") || {
        echo "setup_influxdb_test_server: the server $name did not start" >&2
        return 1
    }
}

influxdb_test_server_start_another() {
    local var=$1 name=$2 trace=0 rc=0
    shift 2
    case $- in *x*) trace=1 ;; esac
    { set +x; } 2>/dev/null
    if _itest_launch "$name" "$@"; then
        printf -v "$var" '%s' "$_itest_url"
        echo "setup_influxdb_test_server: server $name ready at $_itest_url (pid $(_itest_state "$name" pid))"
    else
        rc=1
    fi
    if [ "$trace" = 1 ]; then set -x; fi
    return "$rc"
}

_itest_start() {
    local server python missing_org_id closed_port

    if ! server=$(_itest_find_server); then
        echo "setup_influxdb_test_server: tests/server/influxdb_test_server.py not found" >&2
        return 1
    fi
    if ! python=$(_itest_find_python); then
        echo "setup_influxdb_test_server: no python interpreter found" >&2
        return 1
    fi
    INFLUXDB_TEST_SERVER_SCRIPT=$server
    INFLUXDB_TEST_PYTHON_BIN=$python

    INFLUXDB_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/influxdb-test-server.XXXXXX")
    chmod 700 "$INFLUXDB_TEST_DIR"
    trap influxdb_test_server_stop EXIT

    _itest_token=$(influxdb_test_random_hex 24)
    _itest_ro_token=$(influxdb_test_random_hex 24)
    _itest_bad_token=$(influxdb_test_random_hex 24)
    _itest_org_id=$(influxdb_test_random_id)
    _itest_bucket_id=$(influxdb_test_random_id)
    _itest_other_org_id=$(influxdb_test_random_id)
    missing_org_id=$(influxdb_test_random_id)
    while [ "$_itest_other_org_id" = "$_itest_org_id" ]; do _itest_other_org_id=$(influxdb_test_random_id); done
    while [ "$missing_org_id" = "$_itest_org_id" ] || [ "$missing_org_id" = "$_itest_other_org_id" ]; do
        missing_org_id=$(influxdb_test_random_id)
    done
    closed_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

    _itest_launch server || return 1
    INFLUXDB_TEST_SERVER_PID=$(_itest_state server pid)
    INFLUXDB_TEST_SERVER_STDERR=$(_itest_state server stderr_file)
    INFLUXDB_TEST_SERVER_LOG=$(_itest_state server log_file)

    INFLUXDB_TEST_VARS="$INFLUXDB_TEST_DIR/vars.json"
    (
        umask 077
        {
            printf '{\n'
            printf '  "influx_url": "%s",\n' "$_itest_url"
            printf '  "influx_token": "%s",\n' "$_itest_token"
            printf '  "influx_ro_token": "%s",\n' "$_itest_ro_token"
            printf '  "influx_bad_token": "%s",\n' "$_itest_bad_token"
            printf '  "influx_org": "edge",\n'
            printf '  "influx_org_id": "%s",\n' "$_itest_org_id"
            printf '  "influx_bucket": "telemetry",\n'
            printf '  "influx_bucket_id": "%s",\n' "$_itest_bucket_id"
            printf '  "influx_other_org": "central-ops",\n'
            printf '  "influx_other_org_id": "%s",\n' "$_itest_other_org_id"
            printf '  "influx_missing_org_id": "%s",\n' "$missing_org_id"
            printf '  "influx_closed_url": "http://127.0.0.1:%s"\n' "$closed_port"
            printf '}\n'
        } >"$INFLUXDB_TEST_VARS"
    )
    # a profile file that does not exist: no influx CLI profile of the machine applies
    INFLUX_CONFIGS_PATH="$INFLUXDB_TEST_DIR/no-influx-configs"
    # the shared task files: include_role name=setup_influxdb_test_server tasks_from=...
    ANSIBLE_ROLES_PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)${ANSIBLE_ROLES_PATH:+:$ANSIBLE_ROLES_PATH}"
    export INFLUXDB_TEST_VARS INFLUXDB_TEST_DIR INFLUXDB_TEST_SERVER_PID INFLUX_CONFIGS_PATH ANSIBLE_ROLES_PATH \
        INFLUXDB_TEST_SERVER_SCRIPT INFLUXDB_TEST_PYTHON_BIN INFLUXDB_TEST_SERVER_STDERR INFLUXDB_TEST_SERVER_LOG
    echo "setup_influxdb_test_server: server ready at $_itest_url (pid $INFLUXDB_TEST_SERVER_PID)"
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
