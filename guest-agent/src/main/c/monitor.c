/* The monitor: one process per container, from CONTAINER_CREATE until CONTAINER_DELETE (like
 * conmon or a shim). It is the parent of the container's init, so it alone reaps it and knows its
 * exit status; it writes the container's output to CTR_DIR/<id>/log as STDOUT/STDERR frames, and
 * answers the handlers that relay the host's START, SIGNAL, WAIT, DELETE and ATTACH on
 * CTR_DIR/<id>/sock. An attached host feeds the init's terminal or stdin pipe and sizes the terminal.
 * The init is forked into new PID, mount, UTS and IPC namespaces, sets up the root there
 * (ctr_root.c), reports, and waits for START before it execs the program: created is not started.
 * As PID 1 of its namespace, its exit kills everything else in the container. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_WAITERS 64

enum { ST_READY = 0, ST_SETUP = 1, ST_USER, ST_CWD, ST_EXEC };
/* What the init reports on its close-on-exec pipe: READY once the root is set up, or the stage
 * that failed. A successful execve closes the pipe instead. */
struct init_report { int32_t stage, err; char msg[512]; };

struct mon {
    struct ctr_spec *s;
    char dir[256];
    pid_t pid;
    int state, oom, has_cgroup;
    int32_t code, sig;
    uint64_t created, started, exited;
    int start_w, report_r, out, err, log;
    uint64_t log_bytes;   /* in the current log file */
    uint32_t pty;   /* the number of the container's terminal in its devpts */
    int waiters[MAX_WAITERS], nwaiters;
    int in_w;       /* the write end of the init's stdin pipe (STDIN without TTY), or -1 */
    int attach;     /* the attached host's connection, or -1 */
    uint8_t *pend;  /* input taken from the attach and not yet written: no more is read until it is */
    uint32_t pend_len, pend_off;
};

static void report(int fd, int stage, int err, const char *msg)
{
    struct init_report r = { stage, err, { 0 } };
    snprintf(r.msg, sizeof r.msg, "%s", msg);
    write_full(fd, &r, sizeof r);
}

static char **init_env(const struct ctr_spec *s, const struct user_ids *u, char **path)
{
    char **env = calloc(s->envc + 4, sizeof *env);
    size_t n = 0;
    int has_path = 0, has_home = 0, has_term = 0;
    if (!env) return NULL;
    *path = DEFAULT_PATH;
    for (size_t i = 0; i < s->envc; i++) {
        env[n++] = s->env[i];
        if (strncmp(s->env[i], "PATH=", 5) == 0) { has_path = 1; *path = s->env[i] + 5; }
        has_home |= strncmp(s->env[i], "HOME=", 5) == 0;
        has_term |= strncmp(s->env[i], "TERM=", 5) == 0;
    }
    static char pathv[] = "PATH=" DEFAULT_PATH, term[] = "TERM=xterm";
    static char home[300];
    if (!has_path) env[n++] = pathv;
    if (!has_home) { snprintf(home, sizeof home, "HOME=%s", u->home[0] ? u->home : "/"); env[n++] = home; }
    if (!has_term && (s->flags & CTR_TTY)) env[n++] = term;
    env[n] = NULL;
    return env;
}

