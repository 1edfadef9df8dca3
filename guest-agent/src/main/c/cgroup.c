/* One cgroup v2 group per container, CG_BASE/<id>, for its memory, CPU and pids limits and for
 * telling an OOM kill from any other SIGKILL. The agent mounts cgroup2 on /sys/fs/cgroup in a VM
 * only: in test mode that would be the host's hierarchy. Without it, containers run without a
 * group and a request with limits is refused. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"
#define CG_BASE CG_ROOT "/jvmm"
#define CGROUP2_SUPER_MAGIC_ 0x63677270

int cg_available(void)
{
    struct statfs sf;
    return statfs(CG_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC_;
}

static int write_file(const char *dir, const char *name, const char *value)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = write_full(fd, value, strlen(value));
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* Writes limits to the group at dir; 0 is unlimited. With all, every limit is written ("max" for 0,
 * an update); else only those set (a new group is unlimited). Returns the file that failed, or NULL. */
static const char *set_limits(const char *dir, uint64_t memory_max, uint32_t quota, uint32_t period, uint32_t pids,
                              int all)
{
    char v[64];
    if (memory_max || all) {
        if (memory_max) snprintf(v, sizeof v, "%llu", (unsigned long long)memory_max);
        else snprintf(v, sizeof v, "max");
        if (write_file(dir, "memory.max", v) < 0) return "memory.max";
        /* The whole container goes on OOM, not one random process of it (and no swap to hide in). */
        if (memory_max && write_file(dir, "memory.oom.group", "1") < 0) return "memory.oom.group";
        if (memory_max && write_file(dir, "memory.swap.max", "0") < 0 && errno != ENOENT) return "memory.swap.max";
    }
    if (quota || all) {
        unsigned p = period ? period : 100000u;
        if (quota) snprintf(v, sizeof v, "%u %u", quota, p);
        else snprintf(v, sizeof v, "max %u", p);
        if (write_file(dir, "cpu.max", v) < 0) return "cpu.max";
    }
    if (pids || all) {
        if (pids) snprintf(v, sizeof v, "%u", pids);
        else snprintf(v, sizeof v, "max");
        if (write_file(dir, "pids.max", v) < 0) return "pids.max";
    }
    return NULL;
}

static int limited(const struct ctr_spec *s)
{
    return s->memory_max || s->cpu_quota_us || s->pids_max;
}

/* Creates the group with the spec's limits; 0 when done, 1 when there is no cgroup v2 and no limit
 * was asked for (the container runs without a group), -1 with a message. */
int cg_create(const struct ctr_spec *s, char *err, size_t errlen)
{
    if (!cg_available()) {
        if (!limited(s)) return 1;
        snprintf(err, errlen, "container %s: memory, CPU and pids limits need cgroup v2, which this guest does not have",
                 s->id);
        errno = ENOTSUP;
        return -1;
    }
    /* Controllers are enabled top-down; the root group may have processes (the agent), the
     * intermediate one has none, as cgroup v2 requires. */
    if ((mkdir(CG_BASE, 0755) < 0 && errno != EEXIST)
        || write_file(CG_ROOT, "cgroup.subtree_control", "+memory +cpu +pids") < 0
        || write_file(CG_BASE, "cgroup.subtree_control", "+memory +cpu +pids") < 0) {
        if (limited(s)) {
            snprintf(err, errlen, "container %s: enabling the memory, cpu and pids controllers: %s", s->id,
                     strerror(errno));
            return -1;
        }
    }
    char dir[512];
    snprintf(dir, sizeof dir, CG_BASE "/%s", s->id);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "container %s: creating cgroup %s: %s", s->id, dir, strerror(errno));
        return -1;
    }
    const char *step = set_limits(dir, s->memory_max, s->cpu_quota_us, s->cpu_period_us, s->pids_max, 0);
    if (step) {
        snprintf(err, errlen, "container %s: setting %s: %s", s->id, step, strerror(errno));
        int e = errno;
        rmdir(dir);
        errno = e;
        return -1;
    }
    return 0;
}

