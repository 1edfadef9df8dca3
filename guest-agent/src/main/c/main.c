/* PID 1 lifecycle: configuration, system setup, readiness, the accept loop, signal forwarding,
 * reaping and power-off. Every connection is served by its own forked handler process
 * (see README.md for why), so this loop never blocks on a peer. */
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

static int pid1;
static int test_mode;       /* root is a directory: we run in a namespace on the host */
static struct config cfg;

/* Exec'd programs currently running (reported by handlers), for signal forwarding and for
 * power-off when not PID 1 (where kill(-1) would hit the whole host). */
#define MAX_TRACKED 4096
static pid_t tracked[MAX_TRACKED];
static uint8_t tracked_workload[MAX_TRACKED];
static pid_t handlers[MAX_TRACKED];

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

static void reap(void)
{
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_TRACKED; i++)
            if (handlers[i] == p) handlers[i] = 0;
    }
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
        if (p <= 0) nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
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
    set_nonblock(conn, 1);
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
        ssize_t n = read(conn, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
        total += (size_t)n;
    }
    close(conn);
}

static void handler_main(int conn, int ctl_w)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    /* Power-off's SIGTERM is for the programs: a handler outlives its program long enough to send
     * the EXIT (e.g. 143 for SIGTERM) and is SIGKILLed with the rest after the grace period. */
    sigaddset(&chld, SIGTERM);
    sigprocmask(SIG_SETMASK, &chld, NULL);
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
        handle_exec(conn, &f, &cfg, ctl_w);
        break;
    case FT_COPY_IN:
        handle_copy_in(conn, &f);
        break;
    case FT_COPY_OUT:
        handle_copy_out(conn, &f);
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
    signal(SIGPIPE, SIG_IGN);
    umask(022);
    errno = 0;
    if (config_load(conf, &cfg) < 0) die("reading the configuration");
    test_mode = cfg.root_is_dir;

    /* Before any mount: in test mode the socket file must land in the host's view. */
    int lfd = make_socket(&cfg.listen, 1);
    if (lfd < 0) die("listen socket");
    int ready = -1;
    /* A Unix path is unreachable once we chroot, so that connection is made now; HELLO still
     * waits until the guest is ready. */
    if (cfg.ready.kind == T_UNIX && (ready = make_socket(&cfg.ready, 0)) < 0) die("connect to the readiness socket");

    sigset_t sigs;
    sigemptyset(&sigs);
    int fwd[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
    for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&sigs, fwd[i]);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
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

    int ctl[2];
    if (pipe2(ctl, O_CLOEXEC) < 0) die("pipe");
    set_nonblock(ctl[0], 1);
    log_msg("ready (protocol %d, agent %s)", PROTO_VERSION, AGENT_VERSION);

    for (;;) {
        struct pollfd pf[4] = {
            { lfd, POLLIN, 0 }, { sfd, POLLIN, 0 }, { ctl[0], POLLIN, 0 }, { ready, POLLIN, 0 },
        };
        /* While the vsock readiness connection is down, wake up to try again. */
        int timeout = (cfg.ready.kind == T_VSOCK && ready < 0) ? 200 : -1;
        if (poll(pf, 4, timeout) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (cfg.ready.kind == T_VSOCK && ready < 0) ready = reconnect_ready(&cfg.ready);
        /* Control messages first: a workload registered in this same wake-up must already be
         * known when a signal for it is forwarded below. */
        if (pf[2].revents) {
            struct ctl_msg m;
            while (read(ctl[0], &m, sizeof m) == (ssize_t)sizeof m) {
                if (m.kind == CTL_CHILD_START) track(m.pid, (int)m.arg, 1);
                else if (m.kind == CTL_CHILD_END) track(m.pid, 0, 0);
                else if (m.kind == CTL_POWEROFF) poweroff(m.arg);
            }
        }
        if (pf[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD) reap();
                else forward((int)si.ssi_signo);
            }
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
        if (pf[0].revents) {
            int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (conn < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
                    nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
                continue;
            }
            pid_t pid = fork();
            if (pid == 0) {
                close(lfd);
                close(sfd);
                close(ctl[0]);
                if (ready >= 0) close(ready);
                handler_main(conn, ctl[1]);
                linger_close(conn);
                _exit(0);
            }
            if (pid < 0) send_error(conn, (uint32_t)errno, "agent: cannot fork a handler: %s", strerror(errno));
            else for (int i = 0; i < MAX_TRACKED; i++) if (!handlers[i]) { handlers[i] = pid; break; }
            close(conn);
        }
    }
}
