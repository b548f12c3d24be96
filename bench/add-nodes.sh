#!/usr/bin/env bash
# Benchmark of add_nodes (issue 5): an rbr shard of one node holding SIZE_MB of data gets a new
# node on another loopback machine (mariadb-backup streamed through socat, prepared, moved into
# place, started, attached at the backup's GTID position). Timed against copying the same data
# directory with cp on the same machine, in the same run. Prints both times and the ratio
# (target: add_nodes at most 2x the copy). Run as root (each cluster's instances run as an OS
# account of their own) once the packages are installed.
# Usage: bench/add-nodes.sh [SIZE_MB] [MACHINE_A] [MACHINE_B]   (default 1024 127.0.0.100 127.0.0.101)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size_mb="${1:-1024}"
machine_a="${2:-127.0.0.100}"
machine_b="${3:-127.0.0.101}"
work="$(mktemp -d /tmp/kunlun-bench-nodes.XXXXXX)"
chmod 755 "$work"
manager_pid=""
url=""
now() { date +%s.%N; }

# Sends a request; for a job, waits for its end and prints its final status.
call() { curl -s -d "$1" "$url"; }
await() {
  local status
  while :; do
    status=$(call "{\"job_type\":\"get_status\",\"job_id\":\"$1\"}")
    case "$status" in
      *'"result":"done"'*) echo "$status"; return 0 ;;
      *'"result":"failed"'*) echo "$1 failed: $status" >&2; return 1 ;;
    esac
    sleep 0.1
  done
}
info() { sed 's/.*"info":"\([^"]*\)".*/\1/'; }

cleanup() {
  if [ -n "$manager_pid" ]; then
    if [ -n "${cluster:-}" ]; then
      call "{\"job_type\":\"delete_cluster\",\"job_id\":\"bench-del\",\"cluster_name\":\"$cluster\",\"user_name\":\"bench\"}" >/dev/null || true
      await bench-del >/dev/null || true
    fi
    kill "$manager_pid" 2>/dev/null || true
    wait "$manager_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && mvn -q -B -o -DskipTests -pl kunlun-cli -am package >&2)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/"
java -jar "$root/kunlun-cli/target/kunlunctl.jar" serve --home "$work/manager" --port "$port" \
  >"$work/serve.log" 2>&1 &
manager_pid=$!
until curl -s -d '{"job_type":"get_cluster"}' "$url" 2>/dev/null | grep -q '^{"cluster\|^{}'; do sleep 0.2; done

for host in "$machine_a" "$machine_b"; do
  mkdir -p "$work/m/$host"
  chmod 755 "$work/m" "$work/m/$host"
  call "{\"job_type\":\"create_machine\",\"job_id\":\"m-$host\",\"hostaddr\":\"$host\",\"rack_id\":\"1\",
    \"datadir\":\"$work/m/$host\",\"logdir\":\"$work/m/$host\",\"wal_log_dir\":\"$work/m/$host\",
    \"comp_datadir\":\"$work/m/$host\",\"total_mem\":\"65536\",\"total_cpu_cores\":\"16\",\"user_name\":\"bench\"}" >/dev/null
  await "m-$host" >/dev/null
done

call "{\"job_type\":\"create_cluster\",\"job_id\":\"bench-create\",\"ha_mode\":\"rbr\",\"shards\":\"1\",\"nodes\":\"1\",
  \"comps\":\"1\",\"innodb_size\":\"1\",\"max_storage_size\":\"20\",\"max_connections\":\"100\",\"cpu_cores\":\"1\",
  \"machinelist\":[{\"hostaddr\":\"$machine_a\"}],\"user_name\":\"bench\"}" >/dev/null
cluster=$(await bench-create | info)
storage_port=$(call "{\"job_type\":\"get_storage\",\"cluster_name\":\"$cluster\"}" | sed 's/.*"port":"\{0,1\}\([0-9]*\).*/\1/')
instance="$work/m/$machine_a/instance_data/data_dir_path/$storage_port"
# The cluster's OS account owns the socket; MariaDB lets it in by unix_socket under the same name.
account=$(stat -c %U "$instance/server.sock")
sql() { runuser -u "$account" -- mariadb --no-defaults --socket="$instance/server.sock" --user="$account" --batch \
  --skip-column-names -e "$1"; }

# About 1 KB a row; each doubling copies the table into itself. Not in the binary log: the new
# node's data comes from the backup, not from replaying history.
echo "loading about $size_mb MB..." >&2
rows=$((size_mb * 1024))
sql "CREATE DATABASE bench; CREATE TABLE bench.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000));
     SET SESSION sql_log_bin = 0;
     INSERT INTO bench.t (pad) SELECT REPEAT(MD5(RAND()), 31) FROM information_schema.COLUMNS LIMIT 1024;"
count=1024
while [ "$count" -lt "$rows" ]; do
  sql "SET SESSION sql_log_bin = 0; INSERT INTO bench.t (pad) SELECT REPEAT(MD5(RAND()), 31) FROM bench.t
       LIMIT $((rows - count));"
  count=$(sql "SELECT COUNT(*) FROM bench.t")
done
data_mb=$(du -sm "$instance/data" | cut -f1)
# Neither measurement pays for writing back the load's dirty pages.
sync

start=$(now)
cp -a "$instance/data" "$work/copy"
sync
end=$(now)
copy_seconds=$(echo "$end - $start" | bc)
rm -rf "$work/copy"
sync

start=$(now)
call "{\"job_type\":\"add_nodes\",\"job_id\":\"bench-add\",\"cluster_name\":\"$cluster\",\"shard_name\":\"shard1\",
  \"nodes\":\"1\",\"machinelist\":[{\"hostaddr\":\"$machine_b\"}],\"user_name\":\"bench\"}" >/dev/null
added=$(await bench-add | info)
end=$(now)
add_seconds=$(echo "$end - $start" | bc)

printf 'data directory %d MB (%d rows): cp %.2f s, add_nodes %.2f s (new node %s), ratio %.2f\n' \
  "$data_mb" "$count" "$copy_seconds" "$add_seconds" "$added" "$(echo "$add_seconds / $copy_seconds" | bc -l)"
