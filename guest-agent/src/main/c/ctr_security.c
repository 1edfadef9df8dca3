/* The security part of CONTAINER_CREATE and EXEC: rlimits, umask, extra groups, capabilities and
 * no_new_privs, parsed strictly, checked for what Linux would refuse, and applied in runc's order:
 * what needs root before the user switch, the capability sets after it. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* capset(2)'s version 3 layout: two 32-bit words per set. */
#define CAP_VERSION_3 0x20080522
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/* u32 flags, five u64 capability sets, u32 umask, u32 n + n u32 gids, u32 n + n of (u32 resource,
 * u64 soft, u64 hard). Fixed bounds, so nothing is allocated. */
int sec_parse(struct cursor *c, struct ctr_security *sec)
{
    sec->flags = cur_u32(c);
    sec->bounding = cur_u64(c);
    sec->effective = cur_u64(c);
    sec->permitted = cur_u64(c);
    sec->inheritable = cur_u64(c);
    sec->ambient = cur_u64(c);
    sec->umask = cur_u32(c);
    uint32_t n = cur_u32(c);
    if (c->bad || n > CTR_GIDS_MAX) return -1;
    for (uint32_t i = 0; i < n; i++) sec->gids[i] = cur_u32(c);
    sec->ngids = n;
    n = cur_u32(c);
    if (c->bad || n > CTR_RLIMITS_MAX) return -1;
    for (uint32_t i = 0; i < n; i++) {
        sec->rlimits[i].resource = cur_u32(c);
        sec->rlimits[i].soft = cur_u64(c);
        sec->rlimits[i].hard = cur_u64(c);
    }
    sec->nrlimits = n;
    return c->bad ? -1 : 0;
}

static int subset(uint64_t set, const char *name, uint64_t of, const char *of_name, char *err, size_t errlen)
{
    uint64_t extra = set & ~of;
    if (!extra) return 0;
    snprintf(err, errlen, "capability %d is %s but not %s", __builtin_ctzll(extra), name, of_name);
    return -1;
}

int sec_check(const struct ctr_security *sec, char *err, size_t errlen)
{
    if (sec->flags & ~(CTR_SEC_NO_NEW_PRIVS | CTR_SEC_CAPS | CTR_SEC_UMASK)) {
        snprintf(err, errlen, "unknown security flags 0x%x", sec->flags);
        return -1;
    }
    if (sec->umask > 0777) {
        snprintf(err, errlen, "umask 0%o is above 0777", sec->umask);
        return -1;
    }
    if ((sec->flags & CTR_SEC_CAPS)
        && (subset(sec->effective, "effective", sec->permitted, "permitted", err, errlen) < 0
            || subset(sec->inheritable, "inheritable", sec->bounding, "bounding", err, errlen) < 0
            || subset(sec->ambient, "ambient", sec->permitted & sec->inheritable, "permitted and inheritable", err,
                      errlen) < 0))
        return -1;
    for (size_t i = 0; i < sec->nrlimits; i++) {
        const struct ctr_rlimit *r = &sec->rlimits[i];
        if (r->resource >= 16) {
            snprintf(err, errlen, "rlimit %zu: resource %u is not 0..15", i, r->resource);
            return -1;
        }
        if (r->soft > r->hard) {
            snprintf(err, errlen, "rlimit %zu: soft limit %llu is above the hard limit %llu", i,
                     (unsigned long long)r->soft, (unsigned long long)r->hard);
            return -1;
        }
    }
    return 0;
}

int sec_add_groups(const struct ctr_security *sec, struct user_ids *u, char *err, size_t errlen)
{
    const int max = (int)(sizeof u->groups / sizeof u->groups[0]);
    for (size_t i = 0; i < sec->ngids; i++) {
        int known = 0;
        for (int g = 0; g < u->ngroups; g++) known |= u->groups[g] == (gid_t)sec->gids[i];
        if (known) continue;
        if (u->ngroups >= max) {
            snprintf(err, errlen, "additional gids: more than %d groups in all", max);
            errno = E2BIG;
            return -1;
        }
        u->groups[u->ngroups++] = (gid_t)sec->gids[i];
    }
    return 0;
}

/* The highest capability this kernel knows: a newer caller may name ones it lacks, which are skipped
 * (runc ignores unknown capabilities too). */
static int last_cap(void)
{
    int cap = 0;
    while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) cap++;
    return cap;
}

int sec_before_user(const struct ctr_security *sec, char *err, size_t errlen)
{
    for (size_t i = 0; i < sec->nrlimits; i++) {
        const struct ctr_rlimit *r = &sec->rlimits[i];
        /* prlimit64 itself: libc's setrlimit may broadcast to threads, which a vfork child must not. */
        uint64_t l[2] = { r->soft, r->hard };
        if (syscall(SYS_prlimit64, 0, (int)r->resource, l, NULL) < 0) {
            snprintf(err, errlen, "setrlimit %u (soft %llu, hard %llu): %s", r->resource,
                     (unsigned long long)r->soft, (unsigned long long)r->hard, strerror(errno));
            return -1;
        }
    }
    umask((sec->flags & CTR_SEC_UMASK) ? (mode_t)sec->umask : 022);
    if (!(sec->flags & CTR_SEC_CAPS)) return 0;
    int last = last_cap();
    for (int cap = 0; cap <= last; cap++) {
        if ((sec->bounding >> cap) & 1) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            snprintf(err, errlen, "dropping capability %d from the bounding set: %s", cap, strerror(errno));
            return -1;
        }
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "keepcaps: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int sec_after_user(const struct ctr_security *sec, char *err, size_t errlen)
{
    if (sec->flags & CTR_SEC_CAPS) {
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        struct cap_header h = { CAP_VERSION_3, 0 };
        struct cap_data d[2];
        for (int w = 0; w < 2; w++) {
            d[w].effective = (uint32_t)(sec->effective >> (32 * w));
            d[w].permitted = (uint32_t)(sec->permitted >> (32 * w));
            d[w].inheritable = (uint32_t)(sec->inheritable >> (32 * w));
        }
        if (syscall(SYS_capset, &h, d) < 0) {
            snprintf(err, errlen, "setting the capability sets: %s", strerror(errno));
            return -1;
        }
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        int last = last_cap();
        for (int cap = 0; cap <= last; cap++) {
            if (!((sec->ambient >> cap) & 1)) continue;
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
                snprintf(err, errlen, "raising ambient capability %d: %s", cap, strerror(errno));
                return -1;
            }
        }
    }
    if ((sec->flags & CTR_SEC_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}