/* The container's init: PID 1 of the new PID namespace, alone in new mount, UTS and IPC ones. */
static void __attribute__((noreturn)) init_main(struct mon *m, int start_r, int report_w, int in, int out, int err)
{
    const struct ctr_spec *s = m->s;
    char msg[512];
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* A container without its monitor could be neither reached nor reaped: it goes with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0) {
        snprintf(msg, sizeof msg, "container %s: unshare: %s", s->id, strerror(errno));
        report(report_w, ST_SETUP, errno, msg);
        _exit(1);
    }
    setsid();
    if (s->flags & CTR_TTY) out = err = in;   /* the terminal comes with START */
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        report(report_w, ST_SETUP, errno, "container: setting up stdio");
        _exit(1);
    }
    if (ctr_root_setup(s, m->dir, msg, sizeof msg) < 0) {
        report(report_w, ST_SETUP, errno, msg);
        _exit(1);
    }
    report(report_w, ST_READY, 0, "");
    uint32_t pty;
    if (read_full(start_r, &pty, sizeof pty) != 1) _exit(0);   /* deleted before it was started */
    if (s->flags & CTR_TTY) {
        /* The terminal is of the container's own devpts, made by the monitor through our root. */
        char name[32];
        snprintf(name, sizeof name, "/dev/pts/%u", pty);
        int t = open(name, O_RDWR | O_NOCTTY);
        if (t < 0 || ioctl(t, TIOCSCTTY, 0) < 0 || dup2(t, 0) < 0 || dup2(t, 1) < 0 || dup2(t, 2) < 0) {
            snprintf(msg, sizeof msg, "container %s: terminal %s: %s", s->id, name, strerror(errno));
            report(report_w, ST_SETUP, errno, msg);
            _exit(126);
        }
        if (t > 2) close(t);
    }
    struct user_ids u;
    if (user_resolve(s->user, &u, msg, sizeof msg) < 0) {
        report(report_w, ST_USER, 0, msg);
        _exit(126);
    }
    char *path;
    char **env = init_env(s, &u, &path);
    if (!env) { report(report_w, ST_SETUP, ENOMEM, "container: out of memory"); _exit(126); }
    char why[400];
    if (sec_add_groups(&s->sec, &u, why, sizeof why) < 0 || sec_before_user(&s->sec, why, sizeof why) < 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "container %s: %s", s->id, why);
        report(report_w, ST_SETUP, e, msg);
        _exit(126);
    }
    if (syscall(SYS_setgroups, (size_t)u.ngroups, u.groups) < 0 || syscall(SYS_setgid, u.gid) < 0
        || syscall(SYS_setuid, u.uid) < 0) {
        snprintf(msg, sizeof msg, "exec: cannot switch to user %s: %s", s->user, strerror(errno));
        report(report_w, ST_USER, errno, msg);
        _exit(126);
    }
    if (sec_after_user(&s->sec, why, sizeof why) < 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "container %s: %s", s->id, why);
        report(report_w, ST_SETUP, e, msg);
        _exit(126);
    }
    if (chdir(s->cwd[0] ? s->cwd : "/") < 0) {
        snprintf(msg, sizeof msg, "exec: chdir to cwd (\"%s\") set in config: %s", s->cwd, strerror(errno));
        report(report_w, ST_CWD, errno, msg);
        _exit(126);
    }
    int e = exec_path(s->argv[0], s->argv, env, path);
    const char *a = s->argv[0];
    if (e == ENOENT || e == ENOTDIR) {
        if (strchr(a, '/')) snprintf(msg, sizeof msg, "exec: \"%s\": stat %s: no such file or directory", a, a);
        else snprintf(msg, sizeof msg, "exec: \"%s\": executable file not found in $PATH", a);
    } else {
        snprintf(msg, sizeof msg, "exec: \"%s\": %s", a, strerror(e));
    }
    report(report_w, ST_EXEC, e, msg);
    _exit(127);
}

/* Starts a new log once the current one holds CTR_LOG_MAX bytes; the old one becomes log.1 (replacing
 * the one before). A reader following the old file sees it lose its name (inotify) and goes on in the new. */
static void rotate_log(struct mon *m)
{
    char cur[512], old[512], tmp[512];
    snprintf(cur, sizeof cur, "%s/log", m->dir);
    snprintf(old, sizeof old, "%s/log.1", m->dir);
    snprintf(tmp, sizeof tmp, "%s/log.new", m->dir);
    int nfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (nfd < 0) return;   /* keep appending to the current one */
    /* log.1 takes the current file as a second name, then log.new replaces log in one rename: a
     * reader opening log always finds one. */
    unlink(old);
    if (link(cur, old) < 0 || rename(tmp, cur) < 0) {
        close(nfd);
        unlink(tmp);
        return;
    }
    close(m->log);
    m->log = nfd;
    m->log_bytes = 0;
}

