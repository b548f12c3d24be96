#!/usr/bin/env bash
# Benchmark of the manager at fleet scale (issue 12): writes a simulated fleet into a fresh home's
# embedded metadata store through the store's own tables (10 000 machines on 127.1.0.1-127.1.39.250,
# 1 000 rbr clusters, one of 100 shards x 3 nodes, 100 000 instances, 1 000 000 ended jobs), then
# starts a manager process on it as kunlunctl serve runs it and prints: start-up until the API
# answers, single-client p50/p99 of get_cluster, get_storage and get_computer of the 100-shard
# cluster, get_status, list_jobs pages (newest, 1 000, deep, filtered), list_machines, and the
# manager's peak and current RSS, each beside its target. The machines do not exist: the manager
# runs with healing.monitor off and the bench checks that it started no process on them.
# scale: 1 (default) the fleet above, 0.01 a hundredth of it (the 100-shard cluster stays whole).
# MANAGER_JAVA_OPTS replaces the manager's JVM options (-Xmx384m, as ./kunlunctl serve). Builds the
# modules in place (target/), never into ~/.m2.
# Usage: bench/fleet.sh [scale]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-fleet.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
mvn -q -B -pl kunlun-testkit -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >&2
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -cp "$root/kunlun-testkit/target/classes:$(cat "$work/classpath")" \
  io.kunlun.testkit.bench.FleetBench "${1:-1}"
