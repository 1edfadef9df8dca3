/* A container init's rlimits, umask, extra groups, capabilities and no_new_privs, in the order runc
 * applies them: what needs root before the user switch, the capability sets after it. */
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

/* The highest capability this kernel knows: a newer caller may name ones it lacks, which are skipped
 * (runc ignores unknown capabilities too). */
static int last_cap(void)
{
    int cap = 0;
    while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) cap++;
    return cap;
}

int ctr_sec_prepare(const struct ctr_security *sec, struct user_ids *u, char *err, size_t errlen)
{
    for (size_t i = 0; i < sec->nrlimits; i++) {
        const struct ctr_rlimit *r = &sec->rlimits[i];
        struct rlimit l = { (rlim_t)r->soft, (rlim_t)r->hard };
        if (setrlimit((int)r->resource, &l) < 0) {
            snprintf(err, errlen, "setrlimit %u (soft %llu, hard %llu): %s", r->resource,
                     (unsigned long long)r->soft, (unsigned long long)r->hard, strerror(errno));
            return -1;
        }
    }
    umask((sec->flags & CTR_SEC_UMASK) ? (mode_t)sec->umask : 022);
    for (size_t i = 0; i < sec->ngids; i++) {
        int known = 0;
        for (int g = 0; g < u->ngroups; g++) known |= u->groups[g] == (gid_t)sec->gids[i];
        if (known) continue;
        if (u->ngroups >= (int)(sizeof u->groups / sizeof u->groups[0])) {
            snprintf(err, errlen, "additional gids: more than %zu groups in all", sizeof u->groups / sizeof u->groups[0]);
            errno = E2BIG;
            return -1;
        }
        u->groups[u->ngroups++] = (gid_t)sec->gids[i];
    }
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

int ctr_sec_finish(const struct ctr_security *sec, char *err, size_t errlen)
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
