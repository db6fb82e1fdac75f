#!/usr/bin/env bash
# The fleet example, end to end, on one machine:
#
#     PATH=/path/to/venv/bin:$PATH bash examples/fleet/run.sh [ANSIBLE-PLAYBOOK ARGS...]
#
# Arguments (for example -v or -vvv) are passed to every ansible-playbook run.
# 1. starts one InfluxDB test server (tests/server/launch.py) as the central instance (org
#    central, bucket telemetry, FLEET_CENTRAL_TOKEN as its write token), unless
#    FLEET_CENTRAL_URL names a real one, and one per edge host of examples/fleet/inventory (org
#    edge, bucket telemetry), on the port of the host's influx_host, or on a free port when
#    that one is taken (the URLs actually used go into a generated inventory file that is
#    passed after the example inventory, so it wins);
# 2. gives two edge hosts some history: edge-02 keeps a remote to a decommissioned central
#    instance (the purge deletes it), edge-03 has "central" with an outdated description;
# 3. dry run: ansible-playbook --check --diff, with the per-host summary, then checks through
#    each server that nothing was written (remotes, token hashes, replications);
# 4. apply: ansible-playbook --diff (remotes and the replication telemetry-to-central);
# 5. rerun: ansible-playbook, which must change nothing;
# 6. writes one point to the bucket telemetry of each edge host, waits until every point
#    arrived at the central test server (its /_test/points hook), then prints the fleet health
#    report (health.yml), which must show every replication healthy;
# 7. stops the servers.
#
# Needs ansible-core 2.19 or later: ansible-playbook on PATH, from a venv whose python runs the
# test servers. The collection is this checkout. Optional environment: FLEET_FORKS (default
# 10), FLEET_CENTRAL_URL, FLEET_CENTRAL_STANDBY_URL, FLEET_CENTRAL_ORG_ID,
# FLEET_CENTRAL_TOKEN (default: random), FLEET_EDGE_TOKEN (default: random). No token is printed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
INVENTORY=$HERE/inventory
PLAYBOOK=$HERE/playbook.yml
HEALTH_PLAYBOOK=$HERE/health.yml
FORKS=${FLEET_FORKS:-10}

export LC_ALL=C.UTF-8
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1}
export ANSIBLE_RETRY_FILES_ENABLED=false
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml

WORK=$(mktemp -d "${TMPDIR:-/tmp}/influxdb2-fleet.XXXXXX")
LAUNCH=$REPO/tests/server/launch.py

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local state
    for state in "$WORK"/servers/*.json; do
        if [ -f "$state" ]; then "$PYTHON" "$LAUNCH" stop --state "$state" & fi
    done
    wait
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
    printf '\n### %s\n' "$*"
}

if ! command -v ansible-playbook >/dev/null 2>&1; then
    echo "examples/fleet/run.sh: ansible-playbook is not on PATH; put a venv with ansible-core first on PATH" >&2
    exit 2
fi
BIN=$(dirname "$(command -v ansible-playbook)")
PYTHON=$BIN/python
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

# the collection, as Ansible finds installed collections
mkdir -p "$WORK/collections/ansible_collections/influxops"
ln -s "$REPO" "$WORK/collections/ansible_collections/influxops/influxdb2"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections

random_hex() {
    "$PYTHON" -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"
}

export FLEET_EDGE_TOKEN=${FLEET_EDGE_TOKEN:-$(random_hex 24)}
export FLEET_CENTRAL_TOKEN=${FLEET_CENTRAL_TOKEN:-$(random_hex 32)}
export FLEET_CENTRAL_ORG_ID=${FLEET_CENTRAL_ORG_ID:-5f3c2a1b0e9d8c7a}

start_server() {
    # start_server HOST PORT: start a test server (organization edge, bucket telemetry); sets SERVER_URL
    SERVER_URL=$("$PYTHON" "$LAUNCH" start --state "$WORK/servers/$1.json" --name edge -- --port "$2" --token "$FLEET_EDGE_TOKEN" --bucket edge=telemetry)
}

start_central() {
    # the central test server: organization central (FLEET_CENTRAL_ORG_ID), bucket telemetry,
    # FLEET_CENTRAL_TOKEN as a write token (what the edge remotes use); sets CENTRAL_URL
    CENTRAL_URL=$("$PYTHON" "$LAUNCH" start --state "$WORK/servers/central.json" -- --port 0 \
        --token "$(random_hex 24)" --org "central=$FLEET_CENTRAL_ORG_ID" --bucket central=telemetry \
        --write-token "$FLEET_CENTRAL_TOKEN")
}

edge_api() {
    # edge_api URL METHOD PATH [BODY]: one request to an edge server with FLEET_EDGE_TOKEN;
    # prints the JSON answer (nothing for 204)
    "$PYTHON" - "$@" <<'PY'
import json, os, sys, urllib.request
url, method, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
request = urllib.request.Request(url + path, data=body, method=method,
                                 headers={"Authorization": "Token " + os.environ["FLEET_EDGE_TOKEN"]})
with urllib.request.urlopen(request, timeout=10) as response:
    raw = response.read()
if raw:
    print(raw.decode())
PY
}

stored_state() {
    # stored_state URL: a digest of every remote a test server holds, token hashes included,
    # and of the configuration of every replication of the organization edge
    "$PYTHON" - "$1" <<'PY'
import hashlib, json, os, sys, urllib.request
url = sys.argv[1]
def get(path, token=True):
    headers = {"Authorization": "Token " + os.environ["FLEET_EDGE_TOKEN"]} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers), timeout=10) as response:
        return json.load(response)
remotes = sorted(get("/_test/remotes", token=False), key=lambda r: r["id"])
org_id = get("/api/v2/orgs?org=edge")["orgs"][0]["id"]
live = ("currentQueueSizeBytes", "remainingBytesToBeSynced", "latestResponseCode", "latestErrorMessage")
replications = sorted(({k: v for k, v in r.items() if k not in live}
                       for r in get("/api/v2/replications?orgID=" + org_id)["replications"] or []),
                      key=lambda r: r["id"])
state = {"remotes": remotes, "replications": replications}
print(hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16])
PY
}

stored_replications() {
    # stored_replications URL: the replications of the organization edge, as NAME(local bucket -> remote bucket)
    "$PYTHON" - "$1" <<'PY'
import json, os, sys, urllib.request
url = sys.argv[1]
def get(path):
    request = urllib.request.Request(url + path, headers={"Authorization": "Token " + os.environ["FLEET_EDGE_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
org_id = get("/api/v2/orgs?org=edge")["orgs"][0]["id"]
buckets = {b["id"]: b["name"] for b in get("/api/v2/buckets?orgID=%s&limit=100" % org_id)["buckets"]}
remotes = {r["id"]: r["name"] for r in get("/api/v2/remotes?orgID=" + org_id)["remotes"] or []}
print(",".join(sorted("%s(%s -> %s %s)" % (r["name"], buckets.get(r["localBucketID"], r["localBucketID"]),
                                           remotes.get(r["remoteID"], r["remoteID"]),
                                           r.get("RemoteBucketName") or r.get("remoteBucketID"))
                      for r in get("/api/v2/replications?orgID=" + org_id)["replications"] or [])) or "-")
PY
}

central_points() {
    # central_points URL: the lines the central test server holds in its bucket telemetry
    "$PYTHON" - "$1/_test/points?bucket=telemetry" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    for bucket in json.load(response):
        for line in bucket["lines"]:
            print(line)
PY
}

remotes_requests() {
    # remotes_requests URL: the requests a test server logged, as "METHOD PATH" lines
    "$PYTHON" - "$1/_test/requests" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    for entry in json.load(response):
        print(entry["method"], entry["path"])
PY
}

clear_requests() {
    "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"), timeout=10)' "$1/_test/requests"
}

summary_lines() {
    # the per-host lines of the fleet summary in a log
    grep -E "^        edge-" "$1" || true
}

no_token_in() {
    # fail if a token of this run appears in a log
    local logfile
    for logfile in "$@"; do
        if grep -q -F -e "$FLEET_EDGE_TOKEN" -e "$FLEET_CENTRAL_TOKEN" "$logfile"; then
            echo "FAILED: a token appears in the output ($(basename "$logfile"))" >&2
            exit 1
        fi
    done
}

stored_remotes() {
    # stored_remotes URL: the names of the remotes a test server holds, comma separated
    "$PYTHON" - "$1/_test/remotes" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    print(",".join(sorted(r["name"] for r in json.load(response))) or "-")
PY
}

seed_remote() {
    # seed_remote URL NAME DESCRIPTION REMOTE_URL [TOKEN]: create a remote through the HTTP API
    # (TOKEN: the remote's API token, read from the environment variable of that name; default random)
    "$PYTHON" - "$@" <<'PY'
import json, os, sys, urllib.request
url, name, description, remote_url = sys.argv[1:5]
token = os.environ[sys.argv[5]] if len(sys.argv) > 5 else os.urandom(16).hex()
headers = {"Authorization": "Token " + os.environ["FLEET_EDGE_TOKEN"], "Content-Type": "application/json"}
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
org_id = call("GET", "/api/v2/orgs?org=edge")["orgs"][0]["id"]
call("POST", "/api/v2/remotes", {"orgID": org_id, "name": name, "description": description,
     "remoteURL": remote_url, "remoteAPIToken": token, "allowInsecureTLS": False})
PY
}

run_playbook() {
    # run_playbook LOG ARGS...: run the fleet playbook, print its output, keep a copy in LOG
    local logfile=$1 start=$SECONDS rc=0
    shift
    ansible-playbook -i "$INVENTORY" -i "$WORK/servers.yml" -f "$FORKS" "$PLAYBOOK" "${EXTRA_ARGS[@]}" "$@" 2>&1 | tee "$logfile" || rc=$?
    echo "(ansible-playbook exit status $rc, $((SECONDS - start)) s)"
    return "$rc"
}

recap_changed() {
    # number of edge hosts with changed>0 in the PLAY RECAP of a log
    awk '/^PLAY RECAP/ { recap = 1; next } recap && /^edge-/ && match($0, /changed=[0-9]+/) && substr($0, RSTART + 8, RLENGTH - 8) > 0 { n++ } END { print n + 0 }' "$1"
}

main() {
    EXTRA_ARGS=("$@")
    local total=$SECONDS
    say "ansible-core $("$PYTHON" -c 'from ansible.release import __version__; print(__version__)'), forks $FORKS"

    local central_local=""
    if [ -z "${FLEET_CENTRAL_URL:-}" ]; then
        say "Start the central test server"
        start_central
        export FLEET_CENTRAL_URL=$CENTRAL_URL
        central_local=1
        echo "central -> $CENTRAL_URL (org central $FLEET_CENTRAL_ORG_ID, bucket telemetry)"
    else
        echo "central: $FLEET_CENTRAL_URL (given; the arrival of the points is not checked)"
    fi

    say "Start one test server per edge host"
    local hosts host port url
    # host name and influx_host port of every edge host, from the example inventory
    hosts=$(ansible-inventory -i "$INVENTORY" --list | "$PYTHON" -c '
import json, sys, urllib.parse
data = json.load(sys.stdin)
hostvars = data.get("_meta", {}).get("hostvars", {})
for host in sorted(data.get("edge", {}).get("hosts", [])):
    url = urllib.parse.urlsplit(hostvars.get(host, {}).get("influx_host", "http://127.0.0.1:0"))
    print(host, url.port or 0)
')
    printf '%s\n' '---' 'edge:' '  hosts:' >"$WORK/servers.yml"
    declare -gA URLS=()
    while read -r host port; do
        if ! start_server "$host" "$port" 2>/dev/null; then
            echo "$host: port $port is not free; using a free port instead"
            start_server "$host" 0
        fi
        url=$SERVER_URL
        URLS[$host]=$url
        printf '    %s:\n      influx_host: %s\n' "$host" "$url" >>"$WORK/servers.yml"
        echo "$host -> $url"
    done <<<"$hosts"

    say "History: a stray remote on edge-02, an outdated one on edge-03"
    if [ -n "${URLS[edge-02]:-}" ]; then
        seed_remote "${URLS[edge-02]}" old-central "Central InfluxDB, decommissioned" https://old-central.example.com:8086
    fi
    if [ -n "${URLS[edge-03]:-}" ]; then
        # the right token (on_create does not send it again): only the description is outdated
        seed_remote "${URLS[edge-03]}" central "Central InfluxDB" "${FLEET_CENTRAL_URL:-https://central.example.com:8086}" FLEET_CENTRAL_TOKEN
    fi
    for host in "${!URLS[@]}"; do
        echo "$host: $(stored_remotes "${URLS[$host]}")"
    done | sort
    local before=""
    for host in $(printf '%s\n' "${!URLS[@]}" | sort); do
        before+="$host=$(stored_state "${URLS[$host]}") "
    done

    say "1/3 dry run across the fleet: --check --diff"
    run_playbook "$WORK/check.log" --check --diff
    local after=""
    for host in $(printf '%s\n' "${!URLS[@]}" | sort); do
        after+="$host=$(stored_state "${URLS[$host]}") "
    done
    if [ "$before" != "$after" ]; then
        echo "FAILED: the dry run wrote to a server: before [$before], after [$after]" >&2
        exit 1
    fi
    echo "The dry run wrote nothing: every server holds the same remotes and token hashes as before."

    say "2/3 apply: --diff"
    run_playbook "$WORK/apply.log" --diff

    say "3/3 rerun: must change nothing"
    for host in "${!URLS[@]}"; do
        clear_requests "${URLS[$host]}"
    done
    run_playbook "$WORK/rerun.log"
    echo "Requests the rerun made to each edge InfluxDB:"
    for host in $(printf '%s\n' "${!URLS[@]}" | sort); do
        echo "  $host: $(remotes_requests "${URLS[$host]}" | paste -s -d ';' | sed 's/;/; /g')"
    done

    say "Remotes and replications on each edge InfluxDB now"
    for host in $(printf '%s\n' "${!URLS[@]}" | sort); do
        echo "$host: remotes $(stored_remotes "${URLS[$host]}"); replications $(stored_replications "${URLS[$host]}")"
    done

    say "Write one point to the bucket telemetry of each edge host"
    local stamp expected=()
    stamp=$(date +%s)
    for host in $(printf '%s\n' "${!URLS[@]}" | sort); do
        edge_api "${URLS[$host]}" POST "/api/v2/write?org=edge&bucket=telemetry&precision=s" \
            "fleet_check,host=$host run=$stamp ${stamp}"
        expected+=("fleet_check,host=$host run=$stamp")
        echo "$host: fleet_check,host=$host run=$stamp"
    done
    local arrived=0 missing=() line waited=0
    if [ -n "$central_local" ]; then
        # the edge servers send their queues within a second or so; give them up to 30 s
        while :; do
            missing=()
            arrived=0
            local points
            points=$(central_points "$FLEET_CENTRAL_URL")
            for line in "${expected[@]}"; do
                if grep -q -F -e "$line" <<<"$points"; then
                    arrived=$((arrived + 1))
                else
                    missing+=("$line")
                fi
            done
            if [ "${#missing[@]}" -eq 0 ] || [ "$waited" -ge 30 ]; then break; fi
            sleep 1
            waited=$((waited + 1))
        done
        echo "At central (bucket telemetry): $arrived of ${#expected[@]} points arrived (waited ${waited} s)"
        if [ "${#missing[@]}" -ne 0 ]; then
            echo "FAILED: points missing at central after 30 s: ${missing[*]}" >&2
        fi
    fi

    say "Fleet health report"
    local health_rc=0
    ansible-playbook -i "$INVENTORY" -i "$WORK/servers.yml" -f "$FORKS" "$HEALTH_PLAYBOOK" "${EXTRA_ARGS[@]}" \
        -e fleet_health_require_healthy=true 2>&1 | tee "$WORK/health.log" || health_rc=$?
    echo "(ansible-playbook exit status $health_rc)"

    local check_changed apply_changed rerun_changed
    check_changed=$(recap_changed "$WORK/check.log")
    apply_changed=$(recap_changed "$WORK/apply.log")
    rerun_changed=$(recap_changed "$WORK/rerun.log")
    say "Summary"
    echo "hosts changed: dry run $check_changed, apply $apply_changed, rerun $rerun_changed (${#URLS[@]} hosts, $((SECONDS - total)) s)"
    if [ "$rerun_changed" -ne 0 ]; then
        echo "FAILED: the rerun changed $rerun_changed host(s); expected none" >&2
        exit 1
    fi
    if [ "$check_changed" -ne "$apply_changed" ]; then
        echo "FAILED: the dry run predicted $check_changed changed host(s), the apply changed $apply_changed" >&2
        exit 1
    fi
    if [ "$(summary_lines "$WORK/check.log")" != "$(summary_lines "$WORK/apply.log")" ]; then
        echo "FAILED: the per-host summary of the dry run differs from the apply's" >&2
        exit 1
    fi
    no_token_in "$WORK/check.log" "$WORK/apply.log" "$WORK/rerun.log" "$WORK/health.log"
    if [ -n "$central_local" ]; then
        echo "points: ${#expected[@]} written at the edge hosts, $arrived arrived at central"
        if [ "${#missing[@]}" -ne 0 ]; then
            echo "FAILED: ${#missing[@]} point(s) did not arrive at central" >&2
            exit 1
        fi
    fi
    if [ "$health_rc" -ne 0 ]; then
        echo "FAILED: the fleet health report does not show every replication healthy" >&2
        exit 1
    fi
    echo "OK: the dry run predicted the apply host by host, the rerun changed nothing, every point arrived at central, every replication is healthy, no token was printed."
}

main "$@"
