# influxops.influxdb2 test counter for tests/run.sh
"""Print the step table of a nox run and the closing line ``N passed, N failed``.

Usage::

    python results.py REPORT LOG

REPORT is the file of ``nox --report``, LOG the output of that nox run (with ``--parallel`` each
session's output is one block that starts with a ``========== ✓ NAME: ...`` line). Per session,
counts tests from its output: pytest's summary lines (ansible-test units, the server tests), the
sanity tests and integration targets that ansible-test ran and reported failed, and the
``PASS:``/``FAIL:`` lines of the check scripts in tests/ci, and galaxy-importer's ``ERROR:`` lines.
A session with none of these counts as one check. A failed session with no failed test to show for it counts one failure. Exits 1
when a session did not succeed.
"""

from __future__ import annotations

import json
import re
import sys

ANSI_ESCAPE = re.compile(r'\x1b\[[0-9;?]*[a-zA-Z]')
BLOCK = re.compile(r'^=+ \S+ (\S+): \w+.* =+$|^nox > Running session (\S+)$')
PYTEST_SUMMARY = re.compile(r'^=+ (.*\b(?:passed|failed|error|errors|no tests ran)\b.*) in [0-9.]+s')
PYTEST_COUNT = re.compile(r'(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)')
SANITY_TEST = re.compile(r'^Running sanity test ["\']([^"\']+)')
INTEGRATION_TARGET = re.compile(r'^Running (\S+) integration test (?:role|script)')
IMPORTER = 'Importing with galaxy-importer'
ANSIBLE_TEST_FAILED = re.compile(r'The (\d+) (?:sanity|integration) test\(s\) listed below \(out of \d+\) failed')


def split_blocks(log_path):
    """Map each session's name to the lines of its output."""
    blocks = {}
    lines = None

    with open(log_path, encoding='utf-8', errors='replace') as log_file:
        for raw in log_file:
            line = ANSI_ESCAPE.sub('', raw.rstrip('\n'))
            match = BLOCK.match(line)

            if match:
                lines = blocks.setdefault(match.group(1) or match.group(2), [])
            elif lines is not None:
                lines.append(line)

    return blocks


def count(lines):
    """Return (passed, failed, skipped, what) for one session's output, or None."""
    pytest = {}
    sanity = integration = checks_passed = checks_failed = failed = 0

    for line in lines:
        summary = PYTEST_SUMMARY.match(line)

        if summary:
            for number, word in PYTEST_COUNT.findall(summary.group(1)):
                word = 'error' if word.startswith('error') else word
                pytest[word] = pytest.get(word, 0) + int(number)

        sanity += bool(SANITY_TEST.match(line))
        integration += bool(INTEGRATION_TARGET.match(line))
        checks_passed += line.startswith('PASS: ')
        checks_failed += line.startswith('FAIL: ')
        match = ANSIBLE_TEST_FAILED.search(line)

        if match:
            failed += int(match.group(1))

    if pytest:
        passed = pytest.get('passed', 0) + pytest.get('xfailed', 0)
        bad = pytest.get('failed', 0) + pytest.get('error', 0) + pytest.get('xpassed', 0)
        return passed, bad, pytest.get('skipped', 0), 'tests'

    for number, what in ((sanity, 'sanity tests'), (integration, 'targets')):
        if number:
            return number - failed, failed, 0, what

    if checks_passed or checks_failed:
        return checks_passed, checks_failed, 0, 'checks'

    importer = [index for index, line in enumerate(lines) if line.startswith(IMPORTER)]

    if importer:
        # antsibull-nox reports the importer's ERROR lines as warnings: each one fails here
        errors = sum(line.startswith('ERROR:') for line in lines[importer[0]:])
        completed = 'Importer processing completed successfully' in lines
        return (1, 0, 0, 'import') if completed and not errors else (0, max(errors, 1), 0, 'import errors')

    return None


def main():
    """Entry point."""
    report_path, log_path = sys.argv[1:3]

    try:
        with open(report_path, encoding='utf-8') as report_file:
            sessions = json.load(report_file)['sessions']
    except (OSError, ValueError, KeyError) as error:
        print('nox wrote no usable report (%s)' % error)
        print('0 passed, 1 failed')
        sys.exit(1)

    blocks = split_blocks(log_path)
    rows = []

    for session in sessions:
        name = (session.get('signatures') or [session['name']])[0]
        ok = session['result'] == 'success'
        counted = count(blocks.get(name, []))
        passed, failed, skipped, what = counted or ((1, 0, 0, 'check') if ok else (0, 1, 0, 'check'))
        note = what + (', %d skipped' % skipped if skipped else '')

        if not ok and not failed:
            failed = 1
            note += '; %s%s' % (session['result'], ': ' + session['reason'] if session.get('reason') else '')

        rows.append((name, 'ok' if ok else session['result'].upper(), passed, failed, session.get('duration') or 0, note))

    line = '%-32s %-8s %7s %7s %8s  %s'
    print()
    print(line % ('step', 'result', 'passed', 'failed', 'seconds', 'counted'))
    print('-' * 88)

    for name, result, passed, failed, seconds, note in rows:
        print(line % (name, result, passed, failed, '%.0f' % seconds, note))

    print('-' * 88)
    total_passed = sum(row[2] for row in rows)
    total_failed = sum(row[3] for row in rows)
    print(line % ('total (sum of the steps)', '', total_passed, total_failed, '%.0f' % sum(row[4] for row in rows), ''))
    print()
    print('%d passed, %d failed' % (total_passed, total_failed))
    sys.exit(1 if total_failed or any(row[1] != 'ok' for row in rows) else 0)


if __name__ == '__main__':
    main()
