#!/usr/bin/env bash
# Builds the default jvmm guest root from Debian's static busybox, without root privileges:
#
#   OUT/rootfs/       the tree (also used directly by host-side namespace tests of the guest agent)
#   OUT/rootfs.ext4   an ext4 image of that tree, made with mkfs.ext4 -d (no mounting)
#
#   guest-rootfs/build.sh [OUT]      OUT defaults to guest-rootfs/target
#
# Rebuilds only when an input changed: this script, the busybox binary, the image size or
# SOURCE_DATE_EPOCH (OUT/rootfs.stamp holds their hash). Progress is on stderr.
# Environment: ROOTFS_SIZE_MIB (default 32), SOURCE_DATE_EPOCH (default: busybox's mtime).
set -euo pipefail
shopt -s inherit_errexit  # a failing step inside $(...) must stop the build too

# mkfs.ext4, debugfs and e2fsck live in /usr/sbin, which ordinary users' PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
readonly OUT="${1:-$HERE/target}"
readonly TREE="$OUT/rootfs"
readonly IMAGE="$OUT/rootfs.ext4"
readonly STAMP="$OUT/rootfs.stamp"
readonly SIZE_MIB="${ROOTFS_SIZE_MIB:-32}"
# Fixed so the same inputs give the same image: file system UUID and directory hash seed.
readonly FS_UUID=6a766d6d-726f-4f74-8000-000000000001
readonly HASH_SEED=6a766d6d-6861-4073-8800-000000000001
readonly LABEL=jvmm-root

