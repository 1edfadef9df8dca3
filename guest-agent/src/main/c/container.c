/* The container requests, in the connection's handler process. CREATE forks the container's
 * monitor (monitor.c), which outlives the connection; START, SIGNAL, WAIT and DELETE are relayed
 * to that monitor over its socket CTR_DIR/<id>/sock; LOGS reads the log files the monitor writes (log.1, log);
 * LIST reads CTR_DIR. ctr_join is how an EXEC enters a container. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
            *p = c;
            if (!c) return 0;
        }
    }
}

/* The environment file: the container's env, NUL-separated, for EXECs that join it. */
static int write_env(const char *dir, const struct ctr_spec *s)
{
    char p[512];
    snprintf(p, sizeof p, "%s/env", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int r = 0;
    for (size_t i = 0; i < s->envc && r == 0; i++) r = write_full(fd, s->env[i], strlen(s->env[i]) + 1);
    close(fd);
    return r;
}

static void create(int conn, struct frame *f, int devnull)
{
    struct ctr_spec s;
    char msg[512], dir[256];
    int r = ctr_parse_create(f, &s, msg, sizeof msg);
    if (r < 0) {
        send_error(conn, r == -1 ? 71 : 22, "%s", msg);
        ctr_spec_free(&s);
        return;
    }
    snprintf(dir, sizeof dir, CTR_DIR "/%s", s.id);
    /* The directory is the id's lock: mkdir succeeds for exactly one creator. */
    if (mkdir_p(CTR_DIR) < 0 || mkdir(dir, 0700) < 0) {
        if (errno == EEXIST) send_error(conn, EEXIST, "container %s already exists", s.id);
        else send_error(conn, (uint32_t)errno, "container %s: mkdir %s: %s", s.id, dir, strerror(errno));
        ctr_spec_free(&s);
        return;
    }
    int rep[2];
    pid_t pid = -1;
    if (write_env(dir, &s) == 0 && pipe2(rep, O_CLOEXEC) == 0) {
        pid = fork();
        if (pid == 0) {
            close(conn);
            close(rep[0]);
            ctr_monitor(&s, rep[1], devnull);
        }
        close(rep[1]);
    }
    if (pid < 0) {
        send_error(conn, (uint32_t)errno, "container %s: %s", s.id, strerror(errno));
        char p[512];
        snprintf(p, sizeof p, "%s/env", dir);
        unlink(p);
        rmdir(dir);
        ctr_spec_free(&s);
        return;
    }
    /* The monitor outlives this handler (PID 1 adopts and reaps it); it reports once the
     * container's root is ready, or why it is not. */
    struct { int32_t err; char msg[512]; } res;
    if (read_full(rep[0], &res, sizeof res) != 1) {
        res.err = EIO;
        snprintf(res.msg, sizeof res.msg, "container %s: its monitor ended during setup", s.id);
    }
    close(rep[0]);
    res.msg[sizeof res.msg - 1] = 0;
    if (res.err) send_error(conn, (uint32_t)res.err, "%s", res.msg);
    else frame_write(conn, FT_OK, NULL, 0);
    ctr_spec_free(&s);
}

static int monitor_connect(const char *id)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, CTR_DIR "/%s/sock", id);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        errno = e == ECONNREFUSED ? ENOENT : e;   /* a monitor that is just going away */
        return -1;
    }
    return fd;
}

/* The request's id (its first field), checked; NULL after answering the error. */
static char *request_id(int conn, const struct frame *f)
{
    struct cursor c;
    cur_init(&c, f);
    char *id = cur_str(&c);
    if (!id) {
        send_error(conn, 71, "malformed container request");
        return NULL;
    }
    if (!ctr_id_valid(id)) {
        send_error(conn, ENOENT, "no such container: \"%s\"", id);
        free(id);
        return NULL;
    }
    return id;
}

/* Forwards the request to the monitor and its answers back, until the monitor closes. A host that
 * goes away while waiting ends the relay. For an ATTACH, the host's frames after it (STDIN, RESIZE)
 * are forwarded to the monitor too. */
