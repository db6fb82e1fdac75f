#!/usr/bin/env bash
# Integration tests of influxops.influxdb2.influx_bucket, influx_buckets and influx_bucket_info
# against the InfluxDB test server, at -vvvv --diff; no token may appear in any output.
#
# The playbook's own uri tasks show the token at -vvvv: in its output only the sections of the
# collection's module tasks are searched, and its stderr in full; every result of a module of the
# collection is checked in full, from the callback's records.
set -eux

# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/server.sh
source ../setup_influxdb_test_server/server.sh
# shellcheck source-path=SCRIPTDIR source=../setup_influxdb_test_server/leaks.sh
source ../setup_influxdb_test_server/leaks.sh

leaks_run influx_bucket playbook.yml "$@"

leaks_check --min-invocations 20 --min-sections 20 \
    --tasks "$LEAKS_OUT/influx_bucket.stdout" --strict "$LEAKS_OUT/influx_bucket.stderr"
