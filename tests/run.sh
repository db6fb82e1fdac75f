#!/usr/bin/env bash
# The whole test suite of the influxops.influxdb2 collection, in one command:
#
#     bash tests/run.sh
#
# Legs: every stable ansible-core release series in the declared range (meta/runtime.yml,
# requires_ansible ">=2.19.0"): 2.19 on Python 3.11, 2.20 on Python 3.13 (3.12 when 3.13 is
# missing) and 2.21 on Python 3.12 (see docs/compatibility.md). Each leg gets a virtual
# environment from tests/ci/requirements-<leg>.txt (reused while that file is unchanged) and its
# own copy of the checkout with its .git, .../<leg>/ansible_collections/influxops/influxdb2/.
# Per leg:
#   - ansible-test sanity --venv (every test; needs shellcheck), on the oldest and the newest
#     leg only; with the 2.19 leg also the compile and import tests on every Python 3.8-3.13
#     found (the managed hosts' versions)
#   - ansible-test units --venv
#   - pytest tests/server (conformance tests of the test server)
#   - ansible-test integration --venv (the targets start the bundled test server); the legs'
#     integration runs go side by side at the end, since they mostly wait on the test server's
#     delays and timeouts
# Once, with the 2.21 leg's tools (tests/ci/requirements-2.21.txt):
#   - ruff check (ruff.toml) over plugins/ tests/ bench/; yamllint --strict (.yamllint)
#   - antsibull-changelog lint and lint-changelog-yaml
#   - ansible-lint --profile production
#   - galaxy: ansible-galaxy collection build, a check of the tarball's files
#     (tests/ci/tarball_check.py), galaxy-importer (tests/ci/galaxy-importer.cfg) and
#     ansible-galaxy collection install of the tarball, whose demo playbook then runs against
#     the test server from the installed copy (tests/ci/demo_installed.sh)
#   - ee: ansible-builder create with tests/ee/execution-environment.yml and that tarball, and a
#     check of the build context (tests/ci/ee_check.py); no container engine is needed
#   - docs: docs/build-docs.sh (the antsibull-docs site and its lint)
#   - molecule: tests/molecule.sh (the remotes role's scenario)
# It keeps going after a failure, prints the time of each step and ends with the line
# "N passed, N failed". The exit status is non-zero when anything failed.
#
# Environment:
#   TEST_LEGS   legs to run (default "2.19 2.20 2.21", less a leg whose Python is missing),
#               e.g. TEST_LEGS=2.21 for a quick run
#   TEST_STEPS  steps to run (default: all of "sanity units server integration ruff yamllint
#               changelog lint galaxy ee docs molecule")
#   TEST_WORK   work tree parent (default: a folder in ${TMPDIR:-/tmp} kept for fast reruns)
#
# Virtual environments live in .venv/ and step logs in tests/output/ci/ (both git-ignored).

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
KNOWN_LEGS="2.19 2.20 2.21"
KNOWN_STEPS="sanity units server integration ruff yamllint changelog lint galaxy ee docs molecule"
LEGS=$(echo "${TEST_LEGS:-$KNOWN_LEGS}" | tr ',' ' ')
STEPS=$(echo "${TEST_STEPS:-$KNOWN_STEPS}" | tr ',' ' ')
VENVS=$REPO/.venv
LOGS=$REPO/tests/output/ci
COLLECTION_SUBDIR=ansible_collections/influxops/influxdb2
REPO_KEY=$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
WORK=${TEST_WORK:-${TMPDIR:-/tmp}/influxops-influxdb2-ci-$REPO_KEY}
PYBIN=$WORK/python-bin
# the leg whose venv also holds ansible-lint, ruff, yamllint, antsibull-*, galaxy-importer,
# ansible-builder and molecule (tests/ci/requirements-2.21.txt)
TOOLS_LEG=2.21
# the leg whose ansible-test also compiles and imports the modules with Python 3.8-3.13
ALL_TARGETS_LEG=2.19
# sanity runs on the oldest and the newest leg of the range; the legs between only add
# units and integration (ansible-test's sanity rules barely change between neighbours)
SANITY_LEGS="2.19 2.21"
# The hardening_* integration targets (bad input, injected faults, races, TLS) test the
# modules' own request, retry and validation code, which does not depend on the ansible-core
# version, and they take most of the integration time and CPU. They run on the oldest and the
# newest leg; the legs between skip them (each skip is printed and noted in the table).
# hardening_secrets runs everywhere: hiding tokens (no_log) is ansible-core's work.
HARDENING_LEGS="2.19 2.21"
HARDENING_EVERYWHERE="hardening_secrets"

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
    # the controller Python of a leg: the first of its candidates that this machine has
    local candidate candidates
    case "$1" in
        2.19) candidates="3.11" ;;
        2.20) candidates="3.13 3.12" ;;
        2.21) candidates="3.12" ;;
        *) return 1 ;;
    esac
    for candidate in $candidates; do
        if find_python "$candidate" >/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    # none found: name the first, so that the message says what is missing
    echo "${candidates%% *}"
}

