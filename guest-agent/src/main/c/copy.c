/* COPY_IN / COPY_OUT. Files are written beside their destination and renamed into place, so a
 * failed or interrupted copy never leaves a half-written file where the program expects one. With a
 * container id (an optional last field), the handler joins the container's namespaces first, so the
 * path is in the container's root. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int open_temp(const char *path, char *tmp, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dirlen = (int)(slash - path);
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned long rnd = (unsigned long)now_ns(CLOCK_MONOTONIC) ^ ((unsigned long)getpid() << 16) ^ (unsigned long)attempt * 2654435761u;
        if ((size_t)snprintf(tmp, len, "%.*s/.%s.jvmm-%08lx", dirlen, path, slash + 1, rnd & 0xffffffffUL) >= len) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

/* Enters container ctr (NULL or "": stay in the pod); on failure err holds the message. This
 * handler process does nothing else afterwards, so it never needs to come back. */
static int enter(const char *ctr, char *err, size_t errlen)
{
    if (!ctr || !ctr[0]) return 0;
    char **env = NULL;
    size_t nenv = 0;
    int cgroup_fd = -1;
    if (ctr_join(ctr, &env, &nenv, &cgroup_fd, err, errlen) < 0) return -1;
    strv_free(env);
    if (cgroup_fd >= 0) close(cgroup_fd);
    return 0;
}

void handle_copy_in(int conn, struct frame *first)
{
    struct cursor c;
    cur_init(&c, first);
    char *path = cur_str(&c);
    uint32_t mode = cur_u32(&c);
    char *ctr = c.off < c.len ? cur_str(&c) : NULL;
    if (!cur_done(&c)) {
        send_error(conn, 71, "malformed COPY_IN frame");
        free(path);
        free(ctr);
        return;
    }
    char tmp[4200], msg[1024];
    int fd = -1, err = 0;
    const char *slash = strrchr(path, '/');
    /* Every refusal is answered at once; the DATA still in flight is drained below so the host never sees a reset. */
    if (enter(ctr, msg, sizeof msg) < 0) {
        err = ESRCH;
        send_error(conn, ESRCH, "copy in: %s", msg);
    } else {
        if (path[0] != '/' || !slash[1]) err = EINVAL;
        else if ((fd = open_temp(path, tmp, sizeof tmp)) < 0) err = errno;
        if (err)
            send_error(conn, (uint32_t)err, "copy in: %s: %s", path, err == EINVAL ? "not an absolute file path" : strerror(err));
    }
    free(ctr);
    uint64_t total = 0;
    for (;;) {
        struct frame f;
        int r = frame_read(conn, &f);
        if (r != FR_OK || f.type != FT_DATA) {
            if (r == FR_PROTO || r == FR_OK) send_error(conn, 71, "copy in: expected DATA");
            if (r == FR_OK) frame_free(&f);
            if (fd >= 0) { close(fd); unlink(tmp); }
            free(path);
            return;
        }
        if (f.len == 0) { frame_free(&f); break; }
        if (fd >= 0 && write_full(fd, f.payload, f.len) < 0) {
            err = errno;
            send_error(conn, (uint32_t)err, "copy in: %s: %s", path, strerror(err));
            close(fd);
            unlink(tmp);
            fd = -1;
        }
        total += f.len;
        frame_free(&f);
    }
    if (fd < 0) { free(path); return; }
    if (fchmod(fd, mode & 07777) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        err = errno;
        unlink(tmp);
        send_error(conn, (uint32_t)err, "copy in: %s: %s", path, strerror(err));
        free(path);
        return;
    }
    struct buf b = { 0 };
    buf_u64(&b, total);
    buf_send(conn, FT_OK, &b);
    free(path);
}

void handle_copy_out(int conn, struct frame *first)
{
    struct cursor c;
    cur_init(&c, first);
    char *path = cur_str(&c);
    char *ctr = c.off < c.len ? cur_str(&c) : NULL;
    if (!cur_done(&c)) {
        send_error(conn, 71, "malformed COPY_OUT frame");
        free(path);
        free(ctr);
        return;
    }
    char msg[1024];
    int entered = enter(ctr, msg, sizeof msg) == 0;
    free(ctr);
    int fd = entered && path[0] == '/' ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : -1;
    struct stat st;
    if (!entered) {
        send_error(conn, ESRCH, "copy out: %s", msg);
    } else if (path[0] != '/') {
        send_error(conn, EINVAL, "copy out: %s: not an absolute path", path);
    } else if (fd < 0 || fstat(fd, &st) < 0) {
        send_error(conn, (uint32_t)errno, "copy out: %s: %s", path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        send_error(conn, EISDIR, "copy out: %s: is a directory", path);
    } else if (!S_ISREG(st.st_mode)) {
        send_error(conn, EINVAL, "copy out: %s: not a regular file", path);
    } else {
        set_nonblock(fd, 0);
        struct buf b = { 0 };
        buf_u32(&b, (uint32_t)st.st_mode);
        buf_u64(&b, (uint64_t)st.st_size);
        if (buf_send(conn, FT_STAT, &b) == 0) {
            /* Exactly the size announced: the host refuses more, and a file that grew meanwhile
             * is copied as it was at STAT. */
            uint8_t *chunk = malloc(DATA_CHUNK);
            uint64_t left = (uint64_t)st.st_size;
            for (;;) {
                size_t want = left < DATA_CHUNK ? (size_t)left : DATA_CHUNK;
                ssize_t n = !chunk ? -1 : want ? read(fd, chunk, want) : 0;
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    send_error(conn, (uint32_t)errno, "copy out: %s: %s", path, strerror(errno));
                    break;
                }
                left -= (uint64_t)n;
                if (frame_write(conn, FT_DATA, chunk, (uint32_t)n) < 0 || n == 0) break;
            }
            free(chunk);
        }
    }
    if (fd >= 0) close(fd);
    free(path);
}
