#!/usr/bin/env bash
# Odd tokens, hosts, TLS files and server answers: tokens as a new user stores them (vaulted with
# `echo … | ansible-vault encrypt_string`, in INFLUX_TOKEN with \r\n, in a profile, with a new line)
# work; values that cannot be sent fail before any request; answers that are not what InfluxDB
# sends are not believed. The whole run is at -vvvv, and no secret may be anywhere in its output.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

# Never trace the commands below: they handle the tokens.
{ set +x; } 2>/dev/null
dir="$INFLUXDB_TEST_DIR/robustness"
mkdir -m 700 "$dir"
token=$(sed -n 's/^ *"influx_token": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS")
url=$(sed -n 's/^ *"influx_url": "\([^"]*\)".*$/\1/p' "$INFLUXDB_TEST_VARS")
remote_token="rt-$(influxdb_test_random_hex 16)"
password="pw$(influxdb_test_random_hex 8)"
bad_head="bh$(influxdb_test_random_hex 6)"
bad_tail="bt$(influxdb_test_random_hex 6)"

influxdb_test_random_hex 16 >"$dir/vault-password"
# echo adds the new line that made the token leak
echo "$token" | ansible-vault encrypt_string --vault-password-file "$dir/vault-password" \
    --stdin-name robust_vaulted_token >"$dir/vaulted.yml" 2>/dev/null
printf '{"robust_remote_token": "%s", "robust_password": "%s", "robust_bad_head": "%s", "robust_bad_tail": "%s", "robust_dir": "%s"}\n' \
    "$remote_token" "$password" "$bad_head" "$bad_tail" "$dir" >"$dir/secrets.json"
printf '[robust]\n  url = "%s"\n  token = "%s\\n"\n  org = "edge"\n  active = true\n' "$url" "$token" >"$dir/configs"

# TLS files of the wrong kind: a text file, a certificate with its key, and another key
printf 'not a certificate\n' >"$dir/text.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=robust 2>/dev/null
openssl genrsa -out "$dir/other-key.pem" 2048 2>/dev/null

output="$dir/output.log"
status=0
INFLUX_TOKEN="$token"$'\r\n' ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" -e "@$dir/secrets.json" -e "@$dir/vaulted.yml" \
    --vault-password-file "$dir/vault-password" -vvvv "$@" >"$output" 2>&1 || status=$?
# The playbook's output goes to the log of the test only after the secrets are masked.
sed -e "s/$token/<TOKEN>/g" -e "s/$remote_token/<REMOTE TOKEN>/g" -e "s/$password/<PASSWORD>/g" \
    -e "s/$bad_head/<BAD HEAD>/g" -e "s/$bad_tail/<BAD TAIL>/g" "$output" | tail -n 60
if [ "$status" -ne 0 ]; then
    echo "hardening_robustness: the playbook failed (exit $status)"
    exit "$status"
fi
leaks=0
for name in token remote_token password bad_head bad_tail; do
    if grep -qF -- "${!name}" "$output"; then
        echo "hardening_robustness: the secret '$name' is in the output at -vvvv, here (masked):"
        grep -nF -- "${!name}" "$output" | head -n 5 | sed -e "s/${!name}/<$name>/g" | cut -c1-400
        leaks=1
    fi
done
[ "$leaks" -eq 0 ]
echo "hardening_robustness: no secret in $(wc -l <"$output") lines of output at -vvvv"
