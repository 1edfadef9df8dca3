/* Shared declarations of the jvmm guest agent. The wire format is specified in ../../../PROTOCOL.md. */
#ifndef JVMM_AGENT_H
#define JVMM_AGENT_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AGENT_VERSION "0.2.0"
#define FRAME_VERSION 1    /* the frame header's version byte */
#define PROTO_VERSION 2    /* what HELLO announces: 2 adds containers (0x50-0x5f) */
#define MAX_PAYLOAD (1u << 20)
#define MAX_STR 65536u
#define MAX_STRS 4096u
#define DATA_CHUNK 65536u
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum frame_type {
    FT_HELLO = 0x01,
    FT_EXEC = 0x10, FT_STARTED = 0x11, FT_STDOUT = 0x12, FT_STDERR = 0x13, FT_EXIT = 0x14,
    FT_STDIN = 0x20, FT_SIGNAL = 0x21, FT_RESIZE = 0x22,
    FT_COPY_IN = 0x30, FT_DATA = 0x31, FT_COPY_OUT = 0x32, FT_STAT = 0x33,
    FT_POWEROFF = 0x40, FT_PING = 0x41, FT_PS = 0x42,
    FT_CTR_CREATE = 0x50, FT_CTR_START = 0x51, FT_CTR_SIGNAL = 0x52, FT_CTR_WAIT = 0x53, FT_CTR_STATUS = 0x54,
    FT_CTR_DELETE = 0x55, FT_CTR_LOGS = 0x56, FT_CTR_LIST = 0x57, FT_CTR_STATS = 0x58, FT_CTR_ATTACH = 0x59, FT_CTR_UPDATE = 0x5A,
    FT_OK = 0x7e, FT_ERROR = 0x7f,
};

/* log.c */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* config.c */
enum transport_kind { T_NONE = 0, T_VSOCK, T_UNIX };
struct transport { enum transport_kind kind; unsigned cid, port; char *path; };
/* A drive (dev is its device) or a virtio-fs share (virtiofs: dev is its tag), mounted at path. */
struct volume { char *dev, *path; int ro, virtiofs; };
struct config {
    struct transport listen, ready;
    char *hostname;
    char *root;          /* device path, the directory of "dir:PATH", or the tag of "virtiofs:TAG" */
    int root_is_dir, root_is_share;
    int no_overlay;      /* "overlay no": the root itself is / (read-write), no overlay */
    char *rootfs;        /* auto|ext4|erofs|squashfs */
    char *scratch;
    /* Directories of a virtio-fs or dir: root that the host changes while the guest runs ("live"):
     * bound from the root itself over the overlay's, because overlayfs forbids changes to its lower layer. */
    char **live; size_t nlive;
    struct volume *volumes; size_t nvolumes;
    char *ip, *gateway;
    int mtu;             /* eth0's MTU; 0: the device's (1500) */
    char **dns; size_t ndns;
    char **env; size_t nenv;
};
int config_load(const char *path, struct config *c);

/* io.c: fd helpers that survive EINTR and short transfers */
int write_full(int fd, const void *buf, size_t len);
int read_full(int fd, void *buf, size_t len);   /* 1 ok, 0 EOF before any byte, -1 error/short */
/* Reads at most len-1 bytes of a small file (/proc, cgroup); the count, NUL-terminated; -1 on failure. */
ssize_t read_small(const char *path, char *out, size_t len);
int set_nonblock(int fd, int on);
uint64_t now_ns(int clock);

