#!/usr/bin/env bash
# Builds the jvmm guest kernel (vmlinux with the PVH note, bzImage) and a test
# initramfs from Debian's linux-source-6.1, cached outside the repo.
#
#   kernel/build.sh               build if needed; print the output dir
#   kernel/build.sh --print-dir   print the output dir, build nothing
#   kernel/build.sh --check       exit 0 if the output dir is complete
#
# The cache key is a hash of everything that shapes the result (config
# fragment, patches, init sources, this script, the source package version),
# so editing any of them selects a fresh directory and old ones stay valid.
# stdout carries only the output directory (last line); progress is on stderr.
set -euo pipefail

readonly SRC_PKG=linux-source-6.1
readonly SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
readonly BUILD_DEPS=(build-essential flex bison bc libelf-dev libssl-dev cpio lz4)
readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly FRAGMENT="$HERE/microvm.config"
readonly CACHE_ROOT="${JVMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jvmm}/kernel"

log() { printf '[%s] kernel: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] kernel: ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 [--print-dir | --check]" >&2
    exit 2
}

mode=build
case "${1:-}" in
    "") ;;
    --print-dir) mode=print ;;
    --check) mode=check ;;
    -h | --help) usage ;;
    *) echo "build.sh: unknown argument '$1'" >&2; usage ;;
