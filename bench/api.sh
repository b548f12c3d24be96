#!/usr/bin/env bash
# Benchmark of the API (issue 12), the manager against a bare Undertow handler, both driven by wrk
# (Debian's, installed when missing; 2 threads, 64 connections).
#   getters:    a manager on a fresh home with 3 loopback machines (127.0.0.63-65), an rbr cluster
#               of 2 shards x 3 nodes with 2 comps and 1 000 ended jobs, all made through the API;
#               prints per getter requests/s, share of bare, p50/p99 and p99 against bare's.
#   acceptance: accept latency while 16 workers run jobs, then 1 000 create_machine on loopback
#               addresses 127.63.0.1-127.63.3.250 from 32 clients (accepted after, done after).
# store: h2 (embedded), mariadb (a MariaDB server on 127.0.0.65 as the metadata store) or both.
# Run as root after ./run-tests has installed the packages. Builds the modules in place
# (target/), never into ~/.m2. JAVA_OPTS reaches the JVM (e.g. -XX:StartFlightRecording=...).
# Usage: bench/api.sh [getters|acceptance] [h2|mariadb|both] [seconds]   (defaults getters h2 10)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-api.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2 || { apt-get update -q >&2 && apt-get install -y -q wrk >&2; }
# compile, then the test kit's runtime classpath (the reactor's modules as their target/classes)
mvn -q -B -pl kunlun-testkit -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >&2
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -cp "$root/kunlun-testkit/target/classes:$(cat "$work/classpath")" \
  io.kunlun.testkit.bench.ApiBench "${1:-getters}" "${2:-h2}" "${3:-10}"
