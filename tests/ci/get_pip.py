# influxops.influxdb2 offline pip bootstrap for ansible-test
"""Offline stand-in for the pip bootstrap script that ``ansible-test --venv`` downloads.

ansible-test creates its virtual environments without pip and then runs
``~/.ansible/test/cache/get_pip_<version>.py`` inside them, downloading that script from a
host that is not reachable from every machine. ``machine.py`` copies this file there when no
script is cached yet. It installs pip from the interpreter's own ``ensurepip`` bundle and then
lets that pip install what ansible-test asked for (usually ``pip==<version>``) from the
configured package index.
"""

from __future__ import annotations

import subprocess
import sys

# options of the upstream bootstrap script that "pip install" does not know
BOOTSTRAP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main():
    """Install pip, then the requested packages, into the running interpreter's environment."""
    args = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_OPTIONS]

    result = subprocess.call([sys.executable, '-m', 'ensurepip', '--default-pip'])

    if result == 0 and args:
        result = subprocess.call([sys.executable, '-m', 'pip', 'install'] + args)

    sys.exit(result)


if __name__ == '__main__':
    main()