static void relay(int conn, struct frame *f, const char *id)
{
    int forward = f->type == FT_CTR_ATTACH;
    int mon = monitor_connect(id);
    if (mon < 0) {
        send_error(conn, ENOENT, "no such container: %s", id);
        return;
    }
    if (frame_write(mon, f->type, f->payload, f->len) < 0) {
        send_error(conn, EIO, "container %s: its monitor is gone", id);
        close(mon);
        return;
    }
    for (;;) {
        struct pollfd pf[2] = { { mon, POLLIN, 0 }, { conn, forward ? POLLIN : 0, 0 } };
        if (poll(pf, 2, -1) < 0 && errno != EINTR) break;
        if (forward && (pf[1].revents & POLLIN)) {
            struct frame h;
            if (frame_read(conn, &h) != FR_OK) break;   /* the host left: the monitor sees us go */
            int w = frame_write(mon, h.type, h.payload, h.len);
            frame_free(&h);
            if (w < 0) break;
            continue;
        }
        if (pf[1].revents & (POLLHUP | POLLERR)) break;
        if (!pf[0].revents) continue;
        struct frame a;
        if (frame_read(mon, &a) != FR_OK) break;
        int w = frame_write(conn, a.type, a.payload, a.len);
        frame_free(&a);
        if (w < 0) break;
    }
    close(mon);
}

/* Sends the whole frames of the log from *off on; -1 when the host is gone. A frame still being
 * appended is left for the next call. */
static int send_log(int conn, int log, off_t *off)
{
    for (;;) {
        uint8_t h[8];
        if (pread(log, h, sizeof h, *off) != (ssize_t)sizeof h) return 0;
        uint32_t len = frame_len(h);
        if (len > MAX_PAYLOAD) return 0;
        uint8_t *p = malloc(len ? len : 1);
        if (!p) return -1;
        ssize_t n = len ? pread(log, p, len, *off + 8) : 0;
        int r = n == (ssize_t)len ? frame_write(conn, h[1], p, len) : 1;
        free(p);
        if (r < 0) return -1;
        if (r > 0) return 0;
        *off += 8 + (off_t)len;
    }
}

/* The end of the last whole frame in the log: where output written from now on starts. The headers
 * are read in 64 KiB chunks: a log of small frames must not cost a system call per frame. */
static off_t frames_end(int log)
{
    static uint8_t chunk[65536];
    struct stat st;
    if (fstat(log, &st) < 0) return 0;
    off_t off = 0, start = 0;
    ssize_t have = 0;
    while (off + 8 <= st.st_size) {
        if (off + 8 > start + have) {
            start = off;
            have = pread(log, chunk, sizeof chunk, off);
            if (have < 8) break;
        }
        const uint8_t *h = chunk + (off - start);
        uint32_t len = frame_len(h);
        if (len > MAX_PAYLOAD || off + 8 + (off_t)len > st.st_size) break;
        off += 8 + (off_t)len;
    }
    return off;
}

/* Whether the file open as fd no longer has the name path (the monitor rotated it to log.1). */
static int rotated(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && (stat(path, &b) < 0 || a.st_ino != b.st_ino);
}

static void logs(int conn, struct frame *f, const char *id)
{
    struct cursor c;
    cur_init(&c, f);
    free(cur_str(&c));
    uint32_t flags = cur_u32(&c);
    if (!cur_done(&c) || (flags & ~(CTR_LOGS_FOLLOW | CTR_LOGS_NEW))) {
        send_error(conn, 71, "malformed CONTAINER_LOGS frame");
        return;
    }
    char p[512], p1[512];
    snprintf(p, sizeof p, CTR_DIR "/%s/log", id);
    snprintf(p1, sizeof p1, CTR_DIR "/%s/log.1", id);
    /* Both opened first, so that a rotation in between loses nothing: log.1 is the older part (not
     * wanted for NEW, which starts at the end of log). */
    int older = (flags & CTR_LOGS_NEW) ? -1 : open(p1, O_RDONLY | O_CLOEXEC);
    int log = open(p, O_RDONLY | O_CLOEXEC);
    if (log < 0) {
        if (older >= 0) close(older);
        send_error(conn, ENOENT, "no such container: %s", id);
        return;
    }
    off_t off = 0;
    int gone = 0;
    if (older >= 0) {
        if (send_log(conn, older, &off) < 0) gone = 1;
        close(older);
        off = 0;
    }
    if (flags & CTR_LOGS_NEW) {
        /* An empty STDOUT says where we start: the host may send input now without losing its echo. */
        off = frames_end(log);
        if (frame_write(conn, FT_STDOUT, NULL, 0) < 0) gone = 1;
    }
    int mon = -1, ino = -1;
    if (flags & CTR_LOGS_FOLLOW) {
        /* Follow until the container has exited: its monitor answers a blocking WAIT then, after
         * the last output is in the log. New output in between is signalled by inotify; so is a
         * rotation, which takes the file's name (IN_ATTRIB: its link count changes). */
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino >= 0) inotify_add_watch(ino, p, IN_MODIFY | IN_ATTRIB);
        mon = monitor_connect(id);
        struct buf b = { 0 };
        buf_str(&b, id);
        buf_u32(&b, CTR_WAIT_BLOCK);
        if (mon >= 0 && buf_send(mon, FT_CTR_WAIT, &b) < 0) { close(mon); mon = -1; }
    }
    while (!gone && send_log(conn, log, &off) == 0 && mon >= 0) {
        if (rotated(log, p)) {
            /* The file we read is complete (the monitor writes whole frames, then rotates): go on in the new one. */
            int next = open(p, O_RDONLY | O_CLOEXEC);
            if (next < 0) break;
            close(log);
            log = next;
            off = 0;
            if (ino >= 0) inotify_add_watch(ino, p, IN_MODIFY | IN_ATTRIB);
            continue;
        }
        struct pollfd pf[3] = { { mon, POLLIN, 0 }, { ino, POLLIN, 0 }, { conn, 0, 0 } };
        if (poll(pf, 3, ino < 0 ? 100 : -1) < 0 && errno != EINTR) break;
        if (pf[2].revents & (POLLHUP | POLLERR)) gone = 1;
        if (pf[1].revents) {
            char ev[4096];
            while (read(ino, ev, sizeof ev) > 0) {}
        }
        if (pf[0].revents) {
            /* Exited (or the monitor went away): what is in the logs now is everything. */
            close(mon);
            mon = -1;
            if (send_log(conn, log, &off) < 0) gone = 1;
            if (!gone && rotated(log, p)) {
                int next = open(p, O_RDONLY | O_CLOEXEC);
                off_t noff = 0;
                if (next >= 0) {
                    if (send_log(conn, next, &noff) < 0) gone = 1;
                    close(next);
                }
            }
        }
    }
    if (!gone) frame_write(conn, FT_OK, NULL, 0);
    if (mon >= 0) close(mon);
    if (ino >= 0) close(ino);
    close(log);
}

