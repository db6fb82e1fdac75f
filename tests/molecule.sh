#!/usr/bin/env bash
# Runs the molecule scenario of the influxops.influxdb2.remotes role end to end:
#
#     PATH=/path/to/venv/bin:$PATH bash tests/molecule.sh [MOLECULE TEST ARGS...]
#
# which is `cd roles/remotes && molecule test`: the scenario (roles/remotes/molecule/default)
# links this checkout as the collection and starts and stops its own test server. This script
# only makes sure that molecule can run: the first python on PATH must belong to a venv with
# ansible-core (2.19 or later), and molecule 26.10.x is installed into that venv when it is
# missing. It exits with molecule's status.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROLE_DIR=$REPO/roles/remotes
MOLECULE_SPEC='molecule==26.10.*'

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1}
export ANSIBLE_FORCE_COLOR=false
export NO_COLOR=1

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

start=$SECONDS
rc=0
(cd "$ROLE_DIR" && molecule test "$@") || rc=$?
echo "molecule test: exit status $rc after $((SECONDS - start)) s"
exit "$rc"
