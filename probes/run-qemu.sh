#!/bin/sh
# Runs one probe under QEMU (microvm, PVH boot) and prints its console output.
# Usage: run-qemu.sh PROBE [cmdline] [extra qemu args...]
#   PROBE: a name (hello, smp, ...) looked up in $PROBES_DIR (default: target/ next
#          to this script) or a path to an .elf.
# Env: QEMU (default qemu-system-x86_64), MEM (MiB, default 128),
#      TIMEOUT (seconds, default 60; 0 = none).
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

# -cpu host,-arch-capabilities: kvm_pvm hosts reject the arch-capabilities MSR.
# x-option-roms=off is fine: QEMU 7.2's microvm boots PVH ELFs with or without them.
set +e
timeout "${TIMEOUT:-60}" "${QEMU:-qemu-system-x86_64}" \
	-M microvm,x-option-roms=off,isa-serial=on,rtc=off,pic=off,pit=off,acpi=off \
	-enable-kvm -cpu host,-arch-capabilities -m "${MEM:-128}" \
	-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$elf" -append "$cmdline" "$@"
status=$?
set -e
if [ $((status & 1)) -eq 1 ] && [ $status -ne 125 ] && [ $status -ne 127 ]; then
	echo "run-qemu: probe exit code $((status >> 1)) (qemu status $status)" >&2
else
	echo "run-qemu: qemu status $status (no probe exit code)" >&2
fi
exit $status
