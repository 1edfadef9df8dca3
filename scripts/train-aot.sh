#!/usr/bin/env bash
# Creates .jvmm-build/jvmm.aot, a JDK 25 AOT cache (JEP 483/514) that ./jvmm uses when present: classes
# come pre-loaded and pre-linked, which cuts JVM start-up. The training run boots the hello probe
# (falling back to parsing examples when there is no KVM or no probe), so picocli, Jackson and the VM
# path are all in the cache. ./jvmm deletes the cache whenever it rebuilds the jars; run this again then.
set -euo pipefail
JVMM_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
AOT=$JVMM_HOME/.jvmm-build/jvmm.aot
cd "$JVMM_HOME"

./jvmm --version > /dev/null              # builds the jars if needed, and settles the JDK choice
java_home=$(cut -f2 .jvmm-build/java-home)
major=$("$java_home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
if [ "${major:-0}" -lt 25 ]; then
  echo "train-aot: $java_home is JDK ${major:-?}; -XX:AOTCacheOutput needs JDK >= 25" >&2
  exit 1
fi

rm -f "$AOT"
tmp=$AOT.training
rm -f "$tmp"
opts="-XX:AOTCacheOutput=$tmp"
log=$JVMM_HOME/.jvmm-build/train-aot.log   # the JVM lists every class it could not cache: keep that out of the way
if [ -e probes/target/hello.elf ] && [ -w /dev/kvm ]; then
  JVMM_JAVA_OPTS=$opts ./jvmm boot --hac examples/probe-hello.toml > "$log" 2>&1 || true
else
  echo "train-aot: no KVM or no probes/target/hello.elf; training on configuration parsing only" >&2
  # Fails at the kernel check after parsing the file, which is the part worth caching here.
  JVMM_JAVA_OPTS=$opts JVMM_KERNEL_DIR=/nonexistent ./jvmm boot --hac examples/hello.toml > "$log" 2>&1 || true
fi
[ -s "$tmp" ] || { echo "train-aot: the JVM wrote no cache (see $log)" >&2; exit 1; }
mv -f "$tmp" "$AOT"
echo "train-aot: wrote $AOT ($(du -h "$AOT" | cut -f1))" >&2
