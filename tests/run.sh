#!/usr/bin/env bash
# The whole test suite of the influxops.influxdb2 collection, in one command:
#
#     bash tests/run.sh
#
# For each leg (ansible-core 2.19 on Python 3.11, ansible-core 2.21 on Python 3.12) it
# prepares a virtual environment from tests/ci/requirements-<leg>.txt (reused while that file
# is unchanged), copies the checkout with its .git into a work tree
# .../ansible_collections/influxops/influxdb2/ and runs there:
#   - ansible-test sanity --venv (every test; needs shellcheck), and with the 2.19 leg the
#     compile and import tests on every Python 3.8-3.13 found (the managed hosts' versions)
#   - ansible-test units --venv
#   - ansible-test integration --venv (the targets start the bundled test server)
#   - pytest tests/server (conformance tests of the test server)
# and once, with the 2.21 leg, ansible-lint --profile production.
# It keeps going after a failure, prints the time of each step and ends with the line
# "N passed, N failed". The exit status is non-zero when anything failed.
#
# Environment:
#   TEST_LEGS   legs to run (default "2.19 2.21", less a leg whose Python is missing),
#               e.g. TEST_LEGS=2.19 for a quick run
#   TEST_STEPS  steps to run (default "sanity units integration server lint")
#   TEST_WORK   work tree parent (default: a folder in ${TMPDIR:-/tmp} kept for fast reruns)
#
# Virtual environments live in .venv/ and step logs in tests/output/ci/ (both git-ignored).

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
LEGS=$(echo "${TEST_LEGS:-2.19 2.21}" | tr ',' ' ')
STEPS=$(echo "${TEST_STEPS:-sanity units integration server lint}" | tr ',' ' ')
VENVS=$REPO/.venv
LOGS=$REPO/tests/output/ci
COLLECTION_SUBDIR=ansible_collections/influxops/influxdb2
REPO_KEY=$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
WORK=${TEST_WORK:-${TMPDIR:-/tmp}/influxops-influxdb2-ci-$REPO_KEY}
COPY=$WORK/$COLLECTION_SUBDIR
PYBIN=$WORK/python-bin
LINT_LEG=2.21
# the leg whose ansible-test also compiles and imports the modules with Python 3.8-3.13
ALL_TARGETS_LEG=2.19

# ansible-core refuses to run without a UTF-8 locale
export LC_ALL=C.UTF-8
# the collection under test must come from the work tree only
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

# results table, one row per step
ROW_NAMES=()
ROW_RESULTS=()
ROW_PASSED=()
ROW_FAILED=()
ROW_SECONDS=()
ROW_NOTES=()

log() {
    printf '\n=== %s\n' "$*"
}

record() {
    # record NAME RESULT PASSED FAILED SECONDS NOTE
    ROW_NAMES+=("$1")
    ROW_RESULTS+=("$2")
    ROW_PASSED+=("$3")
    ROW_FAILED+=("$4")
    ROW_SECONDS+=("$5")
    ROW_NOTES+=("$6")
}

has_word() {
    # has_word WORD LIST
    case " $2 " in
        *" $1 "*) return 0 ;;
    esac
    return 1
}

leg_python() {
    case "$1" in
        2.19) echo 3.11 ;;
        2.21) echo 3.12 ;;
        *) return 1 ;;
    esac
}

find_python() {
    # Print the path of a real (non-shim) interpreter for version X.Y, or fail.
    local version=$1 candidate real root=""
    local candidates=()

    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root 2>/dev/null || true)
    fi
    if [ -n "$root" ] && [ -d "$root/versions" ]; then
        # highest patch release first
        while IFS= read -r candidate; do
            [ -n "$candidate" ] && candidates+=("$candidate")
        done < <(printf '%s\n' "$root/versions/$version".*/bin/"python$version" | sort -V -r)
    fi
    candidates+=("/usr/bin/python$version" "/usr/local/bin/python$version")
    if command -v "python$version" >/dev/null 2>&1; then
        candidates+=("$(command -v "python$version")")
    fi

    for candidate in "${candidates[@]}"; do
        [ -x "$candidate" ] || continue
        # a pyenv shim answers with the interpreter it runs; check the version it reports
        real=$("$candidate" -c 'import sys; print(sys.executable if "%d.%d" % sys.version_info[:2] == sys.argv[1] else "")' "$version" 2>/dev/null) || continue
        if [ -n "$real" ] && [ -x "$real" ]; then
            echo "$real"
            return 0
        fi
    done
    return 1
}

