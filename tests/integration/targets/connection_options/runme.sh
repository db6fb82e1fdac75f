#!/usr/bin/env bash
# Integration tests of the influx CLI profiles (INFLUX_CONFIGS_PATH, INFLUX_ACTIVE_CONFIG,
# influx_config) and of trace_span / INFLUX_TRACE_SPAN, against the InfluxDB test server.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh

inventory=../setup_influxdb_test_server/inventory.ini
profiles_dir="$INFLUXDB_TEST_DIR/profiles"
mkdir -m 700 "$profiles_dir"

ansible-playbook -i "$inventory" playbook.yml -e "@${INFLUXDB_TEST_VARS}" -e "profiles_dir=$profiles_dir" "$@"

# The profile tests again with the modules on an old Python (no tomllib before 3.11: the profiles
# are read by the collection's own parser of the TOML that the influx CLI writes). The oldest Python that this
# ansible-core supports on targets is used: 3.8 for ansible-core 2.19, 3.9 from 2.20 on.
old_python=
tried=" "
pyenv_root=$(pyenv root 2>/dev/null || true)
for version in 3.8 3.9 3.10; do
    for candidate in ${pyenv_root:+"$pyenv_root"/versions/"$version".*/bin/python"$version"} "python$version"; do
        candidate=$(command -v "$candidate" 2>/dev/null) || continue
        real=$(readlink -f "$candidate")
        case "$tried" in *" $real "*) continue ;; esac
        tried="$tried$real "
        if ansible -i "$inventory" localhost -m ansible.builtin.ping \
            -e "ansible_python_interpreter=$candidate" >/dev/null 2>&1; then
            old_python=$candidate
            break 2
        fi
        echo "NOTICE: $candidate is present but this ansible-core cannot run modules with it"
    done
done
if [ -z "$old_python" ]; then
    echo "NOTICE: no Python 3.8, 3.9 or 3.10 usable as a target found: the profile tests on an old Python are skipped"
    exit 0
fi
old_version=$("$old_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "Running the profile tests again with modules on Python $old_version ($old_python)"
# A fresh request log and fresh remotes: the playbook starts from an empty server.
ansible-playbook -i "$inventory" playbook.yml -e "@${INFLUXDB_TEST_VARS}" -e "profiles_dir=$profiles_dir" \
    -e "ansible_python_interpreter=$old_python" -e "expected_python=$old_version" "$@"
