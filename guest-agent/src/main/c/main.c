/* PID 1 lifecycle: configuration, system setup, readiness, the handler pool, signal forwarding,
 * reaping and power-off. Every connection is served by its own handler process (see README.md for
 * why), forked ahead of time: POOL_IDLE idle handlers block in accept() on the shared listening
 * socket, and PID 1 forks a replacement as soon as one reports that it took a connection. So a
 * connection never waits for a fork, and this loop never blocks on a peer. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
/* <linux/vm_sockets.h> is not part of the musl toolchain; the ABI is small and stable. */
struct sockaddr_vm_ {
    sa_family_t svm_family;
    unsigned short svm_reserved1;
    unsigned int svm_port;
    unsigned int svm_cid;
    unsigned char svm_flags;
    unsigned char svm_zero[3];
};
#define VMADDR_CID_ANY_ 0xffffffffu
#define VMADDR_CID_HOST_ 2u

/* Idle handlers kept waiting in accept(). Two, so that back-to-back requests find one even while
 * the replacement for the previous one is still being forked; a burst beyond that waits in the
 * listen backlog for replacements, which are forked as fast as the accepts are reported. */
#define POOL_IDLE 2

static int pid1;
static int test_mode;       /* root is a directory: we run in a namespace on the host */
static struct config cfg;
static int lfd = -1, sfd = -1, ready = -1, ctl[2] = { -1, -1 }, devnull = -1;

/* Exec'd programs currently running (reported by handlers), for signal forwarding and for
 * power-off when not PID 1 (where kill(-1) would hit the whole host). As PID 1 only WORKLOADs are
 * reported (nothing else needs them); in debug mode every program is. */
#define MAX_TRACKED 4096
static pid_t tracked[MAX_TRACKED];
static uint8_t tracked_workload[MAX_TRACKED];
/* Handler processes: idle ones (in accept, not yet reported CTL_ACCEPTED) and busy ones. */
static pid_t handlers[MAX_TRACKED];
static uint8_t handler_idle[MAX_TRACKED];
static int n_idle;
/* Refilling the pool: not before this time (backoff after failures), and how long the backoff is. */
static uint64_t refill_after;
static uint32_t backoff_ms;
static int fork_errno;      /* the last fork failure, while the pool is empty because of it */
static int can_renice;      /* we may lower our nice value again (CAP_SYS_NICE) */
static int base_nice;       /* the nice value we started with */

static void __attribute__((noreturn)) die(const char *step)
{
    if (errno) log_msg("fatal: %s: %s (errno %d)", step, strerror(errno), errno);
    else log_msg("fatal: %s", step);
    if (pid1 && !test_mode) {
        sync();
        reboot(RB_AUTOBOOT);
    }
    exit(1);
}

static void ensure_std_fds(void)
{
    /* Without fds 0-2 the first sockets we open would become someone's stdout. */
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        int n = open("/dev/console", O_RDWR | O_NOCTTY);
        if (n < 0) n = open("/dev/null", O_RDWR);
        if (n >= 0 && n != fd) { dup2(n, fd); close(n); }
    }
}

/* The kernel gives init /dev/console as 0-2 only if the initramfs has that node; otherwise we
 * start with /dev/null (see ensure_std_fds) and switch to the console once devtmpfs is mounted, so
 * setup failures and power-off messages are still seen. */
static void reopen_console(void)
{
    struct stat st;
    if (fstat(2, &st) == 0 && !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)) return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0) return;
    for (int i = 0; i < 3; i++) dup2(fd, i);
    if (fd > 2) close(fd);
}

static int make_socket(const struct transport *t, int listening)
{
    int s;
    if (t->kind == T_UNIX) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", t->path);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) return -1;
        if (listening) {
            unlink(t->path);
            if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 256) < 0) { close(s); return -1; }
        } else {
            while (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
                if (errno != EINTR) { close(s); return -1; }
            }
        }
        return s;
    }
    struct sockaddr_vm_ sv = { .svm_family = AF_VSOCK, .svm_port = t->port,
                               .svm_cid = listening ? VMADDR_CID_ANY_ : t->cid };
    s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (listening) {
        if (bind(s, (struct sockaddr *)&sv, sizeof sv) < 0 || listen(s, 256) < 0) { close(s); return -1; }
        return s;
    }
    /* The host listens before it boots us, but the vsock transport may still be coming up. */
    for (int attempt = 0;; attempt++) {
        if (connect(s, (struct sockaddr *)&sv, sizeof sv) == 0) return s;
        if (errno == EINTR) continue;
        if (attempt >= 50) { close(s); return -1; }
        int e = errno;
        close(s);
        nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
        s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) return -1;
        errno = e;
    }
}

