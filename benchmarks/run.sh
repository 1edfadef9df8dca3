#!/usr/bin/env bash
# Runs jvmm's benchmarks from the repository root. Builds what it needs first.
#   benchmarks/run.sh floor [runs]   ./jvmm boot vs QEMU microvm vs the C floor, hello probe, process start to exit
#   benchmarks/run.sh exits [runs]   µs per PIO and MMIO exit (pio-loop/mmio-loop) from CPL3 and CPL0, jvmm vs QEMU vs the C floor
#   benchmarks/run.sh linux [runs]   Linux boot to the init's first line, jvmm vs QEMU (slow here)
#   benchmarks/run.sh blk [runs]     virtio-blk MB/s and IOPS, jvmm vs QEMU microvm, same probe and image
#   benchmarks/run.sh net [runs]     virtio-net guest->host UDP through passt, jvmm vs QEMU
#   benchmarks/run.sh fs [runs]      virtio-fs reads and LOOKUP+GETATTR pairs (probe) vs virtio-blk on the same
#                                    file as a raw image vs the host's FileChannel, alternating
#   benchmarks/run.sh net-rx [runs] [bytes] [count]  host->guest UDP flood through passt (probe udp-rx), jvmm vs QEMU
#   benchmarks/run.sh net-rx-pinned [runs] [bytes] [count]  the same with each vCPU alone on CPU 1, the rest on CPU 0
#   benchmarks/run.sh snapshot [runs] snapshot time and size (256 MiB guest), restore to running (embedded)
#   benchmarks/run.sh snapshot linux [runs]  the same for the project's Linux (boots it once: slow here)
#   benchmarks/run.sh snapshot rss   memory (PSS) of ten booted VMs against ten restored from one snapshot
#   benchmarks/run.sh vsock [runs]   vsock MB/s and round-trip time, in-process host side (no QEMU peer here)
#   benchmarks/run.sh virtio-exits   exits per virtio-blk request with/without ioeventfd+irqfd and EVENT_IDX (embedded)
#   benchmarks/run.sh jmh [args]     JMH: the embedded floor (Vm create+start+exit+close in a running JVM)
#   benchmarks/run.sh agent [execs] [restores]  guest agent in Linux: boot to ready, exec true round trip,
#                                    snapshot restore to ready (embedded), then the CLI: run -d to ready, exec
#   benchmarks/run.sh junit [copies] [boots]  the JUnit extension's cost per test: a copy restored per test
#                                    (to agent ready, then closed) against a fresh boot per test
#   benchmarks/run.sh pod [runs]     a container in a running pod against a new one-container VM (to its output),
#                                    and the host memory of a pod with 1 and 5 idle containers against 5 VMs
#   benchmarks/run.sh memory [runs]  RSS of an idle detached VM process beyond the guest RAM it touched,
#                                    anonymous and file-backed, its threads and its passt
#   benchmarks/run.sh containerd [runs]  `ctr run --rm` through jvmm's shim against runc's on one private
#                                    containerd, and the host memory of an idle task with each
#   benchmarks/run.sh cri [runs]    a pod through CRI on one private containerd (CRI plugin), jvmm against runc:
#                                    RunPodSandbox to the first container RUNNING, and each pod's host memory
#   benchmarks/run.sh image [runs] [boots]  OCI images from a loopback docker-registry: pull + convert time and disk
#                                    (3 and 20 layers), second pull sharing all but one layer, run IMAGE to ready
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
jvmm_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: needs qemu-system-x86 (apt-get install qemu-system-x86)" >&2; exit 1; }
./jvmm --version >/dev/null            # jars and AOT cache up to date before anything is timed
mvn -q -B -ntp package -DskipTests -pl benchmarks -am >/dev/null
# The minimal C VMM, the floor the exit and start-up figures are compared with.
gcc -O2 -Wall -o benchmarks/target/cvmm benchmarks/cvmm/cvmm.c
# The JVM's floor: a hello world with the launcher's JVM flags and an AOT cache of its own.
floor_dir=benchmarks/target/jvm-floor
if [ ! -f "$floor_dir/hello.aot" ] || [ benchmarks/jvm-floor/Hello.java -nt "$floor_dir/hello.aot" ]; then
  rm -rf "$floor_dir" && javac -d "$floor_dir/classes" benchmarks/jvm-floor/Hello.java
  jar cf "$floor_dir/hello.jar" -C "$floor_dir/classes" Hello.class   # an AOT cache needs jars on the class path
  java -XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:AOTCacheOutput="$floor_dir/hello.aot" \
    -cp "$floor_dir/hello.jar" Hello >/dev/null
fi
what=${1:-floor}; shift || true
jar=benchmarks/target/benchmarks.jar
case "$what" in
  jmh) exec java --enable-native-access=ALL-UNNAMED -Djvmm.probes.dir="$PWD/probes/target" -jar "$jar" "$@" ;;
  snapshot) [ "${1:-}" = linux ] && export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    exec java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -Djvmm.probes.dir="$PWD/probes/target" \
      -cp "$jar" io.jvmm.benchmarks.SnapshotBench "$@" ;;
  fs) exec java --enable-native-access=ALL-UNNAMED -cp "$jar" io.jvmm.benchmarks.FsBench "$@" ;;
  net-rx) exec java --enable-native-access=ALL-UNNAMED -cp "$jar" io.jvmm.benchmarks.NetRxBench "$@" ;;
  net-rx-pinned) exec java --enable-native-access=ALL-UNNAMED -Djvmm.bench.pin=true -cp "$jar" io.jvmm.benchmarks.NetRxBench "$@" ;;
  vsock) exec java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -Djvmm.probes.dir="$PWD/probes/target" \
      -cp "$jar" io.jvmm.benchmarks.VsockBench "$@" ;;
  virtio-exits) exec java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -Djvmm.probes.dir="$PWD/probes/target" \
      -cp "$jar" io.jvmm.benchmarks.VirtioExits "$@" ;;
  linux) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)} ;;
  agent) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    mvn -q -B -ntp install -DskipTests -pl guest-rootfs >/dev/null
    rootfs=$PWD/guest-rootfs/target/rootfs.ext4
    java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp "$jar" io.jvmm.benchmarks.AgentBench \
      "$JVMM_KERNEL_DIR/vmlinux" "$rootfs" "${1:-100}" "${2:-10}"
    exec benchmarks/cli-lifecycle.sh "$rootfs" "${3:-3}" ;;
  junit) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    mvn -q -B -ntp install -DskipTests -pl guest-rootfs >/dev/null
    exec java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp "$jar" io.jvmm.benchmarks.JunitBench \
      "$PWD/guest-rootfs/target/rootfs.ext4" "${1:-20}" "${2:-2}" ;;
  pod) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    mvn -q -B -ntp install -DskipTests -pl guest-rootfs >/dev/null
    exec benchmarks/pod.sh "$PWD/guest-rootfs/target/rootfs.ext4" "${1:-5}" ;;
  memory) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    mvn -q -B -ntp install -DskipTests -pl guest-rootfs >/dev/null
    exec benchmarks/vm-memory.sh "$PWD/guest-rootfs/target/rootfs.ext4" "${1:-3}" ;;
  containerd) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    exec benchmarks/containerd.sh "${1:-5}" ;;
  cri) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    exec benchmarks/cri.sh "${1:-3}" ;;
  image) export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
    exec java -XX:TieredStopAtLevel=1 -cp "$jar" io.jvmm.benchmarks.ImageBench "$@" ;;
esac
exec java --enable-native-access=ALL-UNNAMED -cp "$jar" io.jvmm.benchmarks.VmmComparison "$what" "$@"
