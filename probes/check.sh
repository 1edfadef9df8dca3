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
expect irq 1 'irq: edge 20 ok\nirq: level 20 ok\nirq: level redeliver ok\nirq: masked edge ok\nirq: ok' irq 'n=20'
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
expect counter 1 'counter: start\ncounter: 1000000\ncounter: 2000000\ncounter: 3000000\ncounter: 4000000\ncounter: 5000000\ncounter: done 5000000' \
	counter 'every=1000000 limit=5000000'
expect counter-uneven 1 'counter: start\ncounter: 3\ncounter: 6\ncounter: 9\ncounter: done 10' counter 'every=3 limit=10'
expect counter-cpl0 1 'counter: start\ncounter: 1000\ncounter: 2000\ncounter: done 2500' counter 'every=1000 limit=2500 mode=cpl0'
TIMEOUT=2 expect counter-forever 124 'counter: start' counter 'every=0'
expect counter-touch 1 'counter: start\ncounter: touched 64 MiB\ncounter: 1000000\ncounter: 2000000\ncounter: done 2000000' \
	counter 'touch=64 every=1000000 limit=2000000'
expect counter-touch-too-big 5 'counter: touch: need RAM [0x1000000, 0x9000000) but the memmap'"'"'s RAM from 0x1000000 ends at 0x8000000' \
	counter 'touch=128 limit=10'
expect bad-n 7 "probe: bad cmdline argument 'n=12x': want a decimal number" pio-loop 'n=12x'
expect bad-mode 7 "probe: bad cmdline argument 'mode=ring0': want cpl0 or cpl3" spin 'mode=ring0'
expect bad-cpus 7 "probe: bad cmdline argument 'cpus=0': must be between 1 and 64" smp 'cpus=0'
expect bad-every 7 "probe: bad cmdline argument 'every=12x': want a decimal number" counter 'every=12x'

# ---- virtio probes (README.md "virtio probes") ----
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# expect_match NAME WANT_STATUS ERES PROBE CMDLINE [qemu args...]: line i of the output must match
# (grep -Ex) line i of ERES (printf %b); same number of lines.
expect_match() {
	name=$1 want_status=$2 want_re=$3
	shift 3
	out=$("$here/run-qemu.sh" "$@" 2>/dev/null)
	check_match "$name" $? "$want_status" "$want_re" "$out"
}
# check_match NAME STATUS WANT_STATUS ERES OUTPUT: the comparison of expect_match.
check_match() {
	name=$1 status=$2 want_status=$3 want_re=$4 out=$5
	printf '%s\n' "$out" >"$tmp/out"
	printf '%b\n' "$want_re" >"$tmp/re"
	ok=1
	[ "$status" = "$want_status" ] || ok=0
	[ "$(wc -l <"$tmp/out")" = "$(wc -l <"$tmp/re")" ] || ok=0
	i=0
	while IFS= read -r re; do
		i=$((i + 1))
		sed -n "${i}p" "$tmp/out" | grep -Eqx -- "$re" || ok=0
	done <"$tmp/re"
	if [ $ok = 1 ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: status $status (want $want_status), output:"
		printf '%s\n' "$out" | sed 's/^/       /'
		fails=$((fails + 1))
	fi
}
crc() { python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.stdin.buffer.read()))'; }

# rng: random bytes, so match the shape; >= 200 distinct values is the probe's own check (exit 1 otherwise).
export RNG=1
expect_match virtio-rng 1 'virtio-rng: 4096 bytes, [0-9]+ distinct byte values, first 0x[0-9a-f]{8}\nvirtio-rng: kicks 1' virtio-rng ''
expect_match virtio-rng-big 1 'virtio-rng: 100000 bytes, 256 distinct byte values, first 0x[0-9a-f]{8}\nvirtio-rng: kicks [0-9]+' \
	virtio-rng 'n=100000 eventidx=1 indirect=1 qsize=16'
unset RNG
expect virtio-rng-none 9 'virtio-rng: no device\nvirtio-rng: kicks 0' virtio-rng ''

