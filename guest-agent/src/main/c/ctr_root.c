/* A container's root file system, set up by its init process in its own (new) mount namespace
 * before anything of the container runs: the root (a directory, or an image file through a
 * read-only loop device) read-only under a tmpfs overlay, its own /proc, a minimal /dev, a
 * read-only /sys, the spec's mounts (binds of the pod's paths, tmpfs), then pivot_root into it. Everything mounted here lives only in that namespace,
 * so the container's end unmounts it all (and frees the loop device: it is auto-clearing). */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* <linux/loop.h> is not part of the musl toolchain; the ABI is small and stable. */
#define LOOP_CTL_GET_FREE_ 0x4C82
#define LOOP_CONFIGURE_ 0x4C0A
#define LO_FLAGS_READ_ONLY_ 1u
#define LO_FLAGS_AUTOCLEAR_ 4u
struct loop_info64_ {
    uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
    uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
    uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
    uint64_t lo_init[2];
};
struct loop_config_ {
    uint32_t fd, block_size;
    struct loop_info64_ info;
    uint64_t reserved[8];
};

static int failf(char *err, size_t errlen, const char *step, const char *what)
{
    snprintf(err, errlen, "container root: %s %s: %s", step, what, strerror(errno));
    return -1;
}

static int mkdir_in(const char *root, const char *rel, mode_t mode, char *path, size_t len)
{
    snprintf(path, len, "%s%s", root, rel);
    return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* Attaches the image read-only to a free loop device; returns the device's fd. */
static int loop_attach(const char *image, char *dev, size_t devlen, char *err, size_t errlen)
{
    int img = open(image, O_RDONLY | O_CLOEXEC);
    if (img < 0) return failf(err, errlen, "open image", image);
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        close(img);
        return failf(err, errlen, "open", "/dev/loop-control (does the kernel have BLK_DEV_LOOP?)");
    }
    for (int attempt = 0; attempt < 8; attempt++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE_);
        if (n < 0) break;
        snprintf(dev, devlen, "/dev/loop%d", n);
        int fd = open(dev, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            /* A devtmpfs node appears with the device; a /dev without it needs one made. */
            mknod(dev, S_IFBLK | 0600, makedev(7, n));
            fd = open(dev, O_RDONLY | O_CLOEXEC);
        }
        if (fd < 0) break;
        struct loop_config_ lc = { .fd = (uint32_t)img };
        lc.info.lo_flags = LO_FLAGS_READ_ONLY_ | LO_FLAGS_AUTOCLEAR_;
        if (ioctl(fd, LOOP_CONFIGURE_, &lc) == 0) {
            close(ctl);
            close(img);
            return fd;
        }
        int e = errno;
        close(fd);
        errno = e;
        if (e != EBUSY) break;   /* taken by someone else meanwhile: ask again */
    }
    int e = errno;
    close(ctl);
    close(img);
    errno = e;
    return failf(err, errlen, "attach a loop device to", image);
}

