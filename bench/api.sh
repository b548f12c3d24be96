#!/usr/bin/env bash
# Benchmark of the API's getters on each metadata store (issue 15): one manager on the embedded H2
# store, then one on a MariaDB server on loopback, each with the same machines; CLIENTS clients
# send list_machines, get_meta_mode, get_status and list_jobs back to back for SECONDS. Prints
# requests/s, p50/p99/max latency and failures per store, and the ratios MariaDB/H2. Run as root
# (the MariaDB server runs as the account 'kunlun') after ./run-tests has installed the packages.
# Builds the modules in place (target/), never into ~/.m2.
# Usage: bench/api.sh [clients] [seconds] [machines]   (defaults 64 10 8)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-api.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
# compile, then the test kit's runtime classpath (the reactor's modules as their target/classes)
mvn -q -B -pl kunlun-testkit -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >&2
java -cp "$root/kunlun-testkit/target/classes:$(cat "$work/classpath")" \
  io.kunlun.testkit.bench.GetterThroughput "${1:-64}" "${2:-10}" "${3:-8}"
