# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start, stop and run the InfluxDB test server (influxdb_test_server.py, next to this file).

Usage::

    python3 launch.py start --state FILE [--python PY] [--name NAME] [--version VERSION] [--plain-tokens] [-- SERVER_ARG...]
    python3 launch.py stop --state FILE
    python3 launch.py run [--python PY] [--name NAME] [--version VERSION] [--plain-tokens] [-- SERVER_ARG...] -- COMMAND [ARG...]
    python3 launch.py env --state FILE

``start`` runs the server with PY (default: this interpreter) on a free port (``--port 0``
unless SERVER_ARGs give ``--port``), with a random ``--token`` and one organization
``NAME=<random ID>`` (NAME defaults to ``test``) unless SERVER_ARGs give ``--token`` or
``--org``, playing the InfluxDB release VERSION (the server's ``--version``; default: the
environment variable INFLUXDB_TEST_SERVER_VERSION, else the server's own default) unless
SERVER_ARGs give ``--version``, keeping tokens in plain text (the server's ``--plain-tokens``, as
InfluxDB 2.7 does) with ``--plain-tokens`` or when the environment variable
INFLUXDB_TEST_SERVER_PLAIN_TOKENS is ``1`` (``0`` or unset: hashed, as 2.9 does), and with
``--log-file`` and ``--verbose`` into files next to FILE. It waits for the server's READY line and a 200 from ``/health`` (the first entry of the
server's request log; with ``--client-ca``, which requires a client certificate, for the READY
line only), then writes FILE (JSON, mode 0600)::

    {"url": "http://127.0.0.1:PORT", "port": PORT, "pid": PID, "token": "...",
     "orgs": {"NAME": "ID", ...}, "org": "first org name", "org_id": "its ID",
     "log_file": "...", "stderr_file": "...", "stdout_file": "..."}

and prints the URL. The server keeps running. If it is not ready within 20 seconds, ``start``
stops it and fails with its stderr.

``stop`` sends TERM to the server of FILE, then KILL after 5 seconds, and removes FILE; a
server that is already gone, or a FILE that does not exist, is no error.

``run`` starts a server as ``start`` does (its files in a private temporary directory), runs
COMMAND with INFLUX_HOST, INFLUX_TOKEN, INFLUX_ORG, INFLUX_ORG_ID and INFLUXDB_TEST_STATE (the
state file) in its environment, stops the server when COMMAND ends or on SIGINT/SIGTERM, and
exits with COMMAND's status. Without a second ``--``, everything after the first one is
COMMAND; SERVER_ARGs always start with ``-``, a COMMAND never does.

``env`` prints ``export INFLUX_HOST=...`` lines (shell-quoted) for ``eval``.

From Python (standard library only, Python 3.8 or later)::

    from launch import start, stop
    state = start('/tmp/x/server.json', ['--org', 'edge=1a2b3c4d5e6f7a8b'])
    ...
    stop('/tmp/x/server.json')
"""

import argparse
import errno
import json
import os
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'influxdb_test_server.py')
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
DEFAULT_ORG = 'test'
# The InfluxDB release that servers play when neither the caller nor SERVER_ARGs name one.
VERSION_ENV = 'INFLUXDB_TEST_SERVER_VERSION'
# Whether servers keep tokens in plain text (1) or only their hashes (0, the default) when the caller does not say.
PLAIN_TOKENS_ENV = 'INFLUXDB_TEST_SERVER_PLAIN_TOKENS'


class LaunchError(Exception):
    """The test server could not be started."""


def _values(args, option):
    """The values given to OPTION in ARGS, as ``--option VALUE`` or ``--option=VALUE``."""
    found = []
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            found.append(args[index + 1])
        elif arg.startswith(option + '='):
            found.append(arg[len(option) + 1:])
    return found


def _has(args, option):
    return any(arg == option or arg.startswith(option + '=') for arg in args)


def _random_id():
    while True:
        value = secrets.token_hex(8)
        if value.strip('0'):
            return value


def _side_file(state_path, suffix):
    base, ext = os.path.splitext(state_path)
    return (base if ext else state_path) + suffix


def _read_text(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except OSError:
        return ''


def _ready_url(stdout_file):
    for line in _read_text(stdout_file).splitlines():
        if line.startswith('READY '):
            return line.split(' ', 1)[1].strip()
    return None


def _answers(url, mutual_tls):
    """Whether the server at URL answers /health with 200; with mutual TLS (no client certificate here) its READY line is enough."""
    if mutual_tls:
        return True
    context = None
    if url.startswith('https:'):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url + '/health', timeout=2, context=context) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError, ssl.SSLError):
        return False


def _write_state(path, state):
    tmp = '%s.%d.tmp' % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        json.dump(state, handle, indent=2)
        handle.write('\n')
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _wait_ready(proc, stdout_file, stderr_file, mutual_tls):
    """The server's URL once it answers; LaunchError with its stderr if it exits or takes too long."""
    deadline = time.monotonic() + READY_TIMEOUT
    url = None
    while time.monotonic() < deadline:
        url = url or _ready_url(stdout_file)
        if url and _answers(url, mutual_tls):
            return url
        if proc.poll() is not None:
            raise LaunchError('the test server exited with status %s before it was ready:\n%s'
                              % (proc.returncode, _read_text(stderr_file)))
        time.sleep(0.05)
    raise LaunchError('the test server was not ready within %d seconds (%s):\n%s'
                      % (READY_TIMEOUT, 'no READY line' if url is None else 'no answer at %s' % url,
                         _read_text(stderr_file)))


