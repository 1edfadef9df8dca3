#!/bin/sh
# Boots every probe under QEMU (through run-qemu.sh) and checks its output and
# exit status against the contract in README.md. Needs /dev/kvm.
# Usage: check.sh [-q]   (-q skips the ~20 s "not all CPUs came up" case)
set -u
here=$(cd "$(dirname "$0")" && pwd)
quick=${1-}
fails=0

# expect NAME WANT_STATUS WANT_OUTPUT PROBE CMDLINE [qemu args...]
expect() {
	name=$1 want_status=$2 want_out=$3
	shift 3
	out=$("$here/run-qemu.sh" "$@" 2>/dev/null)
	status=$?
	if [ "$status" = "$want_status" ] && [ "$out" = "$(printf '%b' "$want_out")" ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: status $status (want $want_status), output:"
		printf '%s\n' "$out" | sed 's/^/       /'
		fails=$((fails + 1))
	fi
}

# Exit status is QEMU's: (code << 1) | 1.
expect hello 1 'hello from jvmm probe' hello ''
expect hello-cpl0 1 'hello from jvmm probe' hello 'mode=cpl0'
expect pio-loop 1 'pio-loop: n=1000\npio-loop: done' pio-loop ''
expect pio-loop-n0 1 'pio-loop: n=0\npio-loop: done' pio-loop 'n=0'
expect pio-loop-cpl0 1 'pio-loop: n=5000\npio-loop: done' pio-loop 'n=5000 mode=cpl0'
expect mmio-loop 1 'mmio-loop: n=1000\nmmio-loop: done' mmio-loop ''
expect mmio-loop-cpl0 1 'mmio-loop: n=5000\nmmio-loop: done' mmio-loop 'n=5000 mode=cpl0'
expect touch 1 'touch: 16 MiB ok' touch ''
expect touch-64 1 'touch: 64 MiB ok' touch 'mib=64'
expect touch-too-big 5 'touch: need RAM [0x1000000, 0x9000000) but the memmap'"'"'s RAM from 0x1000000 ends at 0x8000000' touch 'mib=128'
expect smp-1 1 'smp: cpu 0 up\nsmp: 1 cpus up' smp 'cpus=1'
expect smp-2 1 "$(printf 'smp: cpu 0 up\nsmp: cpu 1 up\nsmp: 2 cpus up')" smp 'cpus=2' -smp 2
# Four APs print in any order: compare sorted lines.
out=$("$here/run-qemu.sh" smp 'cpus=4' -smp 4 2>/dev/null | sort)
want=$(printf 'smp: 4 cpus up\nsmp: cpu 0 up\nsmp: cpu 1 up\nsmp: cpu 2 up\nsmp: cpu 3 up\n' | sort)
if [ "$out" = "$want" ]; then echo "ok   smp-4"; else echo "FAIL smp-4: $out"; fails=$((fails + 1)); fi
if [ "$quick" != "-q" ]; then
	expect smp-missing 3 'smp: cpu 0 up\nsmp: cpu 1 up\nsmp: only 2 of 4 cpus up' smp 'cpus=4' -smp 2
fi
expect triple-fault 0 'triple-fault: now' triple-fault ''
TIMEOUT=3 expect spin-cpl3 124 'spin: cpl3' spin 'mode=cpl3'
TIMEOUT=3 expect spin-cpl0 124 'spin: cpl0' spin 'mode=cpl0'
expect bad-n 7 "probe: bad cmdline argument 'n=12x': want a decimal number" pio-loop 'n=12x'
expect bad-mode 7 "probe: bad cmdline argument 'mode=ring0': want cpl0 or cpl3" spin 'mode=ring0'
expect bad-cpus 7 "probe: bad cmdline argument 'cpus=0': must be between 1 and 64" smp 'cpus=0'

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
