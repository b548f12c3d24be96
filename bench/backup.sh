#!/usr/bin/env bash
# Benchmark of backup_cluster and restore_new_cluster (issue 10), on loopback machines, in one run:
#  1. a no_rep cluster (1 shard, 1 comp) on 127.0.0.5 is filled with SIZE_MB of rows (random
#     bytes: they do not compress, as real data mostly does not);
#  2. baseline: mariadb-backup --backup --stream=xbstream of the same data directory piped into a
#     file in the same store directory; then backup_cluster; prints both times and the ratio;
#  3. BINLOG_MB more rows are written after the backup (archived by the manager);
#  4. restore_new_cluster at the second of the last write, onto 127.0.0.6: prints the total time
#     and its split by the job's steps (copy+prepare, replay, comps), and cp of the stored backup
#     file as the copy's baseline.
# Run as root (each cluster's instances run as an OS account of their own) after ./run-tests installed the packages.
# Usage: bench/backup.sh [SIZE_MB (default 1024)] [BINLOG_MB (default 100)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size_mb="${1:-1024}"
binlog_mb="${2:-100}"
work="$(mktemp -d /tmp/kunlun-bench-backup.XXXXXX)"
chmod 755 "$work"
port=57991
url="http://127.0.0.1:$port/"
token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  pkill -f -- "$work/" 2>/dev/null || true
  sleep 1
  pkill -9 -f -- "$work/" 2>/dev/null || true
  cp "$work/serve.log" /tmp/kunlun-bench-backup-serve.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
api() { curl -s -H "Authorization: Bearer $token" -d "$1" "$url"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

# Submits a job and waits for it; prints each new step with the seconds since submission on stderr.
run_job() {
  local id="$1" body="$2" status step last="" start
  start=$(now)
  api "$body" >/dev/null
  while :; do
    status=$(api "{\"job_type\":\"get_status\",\"job_id\":\"$id\"}")
    step=$(echo "$status" | field step)
    if [ -n "$step" ] && [ "$step" != "$last" ]; then
      printf '  %7.2f s  %s\n' "$(echo "$(now) - $start" | bc)" "$step" >&2
      last="$step"
    fi
    case "$status" in
      *'"result":"done"'*) echo "$status"; return 0 ;;
      *'"result":"failed"'*) echo "job $id failed: $status" >&2; exit 1 ;;
    esac
    sleep 0.2
  done
}

[ -f "$root/kunlun-cli/target/kunlunctl.jar" ] || (cd "$root" && mvn -q -B -DskipTests install)
mkdir -p "$work/home" "$work/m/127.0.0.5" "$work/m/127.0.0.6"
chmod -R 755 "$work/m"
KUNLUN_ACCESS_TOKEN="$token" java -jar "$root/kunlun-cli/target/kunlunctl.jar" serve --home "$work/home" \
  --port "$port" >"$work/serve.log" 2>&1 &
pid=$!
until api '{"job_type":"get_meta_mode"}' 2>/dev/null | grep -q '"mode"'; do sleep 0.2; done
for host in 127.0.0.5 127.0.0.6; do
  run_job "m-$host" "{\"job_type\":\"create_machine\",\"job_id\":\"m-$host\",\"hostaddr\":\"$host\",\"rack_id\":\"1\",
    \"datadir\":\"$work/m/$host\",\"logdir\":\"$work/m/$host\",\"wal_log_dir\":\"$work/m/$host\",
    \"comp_datadir\":\"$work/m/$host\",\"total_mem\":\"65536\",\"total_cpu_cores\":\"16\"}" >/dev/null 2>&1
done
cluster=$(run_job c1 '{"job_type":"create_cluster","job_id":"c1","ha_mode":"no_rep","shards":"1","nodes":"1",
  "comps":"1","innodb_size":"1","machinelist":[{"hostaddr":"127.0.0.5"}]}' 2>/dev/null | field info)