link_pythons() {
    # Put links to real interpreters 3.8-3.13 in $PYBIN, which goes first on PATH, so that
    # ansible-test never runs a pyenv shim.
    local version real found=""
    rm -rf "$PYBIN"
    mkdir -p "$PYBIN"
    for version in 3.8 3.9 3.10 3.11 3.12 3.13; do
        if real=$(find_python "$version"); then
            ln -s "$real" "$PYBIN/python$version"
            found="$found $version"
        fi
    done
    echo "Python interpreters found:${found:- none}"
    FOUND_PYTHONS=$found
}

clean_path() {
    # PATH without pyenv shims
    local entry result=""
    local IFS=:
    for entry in $PATH; do
        case "$entry" in
            */.pyenv/shims | */pyenv/shims) ;;
            *) result="${result:+$result:}$entry" ;;
        esac
    done
    echo "$result"
}

setup_venv() {
    # setup_venv LEG: create or reuse $VENVS/ci-LEG; writes its log and timing under $LOGS
    local leg=$1 python real requirements venv stamp want start
    start=$SECONDS
    python=$(leg_python "$leg")
    requirements=$REPO/tests/ci/requirements-$leg.txt
    venv=$VENVS/ci-$leg
    stamp=$venv/.requirements.sha256

    if ! real=$(find_python "$python"); then
        echo "Python $python not found (needed for the ansible-core $leg leg)"
        return 1
    fi
    want="$(sha256sum <"$requirements" | cut -d' ' -f1) $real"

    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c '' 2>/dev/null; then
        echo "Reusing $venv (requirements unchanged)"
    else
        echo "Creating $venv with $real"
        rm -rf "$venv"
        "$real" -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" || return 1
        echo "$want" >"$stamp"
    fi
    "$venv/bin/python" -m pip --disable-pip-version-check freeze 2>/dev/null | grep -i -E '^(ansible-core|ansible-lint|pytest|requests)==' | tr '\n' ' '
    echo
    echo "$((SECONDS - start))" >"$LOGS/setup-$leg.seconds"
}

install_get_pip() {
    # Cache the offline pip bootstrap stand-in for the pip version the leg's ansible-test wants.
    local venv=$1 source target version
    source=$REPO/tests/ci/get_pip.py
    version=$("$venv/bin/python" - <<'EOF'
import os
import re
import ansible_test

path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(path, encoding='utf-8') as source:
    match = re.search(r"pip='([0-9.]+)'", source.read())
print(match.group(1) if match else '')
EOF
    )
    if [ -z "$version" ]; then
        echo "Could not find the pip version that ansible-test bootstraps in $venv"
        return 1
    fi
    target=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
    mkdir -p "$(dirname "$target")"
    if [ ! -f "$target" ]; then
        cp "$source" "$target"
        echo "Installed the offline pip bootstrap for pip $version: $target"
    elif grep -q 'influxops.influxdb2 offline pip bootstrap' "$target" && ! cmp -s "$source" "$target"; then
        cp "$source" "$target"
        echo "Updated the offline pip bootstrap for pip $version: $target"
    else
        echo "Using the cached pip $version bootstrap: $target"
    fi
}

