/* EXEC sessions. Runs in the connection's own handler process, which forks the program and is its
 * parent: only this process ever waits for that pid, so PID 1's reaping of orphans can never steal
 * the exit status the host is waiting for. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXEC_TTY 1u
#define EXEC_STDIN 2u
#define EXEC_WORKLOAD 4u

/* After the program exits, background processes it left may still hold the output pipes open;
 * stop waiting for their EOF once they have been quiet this long. */
#define LINGER_MS 250

enum stage { ST_USER = 1, ST_CWD, ST_EXEC, ST_SETUP, ST_SECURITY };
struct child_err { int32_t stage, err; };

struct req {
    uint32_t flags;
    uint16_t rows, cols;
    char *user, *cwd;
    char **argv, **env;
    char *container;   /* "" or the id of the container whose namespaces the program joins */
    int cgroup_fd;     /* the container's cgroup.procs, or -1: the program (not the handler) joins it */
    size_t argc, envc;
    struct ctr_security sec;   /* all zero when the frame has none: nothing changes but umask 022 */
};

static void req_free(struct req *r)
{
    free(r->user);
    free(r->cwd);
    free(r->container);
    if (r->cgroup_fd >= 0) close(r->cgroup_fd);
    strv_free(r->argv);
    strv_free(r->env);
}

static int parse_exec(const struct frame *f, struct req *r)
{
    struct cursor c;
    memset(r, 0, sizeof *r);
    r->cgroup_fd = -1;
    cur_init(&c, f);
    r->flags = cur_u32(&c);
    r->rows = cur_u16(&c);
    r->cols = cur_u16(&c);
    r->user = cur_str(&c);
    r->cwd = cur_str(&c);
    r->argv = cur_strs(&c, &r->argc);
    r->env = cur_strs(&c, &r->envc);
    /* Protocol 2 appends an optional container id, then optionally the security part; a version 1
     * EXEC ends before them. */
    r->container = c.off < c.len ? cur_str(&c) : strdup("");
    if (!c.bad && c.off < c.len && sec_parse(&c, &r->sec) < 0) c.bad = 1;
    if (!cur_done(&c) || !r->container || r->argc == 0 || (r->flags & ~7u)) return -1;
    for (size_t i = 0; i < r->envc; i++)
        if (!strchr(r->env[i], '=') || r->env[i][0] == '=') return -1;
    return 0;
}

static int env_has(char **env, size_t n, const char *kv)
{
    size_t k = strcspn(kv, "=");
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], kv, k) == 0 && env[i][k] == '=') return 1;
    return 0;
}

/* Image defaults (config env), overridden by the request, plus PATH/HOME/TERM if still missing. */
static char **build_env(const struct config *cfg, const struct req *r, const struct user_ids *u, char **path_out)
{
    size_t n = 0;
    char **env = calloc(cfg->nenv + r->envc + 4, sizeof *env);
    if (!env) return NULL;
    for (size_t i = 0; i < r->envc; i++) env[n++] = r->env[i];
    for (size_t i = 0; i < cfg->nenv; i++)
        if (!env_has(env, n, cfg->env[i])) env[n++] = cfg->env[i];
    static char path[] = "PATH=" DEFAULT_PATH;
    if (!env_has(env, n, "PATH=")) env[n++] = path;
    if (!env_has(env, n, "HOME=")) {
        static char home[300];
        snprintf(home, sizeof home, "HOME=%s", u->home[0] ? u->home : "/");
        env[n++] = home;
    }
    if ((r->flags & EXEC_TTY) && !env_has(env, n, "TERM=")) {
        static char term[] = "TERM=xterm";
        env[n++] = term;
    }
    env[n] = NULL;
    *path_out = DEFAULT_PATH;
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], "PATH=", 5) == 0) *path_out = env[i] + 5;
    return env;
}

/* execvpe with our own PATH walk: the PATH that counts is the program's, not the agent's, and
 * the failure must distinguish "not found" (127) from "found but not runnable" (126). */