def _plain_tokens(plain_tokens):
    """PLAIN_TOKENS unless it is None, else what PLAIN_TOKENS_ENV says (LaunchError for anything but 0 or 1)."""
    if plain_tokens is not None:
        return plain_tokens
    value = os.environ.get(PLAIN_TOKENS_ENV, '')
    if value not in ('', '0', '1'):
        raise LaunchError('%s must be 0 or 1, not %r' % (PLAIN_TOKENS_ENV, value))
    return value == '1'


def start(state_path, server_args=(), python=None, name=DEFAULT_ORG, version=None, plain_tokens=None):
    """Start a test server, wait until it answers, write STATE_PATH; return the state dict.

    plain_tokens None means: as PLAIN_TOKENS_ENV says.
    """
    state_path = os.path.abspath(state_path)
    os.makedirs(os.path.dirname(state_path), exist_ok=True)
    args = list(server_args)
    extra = []
    if not _has(args, '--port'):
        extra += ['--port', '0']
    if not _has(args, '--token'):
        extra += ['--token', secrets.token_hex(24)]
    if not _has(args, '--org'):
        extra += ['--org', '%s=%s' % (name, _random_id())]
    version = version or os.environ.get(VERSION_ENV)
    if version and not _has(args, '--version'):
        extra += ['--version', version]
    if _plain_tokens(plain_tokens) and not _has(args, '--plain-tokens'):
        extra.append('--plain-tokens')
    log_file = (_values(args, '--log-file') or [None])[-1]
    if log_file is None:
        log_file = _side_file(state_path, '.log')
        extra += ['--log-file', log_file]
    if not _has(args, '--verbose'):
        extra.append('--verbose')
    args = extra + args
    orgs = {}
    for spec in _values(args, '--org'):
        org, _sep, org_id = spec.rpartition('=')
        orgs.setdefault(org, org_id)
    stdout_file = _side_file(state_path, '.stdout')
    stderr_file = _side_file(state_path, '.stderr')
    with open(stdout_file, 'w', encoding='utf-8') as out, open(stderr_file, 'w', encoding='utf-8') as err:
        # a session of its own: the server outlives this process and the caller's process group
        proc = subprocess.Popen([python or sys.executable, SERVER_SCRIPT] + args, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
    try:
        url = _wait_ready(proc, stdout_file, stderr_file, _has(args, '--client-ca'))
    except BaseException:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    first = next(iter(orgs))
    state = {
        'url': url, 'port': int(url.rsplit(':', 1)[1]), 'pid': proc.pid, 'token': _values(args, '--token')[-1],
        'orgs': orgs, 'org': first, 'org_id': orgs[first],
        'log_file': os.path.abspath(log_file), 'stderr_file': stderr_file, 'stdout_file': stdout_file,
    }
    _write_state(state_path, state)
    return state


def is_running(pid):
    try:
        # reaps the server when it is a child of this process (start() called in-process)
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    try:
        # a zombie (exited, not yet reaped by its parent) is gone too
        with open('/proc/%d/stat' % pid, encoding='utf-8') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return True


def _is_test_server(pid):
    """False when PID is known to run something else (a reused PID); True when it cannot be told."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return os.path.basename(SERVER_SCRIPT).encode() in handle.read()
    except FileNotFoundError:
        return not os.path.isdir('/proc/self')
    except OSError:
        return True


def _terminate(pid):
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        if not is_running(pid) or not _is_test_server(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not is_running(pid):
                return
            time.sleep(0.05)


def load(state_path):
    with open(state_path, encoding='utf-8') as handle:
        return json.load(handle)


def stop(state_path):
    """Stop the server of STATE_PATH (TERM, then KILL) and remove the file; a gone server is fine."""
    try:
        state = load(state_path)
    except FileNotFoundError:
        return
    _terminate(int(state['pid']))
    try:
        os.remove(state_path)
    except FileNotFoundError:
        pass


def environment(state):
    """The INFLUX_* variables that point a module at the server of STATE."""
    return {'INFLUX_HOST': state['url'], 'INFLUX_TOKEN': state['token'],
            'INFLUX_ORG': state['org'], 'INFLUX_ORG_ID': state['org_id']}


def _split(argv):
    """OPTIONS, SERVER_ARGS, COMMAND from an argument list (see the module's usage)."""
    if '--' not in argv:
        return argv, [], []
    cut = argv.index('--')
    options, rest = argv[:cut], argv[cut + 1:]
    if rest and rest[0].startswith('-'):
        if '--' in rest:
            cut = rest.index('--')
            return options, rest[:cut], rest[cut + 1:]
        return options, rest, []
    return options, [], rest


def _run(state_path, server_args, python, name, version, plain_tokens, command):
    caught = []

    def on_signal(signum, _frame):
        caught.append(signum)
        raise KeyboardInterrupt

    proc = None
    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        state = start(state_path, server_args, python, name, version, plain_tokens)
        proc = subprocess.Popen(command, env=dict(os.environ, INFLUXDB_TEST_STATE=state_path, **environment(state)))
        status = proc.wait()
    except KeyboardInterrupt:
        status = 128 + (caught[0] if caught else signal.SIGINT)
        if proc is not None and proc.poll() is None:
            proc.send_signal(caught[0] if caught else signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        stop(state_path)
    return 128 - status if status < 0 else status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    options, server_args, command = _split(argv)
    parser = argparse.ArgumentParser(prog='launch.py', description='Start, stop and run the InfluxDB test server.')
    sub = parser.add_subparsers(dest='action', required=True)
    for action in ('start', 'run'):
        one = sub.add_parser(action)
        if action == 'start':
            one.add_argument('--state', required=True, help='the state file (JSON) to write')
        one.add_argument('--python', help='the interpreter that runs the server (default: %(default)s)', default=sys.executable)
        one.add_argument('--name', default=DEFAULT_ORG, help='the organization, unless SERVER_ARGs give --org (%(default)s)')
        one.add_argument('--version', help='the InfluxDB release the server plays, unless SERVER_ARGs give --version '
                                           '(default: $%s, else the server\'s default)' % VERSION_ENV)
        one.add_argument('--plain-tokens', action='store_true', default=None,
                         help='keep tokens in plain text and list them, as InfluxDB 2.7 does (default: $%s=1; '
                              'else only their hashes, as 2.9 does)' % PLAIN_TOKENS_ENV)
    for action in ('stop', 'env'):
        sub.add_parser(action).add_argument('--state', required=True, help='the state file that start wrote')
    args = parser.parse_args(options)
    try:
        if args.action == 'start':
            print(start(args.state, server_args, args.python, args.name, args.version, args.plain_tokens)['url'])
        elif args.action == 'stop':
            stop(args.state)
        elif args.action == 'env':
            for key, value in environment(load(args.state)).items():
                print('export %s=%s' % (key, shlex.quote(value)))
        else:
            if not command:
                parser.error('run needs -- COMMAND')
            workdir = tempfile.mkdtemp(prefix='influxdb-test-server.')
            try:
                return _run(os.path.join(workdir, 'server.json'), server_args, args.python, args.name, args.version,
                            args.plain_tokens, command)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    except LaunchError as exc:
        print('launch.py: %s' % exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print('launch.py: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