static int mount_lower(const struct ctr_spec *s, const char *lower, char *err, size_t errlen)
{
    if (strncmp(s->root, "dir:", 4) == 0) {
        const char *dir = s->root + 4;
        if (mount(dir, lower, NULL, MS_BIND | MS_REC, NULL) < 0) return failf(err, errlen, "bind", dir);
        if (mount(NULL, lower, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
            return failf(err, errlen, "remount read-only", dir);
        return 0;
    }
    const char *image = s->root + 6;   /* "image:" */
    char dev[64];
    int fd = loop_attach(image, dev, sizeof dev, err, errlen);
    if (fd < 0) return -1;
    static const char *types[] = { "erofs", "ext4", "squashfs" };
    int r = -1;
    for (size_t i = 0; i < sizeof types / sizeof *types && r < 0; i++) r = mount(dev, lower, types[i], MS_RDONLY, NULL);
    int e = errno;
    /* The mount holds the device now; with AUTOCLEAR it detaches when the mount goes. */
    close(fd);
    errno = e;
    return r < 0 ? failf(err, errlen, "mount (erofs, ext4 or squashfs) image", image) : 0;
}

static int make_dev(const char *root, char *err, size_t errlen)
{
    char p[4096];
    if (mkdir_in(root, "/dev", 0755, p, sizeof p) < 0) return failf(err, errlen, "mkdir", p);
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") < 0) return failf(err, errlen, "mount", p);
    static const struct { const char *name; unsigned major, minor; } nodes[] = {
        { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
    };
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        snprintf(p, sizeof p, "%s/dev/%s", root, nodes[i].name);
        if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0) return failf(err, errlen, "mknod", p);
        chmod(p, 0666);   /* mknod's mode is masked by the umask */
    }
    static const struct { const char *name, *target; } links[] = {
        { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(p, sizeof p, "%s/dev/%s", root, links[i].name);
        if (symlink(links[i].target, p) < 0) return failf(err, errlen, "symlink", p);
    }
    if (mkdir_in(root, "/dev/pts", 0755, p, sizeof p) < 0
        || mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
        return failf(err, errlen, "mount devpts on", p);
    if (mkdir_in(root, "/dev/shm", 01777, p, sizeof p) < 0
        || mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
        return failf(err, errlen, "mount tmpfs on", p);
    return 0;
}

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_IN_ROOT_ 0x10u
struct open_how_ {
    uint64_t flags, mode, resolve;
};

/* Opens path (absolute in the container) as the container resolves it: symlinks and ".." stay in
 * its root, so an image cannot point a mount outside it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
    struct open_how_ how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT_ };
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* The mount point dest in the container's root, made when missing (the directories on the way,
 * then a directory, or an empty file for a file bind); returns an O_PATH descriptor of it. */
static int mount_point(int rootfd, const char *dest, int file)
{
    char prefix[4096];
    size_t n = strlen(dest);
    if (n >= sizeof prefix) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open_in_root(rootfd, dest, O_PATH);
    if (fd >= 0 || errno != ENOENT) return fd;
    int parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
    for (size_t i = 1; parent >= 0 && i <= n; i++) {
        if (i < n && dest[i] != '/') continue;
        if (dest[i - 1] == '/') continue;   /* an empty component */
        memcpy(prefix, dest, i);
        prefix[i] = 0;
        const char *name = strrchr(prefix, '/') + 1;
        int last = i == n || dest[i + strspn(dest + i, "/")] == 0;
        int next = open_in_root(rootfd, prefix, O_PATH);
        if (next < 0 && errno == ENOENT) {
            if (last && file) {
                int f = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (f >= 0) close(f);
            } else {
                mkdirat(parent, name, 0755);
            }
            next = open_in_root(rootfd, prefix, O_PATH);
        }
        close(parent);
        parent = next;
        if (last) break;
    }
    return parent;
}

static int mount_one(int rootfd, const struct ctr_mount *m, char *err, size_t errlen)
{
    int bind = strcmp(m->type, "bind") == 0;
    struct stat st;
    if (bind && stat(m->source, &st) < 0) return failf(err, errlen, "bind", m->source);
    int fd = mount_point(rootfd, m->dest, bind && !S_ISDIR(st.st_mode));
    if (fd < 0) return failf(err, errlen, "make the mount point", m->dest);
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    unsigned long extra = (m->flags & CTR_MOUNT_RDONLY ? MS_RDONLY : 0) | (m->flags & CTR_MOUNT_NOSUID ? MS_NOSUID : 0)
                          | (m->flags & CTR_MOUNT_NODEV ? MS_NODEV : 0) | (m->flags & CTR_MOUNT_NOEXEC ? MS_NOEXEC : 0);
    int r;
    if (bind) {
        r = mount(m->source, target, NULL, MS_BIND | MS_REC, NULL);
        if (r == 0 && extra) {
            /* The flags apply to the new mount, which the descriptor (of what it covers) does not reach. */
            int top = open_in_root(rootfd, m->dest, O_PATH);
            if (top < 0) {
                r = -1;
            } else {
                snprintf(target, sizeof target, "/proc/self/fd/%d", top);
                r = mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | extra, NULL);
                int e = errno;
                close(top);
                errno = e;
            }
        }
    } else {
        r = mount("tmpfs", target, "tmpfs", extra, m->data[0] ? m->data : NULL);
    }
    int e = errno;
    close(fd);
    errno = e;
    return r < 0 ? failf(err, errlen, bind ? "bind mount on" : "mount tmpfs on", m->dest) : 0;
}

/* Runs in the container's init process, inside its new mount, PID, UTS and IPC namespaces. */
int ctr_root_setup(const struct ctr_spec *s, const char *statedir, char *err, size_t errlen)
{
    char mnt[512], lower[600], rw[600], root[600], opts[2048], p[4096];
    /* Nothing mounted here may reach the agent's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return failf(err, errlen, "make private", "/");
    snprintf(mnt, sizeof mnt, "%s/mnt", statedir);
    if (mkdir(mnt, 0700) < 0 && errno != EEXIST) return failf(err, errlen, "mkdir", mnt);
    if (mount("tmpfs", mnt, "tmpfs", 0, "mode=0755") < 0) return failf(err, errlen, "mount tmpfs on", mnt);
    snprintf(lower, sizeof lower, "%s/lower", mnt);
    snprintf(rw, sizeof rw, "%s/rw", mnt);
    snprintf(root, sizeof root, "%s/root", mnt);
    if (mkdir(lower, 0755) < 0 || mkdir(rw, 0755) < 0 || mkdir(root, 0755) < 0) return failf(err, errlen, "mkdir in", mnt);
    if (mount_lower(s, lower, err, errlen) < 0) return -1;
    /* Even a read-only root gets the overlay: the mount points an image lacks (a pause image has no
     * /proc, /sys or /dev) are made in it, and the root is made read-only once they are. */
    snprintf(p, sizeof p, "%s/upper", rw);
    if (mkdir(p, 0755) < 0) return failf(err, errlen, "mkdir", p);
    snprintf(p, sizeof p, "%s/work", rw);
    if (mkdir(p, 0755) < 0) return failf(err, errlen, "mkdir", p);
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, rw, rw);
    if (mount("overlay", root, "overlay", 0, opts) < 0) return failf(err, errlen, "mount overlay on", root);
    if (mkdir_in(root, "/proc", 0555, p, sizeof p) < 0
        || mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return failf(err, errlen, "mount proc on", p);
    if (mkdir_in(root, "/sys", 0555, p, sizeof p) < 0
        || mount("sysfs", p, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
        return failf(err, errlen, "mount sysfs on", p);
    if (make_dev(root, err, errlen) < 0) return -1;
    if (s->nmounts) {
        int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) return failf(err, errlen, "open", root);
        for (size_t i = 0; i < s->nmounts; i++) {
            if (mount_one(rootfd, &s->mounts[i], err, errlen) < 0) {
                close(rootfd);
                return -1;
            }
        }
        close(rootfd);
    }
    /* Read-only: this mount alone; what is mounted in it (/proc, /dev, the spec's mounts) keeps its own flags. */
    if ((s->flags & CTR_READONLY) && mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        return failf(err, errlen, "make read-only", root);
    if (chdir(root) < 0) return failf(err, errlen, "chdir", root);
    /* pivot_root(".", "."): the old root ends up under the new one, and is detached at once. */
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0) return failf(err, errlen, "detach", "the old root");
    } else if (errno == EINVAL) {
        /* The agent's root is the initramfs itself (no image), which cannot be pivoted away:
         * move the new root over it instead, as switch_root does. */
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return failf(err, errlen, "move root onto", "/");
        if (chroot(".") < 0) return failf(err, errlen, "chroot", root);
    } else {
        return failf(err, errlen, "pivot_root into", root);
    }
    if (chdir("/") < 0) return failf(err, errlen, "chdir", "/");
    const char *h = s->hostname[0] ? s->hostname : s->id;
    if (sethostname(h, strlen(h)) < 0) return failf(err, errlen, "sethostname", h);
    return 0;
}
