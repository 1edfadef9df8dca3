/* PS: the guest's processes, read from /proc, for 'jvmm top'; with a container id, those of its PID
 * namespace only. Kernel threads and the agent's own processes (PID 1, its connection handlers and
 * the containers' monitors: the same executable) are left out, so what remains is what the workload
 * and execs started. */
#include "agent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PF_KTHREAD 0x00200000u
#define MAX_COMMAND 4096

/* The user name of uid from the root's /etc/passwd, else the number. */
static void user_name(uid_t uid, char *out, size_t len)
{
    snprintf(out, len, "%u", (unsigned)uid);
    FILE *f = fopen("/etc/passwd", "re");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *name = strtok(line, ":");
        strtok(NULL, ":");
        char *id = strtok(NULL, ":");
        if (name && id && strtoul(id, NULL, 10) == uid) {
            snprintf(out, len, "%s", name);
            break;
        }
    }
    fclose(f);
}

struct proc { uint32_t pid, ppid, uid, state; uint64_t rss, cpu_ms; char command[MAX_COMMAND]; };

/* One process's fields; 0 when it is shown, -1 when it is gone, a kernel thread or the agent's. */
static int read_proc(uint32_t pid, const struct stat *agent_exe, struct proc *p)
{
    char path[64], stat_line[1024];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    if (read_small(path, stat_line, sizeof stat_line) <= 0) return -1;
    /* pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     * ...: comm may hold spaces and parentheses, so fields are counted from the last ')'. */
    char *open_paren = strchr(stat_line, '('), *close_paren = strrchr(stat_line, ')');
    if (!open_paren || !close_paren || close_paren < open_paren) return -1;
    char comm[64];
    snprintf(comm, sizeof comm, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
    char state;
    unsigned ppid, flags;
    unsigned long utime, stime;
    long rss;
    if (sscanf(close_paren + 2, "%c %u %*d %*d %*d %*d %u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %*u %*u %ld",
               &state, &ppid, &flags, &utime, &stime, &rss) != 6)
        return -1;
    if (flags & PF_KTHREAD) return -1;
    struct stat exe;
    snprintf(path, sizeof path, "/proc/%u/exe", pid);
    if (stat(path, &exe) == 0 && exe.st_dev == agent_exe->st_dev && exe.st_ino == agent_exe->st_ino) return -1;

    char status[4096];
    snprintf(path, sizeof path, "/proc/%u/status", pid);
    if (read_small(path, status, sizeof status) <= 0) return -1;
    char *uid_line = strstr(status, "\nUid:");
    unsigned ruid = 0, euid = 0;
    if (!uid_line || sscanf(uid_line + 5, "%u %u", &ruid, &euid) != 2) return -1;

    snprintf(path, sizeof path, "/proc/%u/cmdline", pid);
    ssize_t n = read_small(path, p->command, sizeof p->command);
    if (n <= 0) {
        snprintf(p->command, sizeof p->command, "[%s]", comm);
    } else {
        while (n > 0 && p->command[n - 1] == 0) n--;
        for (ssize_t i = 0; i < n; i++) if (p->command[i] == 0 || p->command[i] == '\n') p->command[i] = ' ';
        p->command[n] = 0;
    }
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    p->pid = pid;
    p->ppid = ppid;
    p->uid = euid;
    p->state = (uint32_t)(unsigned char)state;
    p->rss = rss > 0 ? (uint64_t)rss * (uint64_t)(page > 0 ? page : 4096) : 0;
    p->cpu_ms = ticks > 0 ? (uint64_t)(utime + stime) * 1000u / (uint64_t)ticks : 0;
    return 0;
}

/* The PID namespace of process pid, as the device and inode of /proc/pid/ns/pid. */
static int pid_ns(uint32_t pid, struct stat *ns)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/ns/pid", pid);
    return stat(path, ns);
}

void handle_ps(int conn, struct frame *first)
{
    /* Optionally a container id: then only the processes of its PID namespace. */
    struct stat want_ns;
    int only_ns = 0;
    if (first->len != 0) {
        struct cursor c;
        cur_init(&c, first);
        char *id = cur_str(&c);
        if (!id || !cur_done(&c)) {
            free(id);
            send_error(conn, 71, "malformed PS frame");
            return;
        }
        char err[256];
        pid_t init = ctr_init_pid(id, err, sizeof err);
        int why = errno;
        free(id);
        if (init < 0) {
            send_error(conn, (uint32_t)why, "%s", err);
            return;
        }
        if (pid_ns((uint32_t)init, &want_ns) < 0) {
            send_error(conn, (uint32_t)errno, "ps: the container's PID namespace: %s", strerror(errno));
            return;
        }
        only_ns = 1;
    }
    struct stat agent_exe;
    DIR *d = opendir("/proc");
    if (!d || stat("/proc/self/exe", &agent_exe) < 0) {
        send_error(conn, 5, "ps: cannot read /proc");
        if (d) closedir(d);
        return;
    }
    struct buf b = { 0 };
    buf_u32(&b, 0); /* the count, patched below */
    uint32_t count = 0;
    struct proc *p = malloc(sizeof *p);
    struct dirent *e;
    while (p && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        struct stat ns;
        if (only_ns && (pid_ns((uint32_t)strtoul(e->d_name, NULL, 10), &ns) < 0 || ns.st_ino != want_ns.st_ino
                        || ns.st_dev != want_ns.st_dev))
            continue;
        if (read_proc((uint32_t)strtoul(e->d_name, NULL, 10), &agent_exe, p) < 0) continue;
        char user[64];
        user_name(p->uid, user, sizeof user);
        /* Whole processes only, and within the frame limit with room for the longest next one. */
        if (count == MAX_STRS || b.len + 2 * MAX_COMMAND + 256 > MAX_PAYLOAD) break;
        buf_u32(&b, p->pid);
        buf_u32(&b, p->ppid);
        buf_u32(&b, p->uid);
        buf_str(&b, user);
        buf_u32(&b, p->state);
        buf_u64(&b, p->rss);
        buf_u64(&b, p->cpu_ms);
        buf_str(&b, p->command);
        count++;
    }
    closedir(d);
    free(p);
    if (b.oom || b.len < 4) {
        free(b.p);
        send_error(conn, 12, "ps: out of memory");
        return;
    }
    b.p[0] = (uint8_t)count;
    b.p[1] = (uint8_t)(count >> 8);
    b.p[2] = (uint8_t)(count >> 16);
    b.p[3] = (uint8_t)(count >> 24);
    buf_send(conn, FT_OK, &b);
}
