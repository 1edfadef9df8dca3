#!/usr/bin/env bash
# Measures the system calls a detached VM process makes once it is confined, and rewrites the seccomp
# allow list (vmm-core/src/main/resources/io/jvmm/core/jail/seccomp-x86_64.txt) as the union of:
#   - what the list holds now (calls seen once stay allowed: a rare path is still a path);
#   - what this run saw: a VM under strace -f, with seccomp=unconfined, through boot, exec, cp, logs,
#     network, attach, snapshot, stop, restore and rm;
#   - the calls any thread may make without asking (signal return, exit), which a short run can miss.
# Only calls after the VM process's "jvmm: seccomp=unconfined" line count: that is where the filter
# would be installed. Usage: scripts/seccomp-profile.sh [ROOT_IMAGE] (default: the busybox image).
# Needs strace, python3, /dev/kvm, passt and a built kernel (JVMM_KERNEL_DIR or the default cache).
#
# scripts/seccomp-profile.sh --audit COMMAND...: runs COMMAND (a test suite, say) with JVMM_SECCOMP=log,
# so VM processes install their filter in log mode, and adds the calls the kernel logged as off the
# list (audit records of type 1326 in dmesg).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
list=$repo/vmm-core/src/main/resources/io/jvmm/core/jail/seccomp-x86_64.txt
header=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
if [ "${1:-}" = --audit ]; then
  shift
  before=$(dmesg | wc -l)
  JVMM_SECCOMP=log "$@" || echo "seccomp-profile: the command failed; its logged calls are added anyway" >&2
  dmesg | tail -n +$((before + 1)) | python3 "$repo/scripts/seccomp-profile.py" --audit "$list" "$header"
  exit
fi
image=${1:-$repo/guest-rootfs/target/rootfs.ext4}
work=$(mktemp -d)
# KEEP_TRACES=1 keeps the work directory (traces, state home) for a look at what was measured.
[ -n "${KEEP_TRACES:-}" ] && echo "traces in $work" || trap 'rm -rf "$work"' EXIT
export JVMM_HOME=$work/home
mkdir -p "$JVMM_HOME"
jvmm=$repo/jvmm
"$jvmm" --version > /dev/null   # builds the jars outside strace

strace -f -qq -s 200 -o "$work/run.trace" "$jvmm" run -d --name prof --security-opt seccomp=unconfined -p 18089:80 \
  --rootfs "$image" -- sh -c 'echo hello; while sleep 1; do :; done' &
tracer=$!
until "$jvmm" exec prof true 2>/dev/null; do sleep 2; done
"$jvmm" exec prof -- sh -c 'echo in-guest; head -c 100000 /dev/urandom > /tmp/blob; ls /' > /dev/null
"$jvmm" cp prof:/tmp/blob "$work/blob"
"$jvmm" cp "$work/blob" prof:/tmp/blob2
"$jvmm" logs prof > /dev/null
timeout 3 "$jvmm" attach prof > /dev/null 2>&1 || true
"$jvmm" exec prof -- sh -c 'busybox httpd -p 80 -h / 2>/dev/null || true'
curl -s -m 5 http://127.0.0.1:18089/ > /dev/null || true
"$jvmm" snapshot create prof "$work/snap" > /dev/null
"$jvmm" stop prof > /dev/null
wait "$tracer" || true

strace -f -qq -s 200 -o "$work/restore.trace" "$jvmm" snapshot restore --name prof2 "$work/snap" > /dev/null &
tracer=$!
until "$jvmm" exec prof2 true 2>/dev/null; do sleep 2; done
"$jvmm" exec prof2 true
"$jvmm" stop prof2 > /dev/null
wait "$tracer" || true
"$jvmm" rm prof prof2 > /dev/null || true

python3 "$repo/scripts/seccomp-profile.py" "$list" "$header" "$work/run.trace" "$work/restore.trace"
