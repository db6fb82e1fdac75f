# influxops.influxdb2 nox workarounds for machines without a container engine (noxfile.py)
"""What noxfile.py needs on machines with no container engine, pyenv shims on PATH, and a network
that reaches PyPI and Debian only. tests/README.md says what fails without each of these.

- :func:`prepare` runs when nox loads noxfile.py, before any session: it puts links to the real
  interpreters (:func:`real_pythons`) and to nox's uv (:func:`uv_on_path`) first on PATH and
  creates ansible-test's SSH key pair (:func:`ansible_test_ssh_key`);
- :func:`offline_pip_bootstrap` and :func:`drop_delegation_venvs` are the ``callback_before``
  and ``callback_after`` of the ansible-test sessions, which run ``ansible-test --venv``.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# where real_pythons() links the interpreters and uv_on_path() uv
PYTHON_BIN = ROOT / '.nox' / 'python-bin'


def real_pythons():
    """Put links to real interpreters python3.8 ... python3.14 first on PATH.

    pyenv's shims answer for one version only, so neither nox nor ansible-test can use them.
    """
    PYTHON_BIN.mkdir(parents=True, exist_ok=True)
    pyenv_root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    path = [entry for entry in os.environ.get('PATH', '').split(os.pathsep) if 'shims' not in entry]
    for minor in range(8, 15):
        name = 'python3.%d' % minor
        link = PYTHON_BIN / name
        if link.exists():
            continue
        candidates = sorted(glob.glob('%s/versions/3.%d.*/bin/%s' % (pyenv_root, minor, name)), reverse=True)
        candidates.append(shutil.which(name, path=os.pathsep.join(path)))
        for candidate in filter(None, candidates):
            check = subprocess.run([candidate, '-c', 'import sys; print(sys.executable)'], capture_output=True, text=True, check=False)
            if check.returncode == 0:
                temporary = PYTHON_BIN / ('.%s.%d' % (name, os.getpid()))
                temporary.unlink(missing_ok=True)
                temporary.symlink_to(check.stdout.strip())
                temporary.replace(link)
                break
    os.environ['PATH'] = os.pathsep.join([str(PYTHON_BIN)] + path)


def uv_on_path():
    """Link the uv next to nox into the folder that real_pythons() puts first on PATH.

    ansible-test --venv's pip bootstrap (tests/ci/get_pip.py) installs pip with it, in a fraction
    of the time that ensurepip and pip take.
    """
    uv = Path(sys.executable).parent / 'uv'
    link = PYTHON_BIN / 'uv'
    if uv.exists() and not (link.is_symlink() and link.resolve() == uv.resolve()):
        temporary = PYTHON_BIN / ('.uv.%d' % os.getpid())
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(uv)
        temporary.replace(link)


def pythons_found(versions):
    """Those of ``versions`` (such as ``'3.8'``) that :func:`real_pythons` found an interpreter for."""
    return [version for version in versions if (PYTHON_BIN / ('python' + version)).exists()]


def ansible_test_ssh_key():
    """Create ansible-test's SSH key pair once, before sessions run side by side.

    Every ansible-test run creates ~/.ansible/test/id_rsa when it is missing; runs started at
    the same time on a fresh machine race for it and ssh-keygen fails.
    """
    key = Path.home() / '.ansible' / 'test' / 'id_rsa'
    if key.exists() and key.with_suffix('.pub').exists() or not shutil.which('ssh-keygen'):
        return
    key.parent.mkdir(parents=True, exist_ok=True)
    key.unlink(missing_ok=True)
    subprocess.run(['ssh-keygen', '-m', 'PEM', '-q', '-t', 'rsa', '-N', '', '-f', str(key)], stdin=subprocess.DEVNULL, check=True)
    # the header ansible-test itself writes
    key.write_text(key.read_text().replace('BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY').replace('END PRIVATE KEY', 'END RSA PRIVATE KEY'))


def offline_pip_bootstrap():
    """Cache tests/ci/get_pip.py where ansible-test --venv looks for its pip bootstrap script.

    ansible-test downloads that script from a host these machines cannot reach
    (ansible/ansible#77304); the stand-in installs pip with uv or ensurepip. The cache file is
    named after the pip version that the installed ansible-test wants; one that differs from the
    stand-in (an older one) is replaced.
    """
    cache = Path.home() / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    pattern = ROOT / '.nox' / '*' / 'lib' / 'python3*' / 'site-packages' / 'ansible_test' / '_internal' / 'python_requirements.py'
    stand_in = (ROOT / 'tests' / 'ci' / 'get_pip.py').read_bytes()
    for requirements in glob.glob(str(pattern)):
        with open(requirements, encoding='utf-8') as source:
            found = re.search(r"pip='([0-9.]+)'", source.read())
        target = cache / ('get_pip_%s.py' % found.group(1).replace('.', '_')) if found else None
        if target and not (target.exists() and target.read_bytes() == stand_in):
            temporary = cache / ('.get_pip.%d' % os.getpid())
            temporary.write_bytes(stand_in)
            temporary.replace(target)


def drop_delegation_venvs():
    """Remove ansible-test --venv's virtual environments from tests/output of the session's copy.

    antsibull-nox then copies tests/output back into the checkout; it walks the tree bottom-up
    and creates each folder without its parents, which fails on these nested folders.
    """
    shutil.rmtree(Path('tests') / 'output' / '.tmp', ignore_errors=True)


def prepare():
    """What must be in place before any session runs (see the module's documentation)."""
    real_pythons()
    uv_on_path()
    ansible_test_ssh_key()
