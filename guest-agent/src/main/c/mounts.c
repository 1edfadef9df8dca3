/* The guest's file system layout: a read-only image (a drive, a directory or a virtio-fs share) under
 * a writable overlay, or a directory or share as / itself ("overlay no"), the kernel file
 * systems, the volumes and virtio-fs shares, then the switch of / onto the overlay. The same code runs in test mode,
 * where "/" is the host's root seen through a private mount namespace rather than the initramfs. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_DIR "/run/jvmm"
#define LOWER RUN_DIR "/lower"
#define RW RUN_DIR "/rw"
#define NEWROOT RUN_DIR "/root"

/* Mount points as seen after the root switch, for unmounting in reverse order at power-off. */
static char *mounted[64];
static int nmounted;
/* "/" is a directory or share itself, not an overlay of our own: read-only at power-off must then
 * be the mount's flag only (MS_BIND), never its superblock's, which in test mode is the host's. */
static int root_itself;

static void remember(const char *path)
{
    if (nmounted < (int)(sizeof mounted / sizeof *mounted)) mounted[nmounted++] = strdup(path);
}

static int fail(const char *step, const char *what)
{
    log_msg("setup: %s %s: %s (errno %d)", step, what, strerror(errno), errno);
    return -1;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) { errno = ENAMETOOLONG; return -1; }
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}

/* Reads the superblock: the host may hand over any of the supported image formats. */
static const char *detect_fs(const char *dev)
{
    uint8_t sb[2048];
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    ssize_t n = pread(fd, sb, sizeof sb, 0);
    close(fd);
    if (n < (ssize_t)sizeof sb) { errno = EINVAL; return NULL; }
    uint32_t sq = (uint32_t)sb[0] | (uint32_t)sb[1] << 8 | (uint32_t)sb[2] << 16 | (uint32_t)sb[3] << 24;
    uint32_t ero = (uint32_t)sb[1024] | (uint32_t)sb[1025] << 8 | (uint32_t)sb[1026] << 16 | (uint32_t)sb[1027] << 24;
    uint16_t ext = (uint16_t)(sb[1024 + 56] | sb[1024 + 57] << 8);
    if (sq == 0x73717368u) return "squashfs";
    if (ero == 0xE0F5E1E2u) return "erofs";
    if (ext == 0xEF53u) return "ext4";
    errno = EINVAL;
    return NULL;
}

static int mount_at(const char *root, const char *rel, const char *src, const char *type,
                    unsigned long flags, const char *opts)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, rel);
    if (mkdir_p(path, 0755) < 0) return fail("mkdir", path);
    if (mount(src, path, type, flags, opts) < 0) return fail("mount", path);
    remember(rel);
    return 0;
}

/* "overlay no": the directory or share itself at NEWROOT, read-write, so what the workload writes
 * lands there. */
static int mount_root_itself(const struct config *c)
{
    if (c->root_is_share) {
        if (mount(c->root, NEWROOT, "virtiofs", 0, NULL) < 0) return fail("mount virtiofs root", c->root);
    } else if (mount(c->root, NEWROOT, NULL, MS_BIND | MS_REC, NULL) < 0) {
        return fail("bind", c->root);
    }
    return 0;
}

/* The image read-only at LOWER (a drive, a directory in test mode, or a virtio-fs share), a writable
 * upper layer (tmpfs or the scratch drive), and their overlay at NEWROOT. */
