#!/usr/bin/env bash
# Runs the molecule scenario of the influxops.influxdb2.remotes role end to end:
#
#     PATH=/path/to/venv/bin:$PATH bash tests/molecule.sh [MOLECULE TEST ARGS...]
#
# The first python on PATH must belong to a venv with ansible-core (2.19 or later). molecule
# 26.10.x is installed into that venv when it is missing. The script starts the bundled test
# server (tests/server/influxdb_test_server.py) on a free port with a random token and
# organization ID, passes them to the scenario (roles/remotes/molecule/default) through
# MOLECULE_INFLUX_HOST, MOLECULE_INFLUX_TOKEN and MOLECULE_INFLUX_ORG_ID, runs
# `molecule test` (syntax, prepare, check, converge, idempotence, verify; no instance is
# created or destroyed), stops the server and exits with molecule's status.
#
# The collection is made visible to Ansible through a temporary ANSIBLE_COLLECTIONS_PATH that
# links to this checkout, so nothing is installed into ~/.ansible/collections.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROLE_DIR=$REPO/roles/remotes
MOLECULE_SPEC='molecule==26.10.*'

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1}
export ANSIBLE_FORCE_COLOR=false
export NO_COLOR=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-molecule.XXXXXX")
SERVER_PID=""

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PYTHON=$(command -v python || command -v python3 || true)
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import ansible' 2>/dev/null; then
    echo "tests/molecule.sh: the first python on PATH ($PYTHON) has no ansible-core;" \
        "put the bin folder of a venv with ansible-core first on PATH" >&2
    exit 2
fi
VENV_BIN=$(dirname "$PYTHON")
if ! [ -x "$VENV_BIN/ansible-playbook" ]; then
    echo "tests/molecule.sh: $VENV_BIN has no ansible-playbook" >&2
    exit 2
fi

if ! [ -x "$VENV_BIN/molecule" ] || ! "$PYTHON" -c 'import importlib.metadata as m, sys; sys.exit(not m.version("molecule").startswith("26.10."))' 2>/dev/null; then
    echo "Installing $MOLECULE_SPEC into $(dirname "$VENV_BIN")"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "$MOLECULE_SPEC"
fi
"$PYTHON" -c 'import importlib.metadata as m; print("molecule", m.version("molecule"), "with ansible-core", m.version("ansible-core"))'

# the collection, as Ansible finds installed collections
mkdir -p "$WORK/collections/ansible_collections/influxops"
ln -s "$REPO" "$WORK/collections/ansible_collections/influxops/influxdb2"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections

# the test server: a free port, a random token, one organization
MOLECULE_INFLUX_TOKEN=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')
MOLECULE_INFLUX_ORG_ID=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(8))')
"$PYTHON" "$REPO/tests/server/influxdb_test_server.py" --port 0 --token "$MOLECULE_INFLUX_TOKEN" \
    --org "molecule=$MOLECULE_INFLUX_ORG_ID" >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
SERVER_PID=$!
line=""
for _ in $(seq 1 100); do
    line=$(grep -m 1 '^READY ' "$WORK/server.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "The test server stopped before it was ready:" >&2
        cat "$WORK/server.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$line" ]; then
    echo "The test server did not print its READY line within 10 seconds" >&2
    exit 1
fi
export MOLECULE_INFLUX_HOST=${line#READY }
export MOLECULE_INFLUX_TOKEN MOLECULE_INFLUX_ORG_ID
echo "Test server at $MOLECULE_INFLUX_HOST (organization molecule, ID $MOLECULE_INFLUX_ORG_ID; pid $SERVER_PID)"

start=$SECONDS
rc=0
(cd "$ROLE_DIR" && molecule test "$@") || rc=$?
echo "molecule test: exit status $rc after $((SECONDS - start)) s"
exit "$rc"
