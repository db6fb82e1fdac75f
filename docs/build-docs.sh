#!/usr/bin/env bash
# Build the HTML documentation site of the collection influxops.influxdb2 with antsibull-docs:
# the module and role pages (from the plugins' DOCUMENTATION and meta/argument_specs.yml) and the
# user guide in docs/docsite/.
#
# Usage: bash docs/build-docs.sh OUTDIR
#
# 1. creates (or reuses) a virtual environment, .venv/docs in the checkout (DOCS_VENV to change
#    it), with pinned antsibull-docs, ansible-core and Sphinx; DOCS_PYTHON picks the Python
#    (3.11 or newer, default python3); uv creates and fills it when it is on PATH (or DOCS_UV
#    names it), pip otherwise;
# 2. runs `antsibull-docs lint-collection-docs --plugin-docs` on the checkout (DOCS_LINT=0 skips
#    it, where the same lint runs elsewhere, as in the nox session docs-check);
# 3. generates the Sphinx project with `antsibull-docs sphinx-init` and builds it into OUTDIR
#    with warnings treated as errors.
# Exits non-zero when the lint finds a problem or the build fails or warns.
set -euo pipefail

usage() {
    echo "usage: bash docs/build-docs.sh OUTDIR" >&2
    exit 2
}
[[ $# -eq 1 && -n "$1" ]] || usage

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p -- "$1"
OUTDIR=$(cd -- "$1" && pwd)
PYTHON=${DOCS_PYTHON:-python3}
VENV=${DOCS_VENV:-$REPO/.venv/docs}
COLLECTION=influxops.influxdb2

# Versions of the tools, pinned. The generated requirements.txt of sphinx-init is installed
# with these as constraints, so that it cannot move them.
PINS=(
    'antsibull-docs==2.28.0'
    'ansible-core==2.19.14'
    'sphinx==9.0.4'
    'sphinx-ansible-theme==0.10.4'
    'ansible-pygments==0.1.2'
)

UV=${DOCS_UV:-$(command -v uv || true)}

log() { printf '==> %s\n' "$*" >&2; }
# venv_install PIP-ARGUMENT...: install into the virtual environment, with uv or pip
venv_install() {
    if [[ -n $UV ]]; then
        "$UV" pip install --quiet --python "$VENV/bin/python" "$@"
    else
        "$VENV/bin/python" -m pip install --quiet "$@"
    fi
}
die() { printf 'build-docs: %s\n' "$*" >&2; exit 1; }

case $OUTDIR in
    "$REPO" | "$REPO"/docs | "$REPO"/docs/docsite*) die "OUTDIR must not be the checkout or its docs: $OUTDIR" ;;
esac

# --- virtual environment --------------------------------------------------------------------
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "$PYTHON must be Python 3.11 or newer (ansible-core 2.19 needs it); set DOCS_PYTHON"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-docs.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT

printf '%s\n' "${PINS[@]}" >"$WORK/constraints.txt"
STAMP=$VENV/.influxdb2-docs-pins
if [[ -x $VENV/bin/python && -f $STAMP ]] && cmp -s "$STAMP" "$WORK/constraints.txt" \
    && "$VENV/bin/python" -c 'import antsibull_docs, sphinx, sphinx_ansible_theme' 2>/dev/null; then
    log "reusing the virtual environment $VENV"
else
    log "creating the virtual environment $VENV"
    rm -rf -- "$VENV"
    mkdir -p -- "$(dirname -- "$VENV")"
    if [[ -n $UV ]]; then
        "$UV" venv --quiet --python "$PYTHON" "$VENV"
    else
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    venv_install -c "$WORK/constraints.txt" "${PINS[@]}"
    cp -- "$WORK/constraints.txt" "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# --- the collection, where ansible-core looks for it ----------------------------------------
mkdir -p "$WORK/collections/ansible_collections/influxops"
ln -s -- "$REPO" "$WORK/collections/ansible_collections/influxops/influxdb2"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_HOME=$WORK/ansible-home
export ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp
export ANSIBLE_DEPRECATION_WARNINGS=false

# --- lint -----------------------------------------------------------------------------------
if [[ ${DOCS_LINT:-1} == 0 ]]; then
    log "lint skipped (DOCS_LINT=0)"
else
    log "antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs ."
    if ! (cd -- "$REPO" && antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .); then
        die "the documentation lint failed (see above)"
    fi
    log "lint: no findings"
fi

# --- Sphinx project -------------------------------------------------------------------------
BUILD=$WORK/build
mkdir -m 755 -- "$BUILD"  # sphinx-init wants an existing directory that only its owner may write
log "antsibull-docs sphinx-init --use-current --dest-dir $BUILD $COLLECTION"
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$BUILD" \
    --project 'influxops.influxdb2' \
    --copyright 'InfluxOps contributors' \
    --title 'influxops.influxdb2: InfluxDB OSS 2.x remote connections and replications' \
    --html-short-title 'influxops.influxdb2' \
    "$COLLECTION" >/dev/null

REQS_STAMP=$VENV/.influxdb2-docs-requirements
if ! cmp -s "$BUILD/requirements.txt" "$REQS_STAMP" 2>/dev/null; then
    log "installing the requirements that sphinx-init generated"
    venv_install -c "$WORK/constraints.txt" -r "$BUILD/requirements.txt"
    cp -- "$BUILD/requirements.txt" "$REQS_STAMP"
fi

# The generated conf.py links to the Python, Jinja2 and Ansible documentation with intersphinx,
# fetching their inventories over the network, with a local file next to conf.py as a fallback.
# Without network access the fetch fails, which -W turns into an error. The fallbacks written
# here keep the build offline-safe: empty inventories, and for the Ansible documentation the
# labels that the generated pages refer to, with their real addresses.
# A host that drops packets instead of refusing them would make each fetch hang: time out.
printf '\nintersphinx_timeout = 10\n' >>"$BUILD/conf.py"
python - "$BUILD" <<'PY'
import sys
import zlib

build = sys.argv[1]
labels = {
    'ansible_devel': [
        ('ansible_configuration_settings', 'reference_appendices/config.html#ansible-configuration-settings',
         'Ansible Configuration Settings'),
        ('common_return_values', 'reference_appendices/common_return_values.html#common-return-values',
         'Return Values'),
    ],
}
for name in ('python2', 'python3', 'jinja2', 'ansible_devel'):
    body = ''.join('%s std:label -1 %s %s\n' % entry for entry in labels.get(name, []))
    header = ('# Sphinx inventory version 2\n# Project: %s\n# Version: \n'
              '# The remainder of this file is compressed using zlib.\n' % name)
    with open('%s/%s.inv' % (build, name), 'wb') as handle:
        handle.write(header.encode('utf-8') + zlib.compress(body.encode('utf-8')))
PY

# --- RST for the collection, then HTML ------------------------------------------------------
log "antsibull-docs collection --use-current (RST of the modules, the role and the guide)"
mkdir -p "$BUILD/rst"
chmod og-w "$BUILD/rst"
(cd -- "$BUILD" && antsibull-docs --config-file antsibull-docs.cfg collection \
    --cleanup everything --fail-on-error --use-current --dest-dir rst "$COLLECTION")

log "sphinx-build -W into $OUTDIR"
sphinx-build -b html -W --keep-going -q -E -j auto \
    -d "$WORK/doctrees" -c "$BUILD" "$BUILD/rst" "$OUTDIR"

# --- what a reader needs is there -----------------------------------------------------------
PAGES=collections/influxops/influxdb2
for page in index.html "$PAGES/index.html" \
    "$PAGES/influx_remote_module.html" "$PAGES/influx_remotes_module.html" \
    "$PAGES/influx_remote_info_module.html" "$PAGES/remotes_role.html" "$PAGES/central_role.html" \
    "$PAGES/edr_central_filter.html" "$PAGES/edr_remotes_filter.html" \
    "$PAGES/influx_replication_module.html" "$PAGES/influx_replication_info_module.html" \
    "$PAGES/influx_authorization_module.html" "$PAGES/influx_authorizations_module.html" \
    "$PAGES/influx_authorization_info_module.html" \
    "$PAGES/docsite/guide_replication.html" "$PAGES/docsite/guide_edr.html" \
    "$PAGES/docsite/guide_install.html" "$PAGES/docsite/guide_connection.html" \
    "$PAGES/docsite/guide_check_mode_diff.html" "$PAGES/docsite/guide_token_rotation.html" \
    "$PAGES/docsite/guide_fleet.html" "$PAGES/docsite/guide_troubleshooting.html" \
    "$PAGES/docsite/environment_variables.html" "$PAGES/changelog.html"; do
    [[ -s $OUTDIR/$page ]] || die "the build did not produce $page"
done

printf 'Documentation site built in %ss: %s/index.html\n' "$SECONDS" "$OUTDIR"
printf 'Collection page: %s/%s/index.html\n' "$OUTDIR" "$PAGES"