static int mount_overlay_root(const struct config *c)
{
    if (c->root_is_dir) {
        if (mount(c->root, LOWER, NULL, MS_BIND | MS_REC, NULL) < 0) return fail("bind", c->root);
        if (mount(NULL, LOWER, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) return fail("remount read-only", c->root);
    } else if (c->root_is_share) {
        if (mount(c->root, LOWER, "virtiofs", MS_RDONLY, NULL) < 0) return fail("mount virtiofs root", c->root);
    } else {
        const char *fs = c->rootfs && strcmp(c->rootfs, "auto") != 0 ? c->rootfs : detect_fs(c->root);
        if (!fs) return fail("detect file system of", c->root);
        if (mount(c->root, LOWER, fs, MS_RDONLY, NULL) < 0) return fail("mount root", c->root);
    }
    if (c->scratch) {
        if (mount(c->scratch, RW, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0) return fail("mount scratch", c->scratch);
    } else if (mount("tmpfs", RW, "tmpfs", 0, "mode=0755") < 0) {
        return fail("mount", RW);
    }
    if (mkdir_p(RW "/upper", 0755) < 0 || mkdir_p(RW "/work", 0755) < 0) return fail("mkdir", RW "/upper");
    /* A reused scratch drive keeps its upper layer; its work dir must be empty, which overlay
     * itself ensures on mount. */
    if (mount("overlay", NEWROOT, "overlay", 0, "lowerdir=" LOWER ",upperdir=" RW "/upper,workdir=" RW "/work") < 0)
        return fail("mount overlay", NEWROOT);
    for (size_t i = 0; i < c->nlive; i++) {
        char src[1100], dst[1100];
        snprintf(src, sizeof src, LOWER "%s", c->live[i]);
        snprintf(dst, sizeof dst, NEWROOT "%s", c->live[i]);
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0) return fail("bind live directory", c->live[i]);
        if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) return fail("remount read-only", dst);
    }
    return 0;
}

int mounts_setup(const struct config *c)
{
    /* Without this, a MS_MOVE onto "/" is refused when / is shared (test mode on a systemd host),
     * and our mounts would propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail("make private", "/");
    if (!c->root_is_dir) {
        /* In a VM the initramfs has no device nodes yet, and the image is a block device. */
        mkdir("/dev", 0755);
        if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0 && errno != EBUSY)
            return fail("mount", "/dev (initramfs)");
    }
    const char *root = "";
    if (c->root) {
        mkdir("/run", 0755);
        if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) return fail("mount", "/run");
        if (mkdir_p(LOWER, 0755) < 0 || mkdir_p(RW, 0755) < 0 || mkdir_p(NEWROOT, 0755) < 0)
            return fail("mkdir", RUN_DIR);
        if (c->no_overlay ? mount_root_itself(c) : mount_overlay_root(c)) return -1;
        root_itself = c->no_overlay;
        root = NEWROOT;
    }
    if (mount_at(root, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
        mount_at(root, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -1;
    if (!c->root_is_dir) {
        /* For containers' limits (cgroup.c); in test mode it would be the host's hierarchy. A
         * kernel without cgroups (no /sys/fs/cgroup) just runs containers without limits. */
        char cg[4096];
        snprintf(cg, sizeof cg, "%s/sys/fs/cgroup", root);
        if (mount("cgroup2", cg, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) remember("/sys/fs/cgroup");
    }
    if (c->root && mount_at(root, "/dev", "devtmpfs", "devtmpfs", MS_NOSUID, "mode=0755") < 0) return -1;
    if (mount_at(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0 ||
        mount_at(root, "/dev/shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ||
        mount_at(root, "/run", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
        mount_at(root, "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
        return -1;
    for (size_t i = 0; i < c->nvolumes; i++) {
        const struct volume *v = &c->volumes[i];
        if (v->virtiofs) {
            /* A host directory: the tag names the virtio-fs device. */
            if (mount_at(root, v->path, v->dev, "virtiofs", v->ro ? MS_RDONLY : 0, NULL) < 0) return -1;
            continue;
        }
        const char *fs = detect_fs(v->dev);
        if (!fs) return fail("detect file system of volume", v->dev);
        if (mount_at(root, v->path, v->dev, fs, v->ro ? MS_RDONLY : 0, NULL) < 0) return -1;
    }
    if (c->root) {
        /* switch_root: the overlay becomes "/" for us and every process we start. */
        if (chdir(NEWROOT) < 0) return fail("chdir", NEWROOT);
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return fail("move overlay onto", "/");
        if (chroot(".") < 0) return fail("chroot", NEWROOT);
        if (chdir("/") < 0) return fail("chdir", "/");
    }
    return 0;
}

void mounts_teardown(void)
{
    sync();
    for (int i = nmounted - 1; i >= 0; i--) {
        if (umount2(mounted[i], 0) < 0 && umount2(mounted[i], MNT_DETACH) < 0)
            log_msg("poweroff: umount %s: %s", mounted[i], strerror(errno));
    }
    /* "/" itself (the overlay) cannot be unmounted from inside; read-only is the next best thing
     * so the scratch drive is clean when the machine resets. */
    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | (root_itself ? MS_BIND : 0), NULL);
    sync();
}
