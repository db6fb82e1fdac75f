#!/usr/bin/env bash
# No token in any output: run a playbook that takes every path of the modules, and the
# playbooks of the other integration targets, at -vvvv --diff, with unique random tokens;
# then search stdout, stderr, every task result, the results written by the playbook and the
# test server's own output and request log for each token.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

out="$INFLUXDB_TEST_DIR/secrets-out"
mkdir "$out"
secrets="$INFLUXDB_TEST_DIR/secrets.txt"
token_vars="$INFLUXDB_TEST_DIR/token-vars.json"
inventory=../setup_influxdb_test_server/inventory.ini
masked=VALUE_SPECIFIED_IN_NO_LOG_PARAMETER

# Random tokens: the server's (from the setup) and one set of remote API tokens per playbook.
# The playbooks of the other targets generate their own; extra vars take their place.
{ set +x; } 2>/dev/null
random_token() {
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}
(
    umask 077
    a=$(random_token) b=$(random_token) c=$(random_token) v=$(random_token) i=$(random_token)
    r=() s=()
    for _ in 1 2 3; do r+=("$(random_token)"); done
    for _ in $(seq 1 10); do s+=("$(random_token)"); done
    printf '{"secret_remote_token_a": "%s", "secret_remote_token_b": "%s", "secret_remote_token_c": "%s",\n' "$a" "$b" "$c"
    printf ' "verbose_remote_token": "%s", "remote_token": "%s",\n' "$v" "$i"
    printf ' "remote_tokens_3": ["%s", "%s", "%s"],\n' "${r[@]}"
    printf ' "remote_tokens_10": ["%s", "%s", "%s", "%s", "%s", "%s", "%s", "%s", "%s", "%s"]}\n' "${s[@]}"
) >"$token_vars"
(
    umask 077
    {
        grep -o '"[0-9a-f]\{48\}"' "$token_vars" | tr -d '"'
        sed -n 's/^ *"influx_[a-z_]*token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS"
    } >"$secrets"
)
set -x
# 3 + 2 + 3 + 10 remote API tokens, 3 server tokens, all different
test "$(sort -u "$secrets" | wc -l)" -eq 21

export ANSIBLE_CALLBACK_PLUGINS="$PWD/callback_plugins" ANSIBLE_CALLBACKS_ENABLED=result_recorder
# ansible-core 2.21 and later return a module's invocation only when asked: ask, so that the
# masking of the token options in it is checked there too (earlier versions always return it).
export ANSIBLE_INJECT_INVOCATION=true
export RESULT_RECORDER_FILE="$out/results.jsonl"

# run NAME PLAYBOOK [ARG...]: the playbook at -vvvv --diff, output to $out/NAME.{stdout,stderr}
run() {
    local name=$1 playbook=$2
    shift 2
    ansible-playbook -i "$inventory" "$playbook" -e "@${INFLUXDB_TEST_VARS}" -e "@${token_vars}" \
        --diff -vvvv "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || {
        tail -n 60 "$out/$name.stdout" "$out/$name.stderr"
        return 1
    }
}

# 1. Module tasks only: no token may appear anywhere. One task takes the server token from
#    INFLUX_TOKEN.
{ set +x; } 2>/dev/null
INFLUX_TOKEN=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS") \
    run secrets secrets.yml -e "secret_results_file=$out/secrets-results.json"
set -x

# 2. The playbooks of the other targets. Their own tasks show tokens at -vvvv (the uri tasks'
#    Authorization header and request bodies, set_fact of the tokens): in their output only the
#    sections of the collection's module tasks are searched, and their stderr in full; every
#    result of a module of the collection is checked in full, from the callback's records.
suite=()
for target in influx_remote influx_remote_info influx_remotes; do
    if [ -f "../$target/playbook.yml" ]; then
        suite+=("$target")
    fi
done
for target in "${suite[@]}"; do
    case $target in
        influx_remote) extra='{"remote_tokens": "{{ remote_tokens_3 }}"}' ;;
        influx_remotes) extra='{"remote_tokens": "{{ remote_tokens_10 }}"}' ;;
        *) extra='{}' ;;
    esac
    (cd "../$target" && run "$target" playbook.yml -e "$extra")
done
if [ -f ../influx_remote/verbose.yml ]; then
    (cd ../influx_remote && run influx_remote-verbose verbose.yml)
fi

# The server's own output and request log are part of the search.
cp "$INFLUXDB_TEST_SERVER_STDERR" "$out/server.stderr"
cp "$INFLUXDB_TEST_SERVER_LOG" "$out/server.log"
test -s "$out/server.stderr"
test -s "$out/server.log"

# The module invocations are shown at -vvvv, with the tokens masked.
grep -c -F "\"token\": \"$masked\"" "$out/secrets.stdout"
grep -q -F "\"remote_api_token\": \"$masked\"" "$out/secrets.stdout"

checked=()
for target in "${suite[@]}"; do
    checked+=(--tasks "$out/$target.stdout" --strict "$out/$target.stderr")
done
{ set +x; } 2>/dev/null
"$INFLUXDB_TEST_PYTHON_BIN" check_leaks.py --secrets "$secrets" --records "$RESULT_RECORDER_FILE" --min-invocations 100 \
    --strict "$out/secrets.stdout" --strict "$out/secrets.stderr" --strict "$out/secrets-results.json" \
    --strict "$out/server.stderr" --strict "$out/server.log" \
    --strict "$out/influx_remote-verbose.stdout" --strict "$out/influx_remote-verbose.stderr" \
    "${checked[@]}"
set -x

echo "no token in $(cat "$out"/* | wc -l) lines of output"
