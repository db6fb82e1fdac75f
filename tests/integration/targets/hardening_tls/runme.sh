#!/usr/bin/env bash
# TLS options of the modules against HTTPS test servers: a certificate from a test CA, a
# self-signed certificate, and mutual TLS.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

certs="$INFLUXDB_TEST_DIR/certs"
ca_url='' self_url='' mtls_url=''
"$INFLUXDB_TEST_PYTHON_BIN" "$(dirname "$INFLUXDB_TEST_SERVER_SCRIPT")/make_test_certs.py" "$certs"

influxdb_test_server_start_another ca_url tls-ca \
    --tls-cert "$certs/server.pem" --tls-key "$certs/server.key"
influxdb_test_server_start_another self_url tls-self \
    --tls-cert "$certs/selfsigned.pem" --tls-key "$certs/selfsigned.key"
influxdb_test_server_start_another mtls_url tls-mutual \
    --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" --client-ca "$certs/ca.pem"

ansible-playbook -i ../setup_influxdb_test_server/inventory.ini playbook.yml \
    -e "@${INFLUXDB_TEST_VARS}" -e "tls_ca_url=${ca_url} tls_self_url=${self_url} tls_mutual_url=${mtls_url}" \
    -e "tls_certs=${certs}" "$@"
