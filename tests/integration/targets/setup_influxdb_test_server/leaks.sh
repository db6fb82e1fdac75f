# shellcheck shell=bash
# Run playbooks at -vvvv --diff with unique random tokens, then search all their output for
# every token. Source this file after server.sh, from a target's runme.sh.
#
# It writes random remote API tokens to $LEAKS_TOKEN_VARS (extra vars: secret_remote_token_a,
# _b, _c and the list remote_tokens, which take the place of the tokens a playbook generates)
# and every secret of the run (those and the server's tokens) to $LEAKS_SECRETS, and records
# every task result in $LEAKS_OUT/results.jsonl (callback_plugins/result_recorder.py).
#
# leaks_run NAME PLAYBOOK [ARG...]       the playbook at -vvvv --diff; output in $LEAKS_OUT/NAME.{stdout,stderr}
# leaks_run_env NAME PLAYBOOK [ARG...]   the same, with the server's all-access token in INFLUX_TOKEN in the
#                                        environment of ansible-playbook (the modules inherit it)
# leaks_check [check_leaks.py OPTION...] search the results, the server's output and request log (always
#                                        in full) and the given files; fails on any token found

case $- in *x*) _leaks_xtrace=1 ;; *) _leaks_xtrace=0 ;; esac
{ set +x; } 2>/dev/null
LEAKS_OUT="$INFLUXDB_TEST_DIR/leaks"
LEAKS_TOKEN_VARS="$INFLUXDB_TEST_DIR/leaks-token-vars.json"
LEAKS_SECRETS="$INFLUXDB_TEST_DIR/leaks-secrets.txt"
_leaks_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
mkdir -m 700 "$LEAKS_OUT"
(
    umask 077
    printf '{"secret_remote_token_a": "%s", "secret_remote_token_b": "%s", "secret_remote_token_c": "%s",\n' \
        "$(influxdb_test_random_hex 24)" "$(influxdb_test_random_hex 24)" "$(influxdb_test_random_hex 24)"
    printf ' "remote_tokens": ["%s", "%s", "%s"]}\n' \
        "$(influxdb_test_random_hex 24)" "$(influxdb_test_random_hex 24)" "$(influxdb_test_random_hex 24)"
) >"$LEAKS_TOKEN_VARS"
(
    umask 077
    {
        grep -o '"[0-9a-f]\{48\}"' "$LEAKS_TOKEN_VARS" | tr -d '"'
        sed -n 's/^ *"influx_[a-z_]*token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS"
    } >"$LEAKS_SECRETS"
)
# 6 remote API tokens and 3 server tokens, all different
if [ "$(sort -u "$LEAKS_SECRETS" | wc -l)" -ne 9 ]; then
    echo "leaks.sh: the tokens of this run are not 9 different ones" >&2
    exit 1
fi

export ANSIBLE_CALLBACK_PLUGINS="$_leaks_dir/callback_plugins" ANSIBLE_CALLBACKS_ENABLED=result_recorder
# ansible-core 2.21 and later return a module's invocation only when asked: ask, so that the
# masking of the token options in it is checked there too (earlier versions always return it).
export ANSIBLE_INJECT_INVOCATION=true
export RESULT_RECORDER_FILE="$LEAKS_OUT/results.jsonl"

leaks_run() {
    local name=$1 playbook=$2 start=$SECONDS
    shift 2
    ansible-playbook -i "$_leaks_dir/inventory.ini" "$playbook" -e "@${INFLUXDB_TEST_VARS}" -e "@${LEAKS_TOKEN_VARS}" \
        --diff -vvvv "$@" >"$LEAKS_OUT/$name.stdout" 2>"$LEAKS_OUT/$name.stderr" || {
        # the end of the output, with the tokens of the run masked (at -vvvv the tests' own uri
        # tasks show them)
        tail -n 60 "$LEAKS_OUT/$name.stdout" "$LEAKS_OUT/$name.stderr" | sed -f <(sed 's/.*/s|&|<token>|g/' "$LEAKS_SECRETS")
        return 1
    }
    echo "$name: $((SECONDS - start)) s"
}

leaks_run_env() {
    local rc=0 trace=0
    case $- in *x*) trace=1 ;; esac
    # never traced: the command line holds the token
    { set +x; } 2>/dev/null
    INFLUX_TOKEN=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS") leaks_run "$@" || rc=$?
    if [ "$trace" = 1 ]; then set -x; fi
    return "$rc"
}

leaks_check() {
    cp "$INFLUXDB_TEST_SERVER_STDERR" "$LEAKS_OUT/server.stderr"
    cp "$INFLUXDB_TEST_SERVER_LOG" "$LEAKS_OUT/server.log"
    if [ ! -s "$LEAKS_OUT/server.stderr" ] || [ ! -s "$LEAKS_OUT/server.log" ]; then
        echo "leaks.sh: the server's output or request log is empty" >&2
        return 1
    fi
    "$INFLUXDB_TEST_PYTHON_BIN" "$_leaks_dir/check_leaks.py" --secrets "$LEAKS_SECRETS" --records "$RESULT_RECORDER_FILE" \
        --strict "$LEAKS_OUT/server.stderr" --strict "$LEAKS_OUT/server.log" "$@" || return 1
    echo "no token in $(cat "$LEAKS_OUT"/* | wc -l) lines of output"
}
if [ "$_leaks_xtrace" = 1 ]; then set -x; fi
