#!/bin/sh
# Runs one probe under QEMU (microvm, PVH boot) and prints its console output.
# Usage: run-qemu.sh PROBE [cmdline] [extra qemu args...]
#   PROBE: a name (hello, smp, ...) looked up in $PROBES_DIR (default: target/ next
#          to this script) or a path to an .elf.
# Env: QEMU (default qemu-system-x86_64), MEM (MiB, default 128),
#      TIMEOUT (seconds, default 60; 0 = none).
#      virtio-mmio devices (modern, version 2; QEMU adds their virtio_mmio.device=
#      tokens to the command line itself):
#      RNG=1 (virtio-rng), DRIVE=<raw image> (virtio-blk; DRIVE_RO=1 read-only,
#      DRIVE_OPTS=<extra -drive options, e.g. cache=none,aio=native>),
#      NET_SOCK=<passt socket> (virtio-net over -netdev stream).
# Exit status: QEMU's. isa-debug-exit turns probe exit code v into (v << 1) | 1,
# so 1 means the probe exited 0; 0 means QEMU stopped without an exit code
# (e.g. triple fault with -no-reboot); 124 means the timeout hit.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 PROBE [cmdline] [qemu args...]" >&2
	exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
probe=$1
shift
cmdline=${1-}
[ $# -gt 0 ] && shift

case $probe in
*/* | *.elf) elf=$probe ;;
*) elf=${PROBES_DIR:-$here/target}/$probe.elf ;;
esac
if [ ! -f "$elf" ]; then
	echo "run-qemu: no probe image at $elf (run make first)" >&2
	exit 66
fi

devices=""
[ "${RNG:-0}" = 1 ] && devices="$devices -device virtio-rng-device"
if [ -n "${DRIVE:-}" ]; then
	ro=""
	[ "${DRIVE_RO:-0}" = 1 ] && ro=",readonly=on"
	devices="$devices -drive id=d0,file=$DRIVE,format=raw,if=none$ro${DRIVE_OPTS:+,$DRIVE_OPTS}"
	devices="$devices -device virtio-blk-device,drive=d0"
fi
if [ -n "${NET_SOCK:-}" ]; then
	devices="$devices -netdev stream,id=n0,server=off,addr.type=unix,addr.path=$NET_SOCK"
	devices="$devices -device virtio-net-device,netdev=n0"
fi

# -cpu host,-arch-capabilities: kvm_pvm hosts reject the arch-capabilities MSR.
# +invtsc,vmware-cpuid-freq=on: CPUID 0x40000010 reports the TSC rate (the host
# CPU's leaves 0x15/0x16 do not), which virtio-blk's bench needs for MBps/iops.
# x-option-roms=off is fine: QEMU 7.2's microvm boots PVH ELFs with or without them.
set +e
timeout "${TIMEOUT:-60}" "${QEMU:-qemu-system-x86_64}" \
	-M microvm,x-option-roms=off,isa-serial=on,rtc=off,pic=off,pit=off,acpi=off \
	-enable-kvm -cpu host,-arch-capabilities,+invtsc,vmware-cpuid-freq=on -m "${MEM:-128}" \
	-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 \
	-global virtio-mmio.force-legacy=false $devices \
	-kernel "$elf" -append "$cmdline" "$@"
status=$?
set -e
if [ $((status & 1)) -eq 1 ] && [ $status -ne 125 ] && [ $status -ne 127 ]; then
	echo "run-qemu: probe exit code $((status >> 1)) (qemu status $status)" >&2
else
	echo "run-qemu: qemu status $status (no probe exit code)" >&2
fi
exit $status