leg_copy() {
    # the work tree of a leg
    echo "$WORK/$1/$COLLECTION_SUBDIR"
}

leg_integration_copy() {
    # the leg's work tree for integration tests, which run side by side with the other steps
    # (ansible-test keeps results and its delegation venv inside the tree)
    echo "$WORK/$1-integration/$COLLECTION_SUBDIR"
}

integration_excludes() {
    # the integration targets that a leg leaves out (see HARDENING_LEGS)
    local leg=$1 target name
    has_word "$leg" "$HARDENING_LEGS" && return 0
    for target in "$COPY"/tests/integration/targets/hardening_*/; do
        [ -d "$target" ] || continue
        name=$(basename "$target")
        has_word "$name" "$HARDENING_EVERYWHERE" || echo "$name"
    done
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
    "$venv/bin/python" -m pip --disable-pip-version-check freeze 2>/dev/null |
        grep -i -E '^(ansible-core|ansible-lint|molecule|galaxy.importer|ansible-builder|antsibull-changelog|antsibull-docs|ruff|yamllint|pytest)==' | tr '\n' ' '
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
    # copy_checkout DEST: copy the checkout (tracked and untracked files that git does not
    # ignore, plus .git) to DEST. ansible-test's own delegation venvs from an earlier run are kept.
    local dest=$1 stash=$1.stash path
    rm -rf "$stash"
    if [ -d "$dest/tests/output/.tmp/delegation" ]; then
        mkdir -p "$stash"
        mv "$dest/tests/output/.tmp/delegation" "$stash/delegation"
    fi
    rm -rf "$dest"
    mkdir -p "$dest"

    if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
        (
            cd "$REPO" || exit 1
            git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
                if [ -e "$path" ] || [ -L "$path" ]; then
                    printf '%s\0' "$path"
                fi
            done | tar --null --no-recursion -T - -cf -
        ) | tar -xf - -C "$dest" || return 1
        cp -a "$REPO/.git" "$dest/.git" || return 1
    else
        echo "WARNING: $REPO is not a git checkout; copying everything but .venv and tests/output"
        tar -C "$REPO" --exclude=./.venv --exclude=./tests/output --exclude=./.ansible -cf - . | tar -xf - -C "$dest" || return 1
    fi

    if [ -d "$stash/delegation" ]; then
        mkdir -p "$dest/tests/output/.tmp"
        mv "$stash/delegation" "$dest/tests/output/.tmp/delegation"
    fi
    rm -rf "$stash"
    echo "Work tree: $dest ($(find "$dest" -path "$dest/.git" -prune -o -path "$dest/tests/output" -prune -o -type f -print | wc -l) files)"
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
    if ! has_word "$leg" "$SANITY_LEGS"; then
        skip_step "$name" "sanity runs on the oldest and newest ansible-core ($SANITY_LEGS)"
        return
    fi
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

step_server() {
    local leg=$1 python=$2 name="server tests $1/py$2" logfile="$LOGS/server-$1.log" start=$SECONDS rc
    if [ -z "$(find "$COPY/tests/server" -name 'test_*.py' -type f 2>/dev/null | head -n 1)" ]; then
        skip_step "$name" "no tests/server/test_*.py"
        return
    fi
    log "$name: python -m pytest tests/server"
    run_logged "$logfile" "$LEG_VENV/bin/python" -m pytest -p no:cacheprovider tests/server
    rc=$?
    finish_step "$name" "$rc" "$start" "$(counts pytest "$logfile")" "tests"
}

prepare_ansible_test_key() {
    # Every ansible-test run makes sure that the SSH key pair ~/.ansible/test/id_rsa exists and
    # creates it when it does not. Runs started side by side on a fresh machine would race to
    # create it (ssh-keygen then asks whether to overwrite and fails), so create it once here,
    # as ansible-test does.
    local key=$HOME/.ansible/test/id_rsa
    [ -f "$key" ] && [ -f "$key.pub" ] && return 0
    if ! command -v ssh-keygen >/dev/null 2>&1; then
        echo "WARNING: ssh-keygen is missing; ansible-test needs it (Debian/Ubuntu: openssh-client)"
        return 0
    fi
    mkdir -p "$(dirname "$key")"
    rm -f "$key" "$key.pub"
    ssh-keygen -m PEM -q -t rsa -N '' -f "$key" </dev/null >/dev/null &&
        sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$key" &&
        echo "Created the ansible-test SSH key pair $key"
}

integration_start() {
    # integration_start LEG PYTHON: run the leg's integration tests in the background; the
    # output goes to its log only (the legs run side by side), integration_finish shows it
    local leg=$1 python=$2 logfile="$LOGS/integration-$1.log"
    if [ -z "$(find "$COPY/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)" ]; then
        echo "no tests/integration/targets/*" >"$LOGS/integration-$leg.skip"
        return
    fi
    local excluded target args=()
    excluded=$(integration_excludes "$leg" | tr '\n' ' ')
    for target in $excluded; do
        args+=(--exclude "$target")
    done
    echo "integration $leg/py$python: ansible-test integration --venv --python $python ${args[*]} (log: $logfile)"
    if [ -n "$excluded" ]; then
        echo "  leaves out ${excluded% }: the hardening targets run with the legs $HARDENING_LEGS only"
        echo "${excluded% }" >"$LOGS/integration-$leg.excluded"
    fi
    clear_results
    (
        start=$SECONDS
        (cd "$COPY" && PATH="$PYBIN:$LEG_VENV/bin:$CLEAN_PATH" "$LEG_VENV/bin/ansible-test" integration --venv \
            --python "$python" --continue-on-error --color no "${args[@]}") >"$logfile" 2>&1 </dev/null
        echo "$? $((SECONDS - start))" >"$LOGS/integration-$leg.status"
    ) &
    INTEGRATION_PIDS+=("$!")
}

integration_finish() {
    # integration_finish LEG PYTHON: record the leg's integration run (after it ended)
    local leg=$1 python=$2 name="integration $1/py$2" logfile="$LOGS/integration-$1.log" rc seconds note=targets
    if [ -f "$LOGS/integration-$leg.skip" ]; then
        skip_step "$name" "$(cat "$LOGS/integration-$leg.skip")"
        return
    fi
    log "$name: ansible-test integration --venv --python $python"
    cat "$logfile"
    read -r rc seconds <"$LOGS/integration-$leg.status" 2>/dev/null || { rc=1; seconds=0; }
    if grep -q 'All targets skipped' "$logfile"; then
        note="targets; ansible-test skipped all targets"
    fi
    if [ -f "$LOGS/integration-$leg.excluded" ]; then
        note="$note; left out (run on $HARDENING_LEGS): $(cat "$LOGS/integration-$leg.excluded")"
        echo "SKIPPED on this leg: $(cat "$LOGS/integration-$leg.excluded") (the hardening targets run with the legs $HARDENING_LEGS)"
    fi
    finish_step "$name" "$rc" "$((SECONDS - seconds))" "$(counts integration "$logfile" "$COPY/tests/output/data")" "$note"
}

step_ruff() {
    local name="ruff" logfile="$LOGS/ruff.log" start=$SECONDS rc files found
    log "$name: ruff check plugins tests bench (ruff.toml)"
    run_logged "$logfile" "$LEG_VENV/bin/ruff" check --no-cache --output-format concise plugins tests bench
    rc=$?
    files=$(cd "$COPY" && "$LEG_VENV/bin/ruff" check --no-cache --show-files plugins tests bench 2>/dev/null | grep -c '\.py$')
    found=$(grep -E -o '^Found [0-9]+ error' "$logfile" | grep -E -o '[0-9]+' | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        finish_step "$name" 0 "$start" "$files 0 0" "files"
    else
        finish_step "$name" "$rc" "$start" "0 ${found:-1} 0" "findings in $files files"
    fi
}

step_yamllint() {
    local name="yamllint" logfile="$LOGS/yamllint.log" start=$SECONDS rc files bad
    log "$name: yamllint --strict . (.yamllint)"
    run_logged "$logfile" "$LEG_VENV/bin/yamllint" --strict -f parsable .
    rc=$?
    files=$(cd "$COPY" && "$LEG_VENV/bin/yamllint" --list-files . 2>/dev/null | wc -l)
    bad=$(cut -d: -f1 "$logfile" | grep -E '\.(ya?ml|yamllint)$' | sort -u | wc -l)
    [ "$rc" -eq 0 ] || [ "$bad" -gt 0 ] || bad=1
    finish_step "$name" "$rc" "$start" "$((files - bad)) $bad 0" "files"
}

step_changelog() {
    local name="antsibull-changelog lint" logfile="$LOGS/changelog.log" start=$SECONDS passed=0 failed=0
    log "$name: antsibull-changelog lint; antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml"
    if run_logged "$logfile" "$LEG_VENV/bin/antsibull-changelog" lint; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    if run_logged "$logfile.yaml" "$LEG_VENV/bin/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    cat "$logfile.yaml" >>"$logfile"
    rm -f "$logfile.yaml"
    finish_step "$name" 0 "$start" "$passed $failed 0" "fragments, changelog.yaml"
}

step_lint() {
    local name="ansible-lint production" logfile="$LOGS/ansible-lint.log" start=$SECONDS rc
    log "$name: ansible-lint --profile production"
    # the collection resolves from the work tree, so module_defaults groups and FQCNs load
    run_logged "$logfile" env ANSIBLE_COLLECTIONS_PATH="$WORK/$TOOLS_LEG" "$LEG_VENV/bin/ansible-lint" --profile production --offline --nocolor
    rc=$?
    if [ "$rc" -eq 0 ]; then
        finish_step "$name" 0 "$start" "1 0 0" "check"
    else
        finish_step "$name" "$rc" "$start" "0 1 0" "$(grep -E '^(Failed|Passed):' "$logfile" | tail -n 1 | cut -c1-60)"
    fi
}

step_galaxy() {
    # build the collection from the work tree, check the tarball's files, import it with
    # galaxy-importer, install it and run the demo playbook from the installed copy
    local dir=$WORK/galaxy name logfile start rc errors warnings
    rm -rf "$dir"
    mkdir -p "$dir/dist" "$dir/importer" "$dir/collections"
    TARBALL=""

    name="galaxy build+files"
    logfile="$LOGS/galaxy-build.log"
    start=$SECONDS
    log "$name: ansible-galaxy collection build --output-path $dir/dist; tests/ci/tarball_check.py"
    run_logged "$logfile" "$LEG_VENV/bin/ansible-galaxy" collection build --output-path "$dir/dist"
    rc=$?
    TARBALL=$(find "$dir/dist" -name 'influxops-influxdb2-*.tar.gz' -type f | head -n 1)
    if [ "$rc" -ne 0 ] || [ -z "$TARBALL" ]; then
        finish_step "$name" 1 "$start" "0 1 0" "no tarball"
        TARBALL=""
        skip_step "galaxy-importer" "no tarball was built"
        skip_step "galaxy install+demo" "no tarball was built"
        return
    fi
    run_logged "$logfile.files" "$LEG_VENV/bin/python" "$REPO/tests/ci/tarball_check.py" "$TARBALL"
    rc=$?
    cat "$logfile.files" >>"$logfile"
    rm -f "$logfile.files"
    finish_step "$name" "$rc" "$start" "$(counts checks "$logfile")" "checks; $(basename "$TARBALL") $(du -k "$TARBALL" | cut -f1) KiB"

    name="galaxy-importer"
    logfile="$LOGS/galaxy-importer.log"
    start=$SECONDS
    log "$name: python -m galaxy_importer.main $(basename "$TARBALL") (tests/ci/galaxy-importer.cfg)"
    # the importer writes importer_result.json into its working directory
    (cd "$dir/importer" && PATH="$LEG_VENV/bin:$CLEAN_PATH" GALAXY_IMPORTER_CONFIG="$COPY/tests/ci/galaxy-importer.cfg" \
        "$LEG_VENV/bin/python" -m galaxy_importer.main "$TARBALL") 2>&1 | tee "$logfile"
    rc=${PIPESTATUS[0]}
    errors=$(grep -c 'ERROR' "$logfile")
    warnings=$(grep -c 'WARNING' "$logfile")
    if [ "$rc" -eq 0 ] && [ "$errors" -eq 0 ] && grep -q 'Importer processing completed successfully' "$logfile"; then
        finish_step "$name" 0 "$start" "1 0 0" "import; $warnings warnings"
    else
        finish_step "$name" "$rc" "$start" "0 1 0" "$errors ERROR lines"
    fi

    name="galaxy install+demo"
    logfile="$LOGS/galaxy-install.log"
    start=$SECONDS
    log "$name: ansible-galaxy collection install $(basename "$TARBALL") -p $dir/collections --force; tests/ci/demo_installed.sh"
    if run_logged "$logfile" "$LEG_VENV/bin/ansible-galaxy" collection install "$TARBALL" -p "$dir/collections" --force; then
        run_logged "$logfile.demo" bash "$COPY/tests/ci/demo_installed.sh" "$dir/collections" "$COPY/tests/server/influxdb_test_server.py"
        rc=$?
        cat "$logfile.demo" >>"$logfile"
        rm -f "$logfile.demo"
        finish_step "$name" "$rc" "$start" "$(counts checks "$logfile")" "checks"
    else
        finish_step "$name" 1 "$start" "0 1 0" "install failed"
    fi
}

step_ee() {
    # ansible-builder create with tests/ee and the tarball of the galaxy step (built here
    # when that step did not run), then check the build context
    local dir=$WORK/ee name="ee (ansible-builder create)" logfile="$LOGS/ee.log" start=$SECONDS rc
    rm -rf "$dir"
    mkdir -p "$dir"
    log "$name: ansible-builder create -f tests/ee/execution-environment.yml; tests/ci/ee_check.py"
    if [ -z "${TARBALL:-}" ] || ! [ -f "$TARBALL" ]; then
        mkdir -p "$dir/dist"
        run_logged "$logfile.build" "$LEG_VENV/bin/ansible-galaxy" collection build --output-path "$dir/dist"
        TARBALL=$(find "$dir/dist" -name 'influxops-influxdb2-*.tar.gz' -type f | head -n 1)
        if [ -z "$TARBALL" ]; then
            finish_step "$name" 1 "$start" "0 1 0" "no tarball"
            return
        fi
    fi
    cp -R "$COPY/tests/ee/." "$dir/"
    cp "$TARBALL" "$dir/influxops-influxdb2.tar.gz"
    (cd "$dir" && PATH="$LEG_VENV/bin:$CLEAN_PATH" "$LEG_VENV/bin/ansible-builder" create -f execution-environment.yml \
        -c context --output-filename Containerfile -v 2) 2>&1 | tee "$logfile"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        finish_step "$name" "$rc" "$start" "0 1 0" "ansible-builder create failed"
        return
    fi
    echo "Build context: $dir/context"
    run_logged "$logfile.check" "$LEG_VENV/bin/python" "$REPO/tests/ci/ee_check.py" "$dir/context" "$dir/influxops-influxdb2.tar.gz"
    rc=$?
    cat "$logfile.check" >>"$logfile"
    rm -f "$logfile.check"
    finish_step "$name" "$rc" "$start" "$(counts checks "$logfile")" "checks"
}

step_docs() {
    local name="docs site" logfile="$LOGS/docs.log" start=$SECONDS rc out=$WORK/docs-site
    if ! [ -f "$COPY/docs/build-docs.sh" ]; then
        skip_step "$name" "docs/build-docs.sh does not exist yet"
        return
    fi
    rm -rf "$out"
    log "$name: bash docs/build-docs.sh $out"
    # the script keeps its own venv of pinned Sphinx and antsibull-docs: keep it with the
    # other venvs of the checkout (not in the work tree, which each run copies afresh)
    run_logged "$logfile" env DOCS_VENV="$VENVS/docs" DOCS_PYTHON="$(find_python 3.12 || find_python 3.11)" \
        bash docs/build-docs.sh "$out"
    rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$(find "$out" -name index.html -type f 2>/dev/null | head -n 1)" ]; then
        finish_step "$name" 0 "$start" "1 0 0" "build+lint; $(find "$out" -name '*.html' -type f | wc -l) HTML pages"
    else
        [ "$rc" -ne 0 ] || echo "docs/build-docs.sh wrote no index.html under $out"
        finish_step "$name" "$rc" "$start" "0 1 0" "see $logfile"
    fi
}

step_molecule() {
    local name="molecule (remotes role)" logfile="$LOGS/molecule.log" start=$SECONDS rc
    if ! [ -f "$COPY/tests/molecule.sh" ]; then
        skip_step "$name" "tests/molecule.sh does not exist"
        return
    fi
    log "$name: bash tests/molecule.sh (with the $TOOLS_LEG leg's venv first on PATH)"
    # the venv's bin comes first: molecule calls ansible-config, and tests/molecule.sh takes
    # the first python on PATH
    (cd "$COPY" && PATH="$LEG_VENV/bin:$PYBIN:$CLEAN_PATH" bash tests/molecule.sh) 2>&1 | tee "$logfile"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 0 ]; then
        finish_step "$name" 0 "$start" "1 0 0" "molecule test"
    else
        finish_step "$name" "$rc" "$start" "0 1 0" "molecule test"
    fi
}


# shellcheck disable=SC2317  # called from the INT/TERM trap
kill_tree() {
    # kill_tree PID: stop a background step and the processes it started
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        kill_tree "$child"
    done
    kill "$1" 2>/dev/null || true
}

# shellcheck disable=SC2317  # called from the INT/TERM trap
stop_background() {
    local pid
    for pid in "${INTEGRATION_PIDS[@]}"; do
        kill_tree "$pid"
    done
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
    local leg step python ok_legs="" rc start
    for leg in $LEGS; do
        if ! has_word "$leg" "$KNOWN_LEGS"; then
            echo "Unknown leg '$leg' in TEST_LEGS (known: $KNOWN_LEGS)" >&2
            exit 2
        fi
    done
    for step in $STEPS; do
        if ! has_word "$step" "$KNOWN_STEPS"; then
            echo "Unknown step '$step' in TEST_STEPS (known: $KNOWN_STEPS)" >&2
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
    rm -f "$LOGS"/*.log "$LOGS"/*.seconds "$LOGS"/*.status "$LOGS"/*.skip "$LOGS"/*.excluded
    CLEAN_PATH=$(clean_path)

    log "Interpreters and virtual environments (legs: $LEGS; steps: $STEPS)"
    link_pythons
    echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown); $(nproc 2>/dev/null || echo '?') CPUs"

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
                record "venv $leg/py$python" ok 0 0 "$(cat "$LOGS/setup-$leg.seconds")" "$(tail -n 1 "$LOGS/setup-$leg.log" | cut -c1-72)"
            else
                record "venv $leg/py$python" FAILED 0 1 0 "pip bootstrap"
            fi
        else
            cat "$LOGS/setup-$leg.log"
            record "venv $leg/py$python" FAILED 0 1 0 "see $LOGS/setup-$leg.log"
        fi
        i=$((i + 1))
    done

    log "Work trees"
    start=$SECONDS
    local copied=""
    for leg in $ok_legs; do
        if copy_checkout "$(leg_copy "$leg")" && { ! has_word integration "$STEPS" || copy_checkout "$(leg_integration_copy "$leg")"; }; then
            copied="$copied $leg"
        fi
    done
    if [ "$copied" = "$ok_legs" ]; then
        record "copy checkout" ok 0 0 "$((SECONDS - start))" "per leg: one, one for integration"
    else
        record "copy checkout" FAILED 0 1 "$((SECONDS - start))" "copied:${copied:- none}"
    fi
    ok_legs=$copied

    # integration of all legs, in the background and side by side, in work trees of their own:
    # the targets mostly wait on the test server's delays, retries and timeouts, so they
    # overlap well with each other and with the steps below
    INTEGRATION_PIDS=()
    trap 'stop_background; exit 130' INT TERM
    if has_word integration "$STEPS"; then
        log "Integration tests of the legs:$ok_legs (in the background; their output follows at the end)"
        prepare_ansible_test_key
        for leg in $ok_legs; do
            LEG_VENV=$VENVS/ci-$leg
            COPY=$(leg_integration_copy "$leg")
            integration_start "$leg" "$(leg_python "$leg")"
        done
    fi

    # per leg: sanity, units, server tests
    for leg in $ok_legs; do
        python=$(leg_python "$leg")
        LEG_VENV=$VENVS/ci-$leg
        COPY=$(leg_copy "$leg")
        has_word sanity "$STEPS" && step_sanity "$leg" "$python"
        has_word units "$STEPS" && step_units "$leg" "$python"
        has_word server "$STEPS" && step_server "$leg" "$python"
    done

    # once, with the tools of the newest leg
    local tool_steps="ruff yamllint changelog lint galaxy ee docs molecule"
    if has_word "$TOOLS_LEG" "$ok_legs"; then
        LEG_VENV=$VENVS/ci-$TOOLS_LEG
        COPY=$(leg_copy "$TOOLS_LEG")
        TARBALL=""
        # galaxy builds before lint and molecule write their state into the work tree
        for step in ruff yamllint changelog galaxy ee lint docs molecule; do
            has_word "$step" "$STEPS" || continue
            case "$step" in
                ruff) step_ruff ;;
                yamllint) step_yamllint ;;
                changelog) step_changelog ;;
                galaxy) step_galaxy ;;
                ee) step_ee ;;
                lint) step_lint ;;
                docs) step_docs ;;
                molecule) step_molecule ;;
            esac
        done
    else
        for step in $tool_steps; do
            has_word "$step" "$STEPS" && skip_step "$step" "runs with the tools of the $TOOLS_LEG leg"
        done
    fi

    if has_word integration "$STEPS"; then
        log "Waiting for the integration tests of the legs:$ok_legs"
        for i in "${INTEGRATION_PIDS[@]}"; do
            wait "$i"
        done
        for leg in $ok_legs; do
            LEG_VENV=$VENVS/ci-$leg
            COPY=$(leg_integration_copy "$leg")
            integration_finish "$leg" "$(leg_python "$leg")"
        done
    fi

    echo
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    print_table
    rc=0
    [ "$TOTAL_FAILED" -eq 0 ] || rc=1
    exit "$rc"
}

main "$@"
