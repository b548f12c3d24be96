#!/usr/bin/env bash
# Benchmark of automatic rbr failover (issue 11): an rbr cluster of 1 shard x 3 nodes and a comp
# on loopback machines 127.0.0.211-213, a writer through the comp; each round kills the primary's
# mariadbd (SIGKILL) and prints in seconds: detection (kill to the failover's start), promotion
# (the failover's own time, from its event), failed over (kill to the event) and writes accepted
# again (the writer's first acknowledged write), then the median and maximum over the rounds, and how many
# acknowledged writes were lost (must be 0; the exit status is 1 otherwise). The manager probes
# every second. Run as root after ./run-tests has installed the packages.
# Usage: bench/failover.sh [rounds]   (default 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-failover.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
mvn -q -B -pl kunlun-testkit -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >&2
java -cp "$root/kunlun-testkit/target/classes:$(cat "$work/classpath")" io.kunlun.testkit.bench.FailoverTimes "${1:-5}"
