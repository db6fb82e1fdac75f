# influxops.influxdb2 execution environment build context check (nox session ee-context)
"""Check the build context that ``ansible-builder create`` wrote for tests/ee.

Usage::

    python ee_check.py CONTEXT TARBALL

CONTEXT is the build context folder, TARBALL the collection tarball it should contain. Checks
that the context has a Containerfile, the collection tarball and the galaxy requirements that
install it, that it installs no Python package but ansible-core and ansible-runner and no
system package, and that ansible-builder's own introspection (the script it runs inside the
image) finds no Python or system dependency in the collection. Prints one ``PASS: ...`` or
``FAIL: ...`` line per check and exits non-zero when a check failed.
"""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
import tarfile
import tempfile

import yaml

COLLECTION_FILE = '/build/collections/influxops-influxdb2.tar.gz'
ALLOWED_INSTALL_REFS = ('ansible-core', 'ansible-runner')


class Checks:
    """Collects PASS and FAIL lines."""

    def __init__(self):
        self.failed = 0

    def check(self, ok, what, detail=''):
        """Print one check's result."""
        if ok:
            print('PASS: %s' % what)
        else:
            self.failed += 1
            print('FAIL: %s%s' % (what, ': ' + detail if detail else ''))


def read(path):
    """Return a text file's content, or None when it does not exist."""
    try:
        with open(path, encoding='utf-8') as text_file:
            return text_file.read()
    except FileNotFoundError:
        return None


def main():
    """Entry point."""
    context, tarball = sys.argv[1], sys.argv[2]
    build = os.path.join(context, '_build')
    checks = Checks()

    containerfile = read(os.path.join(context, 'Containerfile'))
    checks.check(containerfile is not None, 'the context has a Containerfile')
    containerfile = containerfile or ''

    copied = os.path.join(build, 'collections', 'influxops-influxdb2.tar.gz')
    checks.check(os.path.isfile(copied) and filecmp.cmp(copied, tarball, shallow=False),
                 'the context holds the collection tarball built from the checkout', copied)

    requirements = yaml.safe_load(read(os.path.join(build, 'requirements.yml')) or '{}') or {}
    names = [(entry or {}).get('name') for entry in requirements.get('collections', [])]
    checks.check(names == [COLLECTION_FILE], 'the galaxy requirements install only that tarball', repr(names))

    extra = [name for name in ('requirements.txt', 'bindep.txt') if os.path.exists(os.path.join(build, name))]
    checks.check(not extra, 'the definition adds no Python or system requirements of its own', ', '.join(extra))

    match = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile, re.MULTILINE)
    refs = match.group(1).split() if match else []
    unexpected = [ref for ref in refs if not ref.startswith(ALLOWED_INSTALL_REFS)]
    checks.check(bool(refs) and not unexpected, 'pip installs only ansible-core and ansible-runner', ' '.join(refs) or 'no ANSIBLE_INSTALL_REFS')
    checks.check('ansible-galaxy collection install' in containerfile and 'requirements.yml' in containerfile,
                 'the Containerfile installs the galaxy requirements')

    introspect = os.path.join(build, 'scripts', 'introspect.py')

    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, 'ansible_collections', 'influxops', 'influxdb2')
        os.makedirs(target)

        with tarfile.open(tarball, 'r:gz') as collection:
            if hasattr(tarfile, 'data_filter'):
                collection.extractall(target, filter='data')
            else:
                collection.extractall(target)  # the tarball was just built from the checkout

        meta = yaml.safe_load(read(os.path.join(target, 'meta', 'execution-environment.yml')) or '{}') or {}
        referenced = sorted((meta.get('dependencies') or {}).values())
        missing = [name for name in referenced if not os.path.isfile(os.path.join(target, name))]
        checks.check(bool(meta) and not missing, 'the collection has meta/execution-environment.yml and the files it names',
                     'missing: %s' % ', '.join(missing) if missing else 'no meta/execution-environment.yml')

        result = subprocess.run([sys.executable, introspect, 'introspect', tmp], capture_output=True, text=True, check=False)
        print(result.stdout.strip())
        found = yaml.safe_load(result.stdout or '{}') if result.returncode == 0 else None
        checks.check(found == {'python': [], 'system': []},
                     "ansible-builder's introspection finds no Python or system dependency in the collection",
                     result.stderr.strip() or repr(found))

    sys.exit(1 if checks.failed else 0)


if __name__ == '__main__':
    main()
