# influxops.influxdb2 offline pip bootstrap for ansible-test
"""Offline stand-in for the pip bootstrap script that ``ansible-test --venv`` downloads.

ansible-test creates its virtual environments without pip and then runs
``~/.ansible/test/cache/get_pip_<version>.py`` inside them, downloading that script from a
host that is not reachable from every machine. ``machine.py`` copies this file there. It
installs what ansible-test asked for (usually ``pip==<version>``) from the package index: with
uv when uv is on PATH (``machine.py`` puts the uv next to nox there), else (or when uv fails)
with the pip of the interpreter's own ``ensurepip`` bundle and the configured index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# options of the upstream bootstrap script that "pip install" does not know
BOOTSTRAP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main():
    """Install pip, then the requested packages, into the running interpreter's environment."""
    args = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_OPTIONS]
    uv = shutil.which('uv')

    if uv:
        # uv knows no pip options (such as --disable-pip-version-check): only the requirements.
        # ansible-test passes no SSL_CERT_FILE: uv trusts the platform's certificate store.
        env = dict(os.environ, UV_SYSTEM_CERTS='1')
        command = [uv, 'pip', 'install', '--python', sys.executable] + [arg for arg in args if not arg.startswith('-')]
        if subprocess.call(command, env=env) == 0:
            sys.exit(0)
        print('get_pip.py: uv failed, installing pip with ensurepip', file=sys.stderr)

    result = subprocess.call([sys.executable, '-m', 'ensurepip', '--default-pip'])

    if result == 0 and args:
        result = subprocess.call([sys.executable, '-m', 'pip', 'install'] + args)

    sys.exit(result)


if __name__ == '__main__':
    main()