static void append_log(struct mon *m, int *fd, uint8_t type)
{
    static uint8_t buf[DATA_CHUNK];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
        if (m->log >= 0 && frame_write(m->log, type, buf, (uint32_t)n) == 0) {
            m->log_bytes += 8 + (uint64_t)n;
            if (m->log_bytes >= CTR_LOG_MAX) rotate_log(m);
        }
        return;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    close(*fd);   /* EOF, or EIO from a pty with no slave left */
    *fd = -1;
}

static void send_status(struct mon *m, int fd)
{
    struct buf b = { 0 };
    buf_str(&b, m->s->id);
    buf_u32(&b, (uint32_t)m->state);
    buf_u32(&b, m->state == CS_EXITED ? 0u : (uint32_t)m->pid);
    buf_u32(&b, (uint32_t)m->code);
    buf_u32(&b, (uint32_t)m->sig);
    buf_u32(&b, m->oom ? 1u : 0u);
    buf_u64(&b, m->created);
    buf_u64(&b, m->started);
    buf_u64(&b, m->exited);
    buf_send(fd, FT_CTR_STATUS, &b);
}

/* Ends the attach: its host reads the end of the connection. Input not yet written is dropped. */
static void detach(struct mon *m)
{
    if (m->attach >= 0) close(m->attach);
    m->attach = -1;
    free(m->pend);
    m->pend = NULL;
    m->pend_len = m->pend_off = 0;
}

/* Where attached input goes: the terminal's master, or the stdin pipe. */
static int input_fd(const struct mon *m)
{
    return (m->s->flags & CTR_TTY) ? m->out : m->in_w;
}

/* One frame from the attached host: STDIN is held until the init takes it, RESIZE sizes the terminal.
 * A malformed or unexpected frame, or the host leaving, ends the attach. */
static void attach_frame(struct mon *m)
{
    struct frame f;
    if (frame_read(m->attach, &f) != FR_OK) { detach(m); return; }
    if (f.type == FT_STDIN && f.len > 0) {
        m->pend = f.payload;   /* taken over: frame_free must not free it */
        m->pend_len = f.len;
        m->pend_off = 0;
        f.payload = NULL;
    } else if (f.type == FT_STDIN) {
        if (m->s->flags & CTR_TTY) {
            /* A terminal has no end of input of its own: its VEOF character is one (read as EOF). */
            struct termios t;
            uint8_t eof = tcgetattr(m->out, &t) == 0 ? t.c_cc[VEOF] : 4;
            m->pend = malloc(1);
            if (m->pend) { m->pend[0] = eof; m->pend_len = 1; m->pend_off = 0; }
        } else if (m->in_w >= 0) {
            close(m->in_w);
            m->in_w = -1;
        }
    } else if (f.type == FT_RESIZE && f.len == 4) {
        struct cursor c;
        cur_init(&c, &f);
        struct winsize ws = { 0 };
        ws.ws_row = cur_u16(&c);   /* in order: initialisers are not sequenced */
        ws.ws_col = cur_u16(&c);
        if ((m->s->flags & CTR_TTY) && m->out >= 0) ioctl(m->out, TIOCSWINSZ, &ws);
    } else {
        send_error(m->attach, 71, "unexpected %02x frame in an attach to container %s", f.type, m->s->id);
        detach(m);
    }
    frame_free(&f);
}

/* Writes what it can of the held input; the init not reading any more drops it. */
static void feed_input(struct mon *m)
{
    int fd = input_fd(m);
    if (fd < 0) { free(m->pend); m->pend = NULL; return; }
    ssize_t n = write(fd, m->pend + m->pend_off, m->pend_len - m->pend_off);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n < 0) {   /* EPIPE: the init closed its stdin; EIO: the terminal is gone */
        free(m->pend);
        m->pend = NULL;
        return;
    }
    m->pend_off += (uint32_t)n;
    if (m->pend_off < m->pend_len) return;
    free(m->pend);
    m->pend = NULL;
}