copy_checkout() {
    # Copy the checkout (tracked and untracked files that git does not ignore, plus .git) to
    # $COPY. ansible-test's own delegation venvs from an earlier run are kept.
    local stash=$WORK/stash path
    rm -rf "$stash"
    if [ -d "$COPY/tests/output/.tmp/delegation" ]; then
        mkdir -p "$stash"
        mv "$COPY/tests/output/.tmp/delegation" "$stash/delegation"
    fi
    rm -rf "${WORK:?}/ansible_collections"
    mkdir -p "$COPY"

    if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
        (
            cd "$REPO" || exit 1
            git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
                if [ -e "$path" ] || [ -L "$path" ]; then
                    printf '%s\0' "$path"
                fi
            done | tar --null --no-recursion -T - -cf -
        ) | tar -xf - -C "$COPY" || return 1
        cp -a "$REPO/.git" "$COPY/.git" || return 1
    else
        echo "WARNING: $REPO is not a git checkout; copying everything but .venv and tests/output"
        tar -C "$REPO" --exclude=./.venv --exclude=./tests/output --exclude=./.ansible -cf - . | tar -xf - -C "$COPY" || return 1
    fi

    if [ -d "$stash/delegation" ]; then
        mkdir -p "$COPY/tests/output/.tmp"
        mv "$stash/delegation" "$COPY/tests/output/.tmp/delegation"
    fi
    rm -rf "$stash"
    echo "Work tree: $COPY ($(find "$COPY" -path "$COPY/.git" -prune -o -path "$COPY/tests/output" -prune -o -type f -print | wc -l) files)"
}

run_logged() {
    # run_logged LOG COMMAND...: run in the work tree with the leg's PATH, tee to LOG
    local logfile=$1
    shift
    (cd "$COPY" && PATH="$PYBIN:$LEG_VENV/bin:$CLEAN_PATH" "$@") 2>&1 | tee "$logfile"
    return "${PIPESTATUS[0]}"
}

clear_results() {
    rm -rf "$COPY/tests/output/junit" "$COPY/tests/output/data" "$COPY/tests/output/bot"
}

finish_step() {
    # finish_step NAME RC START "PASSED FAILED SKIPPED" [NOTE]
    local name=$1 rc=$2 start=$3 passed failed skipped note=${5:-} result=ok
    read -r passed failed skipped <<<"${4:-0 0 0}"
    passed=${passed:-0}
    failed=${failed:-0}
    skipped=${skipped:-0}
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # the tool failed without a failed test to show for it (crash, setup error): count one
        failed=1
        note="${note:+$note; }exit status $rc"
    fi
    [ "$failed" -eq 0 ] || result=FAILED
    [ "$skipped" -eq 0 ] || note="${note:+$note; }$skipped skipped"
    record "$name" "$result" "$passed" "$failed" "$((SECONDS - start))" "$note"
}

skip_step() {
    # skip_step NAME REASON
    echo "SKIPPED: $1: $2"
    record "$1" skipped 0 0 0 "$2"
}

counts() {
    "$LEG_VENV/bin/python" "$REPO/tests/ci/results.py" "$@" 2>/dev/null || echo "0 0 0"
}

step_sanity() {
    local leg=$1 python=$2 name="sanity $1/py$2" logfile="$LOGS/sanity-$1.log" start=$SECONDS rc
    log "$name: ansible-test sanity --venv --python $python"
    clear_results
    run_logged "$logfile" "$LEG_VENV/bin/ansible-test" sanity --venv --python "$python" --junit --color no
    rc=$?
    finish_step "$name" "$rc" "$start" "$(counts junit "$COPY/tests/output/junit")" "tests"

    if [ "$leg" = "$ALL_TARGETS_LEG" ]; then
        # modules run on managed hosts with any supported Python: compile and import them
        # with every interpreter found, not just the controller's
        name="sanity compile+import $leg/all"
        logfile="$LOGS/sanity-targets-$leg.log"
        start=$SECONDS
        log "$name: ansible-test sanity --venv --test compile --test import (Python$FOUND_PYTHONS)"
        clear_results
        run_logged "$logfile" "$LEG_VENV/bin/ansible-test" sanity --venv --test compile --test import --junit --color no
        rc=$?
        finish_step "$name" "$rc" "$start" "$(counts junit "$COPY/tests/output/junit")" "py$(echo "$FOUND_PYTHONS" | tr -s ' ' ',' | sed 's/^,//')"
    fi
}