int exec_path(const char *file, char **argv, char **env, const char *path)
{
    if (strchr(file, '/')) {
        execve(file, argv, env);
        return errno;
    }
    int saw_eacces = 0, last = ENOENT;
    /* A failing execve is not cheap (before 6.8 the kernel sets up a new mm and copies argv and
     * env before it even looks the file up): skip the PATH entries where it does not exist. Any
     * other answer (or a race) still goes to execve, whose errno is the one that counts. */
    char buf[4096];
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dl = end ? (size_t)(end - p) : strlen(p);
        int n = dl ? snprintf(buf, sizeof buf, "%.*s/%s", (int)dl, p, file) : snprintf(buf, sizeof buf, "%s", file);
        if (n > 0 && (size_t)n < sizeof buf && !(access(buf, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR))) {
            execve(buf, argv, env);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR) last = errno;
        }
        if (!end) break;
        p = end + 1;
    }
    return saw_eacces ? EACCES : last;
}

/* The child shares our memory until execve (vfork): a failure is reported by writing it there,
 * with no pipe to create, read and close. The parent runs again only once the child has exec'd
 * (nothing written) or exited. */
static void child_fail(volatile struct child_err *ce, int stage, int err)
{
    ce->err = err;
    ce->stage = stage;
    _exit(127);
}

struct stdio { int tty; int master, slave; int in_r, in_w, out_r, out_w, err_r, err_w; };

static void __attribute__((noreturn))
run_child(const struct req *r, const struct user_ids *u, char **env, const char *path, struct stdio *s, int devnull,
          volatile struct child_err *errfd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ignored dispositions survive exec; the agent ignores SIGPIPE (only that one: main resets all
     * others at startup), the program must not. */
    signal(SIGPIPE, SIG_DFL);
    /* "0" moves the writer: the program is in the container's cgroup before it runs, while the
     * handler stays out of it (an OOM kill of the container must not take the handler). */
    if (r->cgroup_fd >= 0 && write(r->cgroup_fd, "0", 1) < 0) child_fail(errfd, ST_SETUP, errno);
    if (setsid() < 0) child_fail(errfd, ST_SETUP, errno);
    if (s->tty) {
        if (ioctl(s->slave, TIOCSCTTY, 0) < 0) child_fail(errfd, ST_SETUP, errno);
        for (int fd = 0; fd < 3; fd++)
            if (dup2(s->slave, fd) < 0) child_fail(errfd, ST_SETUP, errno);
    } else {
        int in = s->in_r >= 0 ? s->in_r : devnull;
        if (in < 0 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) child_fail(errfd, ST_SETUP, errno);
        if (dup2(in, 0) < 0 || dup2(s->out_w, 1) < 0 || dup2(s->err_w, 2) < 0) child_fail(errfd, ST_SETUP, errno);
    }
    /* The raw system calls: libc's set*id broadcast to all threads (there are none), blocking and
     * restoring all signals around each call, which costs six more system calls here. */
    char why[8];   /* the stage and errno reach the handler; the text is the handler's own */
    if (sec_before_user(&r->sec, why, sizeof why) < 0) child_fail(errfd, ST_SECURITY, errno);
    if (syscall(SYS_setgroups, (size_t)u->ngroups, u->groups) < 0 || syscall(SYS_setgid, u->gid) < 0
        || syscall(SYS_setuid, u->uid) < 0)
        child_fail(errfd, ST_USER, errno);
    if (sec_after_user(&r->sec, why, sizeof why) < 0) child_fail(errfd, ST_SECURITY, errno);
    if (chdir(r->cwd[0] ? r->cwd : "/") < 0) child_fail(errfd, ST_CWD, errno);
    child_fail(errfd, ST_EXEC, exec_path(r->argv[0], r->argv, env, path));
    _exit(127);
}