log() { printf '[%s] guest-rootfs: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] guest-rootfs: ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

[[ $# -le 1 ]] || { echo "usage: $0 [OUT]" >&2; exit 2; }
[[ $SIZE_MIB =~ ^[0-9]+$ && $SIZE_MIB -ge 8 ]] || die "ROOTFS_SIZE_MIB must be a whole number >= 8, not '$SIZE_MIB'"

sudo_cmd() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

busybox_path() { dpkg-query -L busybox-static 2>/dev/null | grep -m1 -E '^(/usr)?/bin/busybox$' || true; }

missing_packages() {
    [[ -n $(busybox_path) ]] || echo busybox-static
    command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null && command -v e2fsck >/dev/null || echo e2fsprogs
}

install_packages() {
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    [[ -z $missing ]] && return
    log "installing ${missing% } with apt-get"
    # shellcheck disable=SC2086 # word splitting of the package list is wanted
    if ! sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2; then
        log "apt-get install failed; running apt-get update and retrying"
        sudo_cmd apt-get update -q >&2 || die "apt-get update failed"
        sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2 \
            || die "apt-get install of ${missing% } failed"
    fi
    [[ -z $(missing_packages) ]] || die "still missing after apt-get install: $(missing_packages | tr '\n' ' ')"
}

# Relative target from applet path (e.g. usr/bin/env) to bin/busybox, so the links resolve
# inside the tree whether it is the guest's root, a chroot, or just a directory on the host.
relative_to_busybox() {
    local dir=${1%/*} up=""
    [[ $dir == "$1" ]] && dir=""
    if [[ -n $dir ]]; then
        local IFS=/ part
        for part in $dir; do up+="../"; done
    fi
    if [[ $up == "../" && $dir == bin ]]; then echo busybox; else echo "${up}bin/busybox"; fi
}

make_tree() {
    local bb=$1 version=$2 tree=$3 applet
    mkdir -p "$tree"/{bin,sbin,etc,usr/bin,usr/sbin,var}
    cp "$bb" "$tree/bin/busybox"
    chmod 0755 "$tree/bin/busybox"
    while read -r applet; do
        [[ -n $applet && $applet != bin/busybox ]] || continue
        [[ -e $tree/$applet || -L $tree/$applet ]] && continue  # an applet listed twice
        mkdir -p "$tree/$(dirname "$applet")"
        ln -s "$(relative_to_busybox "$applet")" "$tree/$applet"
    done < <("$bb" --list-full)
    [[ -L $tree/bin/sh ]] || die "busybox --list-full has no bin/sh; is $bb Debian's busybox-static?"

    for d in proc sys dev run tmp root home mnt var/tmp; do mkdir -p "$tree/$d"; done
    chmod 1777 "$tree/tmp" "$tree/var/tmp"
    chmod 0700 "$tree/root"

    cat >"$tree/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >"$tree/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
    echo jvmm >"$tree/etc/hostname"
    cat >"$tree/etc/os-release" <<EOF
NAME="jvmm busybox"
ID=jvmm
VERSION_ID=$version
PRETTY_NAME="jvmm busybox $version"
EOF
    cat >"$tree/etc/profile" <<'EOF'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME="${HOME:-/root}"
umask 022
PS1='\u@\h:\w\$ '
EOF
}

# mke2fs reads /etc/mke2fs.conf, which differs between hosts and releases; pin what shapes
# the image (block and inode size, features) so the result depends on our inputs only.
write_mke2fs_conf() {
    cat >"$1" <<'EOF'
[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	# mke2fs picks the "small" usage type below 512 MiB; the [defaults] above are meant for it too.
	small = {
		blocksize = 4096
	}
EOF
}

# mkfs.ext4 -d copies each file's owner and ctime from the tree: the owner is the build user
# when we are not root, and ctime is when the tree was made (touch cannot set it). Edit every
# inode in the image with debugfs instead: root:root, ctime = the other timestamps.
normalize_inodes() {
    local image=$1 tree=$2 epoch=$3 cmds=$4 path
    : >"$cmds"
    while IFS= read -r -d '' path; do
        path=/${path#./}
        [[ $path == /. ]] && path=/
        printf 'sif "%s" uid 0\nsif "%s" gid 0\nsif "%s" ctime @%s\n' "$path" "$path" "$path" "$epoch" >>"$cmds"
    done < <(cd "$tree" && find . -print0 | LC_ALL=C sort -z)
    E2FSPROGS_FAKE_TIME=$epoch debugfs -w -f "$cmds" "$image" >/dev/null 2>"$cmds.err" \
        || die "debugfs could not edit the image (see $cmds.err)"
    if grep -v '^debugfs ' "$cmds.err" | grep -q .; then die "debugfs reported errors while editing inodes (see $cmds.err)"; fi
}

main() {
    install_packages
    local bb version epoch key start=$SECONDS
    bb=$(busybox_path)
    [[ -x $bb ]] || die "busybox-static is installed but $bb is not executable"
    local help
    help=$("$bb" --help 2>&1 || true)
    version=$(sed -n '1s/^BusyBox v\([0-9][0-9.]*\).*/\1/p' <<<"$help")
    [[ -n $version ]] || die "cannot read the version from '$bb --help' (first line: ${help%%$'\n'*})"
    epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$bb")}
    [[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be seconds since 1970, not '$epoch'"

    key=$( { sha256sum "$SELF" "$bb" | cut -d' ' -f1; echo "size=$SIZE_MIB epoch=$epoch"; mkfs.ext4 -V 2>&1 | sed -n 1p; } | sha256sum | cut -d' ' -f1)
    if [[ -f $STAMP && $(<"$STAMP") == "$key" && -d $TREE && -f $IMAGE ]]; then
        log "up to date: $IMAGE"
        return
    fi

    log "building the tree from $bb (BusyBox $version)"
    mkdir -p "$OUT"
    rm -f "$STAMP"
    local work="$OUT/rootfs.work"
    rm -rf "$work"
    mkdir -p "$work"
    umask 022
    make_tree "$bb" "$version" "$work/rootfs"
    # Same timestamps on every run, so the image does not record when it was built.
    find "$work/rootfs" -exec touch -h -d "@$epoch" {} +

    log "making $IMAGE (${SIZE_MIB} MiB ext4, label $LABEL)"
    write_mke2fs_conf "$work/mke2fs.conf"
    rm -f "$work/rootfs.ext4"
    MKE2FS_CONFIG="$work/mke2fs.conf" SOURCE_DATE_EPOCH=$epoch E2FSPROGS_FAKE_TIME=$epoch \
        mkfs.ext4 -q -F -t ext4 -L "$LABEL" -U "$FS_UUID" -m 0 \
        -E "root_owner=0:0,hash_seed=$HASH_SEED,lazy_itable_init=0,nodiscard" \
        -d "$work/rootfs" "$work/rootfs.ext4" "${SIZE_MIB}M" >&2 \
        || die "mkfs.ext4 failed"
    normalize_inodes "$work/rootfs.ext4" "$work/rootfs" "$epoch" "$work/inodes.debugfs"
    e2fsck -fn "$work/rootfs.ext4" >"$work/e2fsck.log" 2>&1 || die "e2fsck found problems in the new image (see $work/e2fsck.log)"

    # Replace the outputs only once everything succeeded.
    rm -rf "$TREE" "$IMAGE"
    mv "$work/rootfs" "$TREE"
    mv "$work/rootfs.ext4" "$IMAGE"
    rm -rf "$work"
    echo "$key" >"$STAMP"
    log "done in $((SECONDS - start)) s: $TREE, $IMAGE"
}

main