static void list(int conn, struct frame *f)
{
    if (f->len != 0) {
        send_error(conn, 71, "malformed CONTAINER_LIST frame");
        return;
    }
    static char names[MAX_STRS][65];
    uint32_t n = 0;
    DIR *d = opendir(CTR_DIR);
    for (struct dirent *e; d && n < MAX_STRS && (e = readdir(d)) != NULL;) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, CTR_DIR "/%s/sock", e->d_name);
        if (!ctr_id_valid(e->d_name) || stat(p, &st) < 0) continue;   /* being created or deleted */
        memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);   /* a valid id fits */
    }
    if (d) closedir(d);
    struct buf b = { 0 };
    buf_u32(&b, n);
    for (uint32_t i = 0; i < n; i++) buf_str(&b, names[i]);
    buf_send(conn, FT_OK, &b);
}

/* The container's cgroup figures, read here (its monitor has nothing to add): none without a group. */
static void stats(int conn, const struct frame *f, const char *id)
{
    char p[512];
    struct stat st;
    if (f->len != 4 + strlen(id)) {
        send_error(conn, 71, "malformed CONTAINER_STATS frame");
        return;
    }
    snprintf(p, sizeof p, CTR_DIR "/%s/sock", id);
    if (stat(p, &st) < 0) {
        send_error(conn, ENOENT, "no such container: %s", id);
        return;
    }
    static char keys[CG_STATS_MAX][48];
    static uint64_t values[CG_STATS_MAX];
    int n = cg_stats(id, keys, values);
    struct buf b = { 0 };
    buf_u32(&b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        buf_str(&b, keys[i]);
        buf_u64(&b, values[i]);
    }
    buf_send(conn, FT_OK, &b);
}

/* New limits for the container's group, all of them (0: unlimited), in CONTAINER_CREATE's encoding. */
static void update(int conn, const struct frame *f, const char *id)
{
    struct cursor c;
    cur_init(&c, f);
    free(cur_str(&c));
    uint64_t memory_max = cur_u64(&c);
    uint32_t quota = cur_u32(&c), period = cur_u32(&c), pids = cur_u32(&c);
    if (!cur_done(&c)) {
        send_error(conn, 71, "malformed CONTAINER_UPDATE frame");
        return;
    }
    char p[512], err[256];
    struct stat st;
    snprintf(p, sizeof p, CTR_DIR "/%s/sock", id);
    if (stat(p, &st) < 0) {
        send_error(conn, ENOENT, "no such container: %s", id);
        return;
    }
    if (period && (period < 1000 || period > 1000000)) {
        send_error(conn, EINVAL, "container %s: cpu period %u us outside 1000..1000000", id, period);
        return;
    }
    if (quota && quota < 1000) {
        send_error(conn, EINVAL, "container %s: cpu quota %u us below 1000", id, quota);
        return;
    }
    if (cg_update(id, memory_max, quota, period, pids, err, sizeof err) < 0) {
        send_error(conn, errno, "%s", err);
        return;
    }
    struct buf b = { 0 };
    buf_send(conn, FT_OK, &b);
}