/* The init is gone (or going): collect its status, the rest of its output, and tell the waiters. */
static void finish(struct mon *m, int status)
{
    /* The kernel kills the rest of the namespace with its init, so the outputs reach EOF soon;
     * the quiet-time cut-off only guards against something unforeseen holding them. */
    while (m->out >= 0 || m->err >= 0) {
        struct pollfd pf[2] = { { m->out, POLLIN, 0 }, { m->err, POLLIN, 0 } };
        int r = poll(pf, 2, 250);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (pf[0].revents) append_log(m, &m->out, FT_STDOUT);
        if (pf[1].revents) append_log(m, &m->err, FT_STDERR);
    }
    if (m->out >= 0) { close(m->out); m->out = -1; }
    if (m->err >= 0) { close(m->err); m->err = -1; }
    if (WIFSIGNALED(status)) {
        m->sig = WTERMSIG(status);
        m->code = 128 + m->sig;
    } else {
        m->code = WEXITSTATUS(status);
    }
    m->state = CS_EXITED;
    m->exited = now_ns(CLOCK_REALTIME);
    m->oom = m->has_cgroup && cg_oom_killed(m->s->id);
    for (int i = 0; i < m->nwaiters; i++) {
        send_status(m, m->waiters[i]);
        close(m->waiters[i]);
    }
    m->nwaiters = 0;
    detach(m);
    if (m->in_w >= 0) { close(m->in_w); m->in_w = -1; }
}

static void wait_init(struct mon *m)
{
    int status;
    while (waitpid(m->pid, &status, 0) < 0 && errno == EINTR) {}
    finish(m, status);
}

static void remove_state(struct mon *m)
{
    static const char *files[] = { "sock", "log", "log.1", "log.new", "env" };
    char p[512];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", m->dir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/mnt", m->dir);
    rmdir(p);
    if (m->has_cgroup) cg_remove(m->s->id);
    rmdir(m->dir);
}

static void do_start(struct mon *m, int fd)
{
    if (m->state != CS_CREATED) {
        send_error(fd, 22, "container %s is %s", m->s->id, m->state == CS_RUNNING ? "already running" : "exited");
        return;
    }
    if (write_full(m->start_w, &m->pty, sizeof m->pty) < 0) {
        send_error(fd, (uint32_t)errno, "container %s: starting: %s", m->s->id, strerror(errno));
        return;
    }
    struct init_report r;
    int got = read_full(m->report_r, &r, sizeof r);
    close(m->report_r);
    m->report_r = -1;
    m->started = now_ns(CLOCK_REALTIME);
    if (got == 1) {
        /* The program did not start: the container is over, with docker's 126/127. */
        wait_init(m);
        m->code = r.stage == ST_EXEC && (r.err == ENOENT || r.err == ENOTDIR) ? 127 : 126;
        m->sig = 0;
        send_error(fd, (uint32_t)m->code, "%s", r.msg);
        return;
    }
    m->state = CS_RUNNING;
    struct buf b = { 0 };
    buf_u32(&b, (uint32_t)m->pid);
    buf_send(fd, FT_OK, &b);
}