static int open_pty(struct stdio *s, const struct req *r)
{
    /* /dev/pts/ptmx of our own devpts instance (newinstance): /dev/ptmx may belong to another. */
    s->master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->master < 0) s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->master < 0) return -1;
    if (grantpt(s->master) < 0 || unlockpt(s->master) < 0) return -1;
    s->slave = ioctl(s->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->slave < 0) {
        char name[64];
        if (ptsname_r(s->master, name, sizeof name) != 0) return -1;
        s->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (s->slave < 0) return -1;
    }
    /* A new pty is 0x0, which full-screen programs and `stty size` treat as no terminal at all:
     * without a size from the host, use the classic 24x80. */
    struct winsize ws = { .ws_row = r->rows ? r->rows : 24, .ws_col = r->cols ? r->cols : 80 };
    ioctl(s->master, TIOCSWINSZ, &ws);
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void fail_exec(int conn, uint32_t code, const char *msg)
{
    send_error(conn, code, "%s", msg);
    struct buf b = { 0 };
    buf_u32(&b, code);
    buf_u32(&b, 0);
    buf_send(conn, FT_EXIT, &b);
}

static void describe_failure(const struct req *r, const struct child_err *ce, uint32_t *code, char *msg, size_t len)
{
    const char *arg0 = r->argv[0];
    *code = 126;
    switch (ce->stage) {
    case ST_USER:
        snprintf(msg, len, "exec: cannot switch to user %s: %s", r->user, strerror(ce->err));
        break;
    case ST_CWD:
        snprintf(msg, len, "exec: chdir to cwd (\"%s\") set in config: %s", r->cwd, strerror(ce->err));
        break;
    case ST_EXEC:
        if (ce->err == ENOENT || ce->err == ENOTDIR) {
            *code = 127;
            if (strchr(arg0, '/')) snprintf(msg, len, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
            else snprintf(msg, len, "exec: \"%s\": executable file not found in $PATH", arg0);
        } else {
            snprintf(msg, len, "exec: \"%s\": %s", arg0, strerror(ce->err));
        }
        break;
    case ST_SECURITY:
        snprintf(msg, len, "exec: applying the process's limits and capabilities: %s", strerror(ce->err));
        break;
    default:
        snprintf(msg, len, "exec: setting up the process: %s", strerror(ce->err));
    }
}

/* Sends out what one output fd has; returns 0 on data, 1 on EOF/EIO, -1 when the host is gone. */
static int pump(int conn, int *fd, uint8_t type, uint8_t *buf)
{
    ssize_t n = read(*fd, buf, DATA_CHUNK);
    if (n > 0) return frame_write(conn, type, buf, (uint32_t)n) < 0 ? -1 : 0;
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    /* EIO is how a pty master reports that no slave is open any more. */
    close_fd(fd);
    return 1;
}

/* O_NONBLOCK on a fd we made ourselves, which has no other file status flags (F_SETFL ignores the
 * access mode): one fcntl instead of set_nonblock's two. */
static void nonblock_new(int fd)
{
    if (fd >= 0) fcntl(fd, F_SETFL, O_NONBLOCK);
}

void handle_exec(int conn, struct frame *first, const struct config *pod_cfg, int ctl_fd, int exec_track, int devnull)
{
    struct req r;
    char msg[1024];
    if (parse_exec(first, &r) < 0) {
        send_error(conn, 71, "malformed EXEC frame");
        req_free(&r);
        return;
    }
    /* In a container, its environment takes the place of the pod's image defaults. */
    struct config ctr_cfg = *pod_cfg;
    const struct config *cfg = pod_cfg;
    if (r.container[0]) {
        if (ctr_join(r.container, &ctr_cfg.env, &ctr_cfg.nenv, &r.cgroup_fd, msg, sizeof msg) < 0) {
            fail_exec(conn, 126, msg);
            req_free(&r);
            return;
        }
        cfg = &ctr_cfg;
    }
    struct user_ids u;
    char why[256];
    if (user_resolve(r.user, &u, msg, sizeof msg) < 0) {
        fail_exec(conn, 126, msg);
        req_free(&r);
        return;
    }
    if (sec_check(&r.sec, why, sizeof why) < 0 || sec_add_groups(&r.sec, &u, why, sizeof why) < 0) {
        snprintf(msg, sizeof msg, "exec: %s", why);
        fail_exec(conn, 126, msg);
        req_free(&r);
        return;
    }
    if (r.cwd[0] && r.cwd[0] != '/') {
        snprintf(msg, sizeof msg, "exec: cwd \"%s\" is not an absolute path", r.cwd);
        fail_exec(conn, 126, msg);
        req_free(&r);
        return;
    }
    const char *path = DEFAULT_PATH;
    char **env = build_env(cfg, &r, &u, (char **)&path);
    struct stdio s = { .tty = !!(r.flags & EXEC_TTY), -1, -1, -1, -1, -1, -1, -1, -1 };
    volatile struct child_err ce = { 0, 0 };
    int ok = env != NULL;
    if (ok && s.tty) ok = open_pty(&s, &r) == 0;
    if (ok && !s.tty) {
        int p[2];
        ok = pipe2(p, O_CLOEXEC) == 0;
        if (ok) { s.out_r = p[0]; s.out_w = p[1]; ok = pipe2(p, O_CLOEXEC) == 0; }
        if (ok) { s.err_r = p[0]; s.err_w = p[1]; }
        if (ok && (r.flags & EXEC_STDIN)) {
            ok = pipe2(p, O_CLOEXEC) == 0;
            if (ok) { s.in_r = p[0]; s.in_w = p[1]; }
        }
    }
    pid_t pid = -1;
    /* vfork: the child only makes system calls until execve or _exit, and not copying the
     * handler's address space saves a page-table copy per exec (most of an exec's cost where the
     * guest kernel is emulated). */
    if (ok) pid = vfork();
    if (pid == 0) run_child(&r, &u, env, path, &s, devnull, &ce);
    if (!ok || pid < 0) {
        snprintf(msg, sizeof msg, "exec: cannot start \"%s\": %s", r.argv[0], strerror(errno));
        fail_exec(conn, 126, msg);
        req_free(&r);
        return;
    }
    close_fd(&s.slave);
    close_fd(&s.in_r);
    close_fd(&s.out_w);
    close_fd(&s.err_w);
    if (ce.stage != 0) {
        uint32_t code;
        struct child_err failure = { ce.stage, ce.err };
        describe_failure(&r, &failure, &code, msg, sizeof msg);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        fail_exec(conn, code, msg);
        req_free(&r);
        return;
    }

    /* The exec succeeded (vfork returned without a failure written). PID 1 needs to know the
     * program only to forward signals to a WORKLOAD, or (debug mode) to stop it at power-off. */
    int workload = !!(r.flags & EXEC_WORKLOAD);
    int track_fd = workload || exec_track ? ctl_fd : -1;   /* ctl_send ignores -1 */
    ctl_send(track_fd, CTL_CHILD_START, pid, (uint32_t)workload);
    struct buf b = { 0 };
    buf_u32(&b, (uint32_t)pid);
    int host_gone = buf_send(conn, FT_STARTED, &b) < 0;

    int out = -1, err = -1, in = -1;
    if (s.tty) {
        out = s.master;
        in = dup(s.master);
        if (in >= 0) fcntl(in, F_SETFD, FD_CLOEXEC);
    } else {
        out = s.out_r;
        err = s.err_r;
        in = s.in_w;
    }
    if (!(r.flags & EXEC_STDIN) && !s.tty) close_fd(&in);
    nonblock_new(out);
    nonblock_new(err);
    if (!s.tty) nonblock_new(in);   /* a pty's in shares out's file description */

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

    static uint8_t iobuf_mem[DATA_CHUNK];
    uint8_t *iobuf = iobuf_mem;
    uint8_t *pending = NULL;    /* one STDIN payload not yet accepted by the program */
    size_t pend_len = 0, pend_off = 0;
    int stdin_eof = !(r.flags & EXEC_STDIN), stdin_closed_after = 0, conn_eof = 0, exited = 0, status = 0;
    int proto_err = 0, check_child = 0;

    while (!host_gone && !proto_err) {
        /* Only after a SIGCHLD (or, without the signalfd, every 50 ms): no waitpid per wake-up. */
        if (!exited && (check_child || sfd < 0)) {
            check_child = 0;
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) { exited = 1; ctl_send(track_fd, CTL_CHILD_END, pid, 0); }
        }
        if (exited && out < 0 && err < 0) break;
        /* Input held for a program whose input is gone (a tty it closed, or its EOF character after
         * that) is dropped: while input is held the connection is not read, so SIGNAL and RESIZE
         * would wait for the program's exit. */
        if (in < 0 && pending) {
            free(pending);
            pending = NULL;
        }
        struct pollfd pf[5];
        int n = 0, i_conn = -1, i_out = -1, i_err = -1, i_in = -1, i_sig = -1;
        /* Even when not reading (end of input, or input backlog), POLLHUP still reports a host that
         * went away entirely, so an idle program is not left running for nobody. */
        pf[n] = (struct pollfd){ conn, (short)(!conn_eof && !pending ? POLLIN : 0), 0 };
        i_conn = n++;
        if (out >= 0) { pf[n] = (struct pollfd){ out, POLLIN, 0 }; i_out = n++; }
        if (err >= 0) { pf[n] = (struct pollfd){ err, POLLIN, 0 }; i_err = n++; }
        if (in >= 0 && pending) { pf[n] = (struct pollfd){ in, POLLOUT, 0 }; i_in = n++; }
        if (sfd >= 0 && !exited) { pf[n] = (struct pollfd){ sfd, POLLIN, 0 }; i_sig = n++; }
        int timeout = exited ? LINGER_MS : (sfd < 0 ? 50 : -1);
        int pr = poll(pf, (nfds_t)n, timeout);
        if (pr < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (pr == 0 && exited) {
            /* Quiet since the exit: whatever still holds the outputs is not the program. */
            close_fd(&out);
            close_fd(&err);
            break;
        }
        if (i_sig >= 0 && (pf[i_sig].revents & POLLIN)) {
            struct signalfd_siginfo si[4];
            while (read(sfd, si, sizeof si) == (ssize_t)sizeof si) {}
            check_child = 1;
        }
        if (i_out >= 0 && pf[i_out].revents) {
            int p = pump(conn, &out, FT_STDOUT, iobuf);
            if (p < 0) host_gone = 1;
            if (p > 0 && s.tty) close_fd(&in);
        }
        if (i_err >= 0 && pf[i_err].revents && pump(conn, &err, FT_STDERR, iobuf) < 0) host_gone = 1;
        if (i_in >= 0 && pf[i_in].revents) {
            ssize_t w = write(in, pending + pend_off, pend_len - pend_off);
            if (w > 0) pend_off += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || pend_off == pend_len) {
                /* A program that stopped reading (EPIPE) just loses the rest of its input. */
                if (w < 0) close_fd(&in);
                free(pending);
                pending = NULL;
                if (stdin_closed_after && !s.tty) close_fd(&in);
            }
        }
        if (i_conn >= 0 && pf[i_conn].revents) {
            if (pf[i_conn].revents & (POLLHUP | POLLERR)) {
                /* POLLHUP means both directions are gone: the host closed, not just shut down. */
                host_gone = 1;
                break;
            }
            if (!(pf[i_conn].revents & POLLIN)) continue;
            struct frame f;
            int fr = frame_read(conn, &f);
            if (fr == FR_EOF) {
                conn_eof = 1;
                if (!stdin_eof) {
                    stdin_eof = 1;
                    if (!s.tty) close_fd(&in);
                }
                continue;
            }
            if (fr == FR_IO) { host_gone = 1; break; }
            if (fr == FR_PROTO) { proto_err = 1; break; }
            struct cursor c;
            cur_init(&c, &f);
            if (f.type == FT_STDIN && !stdin_eof) {
                if (f.len == 0) {
                    stdin_eof = 1;
                    if (s.tty) {
                        /* A terminal has no EOF of its own: send the VEOF character (^D). */
                        struct termios t;
                        static uint8_t veof = 4;
                        /* 0 is _POSIX_VDISABLE: keep ^D rather than type a NUL. */
                        if (tcgetattr(in >= 0 ? in : out, &t) == 0 && t.c_cc[VEOF] != 0) veof = t.c_cc[VEOF];
                        pending = malloc(1);
                        if (pending) { pending[0] = veof; pend_len = 1; pend_off = 0; }
                    } else {
                        close_fd(&in);
                    }
                    frame_free(&f);
                } else if (in < 0) {
                    frame_free(&f);   /* the program closed its input: drop */
                } else {
                    pending = f.payload;
                    pend_len = f.len;
                    pend_off = 0;
                }
                stdin_closed_after = stdin_eof;
                continue;
            }
            if (f.type == FT_SIGNAL) {
                uint32_t sig = cur_u32(&c);
                if (cur_done(&c) && sig >= 1 && sig < (uint32_t)NSIG) {
                    if (!exited && kill(-pid, (int)sig) < 0) kill(pid, (int)sig);
                    frame_free(&f);
                    continue;
                }
            } else if (f.type == FT_RESIZE) {
                struct winsize ws = { 0 };
                ws.ws_row = cur_u16(&c);
                ws.ws_col = cur_u16(&c);
                if (cur_done(&c)) {
                    if (s.tty && out >= 0) ioctl(out, TIOCSWINSZ, &ws);
                    frame_free(&f);
                    continue;
                }
            }
            frame_free(&f);
            proto_err = 1;
        }
    }

    if (host_gone && workload && !exited) {
        /* The VM's main process outlives its host connection: after a snapshot restore the vsock
         * transport is reset and the restored VM must go on running it. Its output has nowhere
         * to go now; drain it so the program never blocks on a full pipe. */
        log_msg("workload %d: host connection lost; it keeps running, output discarded", (int)pid);
        close_fd(&in);
        while (out >= 0 || err >= 0) {
            struct pollfd pd[2];
            int k = 0;
            if (out >= 0) pd[k++] = (struct pollfd){ out, POLLIN, 0 };
            if (err >= 0) pd[k++] = (struct pollfd){ err, POLLIN, 0 };
            if (poll(pd, (nfds_t)k, -1) < 0 && errno != EINTR) break;
            for (int j = 0; j < k; j++) {
                if (!pd[j].revents) continue;
                ssize_t nread = read(pd[j].fd, iobuf, DATA_CHUNK);
                if (nread == 0 || (nread < 0 && errno != EAGAIN && errno != EINTR)) {
                    if (pd[j].fd == out) close_fd(&out); else close_fd(&err);
                }
            }
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        ctl_send(track_fd, CTL_CHILD_END, pid, 0);
        log_msg("workload %d ended (status 0x%x)", (int)pid, (unsigned)status);
    } else if (host_gone || proto_err) {
        if (proto_err) send_error(conn, 71, "malformed or unexpected frame in an exec session");
        if (!exited) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            ctl_send(track_fd, CTL_CHILD_END, pid, 0);
        }
    } else {
        b = (struct buf){ 0 };
        if (WIFSIGNALED(status)) {
            buf_u32(&b, 128u + (uint32_t)WTERMSIG(status));
            buf_u32(&b, (uint32_t)WTERMSIG(status));
        } else {
            buf_u32(&b, (uint32_t)WEXITSTATUS(status));
            buf_u32(&b, 0);
        }
        buf_send(conn, FT_EXIT, &b);
    }
    free(pending);
    close_fd(&out);
    close_fd(&err);
    close_fd(&in);
    req_free(&r);
}
