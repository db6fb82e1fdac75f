# influxops.influxdb2 collection tarball check (nox session collection-install)
"""Check the files of a collection tarball built by ``ansible-galaxy collection build``.

Usage::

    python tarball_check.py TARBALL

Lists the tarball's files, then checks that none of them is a virtual environment, a cache, a
test or tool output, version control data or a nested build, and that the files a user or
Galaxy needs are there. Prints one ``PASS: ...`` or ``FAIL: ...`` line per check and exits
non-zero when a check failed.
"""

from __future__ import annotations

import fnmatch
import re
import sys
import tarfile

# (what, regular expression over a member path) that must match no member
FORBIDDEN = (
    ('virtual environments', r'(^|/)\.?venv[^/]*/|(^|/)pyvenv\.cfg$|(^|/)site-packages/'),
    ('Python caches', r'(^|/)__pycache__(/|$)|\.py[cod]$'),
    ('tool caches', r'(^|/)\.(pytest_cache|ruff_cache|mypy_cache|cache|tox|nox)(/|$)'),
    ('ansible-lint and molecule state', r'(^|/)\.ansible(/|$)'),
    ('test outputs', r'^tests/output(/|$)|(^|/)\.coverage|(^|/)junit[^/]*\.xml$'),
    ('test server data and logs', r'\.(sqlite3?|db|log)$'),
    ('version control data', r'(^|/)\.(git|hg|svn)(/|$)|(^|/)\.gitignore$'),
    ('collection builds', r'\.(tar\.gz|tgz|whl)$'),
    ('CI configuration', r'^\.ci(/|$)|^tests/ci(/|$)|^tests/ee(/|$)|^tests/run\.sh$|^noxfile\.py$|^antsibull-nox\.toml$'),
    ('editor and OS litter', r'(^|/)(\.DS_Store|\.idea|\.vscode)(/|$)|~$|\.sw[op]$'),
)

# glob patterns of which at least one member must match
REQUIRED = (
    'MANIFEST.json',
    'FILES.json',
    'README.md',
    'meta/runtime.yml',
    'meta/execution-environment.yml',
    'plugins/modules/influx_remote.py',
    'plugins/modules/influx_remote_info.py',
    'plugins/module_utils/*.py',
    'roles/*/README.md',
    'roles/*/meta/argument_specs.yml',
    'demo/playbook.yml',
    'demo/inventory.yml',
    'changelogs/changelog.yaml',
)


def main():
    """Entry point."""
    path = sys.argv[1]

    with tarfile.open(path, 'r:gz') as tarball:
        members = [member.name[2:] if member.name.startswith('./') else member.name for member in tarball.getmembers()]

    files = sorted(name for name in members if name)
    print('%d entries in %s:' % (len(files), path))

    for name in files:
        print('  ' + name)

    failed = 0

    for what, pattern in FORBIDDEN:
        regex = re.compile(pattern)
        found = [name for name in files if regex.search(name)]

        if found:
            failed += 1
            print('FAIL: no %s: %s' % (what, ', '.join(found[:20]) + (' ...' if len(found) > 20 else '')))
        else:
            print('PASS: no %s' % what)

    for pattern in REQUIRED:
        if any(fnmatch.fnmatchcase(name, pattern) for name in files):
            print('PASS: has %s' % pattern)
        else:
            failed += 1
            print('FAIL: has %s: missing' % pattern)

    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
