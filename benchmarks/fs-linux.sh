#!/usr/bin/env bash
# The project's Linux unpacks a busybox tree (the static busybox and a link per applet) from its
# initramfs onto a virtio-fs share and onto ext4 on virtio-blk, alternating; the guest times the
# unpack (tar -x, then sync) from /proc/uptime. Report only: kvm_pvm emulates the guest kernel, so
# these figures say more about the emulator than about either device.
#   benchmarks/fs-linux.sh [runs]    (default 3; from the repository root or anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
export JVMM_KERNEL_DIR=${JVMM_KERNEL_DIR:-$(kernel/build.sh | tail -n 1)}
busybox=$(command -v busybox) || { echo "fs-linux.sh: needs a static busybox (apt-get install busybox-static)" >&2; exit 1; }
file -L "$busybox" | grep -q 'statically linked' || { echo "fs-linux.sh: $busybox is not static" >&2; exit 1; }
command -v cpio >/dev/null || { echo "fs-linux.sh: needs cpio" >&2; exit 1; }
./jvmm --version >/dev/null

work=$(mktemp -d /tmp/jvmm-fs-linux.XXXXXX)
vm=
cleanup() { [ -n "$vm" ] && kill "$vm" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The payload: a busybox tree as an installed busybox has it.
mkdir -p "$work/tree/bin"
cp "$busybox" "$work/tree/bin/busybox"
for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$work/tree/bin/$a"; done
tar -C "$work/tree" -cf "$work/payload.tar" .
entries=$(tar -tf "$work/payload.tar" | wc -l)

# The initramfs: busybox, the payload and an init that unpacks it onto target= (fs or blk).
root=$work/initramfs
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/mnt"
cp "$busybox" "$root/bin/busybox"
cp "$work/payload.tar" "$root/payload.tar"
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
case " $(cat /proc/cmdline) " in
  *" target=fs "*) mount -t virtiofs bench /mnt ;;
  *) mount -t ext4 /dev/vda /mnt ;;
esac
read t0 _ < /proc/uptime
tar -xf /payload.tar -C /mnt
sync
read t1 _ < /proc/uptime
echo "unpack: $(ls /mnt/bin | wc -l) names in $t0 $t1"
umount /mnt
echo "fs-linux: done"
while :; do sleep 1000; done
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

# One boot; prints the unpack's seconds. The VM is stopped once the init says it is done.
unpack() {
  local target=$1 out=$work/out.txt
  rm -rf "$work/share" && mkdir "$work/share"
  rm -f "$work/disk.img" && truncate -s 256M "$work/disk.img" && mkfs.ext4 -q -F "$work/disk.img"
  local args=(--kernel "$JVMM_KERNEL_DIR/vmlinux" --initrd "$work/initramfs.cpio" --memory 256 --no-rng
    --cmdline "quiet target=$target")
  if [ "$target" = fs ]; then args+=(--share "bench=$work/share"); else args+=(--drive "$work/disk.img"); fi
  ./jvmm boot "${args[@]}" > "$out" 2>&1 & vm=$!
  until grep -q 'fs-linux: done' "$out" 2>/dev/null; do
    kill -0 "$vm" 2>/dev/null || { cat "$out" >&2; echo "fs-linux.sh: the VM ended early" >&2; exit 1; }
    sleep 0.2
  done
  kill "$vm"; wait "$vm" 2>/dev/null || true; vm=
  local line; line=$(grep 'unpack:' "$out")
  if [ "$target" = fs ] && [ "$(find "$work/share" | wc -l)" -ne "$entries" ]; then
    echo "fs-linux.sh: the share holds $(find "$work/share" | wc -l) entries, the tarball $entries" >&2; exit 1
  fi
  awk '{ printf "%.2f\n", $(NF) - $(NF-1) }' <<< "$line"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "busybox tree: $entries entries, $(du -sk "$work/tree" | cut -f1) KiB; $runs runs each, alternating; load $(cut -d' ' -f1-3 /proc/loadavg)"
fs=() blk=()
for ((i = 0; i < runs; i++)); do
  f=$(unpack fs) && [ -n "$f" ] || exit 1
  b=$(unpack blk) && [ -n "$b" ] || exit 1
  fs+=("$f") blk+=("$b")
  echo "run $((i + 1)): virtio-fs ${fs[-1]} s, virtio-blk ext4 ${blk[-1]} s"
done
echo "| unpack a busybox tree ($entries entries), Linux guest, median of $runs | virtio-fs $(printf '%s\n' "${fs[@]}" | median) s | virtio-blk ext4 $(printf '%s\n' "${blk[@]}" | median) s |"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