static int send_hello(int fd)
{
    struct buf b = { 0 };
    buf_u32(&b, PROTO_VERSION);
    buf_str(&b, AGENT_VERSION);
    buf_u64(&b, now_ns(CLOCK_BOOTTIME));
    return buf_send(fd, FT_HELLO, &b);
}

/* After a snapshot restore the host resets the guest's vsock transport, which ends the readiness
 * connection; the restored host is waiting for a new HELLO. One attempt per call: PID 1 must not
 * sit in a retry loop while requests wait. */
static int reconnect_ready(const struct transport *t)
{
    struct sockaddr_vm_ sv = { .svm_family = AF_VSOCK, .svm_port = t->port, .svm_cid = t->cid };
    int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *)&sv, sizeof sv) < 0 || send_hello(s) < 0) {
        close(s);
        return -1;
    }
    log_msg("readiness connection re-established");
    return s;
}

static void __attribute__((noreturn)) poweroff(uint32_t grace_ms);
static void track(pid_t pid, int workload, int add);

static int handler_slot(pid_t p)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (handlers[i] == p) return i;
    return -1;
}

/* An idle handler took a connection: it is busy now, and the pool needs a replacement. */
static void handler_accepted(pid_t p)
{
    int i = handler_slot(p);
    if (i < 0 || !handler_idle[i]) return;
    handler_idle[i] = 0;
    n_idle--;
    backoff_ms = 0;
}

static void handle_ctl(const struct ctl_msg *m, int *poweroff_req, uint32_t *grace)
{
    if (m->kind == CTL_ACCEPTED) handler_accepted(m->pid);
    else if (m->kind == CTL_CHILD_START) track(m->pid, (int)m->arg, 1);
    else if (m->kind == CTL_CHILD_END) track(m->pid, 0, 0);
    else if (m->kind == CTL_POWEROFF && !*poweroff_req) { *poweroff_req = 1; *grace = m->arg; }
}

static void drain_ctl(int powering_off)
{
    /* Records are written atomically, so the pipe only ever holds whole ones; a short read means
     * it is empty. */
    struct ctl_msg m[32];
    ssize_t n;
    int req = 0;
    uint32_t grace = 0;
    do {
        n = read(ctl[0], m, sizeof m);
        for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof *m; i++) handle_ctl(&m[i], &req, &grace);
    } while (n == (ssize_t)sizeof m);
    /* After the whole batch: power-off must know every handler that took a connection. */
    if (req && !powering_off) poweroff(grace);
}

/* A handler is gone. One that died idle (killed, or accept failing for good) is replaced only after
 * a growing delay, so a persistent failure cannot turn into a fork loop. */
static void forget_handler(pid_t p, int powering_off)
{
    int i = handler_slot(p);
    if (i < 0) return;
    if (handler_idle[i]) {
        /* It may have taken a connection and finished before we read its CTL_ACCEPTED: the
         * message was written before it exited, so it is in the pipe by now. */
        drain_ctl(powering_off);
    }
    if (handler_idle[i]) {
        n_idle--;
        if (!powering_off) {
            backoff_ms = backoff_ms ? (backoff_ms >= 5000 ? 5000 : backoff_ms * 2) : 100;
            refill_after = now_ns(CLOCK_MONOTONIC) + (uint64_t)backoff_ms * 1000000u;
        }
    }
    handlers[i] = 0;
    handler_idle[i] = 0;
}

static void reap(void)
{
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) forget_handler(p, 0);
}

static void track(pid_t pid, int workload, int add)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (add ? tracked[i] == 0 : tracked[i] == pid) {
            tracked[i] = add ? pid : 0;
            tracked_workload[i] = (uint8_t)(add && workload);
            return;
        }
    }
}

