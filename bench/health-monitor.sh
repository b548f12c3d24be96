#!/usr/bin/env bash
# Simulation of the health monitor at fleet scale (issue 12): the real HealthMonitor over a
# simulated fleet of 10 000 machines and 100 000 instances written into a fresh embedded H2
# store, with fake probes that sleep the given latency each (2 ms: a local command; 20 ms: one
# over SSH). Prints how long one round takes against the 1 s probe interval. No machine is
# contacted: no SSH, no process, no network. The program is kunlun-core's test-scope
# io.kunlun.core.monitor.HealthMonitorSimulation, built in place (target/), never into ~/.m2.
# JAVA_OPTS reaches the JVM.
# Usage: bench/health-monitor.sh [probe-ms,...] [concurrency] [limit-seconds]
#        (defaults 2,20, the configured default health_concurrency, 60)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-health.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
# compile (tests too), then the core's test classpath (the model as its target/classes)
mvn -q -B -o -pl kunlun-model,kunlun-core -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=test >&2
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -Djava.io.tmpdir="$work" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/kunlun-core/target/test-classes:$root/kunlun-core/target/classes:$(cat "$work/classpath")" \
  io.kunlun.core.monitor.HealthMonitorSimulation "${1:-2,20}" "${2:-}" "${3:-60}"