step_units() {
    local leg=$1 python=$2 name="units $1/py$2" logfile="$LOGS/units-$1.log" start=$SECONDS rc
    if [ -z "$(find "$COPY/tests/unit" -name 'test_*.py' -type f 2>/dev/null | head -n 1)" ]; then
        skip_step "$name" "no tests/unit/**/test_*.py"
        return
    fi
    log "$name: ansible-test units --venv --python $python"
    clear_results
    run_logged "$logfile" "$LEG_VENV/bin/ansible-test" units --venv --python "$python" --color no
    rc=$?
    finish_step "$name" "$rc" "$start" "$(counts pytest "$logfile")" "tests"
}

step_integration() {
    local leg=$1 python=$2 name="integration $1/py$2" logfile="$LOGS/integration-$1.log" start=$SECONDS rc
    if [ -z "$(find "$COPY/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)" ]; then
        skip_step "$name" "no tests/integration/targets/*"
        return
    fi
    log "$name: ansible-test integration --venv --python $python"
    clear_results
    run_logged "$logfile" "$LEG_VENV/bin/ansible-test" integration --venv --python "$python" --continue-on-error --color no
    rc=$?
    local note=targets
    if grep -q 'All targets skipped' "$logfile"; then
        note="targets; ansible-test skipped all targets"
    fi
    finish_step "$name" "$rc" "$start" "$(counts integration "$logfile" "$COPY/tests/output/data")" "$note"
}

step_server() {
    local leg=$1 python=$2 name="server tests py$2" logfile="$LOGS/server-$1.log" start=$SECONDS rc
    if [ -z "$(find "$COPY/tests/server" -name 'test_*.py' -type f 2>/dev/null | head -n 1)" ]; then
        skip_step "$name" "no tests/server/test_*.py"
        return
    fi
    log "$name: python -m pytest tests/server"
    run_logged "$logfile" "$LEG_VENV/bin/python" -m pytest -p no:cacheprovider tests/server
    rc=$?
    finish_step "$name" "$rc" "$start" "$(counts pytest "$logfile")" "tests"
}

step_lint() {
    local name="ansible-lint production" logfile="$LOGS/ansible-lint.log" start=$SECONDS rc
    log "$name: ansible-lint --profile production"
    # the collection resolves from the work tree, so module_defaults groups and FQCNs load
    run_logged "$logfile" env ANSIBLE_COLLECTIONS_PATH="$WORK" "$LEG_VENV/bin/ansible-lint" --profile production --offline --nocolor
    rc=$?
    if [ "$rc" -eq 0 ]; then
        finish_step "$name" 0 "$start" "1 0 0" "check"
    else
        finish_step "$name" "$rc" "$start" "0 1 0" "$(grep -E '^(Failed|Passed):' "$logfile" | tail -n 1 | cut -c1-60)"
    fi
}

print_table() {
    local i total_passed=0 total_failed=0
    printf '\n%-34s %-8s %7s %7s %8s  %s\n' step result passed failed seconds note
    printf '%s\n' "--------------------------------------------------------------------------------"
    for i in "${!ROW_NAMES[@]}"; do
        printf '%-34s %-8s %7s %7s %8s  %s\n' "${ROW_NAMES[$i]}" "${ROW_RESULTS[$i]}" "${ROW_PASSED[$i]}" \
            "${ROW_FAILED[$i]}" "${ROW_SECONDS[$i]}" "${ROW_NOTES[$i]}"
        total_passed=$((total_passed + ROW_PASSED[i]))
        total_failed=$((total_failed + ROW_FAILED[i]))
    done
    printf '%s\n' "--------------------------------------------------------------------------------"
    printf '%-34s %-8s %7s %7s %8s\n' total "" "$total_passed" "$total_failed" "$SECONDS"
    echo "Logs: $LOGS"
    echo
    echo "$total_passed passed, $total_failed failed"
    TOTAL_FAILED=$total_failed
}