/* frame.c */
struct frame { uint8_t type; uint32_t len; uint8_t *payload; };
enum { FR_OK = 0, FR_EOF = 1, FR_IO = -1, FR_PROTO = -2 };
/* The payload length of the 8-byte frame header h (little-endian). */
uint32_t frame_len(const uint8_t h[8]);
int frame_read(int fd, struct frame *f);
void frame_free(struct frame *f);
int frame_write(int fd, uint8_t type, const void *payload, uint32_t len);
int send_error(int fd, uint32_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct buf { uint8_t *p; size_t len, cap; int oom; };
void buf_u16(struct buf *b, uint16_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);
void buf_str(struct buf *b, const char *s);
int buf_send(int fd, uint8_t type, struct buf *b);   /* sends and frees */

struct cursor { const uint8_t *p; size_t len, off; int bad; };
void cur_init(struct cursor *c, const struct frame *f);
uint16_t cur_u16(struct cursor *c);
uint32_t cur_u32(struct cursor *c);
uint64_t cur_u64(struct cursor *c);
char *cur_str(struct cursor *c);                  /* malloc'd, NUL-terminated; NULL when bad */
char **cur_strs(struct cursor *c, size_t *n);     /* NULL-terminated array; NULL when bad */
int cur_done(struct cursor *c);                   /* 1 when nothing was bad and all bytes consumed */
void strv_free(char **v);

/* control messages from connection handlers to PID 1 (fixed size, so pipe writes are atomic) */
enum ctl_kind { CTL_CHILD_START = 1, CTL_CHILD_END = 2, CTL_POWEROFF = 3, CTL_ACCEPTED = 4 };
struct ctl_msg { uint32_t kind; int32_t pid; uint32_t arg; };
void ctl_send(int ctl_fd, uint32_t kind, int32_t pid, uint32_t arg);

/* user.c */
struct user_ids { uid_t uid; gid_t gid; gid_t groups[64]; int ngroups; char home[256]; };
int user_resolve(const char *spec, struct user_ids *out, char *err, size_t errlen);

/* exec.c, copy.c: each runs in the forked handler process of one connection. exec_track: report
 * every program to PID 1 (debug mode needs them for power-off), not just WORKLOADs. devnull: an
 * open /dev/null (CLOEXEC) for programs without input, or -1. */
void handle_exec(int conn, struct frame *first, const struct config *cfg, int ctl_fd, int exec_track, int devnull);
/* execvpe with the program's PATH; returns the errno that counts (ENOENT: not found). */
int exec_path(const char *file, char **argv, char **env, const char *path);
void handle_copy_in(int conn, struct frame *first);
void handle_copy_out(int conn, struct frame *first);

/* ps.c */
void handle_ps(int conn, struct frame *first);
/* Containers (container.c: the handler side; monitor.c: the process that owns one container;
 * ctr_root.c: its root file system; cgroup.c: its cgroup v2 group). State lives in CTR_DIR/<id>/. */
#define CTR_DIR "/run/jvmm/containers"
/* A container's output is kept in the guest's RAM (tmpfs): CTR_DIR/<id>/log, and the one before it,
 * log.1, each rotated out once it holds CTR_LOG_MAX bytes, so a chatty container keeps at most about
 * twice that, the newest. */
#define CTR_LOG_MAX (4u << 20)
#define CTR_TTY 1u
#define CTR_READONLY 2u
#define CTR_STDIN 4u   /* the init's stdin is a pipe the monitor feeds from an ATTACH (no TTY) */
#define CTR_WAIT_BLOCK 1u
#define CTR_DELETE_FORCE 1u
#define CTR_LOGS_FOLLOW 1u
#define CTR_LOGS_NEW 2u      /* only what is written from now on (an attach) */
enum ctr_state { CS_CREATED = 0, CS_RUNNING = 1, CS_EXITED = 2 };
#define CTR_MOUNTS_MAX 64u
#define CTR_MOUNT_RDONLY 1u
#define CTR_MOUNT_NOSUID 2u
#define CTR_MOUNT_NODEV 4u
#define CTR_MOUNT_NOEXEC 8u
/* A mount inside a container: "bind" of a path of the pod, or "tmpfs" (data: its options). */
struct ctr_mount {
    char *type, *source, *dest, *data;
    uint32_t flags;
};
/* What the init may do beyond its user (CONTAINER_CREATE's optional part after the mounts). */
#define CTR_SEC_NO_NEW_PRIVS 1u
#define CTR_SEC_CAPS 2u
#define CTR_SEC_UMASK 4u
#define CTR_RLIMITS_MAX 16u
#define CTR_GIDS_MAX 32u
struct ctr_rlimit { uint32_t resource; uint64_t soft, hard; };
struct ctr_security {
    uint32_t flags;
    uint64_t bounding, effective, permitted, inheritable, ambient;   /* bit N: capability N */
    uint32_t umask;
    uint32_t gids[CTR_GIDS_MAX];
    size_t ngids;
    struct ctr_rlimit rlimits[CTR_RLIMITS_MAX];
    size_t nrlimits;
};
/* ctr_security.c: the security part of CONTAINER_CREATE and EXEC. sec_parse reads it (-1: malformed);
 * sec_check names what Linux would refuse (-1, err set). sec_add_groups puts the extra gids into
 * u. Then, in the process that execs: sec_before_user (as root: rlimits, umask, the bounding set,
 * keepcaps), the user switch, sec_after_user (the capability sets, ambient ones, no_new_privs).
 * They make system calls only, so a vfork child may call them; -1 with errno and err set on failure. */
int sec_parse(struct cursor *c, struct ctr_security *sec);
int sec_check(const struct ctr_security *sec, char *err, size_t errlen);
int sec_add_groups(const struct ctr_security *sec, struct user_ids *u, char *err, size_t errlen);
int sec_before_user(const struct ctr_security *sec, char *err, size_t errlen);
int sec_after_user(const struct ctr_security *sec, char *err, size_t errlen);

struct ctr_spec {
    char *id;
    uint32_t flags;
    uint16_t rows, cols;
    char *root, *hostname, *user, *cwd;
    char **argv, **env;
    size_t argc, envc;
    uint64_t memory_max;
    uint32_t cpu_quota_us, cpu_period_us, pids_max;
    struct ctr_mount *mounts;
    size_t nmounts;
    struct ctr_security sec;
};
int ctr_parse_create(const struct frame *f, struct ctr_spec *s, char *err, size_t errlen);
void ctr_spec_free(struct ctr_spec *s);
int ctr_id_valid(const char *id);
void handle_container(int conn, struct frame *first, int devnull);
/* The init's pid (in our PID namespace) while it has one: created (set up, waiting for START: an OCI
 * startContainer hook or a cp runs in it then) or running; -1 with err and errno (ENOENT no such
 * container, ESRCH exited) otherwise. */
pid_t ctr_init_pid(const char *id, char *err, size_t errlen);
/* For EXEC with a container id: joins the container's namespaces (the caller's children are then
 * in its PID namespace, and "/" is its root), loads its environment and opens its cgroup.procs
 * (-1 without a cgroup) for the program to join. */
int ctr_join(const char *id, char ***env, size_t *nenv, int *cgroup_fd, char *err, size_t errlen);
void __attribute__((noreturn)) ctr_monitor(struct ctr_spec *s, int report_fd, int devnull);
int ctr_root_setup(const struct ctr_spec *s, const char *statedir, char *err, size_t errlen);
int cg_available(void);
int cg_create(const struct ctr_spec *s, char *err, size_t errlen);
int cg_add(const char *id, pid_t pid);
int cg_procs_fd(const char *id);   /* the group's cgroup.procs opened for writing, or -1 */
int cg_oom_killed(const char *id);
#define CG_STATS_MAX 128
/* The group's figures as (key, value) pairs, at most CG_STATS_MAX; their count, 0 without a group. */
int cg_stats(const char *id, char keys[][48], uint64_t *values);
/* Sets every limit of a container's group (0: unlimited); -1 with errno and a message. */
int cg_update(const char *id, uint64_t memory_max, uint32_t quota, uint32_t period, uint32_t pids, char *err,
              size_t errlen);
void cg_remove(const char *id);

/* mounts.c */
int mounts_setup(const struct config *c);
void mounts_teardown(void);

/* net.c */
int net_setup(const struct config *c);

#endif