# blk: an 8 MiB image of random bytes; compare CRC-32s with the host's.
img=$tmp/disk.img
head -c $((8 << 20)) /dev/urandom >"$img"
export DRIVE=$img
whole=$(crc <"$img")
head_blk='virtio-blk: capacity 16384 ro 0 flush 1 discard 1 write-zeroes 1 seg-max 254'
expect virtio-blk 1 "$head_blk\nvirtio-blk: id \nvirtio-blk: checksum 16384 sectors crc32 0x$whole\nvirtio-blk: kicks 129" virtio-blk ''
expect_match virtio-blk-chunk 1 "$head_blk\nvirtio-blk: checksum 16384 sectors crc32 0x$whole\nvirtio-blk: kicks [0-9]+" \
	virtio-blk 'op=checksum chunk=6 eventidx=1 indirect=1'
expect virtio-blk-id 1 "$head_blk\nvirtio-blk: id probe-disk-1\nvirtio-blk: kicks 1" virtio-blk 'op=id' \
	-global virtio-blk-device.serial=probe-disk-1
pat=$(head -c $((300 * 512)) /dev/zero | tr '\0' '\253' | crc)
fill=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes((s * 31 + i) & 255 for s in range(100, 400) for i in range(512)))' | crc)
zero=$(head -c $((300 * 512)) /dev/zero | crc)
expect virtio-blk-ops 1 "$head_blk
virtio-blk: write 100 300 status 0\nvirtio-blk: read 100 300 status 0 crc32 0x$pat
virtio-blk: fill 100 300 status 0\nvirtio-blk: read 100 300 status 0 crc32 0x$fill
virtio-blk: flush status 0\nvirtio-blk: beyond status 1\nvirtio-blk: badtype status 2\nvirtio-blk: kicks 15" \
	virtio-blk 'op=write,read,fill,read,flush,beyond,badtype sector=100 count=300 pattern=171'
# The fill must have reached the image.
got=$(dd if="$img" bs=512 skip=100 count=300 2>/dev/null | crc)
if [ "$got" = "$fill" ]; then echo "ok   virtio-blk-fill-on-host"; else echo "FAIL virtio-blk-fill-on-host: $got != $fill"; fails=$((fails + 1)); fi
expect virtio-blk-zeroes 1 "$head_blk
virtio-blk: write-zeroes 100 300 status 0\nvirtio-blk: read 100 300 status 0 crc32 0x$zero
virtio-blk: discard 100 300 status 0\nvirtio-blk: kicks 5" virtio-blk 'op=write-zeroes,read,discard sector=100 count=300'
whole=$(crc <"$img")
export DRIVE_RO=1
ro_blk='virtio-blk: capacity 16384 ro 1 flush 1 discard 1 write-zeroes 1 seg-max 254'
expect virtio-blk-ro 1 "$ro_blk\nvirtio-blk: write 0 1 status 1\nvirtio-blk: write-zeroes 0 1 status 1
virtio-blk: checksum 16384 sectors crc32 0x$whole\nvirtio-blk: kicks 130" virtio-blk 'op=write,write-zeroes,checksum expect-ro=1'
expect virtio-blk-ro-unexpected 3 "$ro_blk\nvirtio-blk: write 0 1 status 1\nvirtio-blk: kicks 1" virtio-blk 'op=write'
unset DRIVE_RO
expect_match virtio-blk-bench-write 1 "$head_blk
virtio-blk: bench rw write bs 4 depth 16 bytes 4194304 cycles [0-9]+ MBps [0-9]+ iops [0-9]+
virtio-blk: kicks [0-9]+" virtio-blk 'op=bench mib=4 bs=4 depth=16 rw=write'
expect_match virtio-blk-bench-read 1 "$head_blk
virtio-blk: bench rw read bs 64 depth 1 bytes 16777216 cycles [0-9]+ MBps [0-9]+ iops [0-9]+
virtio-blk: kicks 256" virtio-blk 'op=bench'
unset DRIVE
expect virtio-blk-no-device 9 'virtio-blk: no device\nvirtio-blk: kicks 0' virtio-blk '' -device virtio-rng-device
expect virtio-blk-legacy 9 'virtio: 0xfeb00e00 version 1 unsupported\nvirtio-blk: no device\nvirtio-blk: kicks 0' \
	virtio-blk '' -drive id=d0,file="$img",format=raw,if=none -device virtio-blk-device,drive=d0 \
	-global virtio-mmio.force-legacy=true
expect virtio-bad-qsize 7 "probe: bad cmdline argument 'qsize=1x': want a decimal number" virtio-rng 'qsize=1x' \
	-device virtio-rng-device