void handle_container(int conn, struct frame *f, int devnull)
{
    if (f->type == FT_CTR_CREATE) {
        create(conn, f, devnull);
        return;
    }
    if (f->type == FT_CTR_LIST) {
        list(conn, f);
        return;
    }
    char *id = request_id(conn, f);
    if (!id) return;
    if (f->type == FT_CTR_LOGS) logs(conn, f, id);
    else if (f->type == FT_CTR_STATS) stats(conn, f, id);
    else if (f->type == FT_CTR_UPDATE) update(conn, f, id);
    else relay(conn, f, id);
    free(id);
}

pid_t ctr_init_pid(const char *id, char *err, size_t errlen)
{
    int mon = ctr_id_valid(id) ? monitor_connect(id) : -1;
    if (mon < 0) {
        if (ctr_id_valid(id)) snprintf(err, errlen, "no such container: %s", id);
        else snprintf(err, errlen, "no such container: \"%s\"", id);
        errno = ENOENT;
        return -1;
    }
    struct buf b = { 0 };
    buf_str(&b, id);
    buf_u32(&b, 0);
    struct frame f = { 0 };
    int ok = buf_send(mon, FT_CTR_WAIT, &b) == 0 && frame_read(mon, &f) == FR_OK && f.type == FT_CTR_STATUS;
    close(mon);
    uint32_t state = 0, pid = 0;
    if (ok) {
        struct cursor c;
        cur_init(&c, &f);
        free(cur_str(&c));
        state = cur_u32(&c);
        pid = cur_u32(&c);
        ok = !c.bad;
    }
    frame_free(&f);
    if (!ok || state == CS_EXITED || pid == 0) {
        snprintf(err, errlen, ok ? "container %s is not running" : "container %s: no status from its monitor", id);
        errno = ok ? ESRCH : EIO;
        return -1;
    }
    return (pid_t)pid;
}

static char **load_env(const char *id, size_t *n)
{
    char p[512];
    snprintf(p, sizeof p, CTR_DIR "/%s/env", id);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > (off_t)MAX_PAYLOAD) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    char *text = malloc((size_t)st.st_size + 1);
    ssize_t got = text ? read(fd, text, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) { free(text); return NULL; }
    size_t count = 0;
    for (off_t i = 0; i < st.st_size; i++) count += text[i] == 0;
    char **env = calloc(count + 1, sizeof *env);
    if (!env) { free(text); return NULL; }
    char *q = text;
    for (size_t i = 0; i < count; i++) {
        env[i] = strdup(q);
        q += strlen(q) + 1;
    }
    free(text);
    *n = count;
    return env;
}

int ctr_join(const char *id, char ***env, size_t *nenv, int *cgroup_fd, char *err, size_t errlen)
{
    pid_t pid = ctr_init_pid(id, err, errlen);
    if (pid < 0) return -1;
    *env = load_env(id, nenv);
    if (!*env) {
        snprintf(err, errlen, "container %s: reading its environment: %s", id, strerror(errno));
        return -1;
    }
    /* The cgroup is opened while its path is still visible (it is not inside the container). */
    *cgroup_fd = cg_procs_fd(id);
    if (*cgroup_fd < 0 && errno != ENOENT) {
        snprintf(err, errlen, "container %s: opening its cgroup: %s", id, strerror(errno));
        return -1;
    }
    static const struct { const char *name; int type; } ns[] = {
        { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
    };
    int fds[4];
    for (int i = 0; i < 4; i++) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)pid, ns[i].name);
        if ((fds[i] = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
            snprintf(err, errlen, "container %s: open %s: %s", id, p, strerror(errno));
            for (int j = 0; j < i; j++) close(fds[j]);
            return -1;
        }
    }
    /* The mount namespace last: it changes our root to the container's, and /proc with it. */
    for (int i = 0; i < 4; i++) {
        if (setns(fds[i], ns[i].type) < 0) {
            snprintf(err, errlen, "container %s: joining its %s namespace: %s", id, ns[i].name, strerror(errno));
            for (int j = i; j < 4; j++) close(fds[j]);
            return -1;
        }
        close(fds[i]);
    }
    return 0;
}
