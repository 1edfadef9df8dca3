#!/usr/bin/env bash
# Memory of an idle detached VM process beyond the guest RAM it touched (`jvmm run -d`, 256 MiB guest,
# the busybox root, three `exec`s after boot, then 5 s idle), from /proc/PID/smaps: the process's RSS
# minus the RSS of the guest RAM mapping, split into anonymous and file-backed (libjvm, the CDS and AOT
# archives: shared between VM processes), with its thread count and its passt's RSS. Medians of RUNS
# VMs, booted one after another. JVMM_VM_JAVA_OPTS (extra VM-process JVM flags) applies as usual.
# Usage: benchmarks/vm-memory.sh ROOTFS [RUNS]   (called by benchmarks/run.sh memory)
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
runs=${2:-3}
mem_mib=256
home=$(mktemp -d /tmp/jvmm-bench-XXXXXX)
chmod 755 "$home"           # passt, started as root, runs as nobody and needs to reach its socket dir
export JVMM_HOME=$home
cleanup() {
  for id in $(./jvmm ps -aq 2>/dev/null); do ./jvmm rm -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$home"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# KiB: "total guest anon file" of PID's RSS; the guest RAM is the largest writable anonymous mapping,
# at least the guest's size (the kernel may merge a neighbour into it; the heap's reservation is not writable).
rss_split() {
  awk -v guest_kb=$((mem_mib * 1024)) '
    /^[0-9a-f]+-[0-9a-f]+ / { anon_map = ($6 == "" || $6 ~ /^\[/); rw = ($2 ~ /^rw/) }
    /^Size:/ { size = $2 }
    /^Rss:/ { total += $2
              if (anon_map) { anon += $2; if (rw && size >= guest_kb && size > gsize) { gsize = size; guest = $2 } }
              else file += $2 }
    END { print total, guest, anon - guest, file }' "/proc/$1/smaps"
}
# The newest passt: the one the VM just booted was given (VMs here boot one at a time).
passt_rss() {
  local p
  p=$(pgrep -n passt || true)   # passt, or the passt.avx2 it runs
  if [ -n "$p" ]; then awk '/^Rss:/ {s+=$2} END {print s+0}' "/proc/$p/smaps_rollup"; else echo 0; fi
}

beyond=() anon=() file=() threads=() passt=()
for i in $(seq "$runs"); do
  ./jvmm run -d --name "m$i" --memory $mem_mib --rootfs "$rootfs" sleep 100000 >/dev/null
  for _ in 1 2 3; do ./jvmm exec "m$i" true; done
  sleep 5
  pid=$(./jvmm inspect "m$i" | sed -n 's/.*"Pid" *: *\([0-9]*\).*/\1/p' | head -n1)
  read -r t g a f < <(rss_split "$pid")
  beyond+=($(( (t - g) / 1024 ))); anon+=($(( a / 1024 ))); file+=($(( f / 1024 )))
  threads+=($(ls "/proc/$pid/task" | wc -l)); passt+=($(( $(passt_rss) / 1024 )))
  echo "run $i: RSS $((t / 1024)) MiB, guest RAM touched $((g / 1024)), beyond it $(( (t - g) / 1024 )) (anonymous $((a / 1024)), file-backed $((f / 1024))), ${threads[-1]} threads, passt ${passt[-1]} MiB"
  ./jvmm rm -f "m$i" >/dev/null
done
m() { printf '%s\n' "$@" | median; }
echo "idle detached VM process, RSS beyond the guest RAM it touched (median of $runs): $(m "${beyond[@]}") MiB" \
  "(anonymous $(m "${anon[@]}"), file-backed $(m "${file[@]}")); threads $(m "${threads[@]}"); its passt $(m "${passt[@]}") MiB"
