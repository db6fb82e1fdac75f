#!/usr/bin/env bash
# Benchmarks of the influxops.influxdb2 collection, in one command:
#
#     bench/run.sh            # full run: N=50, repeat=3, H=50, R=5, Q=2, forks=10
#     bench/run.sh --quick    # smoke run: N=10, H=5, R=2, Q=2
#     bench/run.sh --only replications --hosts 10 --remotes 2 --replications 2
#     bench/run.sh --only edr --hosts 5
#     bench/run.sh --help     # every flag
#
# It picks a Python environment with ansible-core, then runs bench/run.py, which starts the
# test servers, runs the scenarios (per-task overhead, fleet converge, fleet converge with
# replications, EDR from zero) and prints markdown tables. See bench/README.md.
#
# Python environment, the first that exists:
#   1. $BENCH_VENV (a virtual environment directory with ansible-playbook in bin/)
#   2. ${XDG_CACHE_HOME:-~/.cache}/influxops-influxdb2/bench-venv, created on first use from
#      tests/ci/requirements-2.19.txt (Python 3.11) or requirements-2.21.txt (Python 3.12+)
#
# Exit status: 0 all targets met, 1 the benchmark failed (a play failed, wrong server state),
# 2 bad command line, 3 the benchmark ran but missed a target.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE_VENV=${XDG_CACHE_HOME:-$HOME/.cache}/influxops-influxdb2/bench-venv

has_ansible() {
    [[ -x "$1/bin/python" && -x "$1/bin/ansible-playbook" ]]
}

pick_venv() {
    if [[ -n "${BENCH_VENV:-}" ]]; then
        if ! has_ansible "$BENCH_VENV"; then
            echo "BENCH_VENV=$BENCH_VENV has no bin/python and bin/ansible-playbook" >&2
            return 1
        fi
        echo "$BENCH_VENV"
        return 0
    fi
    if has_ansible "$CACHE_VENV"; then
        echo "$CACHE_VENV"
        return 0
    fi
    return 1
}

create_venv() {
    local python=${BENCH_PYTHON:-python3} minor requirements
    minor=$("$python" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)')
    if (( minor >= 12 )); then
        requirements=$REPO/tests/ci/requirements-2.21.txt
    elif (( minor == 11 )); then
        requirements=$REPO/tests/ci/requirements-2.19.txt
    else
        echo "$python is Python 3.$minor; ansible-core 2.19 needs Python 3.11 or later (set BENCH_PYTHON)" >&2
        return 1
    fi
    echo "creating $CACHE_VENV from $requirements" >&2
    "$python" -m venv "$CACHE_VENV"
    "$CACHE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
}

export LC_ALL=C.UTF-8

if ! VENV=$(pick_venv); then
    create_venv
    VENV=$CACHE_VENV
fi
echo "using $VENV" >&2
exec "$VENV/bin/python" "$REPO/bench/run.py" "$@"