# net: passt (one-off mode) on a unix socket; it serves DHCP and ARP for its gateway and
# forwards UDP to the gateway address to the host's loopback.
if command -v passt >/dev/null 2>&1; then
	# net_expect NAME WANT_STATUS ERES CMDLINE: expect_match with a fresh passt
	# Run as root, passt drops to nobody before it creates the socket: give it a writable directory.
	chmod 711 "$tmp" && mkdir "$tmp/net" && chmod 1777 "$tmp/net"
	net_expect() {
		rm -f "$tmp/net/passt.sock"
		passt -f -s "$tmp/net/passt.sock" -1 >"$tmp/passt.log" 2>&1 &
		passt_pid=$!
		i=0
		while [ ! -S "$tmp/net/passt.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		export NET_SOCK="$tmp/net/passt.sock"
		expect_match "$1" "$2" "$3" virtio-net "$4"
		unset NET_SOCK
		kill $passt_pid 2>/dev/null
		wait $passt_pid 2>/dev/null
	}
	ip='[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+'
	mac_line='virtio-net: mac 52:54:00:12:34:56 status 1'
	dhcp_line="virtio-net: dhcp address $ip gateway $ip mask $ip"
	net_expect virtio-net-dhcp 1 "$mac_line\n$dhcp_line\nvirtio-net: kicks 3" ''
	net_expect virtio-net-echo 1 "$mac_line\n$dhcp_line\nvirtio-net: arp $ip is ([0-9a-f]{2}:){5}[0-9a-f]{2}\nvirtio-net: kicks 4" \
		'op=dhcp,echo eventidx=1 indirect=1'
	port=$((40000 + $$ % 20000))
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
n = size = 0
try:
    while True:
        d = s.recv(65536)
        n += 1
        size = len(d)
        s.settimeout(1)
except socket.timeout:
    pass
print(n, size)' $port >"$tmp/udp.out" &
	udp_pid=$!
	sleep 0.3
	# passt maps the gateway address to the host (its default --map-host-loopback).
	net_expect virtio-net-udp 1 "$mac_line\n$dhcp_line\nvirtio-net: udp-tx 50 datagrams of 200 bytes to $ip:$port cycles [0-9]+\nvirtio-net: kicks [0-9]+" \
		"op=udp-tx dst=gw:$port count=50 size=200"
	wait $udp_pid
	if [ "$(cat "$tmp/udp.out")" = "50 200" ]; then echo "ok   virtio-net-udp-on-host"; else
		echo "FAIL virtio-net-udp-on-host: host got $(cat "$tmp/udp.out") (want 50 200)"; fails=$((fails + 1)); fi
	# udp-rx: passt forwards host UDP port rport to the guest; the host sends 100-byte datagrams
	# from the listening line on until the probe has counted 200 and QEMU has exited.
	rport=$((port + 1))
	rm -f "$tmp/net/passt.sock"
	passt -f -s "$tmp/net/passt.sock" -1 -u "$rport:$rport" >"$tmp/passt.log" 2>&1 &
	passt_pid=$!
	i=0
	while [ ! -S "$tmp/net/passt.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	NET_SOCK="$tmp/net/passt.sock" TIMEOUT=30 "$here/run-qemu.sh" virtio-net "op=udp-rx port=$rport count=200" \
		>"$tmp/rx.out" 2>/dev/null &
	qemu_pid=$!
	python3 -c '
import os, socket, sys, time
out, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def alive():
    try:
        return open("/proc/%d/stat" % pid).read().split()[2] != "Z"
    except OSError:
        return False
t = time.time()
while "listening on udp" not in open(out).read() and alive() and time.time() - t < 20:
    time.sleep(0.02)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while alive() and time.time() - t < 30:
    for _ in range(50):
        s.sendto(b"u" * 100, ("127.0.0.1", port))
    time.sleep(0.001)' "$tmp/rx.out" "$rport" "$qemu_pid"
	wait $qemu_pid
	status=$?
	kill $passt_pid 2>/dev/null
	wait $passt_pid 2>/dev/null
	check_match virtio-net-udp-rx "$status" 1 "$mac_line\n$dhcp_line\nvirtio-net: listening on udp $rport
virtio-net: udp-rx 200 datagrams 20000 bytes cycles [0-9]+\nvirtio-net: kicks [0-9]+" "$(cat "$tmp/rx.out")"
else
	echo "skip virtio-net: no passt"
fi

# udp-rx against a scripted peer on QEMU's stream netdev (no passt needed): DHCP (10.9.0.2 via
# 10.9.0.1), an ARP request for the guest's address (exactly one reply, from the guest's MAC) and
# one for another address, six frames udp-rx must drop (other port, other MAC, other address,
# a fragment, broadcast, bad UDP length), then 300 datagrams of i % 100 bytes to port 5555.
cat >"$tmp/peer.py" <<'PY'
import socket, struct, sys
GWMAC, GW, ME = bytes.fromhex("02fc00000001"), bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ipudp(src, dst, dport, payload, frag=0, ulen=None):
    u = struct.pack("!HHHH", 1234, dport, 8 + len(payload) if ulen is None else ulen, 0) + payload
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, frag, 64, 17, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + u
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
srv.settimeout(20)
c = srv.accept()[0]
c.settimeout(20)
buf = b""
def recv():
    global buf
    while len(buf) < 4 or len(buf) < 4 + struct.unpack("!I", buf[:4])[0]:
        d = c.recv(65536)
        if not d:
            return None
        buf += d
    n = struct.unpack("!I", buf[:4])[0]
    f, buf = buf[4:4 + n], buf[4 + n:]
    return f
def send(f):
    c.sendall(struct.pack("!I", len(f)) + f)
for want in (1, 3):  # DISCOVER -> OFFER, REQUEST -> ACK
    while True:
        f = recv()
        if f[12:14] == b"\x08\x00" and f[23] == 17 and f[36:38] == b"\x00\x43" and f[282:285] == bytes([53, 1, want]):
            break
    guest = f[6:12]
    b = bytearray(240)
    b[0:3] = bytes([2, 1, 6]); b[4:8] = f[46:50]; b[16:20] = ME; b[28:34] = guest; b[236:240] = bytes([99, 130, 83, 99])
    b += bytes([53, 1, 2 if want == 1 else 5, 54, 4]) + GW + bytes([1, 4, 255, 255, 255, 0, 3, 4]) + GW + bytes([255])
    send(b"\xff" * 6 + GWMAC + b"\x08\x00" + ipudp(GW, b"\xff" * 4, 68, bytes(b)))
arp = b"\xff" * 6 + GWMAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + GWMAC + GW + bytes(6)
send(arp + ME)
send(arp + bytes([10, 9, 0, 7]))
eth = guest + GWMAC + b"\x08\x00"
for f in (eth + ipudp(GW, ME, 5556, b"x"), bytes.fromhex("020000000009") + eth[6:] + ipudp(GW, ME, 5555, b"x"),
          eth + ipudp(GW, bytes([10, 9, 0, 9]), 5555, b"x"), eth + ipudp(GW, ME, 5555, b"x", frag=0x2000),
          b"\xff" * 6 + eth[6:] + ipudp(GW, ME, 5555, b"x"), eth + ipudp(GW, ME, 5555, b"x", ulen=200)):
    send(f)
for i in range(300):
    send(eth + ipudp(GW, ME, 5555, b"d" * (i % 100)))
replies = []
while (f := recv()) is not None:
    if f[12:14] == b"\x08\x06":
        replies.append(f)
want = GWMAC + guest + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + guest + ME + GWMAC + GW
print("peer: arp replies %d%s" % (len(replies), " ok" if replies and replies[0][:42] == want else ""))
PY
python3 "$tmp/peer.py" "$tmp/peer.sock" >"$tmp/peer.out" 2>&1 &
peer_pid=$!
i=0
while [ ! -S "$tmp/peer.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
NET_SOCK="$tmp/peer.sock" expect_match virtio-net-udp-rx-peer 1 "virtio-net: mac 52:54:00:12:34:56 status 1
virtio-net: dhcp address 10.9.0.2 gateway 10.9.0.1 mask 255.255.255.0\nvirtio-net: listening on udp 5555
virtio-net: udp-rx 300 datagrams 14850 bytes cycles [0-9]+\nvirtio-net: kicks [0-9]+" virtio-net 'op=udp-rx port=5555 count=300'
wait $peer_pid
if [ "$(cat "$tmp/peer.out")" = "peer: arp replies 1 ok" ]; then echo "ok   virtio-net-udp-rx-arp"; else
	echo "FAIL virtio-net-udp-rx-arp: $(cat "$tmp/peer.out")"; fails=$((fails + 1)); fi

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
