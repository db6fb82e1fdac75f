# nox sessions of the influxops.influxdb2 collection; `bash tests/run.sh` runs them all (see
# tests/README.md for what each one runs and what antsibull-nox cannot do on these machines).
#
# antsibull-nox.toml configures the sessions that antsibull-nox defines itself: lint (ruff check,
# yamllint, the antsibull-nox config), docs-check, build-import-check and ansible-lint. This file
# adds the ansible-test sessions through antsibull-nox (with --venv: there is no container engine
# here) and, as plain nox sessions, the checks antsibull-nox has no session for.

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

try:
    import antsibull_nox
except ImportError:
    print("antsibull-nox must be installed next to nox: pip install -r tests/ci/requirements-nox.txt")
    sys.exit(1)

ROOT = Path(__file__).resolve().parent
# the versions of every tool and of the newest ansible-core, used as pip constraints
PINS = ROOT / "tests" / "ci" / "requirements-2.21.txt"

# ansible-core release series -> controller Python; each ansible-test session installs the
# newest release of its series from PyPI
LEGS = {"2.19": "3.11", "2.20": "3.12", "2.21": "3.12"}
# sanity runs on the oldest and the newest series, the unit tests on every series
OUTER_LEGS = ("2.19", "2.21")
# the integration targets of each series: those without the alias `slow` everywhere; each target
# aliased `slow` on the oldest series (alias `oldest`) or on the newest (alias `newest`)
INTEGRATION_TARGETS = {
    "2.19": ("with the targets aliased oldest", ["--exclude", "newest/"]),
    "2.20": ("without the targets aliased slow", ["--exclude", "slow/"]),
    "2.21": ("with the targets aliased newest", ["--exclude", "oldest/"]),
}


def _real_pythons():
    """Put links to real interpreters python3.8 ... python3.14 first on PATH.

    pyenv's shims answer for one version only, so neither nox nor ansible-test can use them.
    """
    bindir = ROOT / ".nox" / "python-bin"
    bindir.mkdir(parents=True, exist_ok=True)
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if "shims" not in entry]
    for minor in range(8, 15):
        name = "python3.%d" % minor
        link = bindir / name
        if link.exists():
            continue
        candidates = sorted(glob.glob("%s/versions/3.%d.*/bin/%s" % (pyenv_root, minor, name)), reverse=True)
        candidates.append(shutil.which(name, path=os.pathsep.join(path)))
        for candidate in filter(None, candidates):
            check = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=False)
            if check.returncode == 0:
                temporary = bindir / (".%s.%d" % (name, os.getpid()))
                temporary.unlink(missing_ok=True)
                temporary.symlink_to(check.stdout.strip())
                temporary.replace(link)
                break
    os.environ["PATH"] = os.pathsep.join([str(bindir)] + path)


def _ansible_test_ssh_key():
    """Create ansible-test's SSH key pair once, before sessions run side by side.

    Every ansible-test run creates ~/.ansible/test/id_rsa when it is missing; runs started at
    the same time on a fresh machine race for it and ssh-keygen fails.
    """
    key = Path.home() / ".ansible" / "test" / "id_rsa"
    if key.exists() and key.with_suffix(".pub").exists() or not shutil.which("ssh-keygen"):
        return
    key.parent.mkdir(parents=True, exist_ok=True)
    key.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-m", "PEM", "-q", "-t", "rsa", "-N", "", "-f", str(key)], stdin=subprocess.DEVNULL, check=True)
    # the header ansible-test itself writes
    key.write_text(key.read_text().replace("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY").replace("END PRIVATE KEY", "END RSA PRIVATE KEY"))


def _offline_pip_bootstrap():
    """Cache tests/ci/get_pip.py where ansible-test --venv looks for its pip bootstrap script.

    ansible-test downloads that script from a host these machines cannot reach
    (ansible/ansible#77304); the stand-in installs pip with ensurepip. The cache file is named
    after the pip version that the installed ansible-test wants.
    """
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    pattern = ROOT / ".nox" / "*" / "lib" / "python3*" / "site-packages" / "ansible_test" / "_internal" / "python_requirements.py"
    for requirements in glob.glob(str(pattern)):
        with open(requirements, encoding="utf-8") as source:
            found = re.search(r"pip='([0-9.]+)'", source.read())
        target = cache / ("get_pip_%s.py" % found.group(1).replace(".", "_")) if found else None
        if target and not target.exists():
            temporary = cache / (".get_pip.%d" % os.getpid())
            shutil.copyfile(ROOT / "tests" / "ci" / "get_pip.py", temporary)
            temporary.replace(target)


def _drop_delegation_venvs():
    """Remove ansible-test --venv's virtual environments from tests/output of the session's copy.

    antsibull-nox then copies tests/output back into the checkout; it walks the tree bottom-up
    and creates each folder without its parents, which fails on these nested folders.
    """
    shutil.rmtree(Path("tests") / "output" / ".tmp", ignore_errors=True)


_real_pythons()
_ansible_test_ssh_key()
antsibull_nox.load_antsibull_nox_toml()


def _ansible_test(command, leg, description, params):
    """An ansible-test session through antsibull-nox, with --venv instead of --docker."""
    antsibull_nox.add_ansible_test_session(
        name="ansible-test-%s-%s" % (command, leg),
        description="ansible-test %s with ansible-core %s%s, in virtual environments" % (command, leg, description),
        ansible_test_params=[command, "-v", "--color", "no"] + ([] if "--controller" in params else ["--venv"]) + params,
        default=True,
        ansible_core_version=leg,
        ansible_core_source="pypi",
        callback_before=_offline_pip_bootstrap,
        callback_after=_drop_delegation_venvs,
    )


# ansible-core 2.19's Pythons on managed hosts: its sanity session compiles and imports the
# modules with each of them that this machine has
TARGET_PYTHONS_2_19 = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

# antsibull-nox's own sanity, units and integration sessions run ansible-test with --docker
for leg, python in LEGS.items():
    on_python = ["--python", python]
    if leg == "2.19":
        found = [version for version in TARGET_PYTHONS_2_19 if (ROOT / ".nox" / "python-bin" / ("python" + version)).exists()]
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


@nox.session(name="server-tests", python=["3.11", "3.12", "3.13"])
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


@nox.session(name="molecule", python="3.12")
def molecule(session):
    """molecule test of the remotes role's scenario, which links this checkout as the collection
    and starts and stops its own test server.

    antsibull-nox's molecule session runs only scenarios in extensions/molecule/.
    """
    _install(session, "ansible-core", "molecule")
    with session.chdir("roles/remotes"):
        session.run("molecule", "test", env={"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "false", "NO_COLOR": "1"})


@nox.session(name="docs-site", python=False)
def docs_site(session):
    """The documentation site: docs/build-docs.sh (antsibull-docs and Sphinx, warnings are errors)."""
    out = ROOT / ".nox" / "docs-site" / "html"
    shutil.rmtree(out, ignore_errors=True)
    env = {"DOCS_VENV": str(ROOT / ".nox" / "docs-site" / "venv"), "DOCS_PYTHON": "python3.12"}
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
    + ["server-tests", "codeqa", "yamllint", "antsibull-nox-config", "changelog", "docs-check", "docs-site"]
    + ["build-import-check", "collection-install", "ee-context", "ansible-lint", "molecule"]
)

if __name__ == "__main__":
    nox.main()
