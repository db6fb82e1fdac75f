# influxops.influxdb2 test result counter for tests/run.sh
"""Count passed and failed tests from the output of one step of ``tests/run.sh``.

Usage::

    python results.py junit DIR           # ansible-test sanity --junit results
    python results.py pytest LOG          # a pytest run (also ansible-test units)
    python results.py integration LOG DIR # ansible-test integration log and its data dir
    python results.py checks LOG          # PASS: / FAIL: lines of the tests/ci check scripts

Prints ``PASSED FAILED SKIPPED`` (three integers) on one line.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ANSI_ESCAPE = re.compile(r'\x1b\[[0-9;]*m')
PYTEST_SUMMARY = re.compile(r'\b\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b.* in [0-9.]+s')
PYTEST_COUNT = re.compile(r'\b(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b')
INTEGRATION_FAILED = re.compile(r'The (\d+) integration test\(s\) listed below \(out of (\d+)\) failed')


def read_lines(path):
    """Return the lines of a log file without terminal colour codes."""
    with open(path, encoding='utf-8', errors='replace') as log_file:
        return [ANSI_ESCAPE.sub('', line.rstrip('\n')) for line in log_file]


def count_junit(directory):
    """Count test cases in the JUnit XML files that ansible-test wrote."""
    passed = failed = skipped = 0

    for path in sorted(glob.glob(os.path.join(directory, '*.xml'))):
        for case in ET.parse(path).getroot().iter('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
            elif case.find('skipped') is not None:
                skipped += 1
            else:
                passed += 1

    return passed, failed, skipped


def count_pytest(log_path):
    """Count tests from the pytest summary lines of a log.

    ansible-test units runs one pytest session per context (controller, target) and Python
    version, each with a summary line of its own: the counts of all of them add up.
    """
    counts = {}

    for line in read_lines(log_path):
        if not PYTEST_SUMMARY.search(line):
            continue

        for number, word in PYTEST_COUNT.findall(line):
            word = 'error' if word.startswith('error') else word
            counts[word] = counts.get(word, 0) + int(number)

    passed = counts.get('passed', 0) + counts.get('xfailed', 0)
    failed = counts.get('failed', 0) + counts.get('error', 0) + counts.get('xpassed', 0)

    return passed, failed, counts.get('skipped', 0)


def count_integration(log_path, data_dir):
    """Count integration targets: passed ones from the results file, failed ones from the log."""
    passed = 0

    for path in glob.glob(os.path.join(data_dir, 'integration-*.json')):
        with open(path, encoding='utf-8') as data_file:
            passed += len(json.load(data_file).get('targets', {}))

    failed = 0

    for line in read_lines(log_path):
        match = INTEGRATION_FAILED.search(line)

        if match:
            failed = int(match.group(1))

    return passed, failed, 0


def count_checks(log_path):
    """Count the ``PASS: ...`` and ``FAIL: ...`` lines of a check script's log."""
    passed = failed = 0

    for line in read_lines(log_path):
        if line.startswith('PASS: '):
            passed += 1
        elif line.startswith('FAIL: '):
            failed += 1

    return passed, failed, 0


def main():
    """Entry point."""
    kind = sys.argv[1]

    if kind == 'junit':
        counts = count_junit(sys.argv[2])
    elif kind == 'pytest':
        counts = count_pytest(sys.argv[2])
    elif kind == 'integration':
        counts = count_integration(sys.argv[2], sys.argv[3])
    elif kind == 'checks':
        counts = count_checks(sys.argv[2])
    else:
        sys.exit('unknown kind: %s' % kind)

    print('%d %d %d' % counts)


if __name__ == '__main__':
    main()
