#!/usr/bin/env bash
# Time of the kunlun-testkit test suite run by one JVM against run by several at once (surefire
# forkCount, the property testkit.forks), in the same session: one full run per fork count, in
# the order given. Prints, per run, the module's wall time from Maven's reactor summary and the
# totals of the surefire reports (tests, failures, errors, skipped), and the ratio of its time
# to that of the run with 1 JVM (or the first run). Builds with the reactor in place (target/), never into ~/.m2. Run as root after
# ./run-tests has installed the packages. The other modules' unit tests run too (the reactor
# builds them) but are not counted.
# Usage: bench/testkit-forks.sh [FORKS...]   (default: 1 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2)
reports=kunlun-testkit/target/surefire-reports
logs="$(mktemp -d /tmp/kunlun-bench-forks.XXXXXX)"

# "[INFO] kunlun-testkit: ... SUCCESS [12:34 min]" or "[ 45.678 s]": seconds.
module_seconds() {
  grep -E '^\[INFO\] kunlun-testkit.* (SUCCESS|FAILURE) \[' "$1" | sed -E 's/.*\[ *([0-9:.]+) (min|s)\].*/\1 \2/' |
    awk '{ if ($2 == "min") { split($1, t, ":"); print t[1] * 60 + t[2] } else { print $1 } }'
}

# Sums the attributes of every class's report: "tests failures errors skipped".
totals() {
  cat "$reports"/TEST-*.xml | grep -o '<testsuite [^>]*>' |
    sed -E 's/.* tests="([0-9]+)".* errors="([0-9]+)".* skipped="([0-9]+)".* failures="([0-9]+)".*/\1 \4 \2 \3/' |
    awk '{ t += $1; f += $2; e += $3; s += $4 } END { print t, f, e, s }'
}

rows=()
for forks in "${counts[@]}"; do
  rm -rf "$reports"
  log="$logs/forks-$forks.log"
  echo "running the suite with $forks JVM(s): $log" >&2
  mvn -B -o -pl kunlun-testkit -am test -Dtestkit.forks="$forks" -Dmaven.test.failure.ignore=true >"$log" 2>&1 || true
  rows+=("$forks $(module_seconds "$log") $(totals)")
  grep -E '^\[ERROR\] [a-z].*<<< (FAILURE|ERROR)!' "$log" | sed "s/^/  forks=$forks: /" >&2 || true
done

reference=""
for row in "${rows[@]}"; do
  read -r forks seconds _ <<<"$row"
  if [ "$forks" = 1 ] || [ -z "$reference" ]; then reference="$seconds"; fi
done
printf '%-6s %10s %7s %9s %7s %8s %s\n' forks seconds tests failures errors skipped "time/1 JVM"
for row in "${rows[@]}"; do
  read -r forks seconds tests failures errors skipped <<<"$row"
  printf '%-6s %10s %7s %9s %7s %8s %.2f\n' "$forks" "$seconds" "$tests" "$failures" "$errors" "$skipped" \
    "$(awk -v a="$seconds" -v b="$reference" 'BEGIN { print a / b }')"
done
echo "logs: $logs"
