#!/usr/bin/env bash
# Benchmark of create_cluster (issue 3): 2 shards x 3 nodes (rbr) + 2 comps on three loopback
# machines, timed against a plain shell script that initialises and starts the same instances in
# parallel on the same machine, in the same run. Prints both times, the ratio, and the manager's
# peak RSS. Run as root (the script's own instances run as the account 'kunlun-bench', made when
# missing and removed at the end; the manager's as each cluster's own) after ./run-tests has installed
# the packages. Usage: bench/create-cluster.sh [rounds]   (default 1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-1}"
work="$(mktemp -d /tmp/kunlun-bench.XXXXXX)"
chmod 755 "$work"
cleanup() {
  pkill -f -- "$work/" 2>/dev/null || true
  sleep 1
  pkill -9 -f -- "$work/" 2>/dev/null || true
  rm -rf "$work"
  if [ -n "${made_account:-}" ]; then userdel kunlun-bench 2>/dev/null || true; fi
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ] && ! id kunlun-bench >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin kunlun-bench
  made_account=1
fi
as_instance() { if [ "$(id -u)" -eq 0 ]; then runuser -u kunlun-bench -- "$@"; else "$@"; fi; }
now() { date +%s.%N; }

# --- baseline: the same instances by hand, all in parallel -----------------------------------
baseline_once() {
  local dir="$work/baseline" pids=()
  mkdir -p "$dir"; chown kunlun-bench: "$dir" 2>/dev/null || true
  local n=0
  for host in 127.0.0.2 127.0.0.3 127.0.0.4; do
    for shard in 1 2; do
      n=$((n + 1))
      local port=$((58330 + n * 3)) d="$dir/my$n"
      (
        as_instance mkdir -p "$d/data"
        as_instance mariadb-install-db --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal \
          --skip-test-db >/dev/null 2>&1
        as_instance setsid /usr/sbin/mariadbd --no-defaults --datadir="$d/data" --bind-address="$host" \
          --port="$port" --socket="$d/sock" --pid-file="$d/pid" --log-error="$d/err.log" --log-bin="$d/binlog" \
          --server-id="$n" --gtid-strict-mode=1 --innodb-buffer-pool-size=1G >/dev/null 2>&1 &
        until mariadb --no-defaults -h "$host" -P "$port" -u root -e 'select 1' >/dev/null 2>&1 \
              || mariadb --no-defaults -S "$d/sock" -u root -e 'select 1' >/dev/null 2>&1; do sleep 0.1; done
      ) & pids+=($!)
    done
  done
  for c in 1 2; do
    local port=$((58030 + c)) d="$dir/pg$c" host="127.0.0.$((c + 1))"
    (
      as_instance mkdir -p "$d"
      as_instance /usr/lib/postgresql/15/bin/initdb -D "$d/data" -U postgres >/dev/null 2>&1
      as_instance /usr/lib/postgresql/15/bin/pg_ctl -D "$d/data" -l "$d/log" -w \
        -o "-p $port -k $d -c listen_addresses=$host" start >/dev/null 2>&1
    ) & pids+=($!)
  done
  wait "${pids[@]}"
  pkill -f -- "$dir/" || true
  sleep 1; pkill -9 -f -- "$dir/" 2>/dev/null || true
  rm -rf "$dir"
}

# Polls a job until it is done; fails the benchmark when it failed.
await_job() {
  local status
  while :; do
    status=$(curl -s -d "{\"job_type\":\"get_status\",\"job_id\":\"$2\"}" "$1")
    case "$status" in *'"result":"done"'*) return 0 ;; *'"result":"failed"'*) echo "job $2 failed: $status" >&2; exit 1 ;; esac
    sleep 0.1
  done
}

# --- the manager --------------------------------------------------------------------------
manager_once() {
  local home="$work/manager" port=57990
  mkdir -p "$home"
  for host in 127.0.0.2 127.0.0.3 127.0.0.4; do mkdir -p "$work/m/$host"; done
  chmod -R 755 "$work/m"
  java -jar "$root/kunlun-cli/target/kunlunctl.jar" serve --home "$home" --port "$port" >"$home/serve.log" 2>&1 &
  local pid=$!
  local url="http://127.0.0.1:$port/"
  until curl -s -d '{"job_type":"get_meta_mode"}' "$url" 2>/dev/null | grep -q '"mode"'; do sleep 0.2; done
  for host in 127.0.0.2 127.0.0.3 127.0.0.4; do
    curl -s -d "{\"job_type\":\"create_machine\",\"job_id\":\"m-$host\",\"hostaddr\":\"$host\",\"rack_id\":\"1\",
      \"datadir\":\"$work/m/$host\",\"logdir\":\"$work/m/$host\",\"wal_log_dir\":\"$work/m/$host\",
      \"comp_datadir\":\"$work/m/$host\",\"total_mem\":\"65536\",\"total_cpu_cores\":\"16\"}" "$url" >/dev/null
    await_job "$url" "m-$host"
  done
  local start end status
  start=$(now)
  curl -s -d '{"job_type":"create_cluster","job_id":"bench","ha_mode":"rbr","shards":"2","nodes":"3","comps":"2",
    "innodb_size":"1","machinelist":[{"hostaddr":"127.0.0.2"},{"hostaddr":"127.0.0.3"},{"hostaddr":"127.0.0.4"}]}' \
    "$url" >/dev/null
  while :; do
    status=$(curl -s -d '{"job_type":"get_status","job_id":"bench"}' "$url")
    case "$status" in *'"result":"done"'*) break ;; *'"result":"failed"'*) echo "create_cluster failed: $status" >&2; exit 1 ;; esac
    sleep 0.1
  done
  end=$(now)
  manager_seconds=$(echo "$end - $start" | bc)
  manager_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  local name
  name=$(echo "$status" | sed 's/.*"info":"\([^"]*\)".*/\1/')
  curl -s -d "{\"job_type\":\"delete_cluster\",\"job_id\":\"bench-del\",\"cluster_name\":\"$name\"}" "$url" >/dev/null
  await_job "$url" bench-del
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$home" "$work/m"
}

[ -f "$root/kunlun-cli/target/kunlunctl.jar" ] || (cd "$root" && mvn -q -B -DskipTests install)
for round in $(seq 1 "$rounds"); do
  start=$(now); baseline_once; end=$(now)
  baseline_seconds=$(echo "$end - $start" | bc)
  manager_once
  printf 'round %d: shell script %.2f s, manager %.2f s, ratio %.2f, manager peak RSS %d MiB\n' \
    "$round" "$baseline_seconds" "$manager_seconds" "$(echo "$manager_seconds / $baseline_seconds" | bc -l)" \
    "$((manager_rss_kb / 1024))"
done