socket=$(find "$work/m/127.0.0.5" -name server.sock | head -1)
# The cluster's OS account owns the socket; MariaDB lets it in by unix_socket under the same name.
account=$(stat -c %U "$socket")
sql() { runuser -u "$account" -- mariadb --no-defaults -S "$socket" -u "$account" "$@"; }

echo "filling $cluster with $size_mb MiB of rows..."
sql -e "CREATE DATABASE bench; CREATE TABLE bench.t (id BIGINT PRIMARY KEY, v VARBINARY(1000))"
rows=$((size_mb * 1024))   # about 1 KiB a row
for ((first = 1; first <= rows; first += 100000)); do
  last=$((first + 99999 > rows ? rows : first + 99999))
  sql -e "INSERT INTO bench.t SELECT seq, RANDOM_BYTES(1000) FROM bench.seq_${first}_to_${last}"
done
datadir=$(sql -N -e "SELECT @@datadir")

echo "baseline: mariadb-backup --stream=xbstream into a file of the store..."
mkdir -p "$work/home/backups/baseline" && chmod 700 "$work/home/backups/baseline"
start=$(now)
runuser -u "$account" -- mariadb-backup --backup --stream=xbstream --target-dir="$work/m/127.0.0.5" \
  --socket="$socket" --user="$account" --datadir="$datadir" 2>"$work/baseline.log" \
  >"$work/home/backups/baseline/backup.xbstream"
baseline=$(echo "$(now) - $start" | bc)
rm -rf "$work/home/backups/baseline"

echo "backup_cluster:"
start=$(now)
backup_time=$(run_job b1 "{\"job_type\":\"backup_cluster\",\"job_id\":\"b1\",\"backup_cluster_name\":\"$cluster\"}" \
  | field info)
manager=$(echo "$(now) - $start" | bc)
printf 'backup of %d MiB: mariadb-backup > file %.2f s, backup_cluster %.2f s, ratio %.2f\n' "$size_mb" \
  "$baseline" "$manager" "$(echo "$manager / $baseline" | bc -l)"

echo "writing $binlog_mb MiB of binlog after the backup..."
sleep 1
binlog_rows=$((binlog_mb * 1024))
for ((first = rows + 1; first <= rows + binlog_rows; first += 20000)); do
  last=$((first + 19999 > rows + binlog_rows ? rows + binlog_rows : first + 19999))
  sql -e "INSERT INTO bench.t SELECT seq, RANDOM_BYTES(1000) FROM bench.seq_${first}_to_${last}"
done
point=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1
sql -e "FLUSH BINARY LOGS"
until api "{\"job_type\":\"list_backups\",\"cluster_name\":\"$cluster\"}" | grep -q "\"until\":\"[^\"]*\"" \
      && [ "$(api "{\"job_type\":\"list_backups\",\"cluster_name\":\"$cluster\"}" \
              | sed -n 's/.*"archive":\[{[^]]*"until":"\([^"]*\)".*/\1/p')" \> "$point" ]; do sleep 0.5; done

stored=$(find "$work/home/backups/$cluster" -name 'backup.xbstream*' | head -1)
start=$(now); cp "$stored" "$work/copy"; sync; cp_seconds=$(echo "$(now) - $start" | bc); rm -f "$work/copy"
echo "restore_new_cluster at $point (steps, seconds since submission):"
start=$(now)
run_job r1 "{\"job_type\":\"restore_new_cluster\",\"job_id\":\"r1\",\"timestamp\":\"$point\",
  \"backup_cluster_name\":\"$cluster\",\"machinelist\":[{\"hostaddr\":\"127.0.0.6\"}]}" >/dev/null
restore=$(echo "$(now) - $start" | bc)
printf 'restore of %d MiB + %d MiB of binlog: %.2f s; cp of the stored file (%s MiB): %.2f s\n' "$size_mb" \
  "$binlog_mb" "$restore" "$(( $(stat -c %s "$stored") >> 20 ))" "$cp_seconds"
