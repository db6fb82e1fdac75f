# nox sessions of the influxops.influxdb2 collection; `bash tests/run.sh` runs them all (see
# tests/README.md for what each one runs).
#
# antsibull-nox.toml configures the sessions that antsibull-nox defines itself. This file adds
# what antsibull-nox lacks: the ansible-test sessions with --venv instead of --docker (there is
# no container engine here) and plain nox sessions for the checks antsibull-nox has no session
# for. tests/ci/machine.py holds the workarounds these machines need.

import shutil
import sys
from pathlib import Path

import nox

try:
    import antsibull_nox
except ImportError:
    print("antsibull-nox must be installed next to nox: pip install -r tests/ci/requirements-nox.txt")
    sys.exit(1)

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "ci"))
import machine  # noqa: E402  (tests/ci/machine.py)

# the versions of every tool and of the newest ansible-core, used as pip constraints
PINS = ROOT / "tests" / "ci" / "requirements-2.21.txt"

machine.prepare()
antsibull_nox.load_antsibull_nox_toml()


# ansible-core release series -> controller Python; each ansible-test session installs the
# newest release of its series from PyPI
LEGS = {"2.19": "3.11", "2.20": "3.12", "2.21": "3.12"}
# sanity runs on the oldest and the newest series, the unit tests on every series
OUTER_LEGS = ("2.19", "2.21")
# ansible-core 2.19's Pythons on managed hosts: its sanity session compiles and imports the
# modules with each of them that this machine has
TARGET_PYTHONS_2_19 = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
# the integration targets of each series: those without the alias `slow` on every series; each
# target aliased `slow` on one series only, named by its second alias: `oldest`, `middle` (2.20)
# or `newest`
INTEGRATION_TARGETS = {
    "2.19": ("with the targets aliased oldest", ["--exclude", "middle/", "--exclude", "newest/"]),
    "2.20": ("with the targets aliased middle", ["--exclude", "oldest/", "--exclude", "newest/"]),
    "2.21": ("with the targets aliased newest", ["--exclude", "oldest/", "--exclude", "middle/"]),
}


def _ansible_test(command, leg, description, params):
    """An ansible-test session through antsibull-nox, with --venv instead of --docker."""
    antsibull_nox.add_ansible_test_session(
        name="ansible-test-%s-%s" % (command, leg),
        description="ansible-test %s with ansible-core %s%s, in virtual environments" % (command, leg, description),
        ansible_test_params=[command, "-v", "--color", "no"] + ([] if "--controller" in params else ["--venv"]) + params,
        default=True,
        ansible_core_version=leg,
        ansible_core_source="pypi",
        callback_before=machine.offline_pip_bootstrap,
        callback_after=machine.drop_delegation_venvs,
    )


for leg, python in LEGS.items():
    on_python = ["--python", python]
    if leg == "2.19":
        found = machine.pythons_found(TARGET_PYTHONS_2_19)
        _ansible_test("sanity", leg, " on Python %s, compile and import on Python %s" % (python, ", ".join(found)),
                      ["--controller", "origin:python=venv/" + python] + [option for version in found for option in ("--target-python", version)])
    elif leg in OUTER_LEGS:
        _ansible_test("sanity", leg, " on Python " + python, on_python)
    _ansible_test("units", leg, " on Python " + python, on_python)
    which, exclude = INTEGRATION_TARGETS[leg]
    _ansible_test("integration", leg, " on Python %s, %s" % (python, which), on_python + ["--continue-on-error"] + exclude)


def _install(session, *packages):
    session.install("-c", str(PINS), *packages)


def _build(session):
    """Build the collection tarball into the session's tmp folder and return its path."""
    dist = Path(session.create_tmp()) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("ansible-galaxy", "collection", "build", "--output-path", str(dist))
    return next(dist.glob("influxops-influxdb2-*.tar.gz"))


# the oldest and the newest Python of the controllers; the integration sessions run the test
# server on Python 3.12 as well
@nox.session(name="server-tests", python=["3.11", "3.13"])
def server_tests(session):
    """The test server's conformance tests (pytest tests/server)."""
    _install(session, "pytest", "requests")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "tests/server")


@nox.session(name="changelog", python="3.12")
def changelog(session):
    """antsibull-changelog lint of the fragments and of changelogs/changelog.yaml."""
    _install(session, "antsibull-changelog")
    session.run("antsibull-changelog", "lint")
    session.run("antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml")


@nox.session(name="collection-install", python="3.12")
def collection_install(session):
    """Build the tarball, check its files, install it and run the demo from the installed copy."""
    _install(session, "ansible-core")
    tarball = _build(session)
    session.run("python", "tests/ci/tarball_check.py", str(tarball))
    collections = Path(session.create_tmp()) / "collections"
    shutil.rmtree(collections, ignore_errors=True)
    session.run("ansible-galaxy", "collection", "install", str(tarball), "-p", str(collections), "--force")
    session.run("bash", "tests/ci/demo_installed.sh", str(collections), "tests/server/influxdb_test_server.py")


@nox.session(name="ee-context", python="3.12")
def ee_context(session):
    """ansible-builder create for tests/ee with the built tarball, and a check of the context.

    antsibull-nox's ee-check sessions build the image with docker or podman, and these machines
    have no container engine.
    """
    _install(session, "ansible-core", "ansible-builder")
    tarball = _build(session)
    work = Path(session.create_tmp()) / "ee"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "tests" / "ee", work)
    shutil.copyfile(tarball, work / "influxops-influxdb2.tar.gz")
    with session.chdir(work):
        session.run("ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context", "--output-filename", "Containerfile", "-v", "2")
    session.run("python", "tests/ci/ee_check.py", str(work / "context"), str(work / "influxops-influxdb2.tar.gz"))


@nox.session(name="docs-site", python=False)
def docs_site(session):
    """The documentation site: docs/build-docs.sh without its lint (antsibull-docs and Sphinx, warnings are errors)."""
    out = ROOT / ".nox" / "docs-site" / "html"
    shutil.rmtree(out, ignore_errors=True)
    # docs-check runs the lint of build-docs.sh (and sphinx-build -W here checks the rst); the
    # session builds the site only
    env = {"DOCS_VENV": str(ROOT / ".nox" / "docs-site" / "venv"), "DOCS_PYTHON": "python3.12", "DOCS_LINT": "0"}
    # the uv next to nox creates and fills the build's virtual environment
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        env["DOCS_UV"] = str(uv)
    session.run("bash", "docs/build-docs.sh", str(out), env=env)


# uv creates the virtual environments and installs into them (much faster than pip, and with a
# cache); virtualenv when uv is missing
nox.options.default_venv_backend = "uv|virtualenv"

# `nox` alone runs the whole suite; under `--parallel` the sessions start in this order, the
# long integration runs first
nox.options.sessions = (
    ["ansible-test-integration-%s" % leg for leg in ("2.19", "2.21", "2.20")]
    + ["ansible-test-sanity-%s" % leg for leg in OUTER_LEGS]
    + ["ansible-test-units-%s" % leg for leg in LEGS]
    + ["server-tests", "codeqa", "yamllint", "typing", "antsibull-nox-config", "extra-checks", "changelog", "docs-check", "docs-site"]
    + ["build-import-check", "collection-install", "ee-context", "ansible-lint", "molecule"]
)

if __name__ == "__main__":
    nox.main()