/* One request from a handler; returns 1 when the monitor is done (deleted). */
static int serve(struct mon *m, int fd)
{
    struct frame f;
    if (frame_read(fd, &f) != FR_OK) { close(fd); return 0; }
    struct cursor c;
    cur_init(&c, &f);
    free(cur_str(&c));   /* the id, checked by the handler that found us by it */
    int no_arg = f.type == FT_CTR_START || f.type == FT_CTR_ATTACH;
    uint32_t arg = no_arg ? 0 : cur_u32(&c);
    int keep = 0, done = 0;
    if (!cur_done(&c)) {
        send_error(fd, 71, "malformed %s frame", f.type == FT_CTR_START ? "CONTAINER_START" : "container request");
    } else if (f.type == FT_CTR_START) {
        do_start(m, fd);
    } else if (f.type == FT_CTR_ATTACH) {
        if (m->state == CS_EXITED) {
            send_error(fd, 3, "container %s is not running", m->s->id);
        } else if (!(m->s->flags & CTR_TTY) && m->in_w < 0) {
            send_error(fd, 22, "container %s has neither a terminal nor stdin to attach to", m->s->id);
        } else if (m->attach >= 0) {
            send_error(fd, 16, "container %s is already attached", m->s->id);
        } else {
            m->attach = fd;
            keep = 1;
            frame_write(fd, FT_OK, NULL, 0);
        }
    } else if (f.type == FT_CTR_SIGNAL) {
        if (arg < 1 || arg >= (uint32_t)NSIG) send_error(fd, 22, "signal %u out of range 1..64", arg);
        else if (m->state != CS_RUNNING) send_error(fd, 3, "container %s is not running", m->s->id);
        else if (kill(m->pid, (int)arg) < 0) send_error(fd, (uint32_t)errno, "kill: %s", strerror(errno));
        else frame_write(fd, FT_OK, NULL, 0);
    } else if (f.type == FT_CTR_WAIT) {
        if ((arg & CTR_WAIT_BLOCK) && m->state != CS_EXITED && m->nwaiters < MAX_WAITERS) {
            m->waiters[m->nwaiters++] = fd;
            keep = 1;
        } else {
            send_status(m, fd);
        }
    } else if (f.type == FT_CTR_DELETE) {
        if (m->state == CS_RUNNING && !(arg & CTR_DELETE_FORCE)) {
            send_error(fd, 16, "container %s is running (stop it first, or force)", m->s->id);
        } else {
            if (m->state != CS_EXITED) {
                kill(m->pid, SIGKILL);
                wait_init(m);
            }
            remove_state(m);
            frame_write(fd, FT_OK, NULL, 0);
            done = 1;
        }
    } else {
        send_error(fd, 71, "unexpected %02x frame for a container", f.type);
    }
    frame_free(&f);
    if (!keep) close(fd);
    return done;
}

/* A terminal of the container's own devpts instance (so that it is /dev/pts/N inside), opened
 * through its init's root once that is set up. */
static int open_pty(struct mon *m, char *msg, size_t len)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/root/dev/pts/ptmx", (int)m->pid);
    int master = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0 || ioctl(master, TIOCGPTN, &m->pty) < 0) {
        snprintf(msg, len, "container %s: opening its terminal %s: %s", m->s->id, p, strerror(errno));
        if (master >= 0) close(master);
        return -1;
    }
    struct winsize ws = { .ws_row = m->s->rows ? m->s->rows : 24, .ws_col = m->s->cols ? m->s->cols : 80 };
    ioctl(master, TIOCSWINSZ, &ws);
    m->out = master;
    return 0;
}

static int fail_create(struct mon *m, int report_fd, int err, const char *msg)
{
    struct { int32_t err; char msg[512]; } r = { err ? err : 5, { 0 } };
    snprintf(r.msg, sizeof r.msg, "%s", msg);
    remove_state(m);
    write_full(report_fd, &r, sizeof r);
    _exit(1);
}