int cg_update(const char *id, uint64_t memory_max, uint32_t quota, uint32_t period, uint32_t pids, char *err,
              size_t errlen)
{
    char dir[512];
    struct stat st;
    snprintf(dir, sizeof dir, CG_BASE "/%s", id);
    if (!cg_available()) {
        snprintf(err, errlen, "container %s: memory, CPU and pids limits need cgroup v2, which this guest does not have",
                 id);
        errno = ENOTSUP;
        return -1;
    }
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "container %s is not running", id);
        errno = ESRCH;
        return -1;
    }
    const char *step = set_limits(dir, memory_max, quota, period, pids, 1);
    if (step) {
        snprintf(err, errlen, "container %s: setting %s: %s", id, step, strerror(errno));
        return -1;
    }
    return 0;
}

int cg_add(const char *id, pid_t pid)
{
    char dir[512], v[32];
    snprintf(dir, sizeof dir, CG_BASE "/%s", id);
    snprintf(v, sizeof v, "%d", (int)pid);
    return write_file(dir, "cgroup.procs", v);
}

int cg_procs_fd(const char *id)
{
    char path[512];
    snprintf(path, sizeof path, CG_BASE "/%s/cgroup.procs", id);
    return open(path, O_WRONLY | O_CLOEXEC);
}

/* memory.events counts the processes the OOM killer took in this group. */
int cg_oom_killed(const char *id)
{
    char path[512], text[1024];
    snprintf(path, sizeof path, CG_BASE "/%s/memory.events", id);
    if (read_small(path, text, sizeof text) <= 0) return 0;
    const char *k = strstr(text, "oom_kill ");
    return k && strtoul(k + 9, NULL, 10) > 0;
}

/* The group can only go once its last process is gone, which follows the container's init by a
 * moment (the kernel kills the rest of its PID namespace asynchronously). */
void cg_remove(const char *id)
{
    char dir[512];
    snprintf(dir, sizeof dir, CG_BASE "/%s", id);
    for (int i = 0; i < 200; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT) return;
        if (errno != EBUSY) break;
        nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
    }
    log_msg("container %s: removing cgroup %s: %s", id, dir, strerror(errno));
}

/* Appends "prefix<key>" = value for each "key value" line of a flat-keyed cgroup file. */
static int add_keyed(const char *dir, const char *file, const char *prefix, char keys[][48], uint64_t *values, int n)
{
    char path[512], text[8192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (read_small(path, text, sizeof text) <= 0) return n;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && n < CG_STATS_MAX;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp || sp == line) continue;
        *sp = 0;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(sp + 1, &end, 10);
        if (errno || end == sp + 1) continue;
        snprintf(keys[n], 48, "%s%s", prefix, line);
        values[n++] = v;
    }
    return n;
}

/* Appends a single-value file's number under its own name; "max" (no limit) is left out. */
static int add_single(const char *dir, const char *file, char keys[][48], uint64_t *values, int n)
{
    char path[512], text[64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n >= CG_STATS_MAX || read_small(path, text, sizeof text) <= 0) return n;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text) return n;
    snprintf(keys[n], 48, "%s", file);
    values[n++] = v;
    return n;
}

int cg_stats(const char *id, char keys[][48], uint64_t *values)
{
    char dir[512];
    snprintf(dir, sizeof dir, CG_BASE "/%s", id);
    int n = 0;
    n = add_keyed(dir, "cpu.stat", "cpu.", keys, values, n);
    n = add_single(dir, "memory.current", keys, values, n);
    n = add_single(dir, "memory.max", keys, values, n);
    n = add_single(dir, "memory.peak", keys, values, n);
    n = add_single(dir, "memory.swap.current", keys, values, n);
    n = add_keyed(dir, "memory.stat", "memory.stat.", keys, values, n);
    n = add_keyed(dir, "memory.events", "memory.events.", keys, values, n);
    n = add_single(dir, "pids.current", keys, values, n);
    n = add_single(dir, "pids.max", keys, values, n);
    return n;
}
