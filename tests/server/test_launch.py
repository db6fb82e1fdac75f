"""Tests of launch.py, the launcher of the test server: start, stop, run and env, on real processes."""

import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCH = os.path.join(HERE, "launch.py")
sys.path.insert(0, HERE)

import launch  # noqa: E402

STATE_KEYS = {"url", "port", "pid", "token", "orgs", "org", "org_id", "log_file", "stderr_file", "stdout_file"}


def cli(*args, timeout=60, **kwargs):
    return subprocess.run([sys.executable, LAUNCH, *args], capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": "Token " + token} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def gone(pid, within=10.0):
    """Whether PID ends (or is a zombie) within WITHIN seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not launch.is_running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def state_path(tmp_path):
    path = tmp_path / "state" / "server.json"
    yield str(path)
    launch.stop(str(path))


def test_start_writes_a_private_state_file_and_the_server_answers(state_path, monkeypatch):
    monkeypatch.delenv("INFLUXDB_TEST_SERVER_PLAIN_TOKENS", raising=False)
    state = launch.start(state_path)
    assert set(state) == STATE_KEYS
    assert stat.S_IMODE(os.stat(state_path).st_mode) == 0o600
    with open(state_path, encoding="utf-8") as handle:
        assert json.load(handle) == state
    assert state["url"] == "http://127.0.0.1:%d" % state["port"]
    assert state["org"] == "test" and state["orgs"] == {"test": state["org_id"]}
    assert len(state["org_id"]) == 16 and len(state["token"]) == 48
    assert get(state["url"] + "/health")[0] == 200
    status, body = get(state["url"] + "/api/v2/orgs", state["token"])
    assert status == 200 and [(org["name"], org["id"]) for org in body["orgs"]] == [("test", state["org_id"])]
    # the side files sit next to the state file: the request log and the verbose stderr
    directory = os.path.dirname(state_path)
    for key, name in (("log_file", "server.log"), ("stderr_file", "server.stderr"), ("stdout_file", "server.stdout")):
        assert state[key] == os.path.join(directory, name)
    assert "READY " + state["url"] in open(state["stdout_file"], encoding="utf-8").read()
    assert "GET /api/v2/orgs 200" in open(state["stderr_file"], encoding="utf-8").read()
    # the request log starts with the launcher's own probe of /health
    with open(state["log_file"], encoding="utf-8") as handle:
        assert [json.loads(line)["path"] for line in handle] == ["/health", "/health", "/api/v2/orgs"]
    # tokens are hashed unless asked otherwise: the operator token is not listed
    assert [item["token"] for item in get(state["url"] + "/api/v2/authorizations", state["token"])[1]["authorizations"]] == [""]


def test_server_args_override_the_defaults(state_path, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = str(tmp_path / "requests.jsonl")
    state = launch.start(state_path, ["--port", str(port), "--token", "t0ken", "--org", "edge=1a2b3c4d5e6f7a8b",
                                      "--org=central=00000000000000ff", "--log-file", log])
    assert state["port"] == port and state["token"] == "t0ken" and state["log_file"] == log
    assert state["orgs"] == {"edge": "1a2b3c4d5e6f7a8b", "central": "00000000000000ff"}
    assert (state["org"], state["org_id"]) == ("edge", "1a2b3c4d5e6f7a8b")
    assert get(state["url"] + "/api/v2/orgs?org=central", "t0ken")[1]["orgs"][0]["id"] == "00000000000000ff"


def test_the_version_to_play_comes_from_the_option_else_the_environment(state_path, tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUXDB_TEST_SERVER_VERSION", "v2.6.1")
    state = launch.start(state_path)
    assert get(state["url"] + "/health")[1]["version"] == "v2.6.1"
    launch.stop(state_path)
    state = launch.start(state_path, version="v2.4.0")
    assert get(state["url"] + "/health")[1]["version"] == "v2.4.0"
    launch.stop(state_path)
    # SERVER_ARGs win, as for every other server option
    state = launch.start(state_path, ["--version=v2.8.0"], version="v2.4.0")
    assert get(state["url"] + "/health")[1]["version"] == "v2.8.0"
    launch.stop(state_path)
    monkeypatch.delenv("INFLUXDB_TEST_SERVER_VERSION")
    out = tmp_path / "version"
    script = "import json, os, sys, urllib.request; open(sys.argv[1], 'w').write(json.load(urllib.request.urlopen(" \
             "os.environ['INFLUX_HOST'] + '/health', timeout=10))['version'])"
    result = cli("run", "--version", "v2.5.1", "--", sys.executable, "-c", script, str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text() == "v2.5.1"


def test_plain_tokens_come_from_the_option_else_the_environment(state_path, monkeypatch):
    def listed_tokens(state):
        return [item["token"] for item in get(state["url"] + "/api/v2/authorizations", state["token"])[1]["authorizations"]]

    monkeypatch.setenv("INFLUXDB_TEST_SERVER_PLAIN_TOKENS", "1")
    state = launch.start(state_path)
    assert listed_tokens(state) == [state["token"]]
    launch.stop(state_path)
    monkeypatch.setenv("INFLUXDB_TEST_SERVER_PLAIN_TOKENS", "yes")
    with pytest.raises(launch.LaunchError, match="INFLUXDB_TEST_SERVER_PLAIN_TOKENS must be 0 or 1, not 'yes'"):
        launch.start(state_path)
    result = cli("start", "--state", state_path, "--plain-tokens")
    assert result.returncode == 0, result.stderr
    assert listed_tokens(launch.load(state_path)) == [launch.load(state_path)["token"]]


def test_stop_ends_the_server_and_removes_the_state_file(state_path):
    state = launch.start(state_path)
    launch.stop(state_path)
    assert gone(state["pid"], within=1)
    assert not os.path.exists(state_path)
    launch.stop(state_path)  # no state file: nothing to do, no error


def test_stop_of_a_dead_server_is_no_error(state_path):
    state = launch.start(state_path)
    os.kill(state["pid"], signal.SIGKILL)
    assert gone(state["pid"])
    started = time.monotonic()
    result = cli("stop", "--state", state_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < launch.STOP_TIMEOUT
    assert not os.path.exists(state_path)


def test_cli_start_prints_the_url_and_env_exports_it(state_path):
    result = cli("start", "--state", state_path, "--name", "demo")
    assert result.returncode == 0, result.stderr
    state = launch.load(state_path)
    assert result.stdout == state["url"] + "\n"
    assert state["org"] == "demo"
    # the server outlives the launcher
    assert get(state["url"] + "/health")[0] == 200
    exports = cli("env", "--state", state_path)
    assert exports.returncode == 0, exports.stderr
    assert [line.split("=", 1)[0] for line in exports.stdout.splitlines()] == [
        "export INFLUX_HOST", "export INFLUX_TOKEN", "export INFLUX_ORG", "export INFLUX_ORG_ID"]
    shell = subprocess.run(["sh", "-c", exports.stdout + 'printf "%s|%s|%s|%s" "$INFLUX_HOST" "$INFLUX_TOKEN" "$INFLUX_ORG" "$INFLUX_ORG_ID"'],
                           capture_output=True, text=True, timeout=30, check=True)
    assert shell.stdout == "|".join([state["url"], state["token"], "demo", state["org_id"]])
    stopped = cli("stop", "--state", state_path)
    assert stopped.returncode == 0, stopped.stderr
    assert gone(state["pid"])


def test_run_passes_the_environment_and_the_exit_status(tmp_path):
    out = tmp_path / "seen.json"
    script = ("import json, os, sys, urllib.request\n"
              "state = json.load(open(os.environ['INFLUXDB_TEST_STATE']))\n"
              "env = {k: v for k, v in os.environ.items() if k.startswith('INFLUX')}\n"
              "status = urllib.request.urlopen(env['INFLUX_HOST'] + '/health', timeout=10).status\n"
              "json.dump(dict(state=state, env=env, status=status), open(sys.argv[1], 'w'))\n"
              "sys.exit(7)\n")
    result = cli("run", "--", "--org", "molecule=0123456789abcdef", "--", sys.executable, "-c", script, str(out))
    assert result.returncode == 7, result.stderr
    seen = json.loads(out.read_text())
    state = seen["state"]
    assert seen["status"] == 200
    assert seen["env"]["INFLUX_HOST"] == state["url"] and seen["env"]["INFLUX_TOKEN"] == state["token"]
    assert (seen["env"]["INFLUX_ORG"], seen["env"]["INFLUX_ORG_ID"]) == ("molecule", "0123456789abcdef")
    assert gone(state["pid"])
    # the private directory with the state file is gone too
    assert not os.path.exists(os.path.dirname(seen["env"]["INFLUXDB_TEST_STATE"]))


def test_run_without_server_args_and_with_a_failing_command(tmp_path):
    result = cli("run", "--", "sh", "-c", 'test "$INFLUX_ORG" = test && test -n "$INFLUX_TOKEN" && exit 0; exit 9')
    assert result.returncode == 0, result.stderr
    assert cli("run", "--", "false").returncode == 1


def test_run_stops_the_server_on_sigterm(tmp_path):
    pid_file = tmp_path / "pid"
    proc = subprocess.Popen([sys.executable, LAUNCH, "run", "--", "sh", "-c",
                             'python3 -c "import json, os; print(json.load(open(os.environ[\'INFLUXDB_TEST_STATE\']))[\'pid\'])" > %s; sleep 60'
                             % pid_file], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        server_pid = int(pid_file.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        assert gone(server_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def test_start_fails_with_the_servers_stderr_when_it_cannot_start(state_path):
    with pytest.raises(launch.LaunchError, match="--org expects NAME=ID"):
        launch.start(state_path, ["--org", "no-id"])
    assert not os.path.exists(state_path)
    result = cli("start", "--state", state_path, "--", "--org", "no-id")
    assert result.returncode == 1
    assert "exited with status 2 before it was ready" in result.stderr and "--org expects NAME=ID" in result.stderr
    assert result.stdout == ""


def test_start_fails_when_the_port_is_taken(state_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        result = cli("start", "--state", state_path, "--", "--port", str(sock.getsockname()[1]))
    assert result.returncode == 1
    assert "before it was ready" in result.stderr and "Address already in use" in result.stderr
    assert not os.path.exists(state_path)


def test_start_gives_up_after_the_timeout(state_path, tmp_path, monkeypatch):
    # an "interpreter" that never prints READY: the launcher stops it and reports the timeout
    fake = tmp_path / "silent-python"
    fake.write_text("#!/bin/sh\necho starting >&2\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setattr(launch, "READY_TIMEOUT", 1.0)
    with pytest.raises(launch.LaunchError, match="not ready within 1 seconds \\(no READY line\\):\nstarting"):
        launch.start(state_path, python=str(fake))
    assert not os.path.exists(state_path)


def test_start_with_https_and_mutual_tls(tmp_path):
    certs = tmp_path / "certs"
    subprocess.run([sys.executable, os.path.join(HERE, "make_test_certs.py"), str(certs)], capture_output=True, timeout=120, check=True)
    tls = ["--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key")]
    for name, extra in (("https", []), ("mutual", ["--client-ca", str(certs / "ca.pem")])):
        path = str(tmp_path / name / "server.json")
        try:
            state = launch.start(path, tls + extra)
            assert state["url"] == "https://127.0.0.1:%d" % state["port"]
            context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
            if extra:
                context.load_cert_chain(str(certs / "client.pem"), str(certs / "client.key"))
            with urllib.request.urlopen(state["url"] + "/health", timeout=10, context=context) as response:
                assert response.status == 200
        finally:
            launch.stop(path)