main() {
    local leg step python ok_legs="" rc
    for leg in $LEGS; do
        if ! leg_python "$leg" >/dev/null; then
            echo "Unknown leg '$leg' in TEST_LEGS (known: 2.19 2.21)" >&2
            exit 2
        fi
    done
    for step in $STEPS; do
        if ! has_word "$step" "sanity units integration server lint"; then
            echo "Unknown step '$step' in TEST_STEPS (known: sanity units integration server lint)" >&2
            exit 2
        fi
    done
    if has_word sanity "$STEPS" && ! command -v shellcheck >/dev/null 2>&1; then
        echo "ERROR: shellcheck is not installed, and ansible-test sanity needs it." >&2
        echo "Install it (Debian/Ubuntu: apt-get install -y shellcheck) or run: bash .ci/run" >&2
        exit 2
    fi
    if ! command -v git >/dev/null 2>&1; then
        echo "ERROR: git is not installed; the work tree needs the checkout's .git." >&2
        exit 2
    fi

    mkdir -p "$LOGS" "$VENVS" "$WORK"
    # one run at a time per checkout: the venvs, logs and work tree are shared
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$WORK/.lock"
        if ! flock -n 9; then
            echo "Another tests/run.sh of this checkout is running; waiting for it to finish"
            flock 9
        fi
    fi
    rm -f "$LOGS"/*.log "$LOGS"/*.seconds
    CLEAN_PATH=$(clean_path)

    log "Interpreters and virtual environments (legs: $LEGS; steps: $STEPS)"
    link_pythons

    # without TEST_LEGS, a leg whose Python this machine lacks is skipped, not failed
    if [ -z "${TEST_LEGS:-}" ]; then
        local available=""
        for leg in $LEGS; do
            python=$(leg_python "$leg")
            if find_python "$python" >/dev/null; then
                available="$available $leg"
            else
                skip_step "venv $leg/py$python" "Python $python not found"
            fi
        done
        LEGS=$available
    fi

    # the venvs of all legs are prepared side by side (downloads dominate)
    local pids=()
    for leg in $LEGS; do
        setup_venv "$leg" >"$LOGS/setup-$leg.log" 2>&1 &
        pids+=("$!")
    done
    local i=0
    for leg in $LEGS; do
        python=$(leg_python "$leg")
        if wait "${pids[$i]}"; then
            cat "$LOGS/setup-$leg.log"
            LEG_VENV=$VENVS/ci-$leg
            if install_get_pip "$LEG_VENV"; then
                ok_legs="$ok_legs $leg"
                record "venv $leg/py$python" ok 0 0 "$(cat "$LOGS/setup-$leg.seconds")" "$(tail -n 1 "$LOGS/setup-$leg.log")"
            else
                record "venv $leg/py$python" FAILED 0 1 0 "pip bootstrap"
            fi
        else
            cat "$LOGS/setup-$leg.log"
            record "venv $leg/py$python" FAILED 0 1 0 "see $LOGS/setup-$leg.log"
        fi
        i=$((i + 1))
    done

    log "Work tree"
    local start=$SECONDS
    if copy_checkout; then
        record "copy checkout" ok 0 0 "$((SECONDS - start))" ""
    else
        record "copy checkout" FAILED 0 1 "$((SECONDS - start))" ""
        ok_legs=""
    fi

    for leg in $ok_legs; do
        python=$(leg_python "$leg")
        LEG_VENV=$VENVS/ci-$leg
        has_word sanity "$STEPS" && step_sanity "$leg" "$python"
        has_word units "$STEPS" && step_units "$leg" "$python"
        has_word integration "$STEPS" && step_integration "$leg" "$python"
        has_word server "$STEPS" && step_server "$leg" "$python"
    done

    if has_word lint "$STEPS"; then
        if has_word "$LINT_LEG" "$ok_legs"; then
            LEG_VENV=$VENVS/ci-$LINT_LEG
            step_lint
        else
            skip_step "ansible-lint production" "runs with the $LINT_LEG leg"
        fi
    fi

    print_table
    rc=0
    [ "$TOTAL_FAILED" -eq 0 ] || rc=1
    exit "$rc"
}

main "$@"
