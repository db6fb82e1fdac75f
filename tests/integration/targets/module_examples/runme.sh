#!/usr/bin/env bash
# Run the EXAMPLES block of every module of the collection against the InfluxDB test server:
# twice (the second run must pass too), then once with --check --diff. See run_examples.py.
set -eux

# Nothing may come from the caller's environment or influx CLI profiles.
unset INFLUX_HOST INFLUX_TOKEN INFLUX_ORG INFLUX_ORG_ID INFLUX_SKIP_VERIFY INFLUX_ACTIVE_CONFIG INFLUX_TRACE_SPAN INFLUX_CONFIGS_PATH

python=$(command -v python || command -v python3)
"$python" run_examples.py "$@"
