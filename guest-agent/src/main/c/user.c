/* User lookup for EXEC. Parsed by hand from the new root's /etc/passwd and /etc/group: a static
 * binary has no NSS, and the image's files are the only authority inside the guest anyway. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_id(const char *s, unsigned long *out)
{
    if (!*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v >= 0xffffffffUL) return -1;
    *out = v;
    return 0;
}

/* Splits a passwd/group line into at most max fields on ':'. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ':') { *p = 0; f[n++] = p + 1; }
    return n;
}

/* Finds the passwd entry by name (name != NULL) or uid. */
static int find_passwd(const char *name, uid_t uid, struct user_ids *u, char *uname, size_t unlen)
{
    FILE *f = fopen("/etc/passwd", "re");
    if (!f) return -1;
    char line[1024];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *fld[7];
        if (split(line, fld, 7) < 7) continue;
        unsigned long id, gid;
        if (parse_id(fld[2], &id) || parse_id(fld[3], &gid)) continue;
        if (name ? strcmp(fld[0], name) != 0 : (uid_t)id != uid) continue;
        u->uid = (uid_t)id;
        u->gid = (gid_t)gid;
        snprintf(u->home, sizeof u->home, "%s", fld[5]);
        snprintf(uname, unlen, "%s", fld[0]);
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

static void add_groups(struct user_ids *u, const char *uname)
{
    u->groups[0] = u->gid;
    u->ngroups = 1;
    if (!*uname) return;
    FILE *f = fopen("/etc/group", "re");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f) && u->ngroups < 64) {
        line[strcspn(line, "\n")] = 0;
        char *fld[4];
        if (split(line, fld, 4) < 4) continue;
        unsigned long gid;
        if (parse_id(fld[2], &gid) || (gid_t)gid == u->gid) continue;
        for (char *m = strtok(fld[3], ","); m; m = strtok(NULL, ","))
            if (strcmp(m, uname) == 0) { u->groups[u->ngroups++] = (gid_t)gid; break; }
    }
    fclose(f);
}

int user_resolve(const char *spec, struct user_ids *u, char *err, size_t errlen)
{
    char uname[256] = "";
    memset(u, 0, sizeof *u);
    snprintf(u->home, sizeof u->home, "/");
    if (!*spec) spec = "root";
    const char *colon = strchr(spec, ':');
    unsigned long id;
    if (colon) {
        /* "uid:gid" is taken literally, as docker does; no supplementary groups. */
        char a[32];
        size_t n = (size_t)(colon - spec);
        unsigned long gid;
        if (n >= sizeof a) goto bad;
        memcpy(a, spec, n);
        a[n] = 0;
        if (parse_id(a, &id) || parse_id(colon + 1, &gid)) goto bad;
        u->uid = (uid_t)id;
        u->gid = (gid_t)gid;
        u->groups[0] = u->gid;
        u->ngroups = 1;
        find_passwd(NULL, u->uid, &(struct user_ids){ 0 }, uname, sizeof uname);
        return 0;
    }
    if (parse_id(spec, &id) == 0) {
        if (find_passwd(NULL, (uid_t)id, u, uname, sizeof uname) != 0) {
            /* A numeric uid need not exist in the image; its group defaults to the same number. */
            u->uid = (uid_t)id;
            u->gid = (gid_t)id;
        }
        add_groups(u, uname);
        return 0;
    }
    if (find_passwd(spec, 0, u, uname, sizeof uname) != 0) {
        snprintf(err, errlen, "exec: unable to find user %s: no matching entries in passwd file", spec);
        return -1;
    }
    add_groups(u, uname);
    return 0;
bad:
    snprintf(err, errlen, "exec: invalid user %s: expected a name, UID or UID:GID", spec);
    return -1;
}