static void __attribute__((noreturn)) poweroff(uint32_t grace_ms)
{
    log_msg("powering off (grace %u ms)", grace_ms);
    /* Idle handlers serve nobody, and must not take new connections now: they go at once, so the
     * grace period below only waits for programs and the handlers reporting on them. (Messages
     * still in the pipe first: a handler that took a connection is busy, not idle.) */
    drain_ctl(1);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (handlers[i] && handler_idle[i]) kill(handlers[i], SIGKILL);
    if (pid1) kill(-1, SIGTERM);
    else {
        for (int i = 0; i < MAX_TRACKED; i++) if (tracked[i]) kill(-tracked[i], SIGTERM);
        for (int i = 0; i < MAX_TRACKED; i++) if (handlers[i]) kill(handlers[i], SIGTERM);
    }
    uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)grace_ms * 1000000u;
    while (now_ns(CLOCK_MONOTONIC) < deadline) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p < 0 && errno == ECHILD) break;
        if (p > 0) forget_handler(p, 1);
        else nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
    }
    if (pid1) kill(-1, SIGKILL);
    else {
        for (int i = 0; i < MAX_TRACKED; i++) if (tracked[i]) kill(-tracked[i], SIGKILL);
        for (int i = 0; i < MAX_TRACKED; i++) if (handlers[i]) kill(handlers[i], SIGKILL);
    }
    if (pid1) {
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
        mounts_teardown();
        /* In a VM this resets the machine (the VMM's signal that we are done); as init of a PID
         * namespace it ends the namespace, and our parent sees us killed by SIGHUP. */
        reboot(RB_AUTOBOOT);
        log_msg("reboot: %s", strerror(errno));
    }
    if (cfg.listen.kind == T_UNIX && !pid1) unlink(cfg.listen.path);
    exit(0);
}

static void forward(int sig)
{
    int n = 0;
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (tracked[i] && tracked_workload[i]) {
            if (kill(-tracked[i], sig) < 0) kill(tracked[i], sig);
            n++;
        }
    }
    if (n == 0 && !pid1 && (sig == SIGTERM || sig == SIGINT)) poweroff(2000);
    if (n == 0) log_msg("signal %d: no workload to forward it to", sig);
}

/* Closing a socket with unread input makes the kernel reset the connection, and the peer may then
 * lose our last frame (ERROR, EXIT). So: send EOF, and discard what the peer still sends until it
 * closes too, within limits. */
static void linger_close(int conn)
{
    shutdown(conn, SHUT_WR);
    uint64_t deadline = now_ns(CLOCK_MONOTONIC) + 2000000000u;
    size_t total = 0;
    char buf[16384];
    while (total < (8u << 20)) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (now >= deadline) break;
        struct pollfd pf = { conn, POLLIN, 0 };
        int r = poll(&pf, 1, (int)((deadline - now) / 1000000u) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t n = recv(conn, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
        total += (size_t)n;
    }
    close(conn);
}

static void handler_main(int conn, int ctl_w)
{
    struct frame f;
    int r = frame_read(conn, &f);
    if (r == FR_PROTO) {
        send_error(conn, 71, "malformed frame header");
        return;
    }
    if (r != FR_OK) return;
    struct cursor c;
    cur_init(&c, &f);
    switch (f.type) {
    case FT_EXEC:
        handle_exec(conn, &f, &cfg, ctl_w, !pid1, devnull);
        break;
    case FT_COPY_IN:
        handle_copy_in(conn, &f);
        break;
    case FT_COPY_OUT:
        handle_copy_out(conn, &f);
        break;
    case FT_PS:
        handle_ps(conn, &f);
        break;
    case FT_CTR_CREATE: case FT_CTR_START: case FT_CTR_SIGNAL: case FT_CTR_WAIT: case FT_CTR_DELETE:
    case FT_CTR_LOGS: case FT_CTR_LIST: case FT_CTR_STATS: case FT_CTR_ATTACH: case FT_CTR_UPDATE:
        handle_container(conn, &f, devnull);
        break;
    case FT_PING:
        if (f.len == 0) frame_write(conn, FT_OK, NULL, 0);
        else send_error(conn, 71, "malformed PING frame");
        break;
    case FT_POWEROFF: {
        uint32_t grace = cur_u32(&c);
        if (!cur_done(&c)) {
            send_error(conn, 71, "malformed POWEROFF frame");
            break;
        }
        frame_write(conn, FT_OK, NULL, 0);
        ctl_send(ctl_w, CTL_POWEROFF, 0, grace);
        break;
    }
    default:
        send_error(conn, 71, "unexpected first frame type 0x%02x", f.type);
    }
    frame_free(&f);
}

/* A handler process: waits in accept() for its one connection, reports it (so PID 1 forks a
 * replacement), serves it and exits. */
static void __attribute__((noreturn)) handler_process(int renice)
{
    close(sfd);
    close(ctl[0]);
    if (ready >= 0) close(ready);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    /* Power-off's SIGTERM is for the programs: a handler outlives its program long enough to send
     * the EXIT (e.g. 143 for SIGTERM) and is SIGKILLed with the rest after the grace period. (Idle
     * handlers are SIGKILLed at once.) */
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    /* Forked in the background at a low priority (see refill_pool): serve at the normal one. */
    if (renice) setpriority(PRIO_PROCESS, 0, base_nice);
    int32_t self = (int32_t)getpid();
    int conn;
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        conn = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        /* Only the host may drive the agent: over vsock a peer in the guest (loopback, CID 1, or its
         * own CID) or another VM would otherwise exec as root here. Refused by closing at once. */
        if (conn >= 0 && peer.ss_family == AF_VSOCK && ((struct sockaddr_vm_ *)&peer)->svm_cid != VMADDR_CID_HOST_) {
            static int said;   /* once per handler: a guest process cannot flood the console through us */
            if (!said++) log_msg("handler: refused a vsock connection from CID %u (only the host, CID 2, is served)",
                                 ((struct sockaddr_vm_ *)&peer)->svm_cid);
            close(conn);
            continue;
        }
        if (conn >= 0) break;
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS || errno == EAGAIN) {
            /* Out of fds or memory: retry later rather than spin (the connection waits in the
             * backlog). EAGAIN cannot happen on this blocking socket; if it ever did, no spin. */
            nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
            continue;
        }
        log_msg("handler: accept: %s", strerror(errno));
        _exit(2);
    }
    close(lfd);
    ctl_send(ctl[1], CTL_ACCEPTED, self, 0);
    handler_main(conn, ctl[1]);
    /* The answer is out: what is left (draining the peer, our exit) need not compete with the
     * next request. Raising the nice value needs no privilege. */
    setpriority(PRIO_PROCESS, 0, 19);
    linger_close(conn);
    _exit(0);
}

