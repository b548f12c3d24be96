#!/usr/bin/env bash
# Benchmark of leader takeover (issue 13): two managers (separate processes, two homes) on one
# MariaDB metadata store on loopback (127.0.0.148); each round SIGKILLs the leader and prints the
# seconds until the other manager shows itself the leader in list_managers, then starts the killed
# one again as a follower; at the end the median and maximum. A takeover takes at most the lease
# plus one renewal (1 s) after the leader's last renewal. Run as root (the MariaDB server runs as
# the account 'kunlun') after ./run-tests has installed the packages.
# Usage: bench/takeover.sh [rounds] [lease_seconds]   (defaults 5 and 10, the manager's default lease)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/kunlun-bench-takeover.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"
mvn -q -B -pl kunlun-testkit -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >&2
java -cp "$root/kunlun-testkit/target/classes:$(cat "$work/classpath")" \
  io.kunlun.testkit.bench.TakeoverTimes "${1:-5}" "${2:-10}"