esac
[[ $# -le 1 ]] || { echo "build.sh: too many arguments" >&2; usage; }

sudo_cmd() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Sorted so the hash and the patch order do not depend on the file system.
patches() { find "$HERE/patches" -maxdepth 1 -name '*.patch' -type f | LC_ALL=C sort; }
init_sources() { find "$HERE/init" -maxdepth 1 -type f | LC_ALL=C sort; }

installed_version() { dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || true; }

# --print-dir must work before the package is installed: the version apt
# would install is the one the build will use.
source_version() {
    local v
    v=$(installed_version)
    if [[ -z $v ]]; then
        v=$(apt-cache policy "$SRC_PKG" 2>/dev/null | awk '/Candidate:/ {print $2}')
        [[ -n $v && $v != "(none)" ]] || die "cannot determine the version of $SRC_PKG (not installed, unknown to apt)"
    fi
    printf '%s' "$v"
}

cache_key() {
    local version=$1 f
    {
        printf 'pkg %s %s\n' "$SRC_PKG" "$version"
        for f in "$FRAGMENT" "$HERE/build.sh" $(patches) $(init_sources); do
            # Name and content both count: renaming a patch reorders them.
            printf 'file %s\n' "${f#"$HERE"/}"
            sha256sum <"$f"
        done
    } | sha256sum | cut -c1-16
}

missing_deps() {
    [[ -f $SRC_TARBALL ]] || echo "$SRC_PKG"
    local tool
    for tool in gcc make flex bison bc cpio lz4; do
        command -v "$tool" >/dev/null || { echo "${BUILD_DEPS[*]}"; return; }
    done
    [[ -f /usr/include/libelf.h ]] || echo libelf-dev
    [[ -f /usr/include/openssl/ssl.h ]] || echo libssl-dev
}

install_deps() {
    local missing
    missing=$(missing_deps)
    [[ -z $missing ]] && return
    log "installing $SRC_PKG and build dependencies with apt-get"
    # shellcheck disable=SC2086 # word splitting of the package list is wanted
    if ! sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $SRC_PKG "${BUILD_DEPS[@]}" >&2; then
        log "apt-get install failed; running apt-get update and retrying"
        sudo_cmd apt-get update -q >&2 || die "apt-get update failed"
        sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $SRC_PKG "${BUILD_DEPS[@]}" >&2 \
            || die "apt-get install of $SRC_PKG ${BUILD_DEPS[*]} failed"
    fi
    [[ -f $SRC_TARBALL ]] || die "$SRC_TARBALL missing after installing $SRC_PKG"
}

# Every line of the fragment must have survived Kconfig's dependency
# resolution; a silently dropped option is the usual way such configs rot.
verify_config() {
    local config=$1 line opt bad=()
    while IFS= read -r line; do
        if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
            grep -qxF -- "$line" "$config" \
                || bad+=("${BASH_REMATCH[1]} (wanted ${BASH_REMATCH[2]}, got $(config_value "$config" "${BASH_REMATCH[1]}"))")
        elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
            opt=${BASH_REMATCH[1]}
            ! grep -q "^$opt=" "$config" \
                || bad+=("$opt (wanted not set, got $(config_value "$config" "$opt"))")
        fi
    done <"$FRAGMENT"
    if [[ ${#bad[@]} -gt 0 ]]; then
        printf '  %s\n' "${bad[@]}" >&2
        die "${#bad[@]} option(s) of microvm.config did not end up as requested: ${bad[*]%% *}"
    fi
}

config_value() {
    local v
    v=$(grep -m1 "^$2=" "$1" | cut -d= -f2-) || true
    printf '%s' "${v:-not set}"
}

# Runs a noisy command with its output in the build log; on failure shows
# the log tail so the cause is visible without digging.
run_logged() {
    local what=$1
    shift
    if ! "$@" >>"$BUILD_LOG" 2>&1; then
        echo "----- last 40 lines of $BUILD_LOG -----" >&2
        tail -n 40 "$BUILD_LOG" >&2
        echo "-----" >&2
        die "$what failed (full log: $BUILD_LOG)"
    fi
}

build_init() {
    local src=$HERE/init/hello-init.c out=$1 cc
    # musl gives a ~20 KiB static binary; glibc's is ~40x bigger, and every
    # initramfs byte is copied by the emulated kernel at boot.
    if command -v musl-gcc >/dev/null; then cc=musl-gcc; else cc=gcc; fi
    run_logged "compiling $src with $cc" "$cc" -static -Os -s -Wall -Wextra -Werror -o "$out" "$src"
}

make_initramfs() {
    local obj=$1 out=$2 list=$2.list
    cat >"$list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $(dirname "$out")/init 0755 0 0
EOF
    run_logged "building usr/gen_init_cpio" make -C "$obj" usr/gen_init_cpio
    "$obj/usr/gen_init_cpio" "$list" >"$out" 2>>"$BUILD_LOG" || die "gen_init_cpio failed (see $BUILD_LOG)"
    rm -f "$list"
}

check_pvh_note() {
    # XEN_ELFNOTE_PHYS32_ENTRY: owner "Xen", type 18 (0x12); PVH loaders
    # (the jvmm loader, QEMU, Firecracker) start the kernel at its address.
    readelf -n "$1" | grep -Eq '^[[:space:]]+Xen[[:space:]]+0x[0-9a-f]+[[:space:]].*(0x00000012|PHYS32_ENTRY)' \
        || die "vmlinux has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); is CONFIG_PVH=y?"
}

do_build() {
    local out_dir=$1 key=$2
    local start=$SECONDS src obj stage
    # Global on purpose: the EXIT trap runs after this function's locals are gone.
    tmp=$(mktemp -d "$CACHE_ROOT/.tmp-$key.XXXXXX")
    src=$tmp/src
    obj=$tmp/obj
    stage=$tmp/out
    BUILD_LOG=$tmp/build.log
    BUILD_KEY=$key
    mkdir -p "$src" "$obj" "$stage"
    : >"$BUILD_LOG"
    # Anything left in tmp on exit is a failed or interrupted build; keep its
    # log next to the cache so the failure can still be read.
    trap 'status=$?; if [[ $status -ne 0 && -f $BUILD_LOG ]]; then cp "$BUILD_LOG" "$CACHE_ROOT/$BUILD_KEY.failed.log"; log "log kept at $CACHE_ROOT/$BUILD_KEY.failed.log"; fi; rm -rf "$tmp"' EXIT

    log "extracting $SRC_TARBALL"
    tar -xf "$SRC_TARBALL" -C "$src" --strip-components=1

    local p
    for p in $(patches); do
        log "applying patches/$(basename "$p")"
        patch -p1 --forward --batch --quiet -d "$src" <"$p" >>"$BUILD_LOG" 2>&1 \
            || { tail -n 20 "$BUILD_LOG" >&2; die "patch $(basename "$p") does not apply to $SRC_PKG $(installed_version)"; }
    done

    local -a kmake=(make -C "$src" O="$obj" ARCH=x86_64
        KBUILD_BUILD_USER=jvmm KBUILD_BUILD_HOST=jvmm)
    log "configuring: allnoconfig + microvm.config"
    run_logged "make allnoconfig" "${kmake[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig
    verify_config "$obj/.config"

    log "compiling vmlinux and bzImage with -j$(nproc) (log: $BUILD_LOG)"
    run_logged "kernel build" "${kmake[@]}" -j"$(nproc)" vmlinux bzImage
    check_pvh_note "$obj/vmlinux"

    log "building test init and initramfs"
    build_init "$stage/init"
    make_initramfs "$obj" "$stage/initramfs.cpio"

    cp "$obj/vmlinux" "$stage/vmlinux"
    cp "$obj/arch/x86/boot/bzImage" "$stage/bzImage"
    cp "$obj/.config" "$stage/config"
    cp "$BUILD_LOG" "$stage/build.log"

    # rename(2) is atomic: readers see either no directory or a complete one.
    mv -T "$stage" "$out_dir"
    log "done in $((SECONDS - start)) s: vmlinux $(stat -c %s "$out_dir/vmlinux") B, bzImage $(stat -c %s "$out_dir/bzImage") B"
}

main() {
    if [[ $mode == build ]]; then install_deps; fi
    local version key out_dir
    version=$(source_version)
    key=$(cache_key "$version")
    out_dir=$CACHE_ROOT/$key

    case $mode in
        print) echo "$out_dir"; return ;;
        check) [[ -d $out_dir ]]; return ;;
    esac

    mkdir -p "$CACHE_ROOT"
    if [[ ! -d $out_dir ]]; then
        # One builder per key; a second caller waits and then reuses the result.
        exec 9>"$CACHE_ROOT/.lock-$key"
        if ! flock -n 9; then
            log "another build of $key is running; waiting for it"
            flock 9
        fi
        if [[ -d $out_dir ]]; then
            log "built meanwhile by another process"
        else
            rm -rf "$CACHE_ROOT/.tmp-$key."*  # leftovers of interrupted builds
            log "building $SRC_PKG $version into $out_dir"
            do_build "$out_dir" "$key"
        fi
    else
        log "cached: $out_dir"
    fi
    echo "$out_dir"
}

main