/* Forks handlers until POOL_IDLE are idle. A replacement forked while another handler is still
 * idle is background work: it runs at nice 19 (when we may return to 0 afterwards), so it does not
 * delay requests being served right now. With no idle handler left, connections are waiting: then
 * it is forked at full priority. */
static void refill_pool(void)
{
    if (refill_after && now_ns(CLOCK_MONOTONIC) < refill_after) return;
    refill_after = 0;
    while (n_idle < POOL_IDLE) {
        int slot = handler_slot(0);
        if (slot < 0) return;   /* the table is full: wait for handlers to end */
        int background = n_idle > 0 && can_renice;
        if (background) setpriority(PRIO_PROCESS, 0, 19);
        pid_t pid = fork();
        int e = errno;
        if (pid == 0) handler_process(background);
        if (background && setpriority(PRIO_PROCESS, 0, base_nice) < 0) can_renice = 0;
        if (pid < 0) {
            fork_errno = e;
            backoff_ms = backoff_ms ? (backoff_ms >= 1000 ? 1000 : backoff_ms * 2) : 10;
            refill_after = now_ns(CLOCK_MONOTONIC) + (uint64_t)backoff_ms * 1000000u;
            return;
        }
        fork_errno = 0;
        handlers[slot] = pid;
        handler_idle[slot] = 1;
        n_idle++;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: jvmm-agent [--config FILE]\n"
                    "The jvmm guest agent: PID 1 of a jvmm microVM (see PROTOCOL.md).\n");
}

