#!/usr/bin/env bash
# The whole test suite of the influxops.influxdb2 collection, in one command:
#
#     bash tests/run.sh [SESSION ...]
#
# Runs the nox sessions of noxfile.py and antsibull-nox.toml (all of them by default; see
# tests/README.md) side by side with `nox --parallel`, then prints a table with each session's
# result, test counts and time, and the closing line "N passed, N failed"
# (tests/ci/results.py). nox and antsibull-nox come from tests/ci/requirements-nox.txt, in
# .nox/.runner, on Python 3.12: the sessions that name no Python use the one nox runs on. The
# exit status is non-zero when a session failed.
#
# NOX_JOBS   sessions at once (default 5: the three integration runs start first and often
#            wait on the test server's delays; the other slots run the rest in turn)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
export LC_ALL=C.UTF-8
# plain text in the log (molecule and ansible-lint color their output even when it goes to a pipe)
export NO_COLOR=1
# the collection under test must come from the session's copy only
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

runner=.nox/.runner
python=python3.12
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3.12; do
    # a real interpreter: a pyenv shim answers only for the pyenv version in use
    [ -x "$candidate" ] && python=$candidate
done
if ! cmp -s tests/ci/requirements-nox.txt "$runner/requirements-nox.txt"; then
    rm -rf "$runner"
    # pip installs uv, and uv the rest (half the CPU time of pip alone)
    uv_pin=$(grep -E '^uv==' tests/ci/requirements-nox.txt)
    "$python" -m venv "$runner" && "$runner/bin/python" -m pip install --quiet "$uv_pin" \
        && "$runner/bin/uv" pip install --quiet --python "$runner/bin/python" -r tests/ci/requirements-nox.txt || exit 2
    cp tests/ci/requirements-nox.txt "$runner/requirements-nox.txt"
fi

mkdir -p tests/output/ci
rm -f tests/output/ci/report.json
log=tests/output/ci/nox.log
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
start=$SECONDS
"$runner/bin/nox" --parallel "${NOX_JOBS:-5}" --allow-parallel --report tests/output/ci/report.json \
    ${1+--sessions "$@"} 2>&1 | tee "$log"
echo "Wall time: $((SECONDS - start)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$runner/bin/python" tests/ci/results.py tests/output/ci/report.json "$log"
