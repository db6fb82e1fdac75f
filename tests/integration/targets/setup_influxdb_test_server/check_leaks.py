# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Search the output of playbook runs for tokens; print the offending lines with the tokens redacted.

--strict FILE: no line may hold a token.
--tasks FILE: -vvvv output of ansible-playbook; no line may hold a token in the section of a
  task of the collection's modules (a section starts at its "task path: FILE:LINE" line), nor
  outside any task. Sections of other tasks (the tests' own uri and set_fact tasks) are skipped.
--records FILE: JSON lines from the result_recorder callback; every result of a module of the
  collection must be free of tokens and show the token options masked in its invocation.
--min-invocations N, --min-sections N: the least number of module invocations (from --records) and
  of module task sections (in the --tasks files) that must have been checked.
Exit status 1 if anything leaked, 2 if there was too little to check.
"""

from __future__ import annotations

import argparse
import json
import sys

COLLECTION = 'influxops.influxdb2.'
MASKED = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
TOKEN_OPTIONS = ('token', 'remote_api_token')


def redact(line, secrets):
    for secret in secrets:
        line = line.replace(secret, '<token>')
    return line[:300]


def leaks_in(line, secrets):
    return any(secret in line for secret in secrets)


def check_records(path, secrets, problems):
    module_paths, invocations = set(), 0
    with open(path, encoding='utf-8') as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            if not record['action'].startswith(COLLECTION):
                continue
            module_paths.add(record['path'])
            if leaks_in(line, secrets):
                problems.append('%s:%d: result of %r holds a token: %s' % (path, number, record['task'], redact(line, secrets)))
            args = record['result'].get('invocation', {}).get('module_args')
            if args is None:
                continue
            invocations += 1
            for item in [args] + list(args.get('remotes') or []):
                for option in TOKEN_OPTIONS:
                    value = item.get(option)
                    # an empty or blank value (a test of the error for it) is no secret
                    if value is not None and value != MASKED and value.strip():
                        problems.append('%s:%d: %s is not masked in the invocation of %r' % (path, number, option, record['task']))
    return module_paths, invocations


def check_strict(path, secrets, problems):
    with open(path, encoding='utf-8', errors='replace') as handle:
        for number, line in enumerate(handle, 1):
            if leaks_in(line, secrets):
                problems.append('%s:%d: %s' % (path, number, redact(line.rstrip('\n'), secrets)))


def check_tasks(path, secrets, module_paths, problems):
    section, module_sections = None, 0
    with open(path, encoding='utf-8', errors='replace') as handle:
        for number, line in enumerate(handle, 1):
            if line.startswith('task path: '):
                section = line[len('task path: '):].strip()
                module_sections += section in module_paths
                continue
            if line.startswith('PLAY RECAP'):
                section = None
            if leaks_in(line, secrets) and (section is None or section in module_paths):
                what = ''
                if line.startswith('<') and ' EXEC ' in line:
                    what = ("ansible-core shows the task's environment keyword in the command line at -vvv; "
                            "a token passed that way (INFLUX_TOKEN) is shown: ")
                problems.append('%s:%d (task %s): %s%s' % (path, number, section, what, redact(line.rstrip('\n'), secrets)))
    return module_sections


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--secrets', required=True)
    parser.add_argument('--records', required=True)
    parser.add_argument('--strict', action='append', default=[])
    parser.add_argument('--tasks', action='append', default=[])
    parser.add_argument('--min-invocations', type=int, default=1)
    parser.add_argument('--min-sections', type=int, default=1)
    args = parser.parse_args()

    with open(args.secrets, encoding='utf-8') as handle:
        secrets = [line.strip() for line in handle if line.strip()]
    problems = []
    module_paths, invocations = check_records(args.records, secrets, problems)
    for path in args.strict:
        check_strict(path, secrets, problems)
    sections = sum(check_tasks(path, secrets, module_paths, problems) for path in args.tasks)

    for problem in problems[:50]:
        print(problem, file=sys.stderr)
    print('%d secrets; %d module invocations and %d module task sections checked; %d leaks'
          % (len(secrets), invocations, sections, len(problems)))
    if problems:
        return 1
    if invocations < args.min_invocations or (args.tasks and sections < args.min_sections):
        print('too little output was checked (expected at least %d module invocations and %d module task sections)'
              % (args.min_invocations, args.min_sections), file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