int main(int argc, char **argv)
{
    const char *conf = "/jvmm/agent.conf";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) conf = argv[++i];
        else if (strcmp(argv[i], "--version") == 0) { printf("jvmm-agent %s (protocol %d)\n", AGENT_VERSION, PROTO_VERSION); return 0; }
        else if (pid1 == 0 && getpid() == 1) { /* the kernel passes unknown cmdline words to init: ignore them */ }
        else { usage(); return 2; }
    }
    pid1 = getpid() == 1;
    ensure_std_fds();
    /* Programs get default dispositions: exec keeps only ignored ones, and the only one we ignore
     * is SIGPIPE (reset in each child). Whatever else our parent ignored (debug mode) is reset
     * here, once, rather than all 64 in every child. */
    for (int sig = 1; sig < NSIG; sig++) if (sig != SIGPIPE) signal(sig, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    umask(022);
    errno = 0;
    if (config_load(conf, &cfg) < 0) die("reading the configuration");
    test_mode = cfg.root_is_dir;

    /* Before any mount: in test mode the socket file must land in the host's view. */
    lfd = make_socket(&cfg.listen, 1);
    if (lfd < 0) die("listen socket");
    /* A Unix path is unreachable once we chroot, so that connection is made now; HELLO still
     * waits until the guest is ready. */
    if (cfg.ready.kind == T_UNIX && (ready = make_socket(&cfg.ready, 0)) < 0) die("connect to the readiness socket");

    sigset_t sigs;
    sigemptyset(&sigs);
    int fwd[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
    for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&sigs, fwd[i]);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) die("signalfd");

    if (pid1) {
        errno = 0;
        if (mounts_setup(&cfg) < 0) die("mounting the file systems");
        if (!test_mode) reopen_console();
        if (cfg.hostname && sethostname(cfg.hostname, strlen(cfg.hostname)) < 0) die("sethostname");
        errno = 0;
        if (net_setup(&cfg) < 0) die("network setup");
    } else {
        /* Debug mode on a live system: touch nothing global, but adopt our orphans like init. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        log_msg("not PID 1: serving without system setup (debug mode)");
    }
    if (cfg.ready.kind == T_VSOCK && (ready = make_socket(&cfg.ready, 0)) < 0) die("connect to the readiness port");
    if (ready >= 0 && send_hello(ready) < 0) die("send HELLO");

    if (pipe2(ctl, O_CLOEXEC) < 0) die("pipe");
    set_nonblock(ctl[0], 1);
    /* Programs without input get this as stdin: one open here instead of one per exec. */
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* Probe that a nice value can be lowered again (root with CAP_SYS_NICE) before using it. */
    errno = 0;
    base_nice = getpriority(PRIO_PROCESS, 0);
    if (errno) base_nice = 0;
    can_renice = base_nice < 19 && setpriority(PRIO_PROCESS, 0, base_nice + 1) == 0
                 && setpriority(PRIO_PROCESS, 0, base_nice) == 0;
    refill_pool();
    log_msg("ready (protocol %d, agent %s)", PROTO_VERSION, AGENT_VERSION);

    for (;;) {
        /* The listening socket is the idle handlers'; we only take a connection ourselves, to
         * answer it with the error, while no handler can be forked. */
        struct pollfd pf[4] = {
            { n_idle == 0 && fork_errno ? lfd : -1, POLLIN, 0 }, { sfd, POLLIN, 0 }, { ctl[0], POLLIN, 0 },
            { ready, POLLIN, 0 },
        };
        /* While the vsock readiness connection is down, wake up to try again; while the pool is
         * short (backoff), wake up to refill it. */
        int timeout = (cfg.ready.kind == T_VSOCK && ready < 0) ? 200 : -1;
        if (n_idle < POOL_IDLE && refill_after) {
            uint64_t now = now_ns(CLOCK_MONOTONIC);
            int t = refill_after > now ? (int)((refill_after - now) / 1000000u) + 1 : 0;
            if (timeout < 0 || t < timeout) timeout = t;
        }
        if (poll(pf, 4, timeout) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (cfg.ready.kind == T_VSOCK && ready < 0) ready = reconnect_ready(&cfg.ready);
        /* Control messages first: a workload registered in this same wake-up must already be
         * known when a signal for it is forwarded below. */
        if (pf[2].revents) drain_ctl(0);
        if (pf[1].revents) {
            /* Several at a time, and one reap for all: every system call counts in an emulated
             * guest kernel. A short read means the signalfd is empty. */
            struct signalfd_siginfo si[8];
            ssize_t n;
            do {
                n = read(sfd, si, sizeof si);
                for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof *si; i++)
                    if (si[i].ssi_signo != SIGCHLD) forward((int)si[i].ssi_signo);
            } while (n == (ssize_t)sizeof si);
            reap();
        }
        if (pf[3].revents) {
            char b[64];
            ssize_t n = read(ready, b, sizeof b);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                /* Only a Unix (test mode) host going away powers us off: its process is our
                 * owner. Over vsock it is a restore (or a host restart): connect again. */
                if (cfg.ready.kind == T_UNIX) {
                    log_msg("the host closed the readiness connection");
                    poweroff(0);
                }
                close(ready);
                ready = reconnect_ready(&cfg.ready);
            }
        }
        refill_pool();
        if (pf[0].revents && n_idle == 0 && fork_errno) {
            int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (conn >= 0) {
                send_error(conn, (uint32_t)fork_errno, "agent: cannot fork a handler: %s", strerror(fork_errno));
                close(conn);
            } else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
                nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
            }
        }
    }
}
