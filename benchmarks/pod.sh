#!/usr/bin/env bash
# Pods against one VM per container, from the CLI (wall clock per command, the JVM start of each
# ./jvmm invocation included), alternating so that both see the same machine:
#   a container created and started in a running pod until its output ('jvmm run --pod P ... echo ready')
#   against a new one-container VM for the same work ('jvmm run --rm ... echo ready'), median of RUNS;
#   host memory (PSS: the VM process, which maps the guest RAM it touched, plus its passt) of one pod
#   with 1 and with 5 idle containers, against 5 one-container VMs.
# Usage: benchmarks/pod.sh ROOTFS [RUNS]   (called by benchmarks/run.sh pod)
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
runs=${2:-5}
home=$(mktemp -d /tmp/jvmm-bench-XXXXXX)
chmod 755 "$home"           # passt, started as root, runs as nobody and needs to reach its socket dir
export JVMM_HOME=$home
cleanup() {
  for p in $(./jvmm pod ls -q 2>/dev/null); do ./jvmm pod rm -f "$p" >/dev/null 2>&1 || true; done
  for id in $(./jvmm ps -aq 2>/dev/null); do ./jvmm rm -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$home"
}
trap cleanup EXIT

ms() { date +%s%N | cut -b1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# PSS in KiB of a VM process and of the passt processes whose socket lives under its VM's directories.
vm_pss() {
  local pid=$1 total
  total=$(awk '/^Pss:/ {s+=$2} END {print s+0}' "/proc/$pid/smaps_rollup")
  for p in $(pgrep -x passt || true); do
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$home"; then
      total=$(( total + $(awk '/^Pss:/ {s+=$2} END {print s+0}' "/proc/$p/smaps_rollup") ))
    fi
  done
  echo "$total"
}
pid_of() { ./jvmm inspect "$1" | grep -m1 '"Pid"' | tr -dc '0-9'; }
idle='trap "exit 0" TERM; sleep 100000 & wait'

./jvmm --version >/dev/null
./jvmm pod create --name bpod >/dev/null
./jvmm run --pod bpod -d --name idle1 --rootfs "$rootfs" sh -c "$idle" >/dev/null   # boots the pod
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

in_pod=(); new_vm=()
for i in $(seq 1 "$runs"); do
  t0=$(ms)
  out=$(./jvmm run --pod bpod --rm --name "once$i" --rootfs "$rootfs" echo ready)
  in_pod+=($(( $(ms) - t0 )))
  [ "$out" = ready ] || { echo "pod.sh: run --pod printed '$out'" >&2; exit 1; }
  t0=$(ms)
  out=$(./jvmm run --rm --rootfs "$rootfs" echo ready)
  new_vm+=($(( $(ms) - t0 )))
  [ "$out" = ready ] || { echo "pod.sh: run printed '$out'" >&2; exit 1; }
done
echo "container in a running pod, create+start to its output: median $(printf '%s\n' "${in_pod[@]}" | median) ms (runs: ${in_pod[*]})"
echo "new one-container VM, boot to its output:                median $(printf '%s\n' "${new_vm[@]}" | median) ms (runs: ${new_vm[*]})"

podpid=$(./jvmm pod inspect bpod | grep -m1 '"Pid"' | tr -dc '0-9')
sleep 5
pod1=$(vm_pss "$podpid")
for i in 2 3 4 5; do ./jvmm run --pod bpod -d --name "idle$i" --rootfs "$rootfs" sh -c "$idle" >/dev/null; done
sleep 5
pod5=$(vm_pss "$podpid")
vms5=0
for i in 1 2 3 4 5; do
  ./jvmm run -d --name "vm$i" --rootfs "$rootfs" sh -c "$idle" >/dev/null
done
sleep 5
for i in 1 2 3 4 5; do vms5=$(( vms5 + $(vm_pss "$(pid_of "vm$i")") )); done
echo "host memory (PSS), one pod with 1 idle container:  $(( pod1 / 1024 )) MiB"
echo "host memory (PSS), one pod with 5 idle containers: $(( pod5 / 1024 )) MiB"
echo "host memory (PSS), 5 one-container VMs:            $(( vms5 / 1024 )) MiB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
