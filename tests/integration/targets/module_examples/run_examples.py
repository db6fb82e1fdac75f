# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the EXAMPLES block of every module against the InfluxDB test server.

For each ``plugins/modules/*.py`` (read with ``ast``, never imported), the EXAMPLES string is
loaded as a list of tasks and rewritten for the test server only where an example points at a
real installation:

- every ``host`` of an influxops.influxdb2 task or of a ``module_defaults`` entry becomes the
  server's URL, and ``ca_path`` is dropped (the server speaks plain HTTP);
- tasks that set no ``host`` reach the server through ``INFLUX_HOST`` (the play's environment),
  as they would reach the default ``http://localhost:8086`` of a real edge host.

Nothing else changes. The variables the examples use are given as extra vars: ``influx_token``
is the server's token, every other ``*_token`` a random token. The server has the organization
the examples name: ``edge``, with the ID ``1a2b3c4d5e6f7a8b`` that they also use.

Each module's examples run as one playbook (hosts: localhost, the tasks in their order) on a
server without remotes: twice (the second run must pass as well), then once with
``--check --diff``, which must write nothing (the server's request log has no write and the
stored remotes, token hashes included, are unchanged). Each run must end with no failed, unreachable or ignored task, every
example task must have run (none skipped), and no token may appear in the output.

Arguments are passed on to ansible-playbook (such as -v).
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

COLLECTION_PREFIX = 'influxops.influxdb2.'
EXAMPLES_ORG = 'edge'
EXAMPLES_ORG_ID = '1a2b3c4d5e6f7a8b'
# the bucket that the replication examples replicate
EXAMPLES_BUCKET = 'telemetry'
RUNS = (('first run', []), ('second run', []), ('check run', ['--check', '--diff']))
RECAP_RE = re.compile(r'^localhost\s*:\s*(.*)$', re.M)
TASK_KEYWORDS_WITH_TASKS = ('block', 'rescue', 'always')
JINJA_VAR_RE = re.compile(r'{{\s*([A-Za-z_][A-Za-z0-9_]*)')


def collection_root():
    """The collection root: upwards from this file, else from ANSIBLE_COLLECTIONS_PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidate = here
    while candidate != os.path.dirname(candidate):
        if os.path.isfile(os.path.join(candidate, 'galaxy.yml')) and os.path.isdir(os.path.join(candidate, 'plugins', 'modules')):
            return candidate
        candidate = os.path.dirname(candidate)
    for entry in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        path = os.path.join(entry, 'ansible_collections', 'influxops', 'influxdb2')
        if entry and os.path.isdir(os.path.join(path, 'plugins', 'modules')):
            return path
    sys.exit('module_examples: the collection root was not found')


def read_examples(path):
    """The EXAMPLES string of a module file, read with ast (the module is not imported)."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), filename=path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == 'EXAMPLES' for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
            sys.exit('module_examples: EXAMPLES of %s is not a string literal' % path)
    return None


def rewrite_args(args, url):
    """Point the connection options of one module (or module_defaults entry) at the server."""
    if not isinstance(args, dict):
        return args
    args = dict(args)
    if 'host' in args:
        args['host'] = url
    args.pop('ca_path', None)
    return args


def rewrite_task(task, url):
    task = dict(task)
    for key in list(task):
        if key.startswith(COLLECTION_PREFIX):
            task[key] = rewrite_args(task[key], url)
        elif key == 'module_defaults' and isinstance(task[key], dict):
            task[key] = dict((name, rewrite_args(value, url)) for name, value in task[key].items())
        elif key in TASK_KEYWORDS_WITH_TASKS and isinstance(task[key], list):
            task[key] = [rewrite_task(t, url) for t in task[key]]
    return task


def count_tasks(tasks):
    """The number of tasks that run (blocks count by their tasks)."""
    total = 0
    for task in tasks:
        if 'block' in task:
            total += count_tasks(task['block'])
        else:
            total += 1
    return total


def used_variables(text):
    return sorted(set(JINJA_VAR_RE.findall(text)))


def registered(tasks):
    names = set()
    for task in tasks:
        if 'register' in task:
            names.add(task['register'])
        for key in TASK_KEYWORDS_WITH_TASKS:
            names |= registered(task.get(key) or [])
    return names


class Server:
    """The InfluxDB test server with the organization of the examples, started by tests/server/launch.py."""

    def __init__(self, root, workdir):
        sys.path.insert(0, os.path.join(root, 'tests', 'server'))
        import launch  # the test server's launcher, found only at run time
        self.launch = launch
        self.state_file = os.path.join(workdir, 'server.json')
        try:
            state = launch.start(self.state_file, ['--org', '%s=%s' % (EXAMPLES_ORG, EXAMPLES_ORG_ID),
                                                   '--bucket', '%s=%s' % (EXAMPLES_ORG, EXAMPLES_BUCKET)])
        except launch.LaunchError as exc:
            sys.exit('module_examples: the test server did not start:\n%s' % exc)
        self.url, self.token = state['url'], state['token']

    def stop(self):
        self.launch.stop(self.state_file)

    def _api(self, method, path):
        request = urllib.request.Request(self.url + path, method=method, headers={'Authorization': 'Token ' + self.token})
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None

    def remotes(self):
        return self._api('GET', '/_test/remotes')

    def requests(self):
        return self._api('GET', '/_test/requests')

    def clear_requests(self):
        self._api('DELETE', '/_test/requests')

    def clear(self):
        """Delete every replication and every remote, so that each module's examples start from an
        organization with nothing but its bucket."""
        replications = self._api('GET', '/api/v2/replications?orgID=' + EXAMPLES_ORG_ID)['replications'] or []
        for replication in replications:
            self._api('DELETE', '/api/v2/replications/' + replication['id'])
        for remote in self.remotes():
            self._api('DELETE', '/api/v2/remotes/' + remote['id'])


def recap(output):
    """The counters of the PLAY RECAP line for localhost, e.g. {'ok': 3, 'failed': 0, ...}."""
    found = RECAP_RE.findall(output)
    if not found:
        return None
    totals = {}
    for line in found:
        for key, value in re.findall(r'(\w+)=(\d+)', line):
            totals[key] = totals.get(key, 0) + int(value)
    return totals


def main():
    root = collection_root()
    extra_args = sys.argv[1:]
    playbook_cmd = shutil.which('ansible-playbook')
    if not playbook_cmd:
        sys.exit('module_examples: ansible-playbook not found on PATH')
    workdir = tempfile.mkdtemp(prefix='module-examples.')
    os.chmod(workdir, 0o700)
    server = Server(root, workdir)
    failures, runs = [], 0
    try:
        print('module_examples: test server ready at %s, organization %s=%s' % (server.url, EXAMPLES_ORG, EXAMPLES_ORG_ID))
        inventory = os.path.join(workdir, 'inventory.ini')
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
        env = dict(os.environ)
        env['ANSIBLE_STDOUT_CALLBACK'] = 'default'
        env['ANSIBLE_NOCOLOR'] = '1'
        env['ANSIBLE_FORCE_COLOR'] = '0'

        modules = sorted(glob.glob(os.path.join(root, 'plugins', 'modules', '*.py')))
        if not modules:
            sys.exit('module_examples: no module in %s' % os.path.join(root, 'plugins', 'modules'))
        for path in modules:
            module = os.path.splitext(os.path.basename(path))[0]
            text = read_examples(path)
            if not text or not text.strip():
                failures.append('%s: no EXAMPLES' % module)
                continue
            tasks = yaml.safe_load(text)
            if not isinstance(tasks, list) or not tasks or not all(isinstance(t, dict) for t in tasks):
                failures.append('%s: EXAMPLES is not a list of tasks' % module)
                continue

            # The variables the examples use: influx_token is the server's, each other *_token a
            # new random token; anything else must be registered by an earlier example task.
            variables, tokens = {}, [server.token]
            unknown = []
            for name in used_variables(text):
                if name == 'influx_token':
                    variables[name] = server.token
                elif name.endswith('_token'):
                    variables[name] = secrets.token_urlsafe(24)
                    tokens.append(variables[name])
                elif name not in registered(tasks):
                    unknown.append(name)
            if unknown:
                failures.append('%s: EXAMPLES use variables that nothing defines: %s' % (module, ', '.join(unknown)))
                continue
            vars_file = os.path.join(workdir, '%s.vars.json' % module)
            with open(os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
                json.dump(variables, handle)

            play = [dict(
                name='Run the EXAMPLES of %s%s' % (COLLECTION_PREFIX, module),
                hosts='localhost',
                gather_facts=False,
                environment=dict(INFLUX_HOST=server.url, INFLUX_CONFIGS_PATH=os.path.join(workdir, 'no-influx-configs')),
                tasks=[rewrite_task(task, server.url) for task in tasks],
            )]
            playbook = os.path.join(workdir, '%s.yml' % module)
            with open(playbook, 'w', encoding='utf-8') as handle:
                yaml.safe_dump(play, handle, sort_keys=False, default_flow_style=False)
            expected_tasks = count_tasks(tasks)

            server.clear()
            for label, run_args in RUNS:
                runs += 1
                cmd = [playbook_cmd, '-i', inventory, playbook, '-e', '@' + vars_file] + run_args + extra_args
                stored_before = server.remotes()
                server.clear_requests()
                started = time.time()
                proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
                output = proc.stdout
                counts = recap(output)
                problems = []
                if proc.returncode != 0:
                    problems.append('ansible-playbook exited with %d' % proc.returncode)
                if counts is None:
                    problems.append('no PLAY RECAP')
                else:
                    for key in ('failed', 'unreachable', 'ignored', 'skipped', 'rescued'):
                        if counts.get(key, 0):
                            problems.append('%s=%d' % (key, counts[key]))
                    if counts.get('ok', 0) != expected_tasks:
                        problems.append('ok=%d, expected every one of the %d example tasks' % (counts.get('ok', 0), expected_tasks))
                if '--check' in run_args:
                    writes = [r for r in server.requests() if r['method'] != 'GET']
                    if writes:
                        problems.append('the check run wrote: %s' % ', '.join('%s %s' % (r['method'], r['path']) for r in writes))
                    if server.remotes() != stored_before:
                        problems.append('the check run changed the stored remotes')
                leaked = [i for i, token in enumerate(tokens) if token in output]
                if leaked:
                    problems.append('a token appears in the output')
                    output = '(output withheld: it holds a token)'
                summary = ' '.join('%s=%d' % (k, counts[k]) for k in ('ok', 'changed', 'failed', 'skipped')) if counts else '-'
                print('module_examples: %s %s: %s (%.1f s)%s' % (module, label, summary, time.time() - started,
                                                                 ': ' + '; '.join(problems) if problems else ''))
                if problems:
                    with open(playbook, encoding='utf-8') as handle:
                        print('----- playbook %s\n%s----- output\n%s-----' % (playbook, handle.read(), output))
                    failures.append('%s %s: %s' % (module, label, '; '.join(problems)))
            print('module_examples: %s left %d remote(s) on the server' % (module, len(server.remotes())))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    if failures:
        print('module_examples: %d problem(s):' % len(failures))
        for failure in failures:
            print('  - ' + failure)
        return 1
    print('module_examples: the EXAMPLES of %d module(s) passed %d runs' % (len(modules), runs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
