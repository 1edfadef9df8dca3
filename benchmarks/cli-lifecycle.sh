#!/usr/bin/env bash
# The lifecycle CLI against a real guest (project kernel, busybox root image), wall clock per
# command including the JVM start of each ./jvmm invocation:
#   jvmm run -d to agent ready (median of RUNS), jvmm exec VM -- true (median of 20),
#   jvmm snapshot create / restore to agent ready (median of RUNS), jvmm stop.
# Usage: benchmarks/cli-lifecycle.sh ROOTFS [RUNS]   (called by benchmarks/run.sh agent)
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
runs=${2:-3}
home=$(mktemp -d /tmp/jvmm-bench-XXXXXX)
chmod 755 "$home"           # passt, started as root, runs as nobody and needs to reach its socket dir
export JVMM_HOME=$home
trap 'for id in $(./jvmm ps -aq 2>/dev/null); do ./jvmm rm -f "$id" >/dev/null 2>&1 || true; done; rm -rf "$home"' EXIT

ms() { date +%s%N | cut -b1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

./jvmm --version >/dev/null
run_ms=()
for i in $(seq 1 "$runs"); do
  t0=$(ms)
  ./jvmm run -d --name "bench$i" --rootfs "$rootfs" -- sleep 100000 >/dev/null
  run_ms+=($(( $(ms) - t0 )))
  [ "$i" -lt "$runs" ] && ./jvmm rm -f "bench$i" >/dev/null
done
echo "jvmm run -d to agent ready: median $(printf '%s\n' "${run_ms[@]}" | median) ms (runs: ${run_ms[*]})"

exec_ms=()
for i in $(seq 1 20); do
  t0=$(ms)
  ./jvmm exec "bench$runs" -- true
  exec_ms+=($(( $(ms) - t0 )))
done
echo "jvmm exec VM -- true (CLI, JVM start included): median $(printf '%s\n' "${exec_ms[@]}" | median) ms"

snap_ms=(); restore_ms=()
for i in $(seq 1 "$runs"); do
  t0=$(ms)
  ./jvmm snapshot create "bench$runs" "$home/snap$i" >/dev/null
  snap_ms+=($(( $(ms) - t0 )))
  t0=$(ms)
  ./jvmm snapshot restore --name "restored$i" "$home/snap$i" >/dev/null
  restore_ms+=($(( $(ms) - t0 )))
  ./jvmm exec "restored$i" -- true
  ./jvmm rm -f "restored$i" >/dev/null
done
echo "jvmm snapshot create (256 MiB guest): median $(printf '%s\n' "${snap_ms[@]}" | median) ms"
echo "jvmm snapshot restore to agent ready: median $(printf '%s\n' "${restore_ms[@]}" | median) ms (runs: ${restore_ms[*]})"

t0=$(ms)
./jvmm stop -t 5 "bench$runs" >/dev/null
echo "jvmm stop: $(( $(ms) - t0 )) ms"
