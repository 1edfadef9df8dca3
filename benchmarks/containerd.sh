#!/usr/bin/env bash
# jvmm's containerd shim against runc's, on one private containerd 1.6 (its own config, root, state
# and socket), alternating so that both see the same machine:
#   `ctr run --rm IMAGE ID echo ready` to its end (task created, started, output, exit, deleted), median of RUNS;
#   host memory (PSS) of one idle task: jvmm's shim server + its VM process, against runc's shim + the process.
# The image is busybox-static in one layer. Needs root, containerd, runc and busybox-static.
# Usage: benchmarks/containerd.sh [RUNS]   (called by benchmarks/run.sh containerd)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
for tool in containerd ctr runc containerd-shim-runc-v2; do
  command -v "$tool" >/dev/null || { echo "containerd.sh: $tool is not installed (Debian: containerd, runc)" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "containerd.sh: /bin/busybox (busybox-static) is missing" >&2; exit 1; }
./jvmm --version >/dev/null   # builds the jars now, not inside containerd's first start of the shim

dir=$(mktemp -d /tmp/jvmm-containerd-XXXXXX)
mkdir -p "$dir/bin"
ln -s "$PWD/jvmm" "$dir/bin/containerd-shim-jvmm-v2"
cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
TOML
PATH=$dir/bin:$PATH JVMM_SHIM_ROOT=$dir/shim containerd --config "$dir/config.toml" > "$dir/containerd.log" 2>&1 &
ctrd=$!
ctr() { command ctr --address "$dir/containerd.sock" "$@"; }
cleanup() {
  for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks rm -f "$t" >/dev/null 2>&1 || true; done
  for c in $(ctr containers ls -q 2>/dev/null); do ctr containers rm "$c" >/dev/null 2>&1 || true; done
  kill "$ctrd" 2>/dev/null; wait "$ctrd" 2>/dev/null || true
  umount -R "$dir/state" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done

. benchmarks/busybox-image.sh
busybox_image "$dir/img" docker.io/library/jvmm-bench:1 '["/bin/sh"]' sh echo sleep cat
ctr images import "$dir/img/image.tar" >/dev/null
image=docker.io/library/jvmm-bench:1

ms() { date +%s%N | cut -b1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pss() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '/^Pss:/ {s+=$2} END {print s+0}' "/proc/$p/smaps_rollup") )); done; echo "$t"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

jvmm_ms=(); runc_ms=()
for i in $(seq 1 "$runs"); do
  for rt in jvmm runc; do
    t0=$(ms)
    out=$(ctr run --rm --runtime "io.containerd.$rt.v2" "$image" "$rt$i" echo ready)
    t=$(( $(ms) - t0 ))
    [ "$out" = ready ] || { echo "containerd.sh: $rt printed '$out'" >&2; exit 1; }
    if [ $rt = jvmm ]; then jvmm_ms+=("$t"); else runc_ms+=("$t"); fi
  done
done
echo "ctr run --rm to its end, jvmm: median $(printf '%s\n' "${jvmm_ms[@]}" | median) ms (runs: ${jvmm_ms[*]})"
echo "ctr run --rm to its end, runc: median $(printf '%s\n' "${runc_ms[@]}" | median) ms (runs: ${runc_ms[*]})"

ctr run -d --runtime io.containerd.jvmm.v2 "$image" jidle sleep 100000 >/dev/null
ctr run -d --runtime io.containerd.runc.v2 "$image" ridle sleep 100000 >/dev/null
sleep 5
vm=$(ctr tasks ls | awk '$1 == "jidle" {print $2}')
shim=$(pgrep -f -- "-id jidle .*serve" | head -n1)
rpid=$(ctr tasks ls | awk '$1 == "ridle" {print $2}')
rshim=$(pgrep -f -- "containerd-shim-runc-v2.*-id ridle" | head -n1)
echo "idle task PSS, jvmm: $(( $(pss "$vm" "$shim") / 1024 )) MiB (VM process $(( $(pss "$vm") / 1024 )), shim server $(( $(pss "$shim") / 1024 )))"
echo "idle task PSS, runc: $(( $(pss "$rpid" "$rshim") / 1024 )) MiB (process $(( $(pss "$rpid") / 1024 )), shim $(( $(pss "$rshim") / 1024 )))"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
