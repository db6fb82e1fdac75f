#!/usr/bin/env bash
# No token in any output: run a playbook that takes every path of the modules, and the
# playbooks of influx_remote, at -vvvv --diff, with unique random tokens; then search stdout,
# stderr, every task result, the results written by the playbook and the test server's own
# output and request log for each token.
#
# Together, secrets.yml and the two playbooks of influx_remote run every line of module code
# that the playbooks of all the module targets (influx_remote, influx_remote_info,
# influx_remotes, and influx_remote/verbose.yml) run; the playbooks of influx_remote_info and
# influx_remotes would add no module code path, only run time. secrets.yml holds the error
# paths that only those targets took before (an invalid or unknown ID, a bad token for
# influx_remote_info, a name twice and a missing remote_url for influx_remotes).
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

out="$INFLUXDB_TEST_DIR/secrets-out"
mkdir "$out"
secrets="$INFLUXDB_TEST_DIR/secrets.txt"
token_vars="$INFLUXDB_TEST_DIR/token-vars.json"
inventory=../setup_influxdb_test_server/inventory.ini
masked=VALUE_SPECIFIED_IN_NO_LOG_PARAMETER

# Random tokens: the server's (from the setup) and the remote API tokens.
# influx_remote's playbooks generate their own; extra vars take their place.
{ set +x; } 2>/dev/null
random_token() {
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}
(
    umask 077
    a=$(random_token) b=$(random_token) c=$(random_token)
    r=()
    for _ in 1 2 3; do r+=("$(random_token)"); done
    printf '{"secret_remote_token_a": "%s", "secret_remote_token_b": "%s", "secret_remote_token_c": "%s",\n' "$a" "$b" "$c"
    printf ' "remote_tokens": ["%s", "%s", "%s"]}\n' "${r[@]}"
) >"$token_vars"
(
    umask 077
    {
        grep -o '"[0-9a-f]\{48\}"' "$token_vars" | tr -d '"'
        sed -n 's/^ *"influx_[a-z_]*token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS"
    } >"$secrets"
)
set -x
# 3 + 3 remote API tokens, 3 server tokens, all different
test "$(sort -u "$secrets" | wc -l)" -eq 9

export ANSIBLE_CALLBACK_PLUGINS="$PWD/callback_plugins" ANSIBLE_CALLBACKS_ENABLED=result_recorder
# ansible-core 2.21 and later return a module's invocation only when asked: ask, so that the
# masking of the token options in it is checked there too (earlier versions always return it).
export ANSIBLE_INJECT_INVOCATION=true
export RESULT_RECORDER_FILE="$out/results.jsonl"

# run NAME PLAYBOOK [ARG...]: the playbook at -vvvv --diff, output to $out/NAME.{stdout,stderr}
run() {
    local name=$1 playbook=$2 start=$SECONDS
    shift 2
    ansible-playbook -i "$inventory" "$playbook" -e "@${INFLUXDB_TEST_VARS}" -e "@${token_vars}" \
        --diff -vvvv "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || {
        tail -n 60 "$out/$name.stdout" "$out/$name.stderr"
        return 1
    }
    echo "$name: $((SECONDS - start)) s"
}

# run_env NAME PLAYBOOK [ARG...]: run, with the all-access token of the server in INFLUX_TOKEN in
# the environment of ansible-playbook (the modules inherit it over the local connection).
run_env() {
    { set +x; } 2>/dev/null
    local rc=0
    INFLUX_TOKEN=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS") run "$@" || rc=$?
    set -x
    return "$rc"
}

# 1. Module tasks only: no token may appear anywhere. One task takes the server token from
#    INFLUX_TOKEN.
run_env secrets secrets.yml -e "secret_results_file=$out/secrets-results.json"

# 2. The playbooks of influx_remote: playbook.yml, and from_environment.yml, run as its runme.sh
#    does (INFLUX_TOKEN in the environment of ansible-playbook). playbook.yml's own tasks show
#    tokens at -vvvv (the uri tasks' Authorization header and request bodies, set_fact of the
#    tokens): in its output only the sections of the collection's module tasks are searched, and
#    its stderr in full. from_environment.yml has no such task: its whole output is searched.
#    Every result of a module of the collection is checked in full, from the callback's records.
(cd ../influx_remote && run influx_remote playbook.yml)
(cd ../influx_remote && run_env influx_remote-env from_environment.yml)

# The server's own output and request log are part of the search.
cp "$INFLUXDB_TEST_SERVER_STDERR" "$out/server.stderr"
cp "$INFLUXDB_TEST_SERVER_LOG" "$out/server.log"
test -s "$out/server.stderr"
test -s "$out/server.log"

# The module invocations are shown at -vvvv, with the tokens masked.
grep -c -F "\"token\": \"$masked\"" "$out/secrets.stdout"
grep -q -F "\"remote_api_token\": \"$masked\"" "$out/secrets.stdout"

{ set +x; } 2>/dev/null
"$INFLUXDB_TEST_PYTHON_BIN" check_leaks.py --secrets "$secrets" --records "$RESULT_RECORDER_FILE" \
    --min-invocations 80 --min-sections 50 \
    --strict "$out/secrets.stdout" --strict "$out/secrets.stderr" --strict "$out/secrets-results.json" \
    --strict "$out/server.stderr" --strict "$out/server.log" \
    --tasks "$out/influx_remote.stdout" --strict "$out/influx_remote.stderr" \
    --strict "$out/influx_remote-env.stdout" --strict "$out/influx_remote-env.stderr"
set -x

echo "no token in $(cat "$out"/* | wc -l) lines of output"