void ctr_monitor(struct ctr_spec *s, int report_fd, int devnull)
{
    struct mon mm = { .s = s, .pid = -1, .start_w = -1, .report_r = -1, .out = -1, .err = -1, .log = -1,
                      .in_w = -1, .attach = -1 };
    struct mon *m = &mm;
    char msg[512], p[512];
    snprintf(m->dir, sizeof m->dir, CTR_DIR "/%s", s->id);
    m->created = now_ns(CLOCK_REALTIME);
    setsid();
    /* Power-off's SIGTERM ends us like everything else; SIGCHLD comes through the signalfd. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_SETMASK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    int r = cg_create(s, msg, sizeof msg);
    if (r < 0) fail_create(m, report_fd, errno, msg);
    m->has_cgroup = r == 0;

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, CTR_DIR "/%s/sock", s->id);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sfd < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 64) < 0) {
        snprintf(msg, sizeof msg, "container %s: control socket: %s", s->id, strerror(errno));
        fail_create(m, report_fd, errno, msg);
    }
    snprintf(p, sizeof p, CTR_DIR "/%s/log", s->id);
    m->log = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

    int start[2], rep[2], o[2] = { -1, -1 }, e[2] = { -1, -1 }, in[2] = { -1, -1 };
    int ok = pipe2(start, O_CLOEXEC) == 0 && pipe2(rep, O_CLOEXEC) == 0;
    if (ok && !(s->flags & CTR_TTY)) ok = pipe2(o, O_CLOEXEC) == 0 && pipe2(e, O_CLOEXEC) == 0;
    if (ok && (s->flags & CTR_STDIN) && !(s->flags & CTR_TTY)) ok = pipe2(in, O_CLOEXEC) == 0;
    /* Our next child is PID 1 of a new PID namespace; we stay where we are. */
    if (ok) ok = unshare(CLONE_NEWPID) == 0;
    if (ok) ok = (m->pid = fork()) >= 0;
    if (!ok) {
        snprintf(msg, sizeof msg, "container %s: creating its init: %s", s->id, strerror(errno));
        fail_create(m, report_fd, errno, msg);
    }
    if (m->pid == 0) {
        close(lfd);
        close(start[1]);
        close(rep[0]);
        if (in[1] >= 0) close(in[1]);
        init_main(m, start[0], rep[1], in[0] >= 0 ? in[0] : devnull, o[1], e[1]);
    }
    close(start[0]);
    close(rep[1]);
    if (o[1] >= 0) close(o[1]);
    if (e[1] >= 0) close(e[1]);
    if (in[0] >= 0) close(in[0]);
    m->in_w = in[1];
    if (m->in_w >= 0) set_nonblock(m->in_w, 1);
    m->start_w = start[1];
    m->report_r = rep[0];
    m->out = o[0];
    m->err = e[0];
    struct init_report ir = { ST_READY, 0, { 0 } };
    if (m->has_cgroup && cg_add(s->id, m->pid) < 0) {
        snprintf(msg, sizeof msg, "container %s: joining its cgroup: %s", s->id, strerror(errno));
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
        fail_create(m, report_fd, errno, msg);
    }
    int got = read_full(m->report_r, &ir, sizeof ir) == 1;
    if (!got || ir.stage != ST_READY) {
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
        fail_create(m, report_fd, got ? ir.err : EIO, got ? ir.msg : "container: its init ended during setup");
    }
    if ((s->flags & CTR_TTY) && open_pty(m, msg, sizeof msg) < 0) {
        int err = errno;
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
        fail_create(m, report_fd, err, msg);
    }
    struct { int32_t err; char msg[512]; } ok_report = { 0, { 0 } };
    write_full(report_fd, &ok_report, sizeof ok_report);
    close(report_fd);
    set_nonblock(m->out, 1);
    if (m->err >= 0) set_nonblock(m->err, 1);

    for (;;) {
        /* Held input waits for its fd to take it (the terminal's master is also pf[2]); only then is
         * the attach read again, so a program that does not read holds its host back, not us. */
        if (m->pend && input_fd(m) < 0) feed_input(m);   /* nowhere to go any more: dropped */
        int in_fd = m->pend ? input_fd(m) : -1;
        struct pollfd pf[6] = {
            { lfd, POLLIN, 0 }, { sfd, POLLIN, 0 }, { m->out, POLLIN, 0 }, { m->err, POLLIN, 0 },
            { m->pend ? -1 : m->attach, POLLIN, 0 }, { in_fd != m->out ? in_fd : -1, POLLOUT, 0 },
        };
        if (in_fd >= 0 && in_fd == m->out) pf[2].events |= POLLOUT;
        if (poll(pf, 6, -1) < 0) {
            if (errno == EINTR) continue;
            log_msg("container %s: monitor: poll: %s", s->id, strerror(errno));
            _exit(1);
        }
        if (m->pend && ((pf[2].revents & POLLOUT) || pf[5].revents)) feed_input(m);
        if (pf[2].revents & ~POLLOUT) append_log(m, &m->out, FT_STDOUT);
        if (pf[3].revents) append_log(m, &m->err, FT_STDERR);
        if (pf[4].revents) attach_frame(m);
        if (pf[1].revents) {
            struct signalfd_siginfo si[4];
            while (read(sfd, si, sizeof si) > 0) {}
            int status;
            if (m->state != CS_EXITED && waitpid(m->pid, &status, WNOHANG) == m->pid) finish(m, status);
        }
        if (pf[0].revents) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0) continue;
            /* Handlers send their request at once; a stuck one must not hold us up for long. */
            struct timeval tv = { 2, 0 };
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            if (serve(m, fd)) _exit(0);
        }
    }
}
