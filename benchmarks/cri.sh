#!/usr/bin/env bash
# A Kubernetes pod's start through CRI, jvmm against runc on one private containerd 1.6 with its CRI plugin
# (its own config, root, state, socket and opt dir; host network, no CNI), handlers alternating run by run:
#   RunPodSandbox -> CreateContainer -> StartContainer until ContainerStatus says RUNNING, and RunPodSandbox
#   alone, medians of RUNS (CriPodStart, the kubelet's calls through the cri-client module);
#   host memory (PSS) of each pod while it is up: jvmm's shim server + VM process, runc's shim + pause + sleep.
# Images (docker-save archives imported into containerd's k8s.io namespace, no registry): busybox-static in
# one layer, a pause-like sandbox image looping on sleep 1, and a workload running `sleep 1000000`.
# Needs root, KVM, containerd, runc and busybox-static; the benchmarks jar (benchmarks/run.sh builds it).
# Usage: benchmarks/cri.sh [RUNS] (called by benchmarks/run.sh cri); CRI_BENCH_SETTLE=S waits S s before the
# PSS (default 5; 0: no memory figures).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
for tool in containerd ctr runc containerd-shim-runc-v2; do
  command -v "$tool" >/dev/null || { echo "cri.sh: $tool is not installed (Debian: containerd, runc)" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "cri.sh: /bin/busybox (busybox-static) is missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "cri.sh: containerd needs root" >&2; exit 1; }
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "cri.sh: $jar is missing (benchmarks/run.sh cri builds it)" >&2; exit 1; }
./jvmm --version >/dev/null   # builds the jars now, not inside containerd's first start of the shim

dir=$(mktemp -d /tmp/jvmm-cri-XXXXXX)
cgroup_parent=/${dir##*/}     # every pod's cgroups under one parent, removed at the end
mkdir -p "$dir/bin" "$dir/cni/bin" "$dir/cni/conf" "$dir/logs"
ln -s "$PWD/jvmm" "$dir/bin/containerd-shim-jvmm-v2"
pause=docker.io/library/jvmm-bench-pause:1
work=docker.io/library/jvmm-bench-sleep:1
# CriLinuxTest's config: runtimes runc and jvmm, the sandbox image, empty CNI dirs (host-network pods only).
cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$dir/runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jvmm]
      runtime_type = "io.containerd.jvmm.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$dir/cni/bin"
    conf_dir = "$dir/cni/conf"
TOML
PATH=$dir/bin:$PATH JVMM_SHIM_ROOT=$dir/shim containerd --config "$dir/config.toml" > "$dir/containerd.log" 2>&1 &
ctrd=$!
ctr() { command ctr --address "$dir/containerd.sock" -n k8s.io "$@"; }
cleanup() {
  local p d
  set +e
  kill "$ctrd" 2>/dev/null; wait "$ctrd" 2>/dev/null
  # Shims outlive containerd by design: everything that names this run's directory (shims, jvmm's VM
  # processes), then what they leave in runc's root, the mounts and the pods' cgroups.
  for p in $(pgrep -f -- "$dir"); do [ "$p" != $$ ] && kill -9 "$p" 2>/dev/null; done
  sleep 0.5
  for d in "$dir"/runc/k8s.io/*; do [ -d "$d" ] && runc --root "$dir/runc/k8s.io" delete --force "${d##*/}" 2>/dev/null; done
  awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -ru | while read -r m; do umount -l "$m"; done
  for d in /sys/fs/cgroup{,/*}"$cgroup_parent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done

. benchmarks/busybox-image.sh
busybox_image "$dir/img-pause" "$pause" '["/bin/sh","-c","trap '"'"'exit 0'"'"' TERM; while :; do sleep 1; done"]' sh sleep
busybox_image "$dir/img-work" "$work" '["/bin/sh","-c","exec sleep 1000000"]' sh sleep
for i in pause work; do ctr images import "$dir/img-$i/image.tar" >/dev/null; done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp "$jar" io.jvmm.benchmarks.CriPodStart \
  "$dir/containerd.sock" "$dir/logs" "$work" "$runs" runc,jvmm "$cgroup_parent" "${CRI_BENCH_SETTLE:-5}" \
  || { echo "cri.sh: failed; containerd's log:" >&2; tail -n 40 "$dir/containerd.log" >&2
       for l in "$dir"/shim/ns/k8s.io/*.log; do [ -f "$l" ] && { echo "$l:" >&2; tail -n 20 "$l" >&2; }; done; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
