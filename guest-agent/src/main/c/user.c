/* User lookup for EXEC. Parsed by hand from the new root's /etc/passwd and /etc/group: a static
 * binary has no NSS, and the image's files are the only authority inside the guest anyway. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* A whole file read with plain open/read/close (stdio costs twice the system calls per exec, which
 * matter where the guest kernel is emulated): into buf, or a malloc'd buffer (heap) when larger. */
struct text { char *p, *end, *heap; };

static int slurp(const char *path, char *buf, size_t cap, struct text *t)
{
    /* The raw openat: libc's open follows O_CLOEXEC with a redundant fcntl for ancient kernels. */
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_LARGEFILE, 0);
    if (fd < 0) return -1;
    char *p = buf, *heap = NULL;
    size_t len = 0;
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= (16u << 20)) break;   /* absurdly large: use what we have */
            char *n = realloc(heap, cap * 2);
            if (!n) break;
            if (!heap) memcpy(n, p, len);
            heap = p = n;
            cap *= 2;
        }
        size_t want = cap - 1 - len;
        ssize_t r = read(fd, p + len, want);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
        if ((size_t)r < want) break;   /* a regular file reads short only at its end */
    }
    close(fd);
    p[len] = 0;
    t->p = p;
    t->end = p + len;
    t->heap = heap;
    return 0;
}

/* The next line of t (NUL-terminated in place), or NULL at the end. */
static char *next_line(struct text *t)
{
    if (t->p >= t->end) return NULL;
    char *line = t->p, *nl = memchr(line, '\n', (size_t)(t->end - line));
    if (nl) *nl = 0;
    else nl = t->end;
    t->p = nl + 1;
    return line;
}

/* Finds the passwd entry by name (name != NULL) or uid. */
static int find_passwd(const char *name, uid_t uid, struct user_ids *u, char *uname, size_t unlen)
{
    char buf[16384];
    struct text f;
    if (slurp("/etc/passwd", buf, sizeof buf, &f) < 0) return -1;
    char *line;
    int found = -1;
    while ((line = next_line(&f))) {
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
    free(f.heap);
    return found;
}

static void add_groups(struct user_ids *u, const char *uname)
{
    u->groups[0] = u->gid;
    u->ngroups = 1;
    if (!*uname) return;
    char buf[16384];
    struct text f;
    if (slurp("/etc/group", buf, sizeof buf, &f) < 0) return;
    char *line;
    while ((line = next_line(&f)) && u->ngroups < 64) {
        char *fld[4];
        if (split(line, fld, 4) < 4) continue;
        unsigned long gid;
        if (parse_id(fld[2], &gid) || (gid_t)gid == u->gid) continue;
        for (char *m = strtok(fld[3], ","); m; m = strtok(NULL, ","))
            if (strcmp(m, uname) == 0) { u->groups[u->ngroups++] = (gid_t)gid; break; }
    }
    free(f.heap);
}

/* docker's (runc's) rules: no user means uid 0 and gid 0 with no lookup, so an image without
 * /etc/passwd (FROM scratch) runs; /etc/passwd only adds HOME, the primary gid of a uid it lists and,
 * through the name, supplementary groups. Only a user given by name must be found. */
int user_resolve(const char *spec, struct user_ids *u, char *err, size_t errlen)
{
    char uname[256] = "";
    memset(u, 0, sizeof *u);
    snprintf(u->home, sizeof u->home, "/");
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
        struct user_ids entry;
        if (find_passwd(NULL, u->uid, &entry, uname, sizeof uname) == 0) memcpy(u->home, entry.home, sizeof u->home);
        return 0;
    }
    if (!*spec || parse_id(spec, &id) == 0) {
        if (!*spec) id = 0;
        if (find_passwd(NULL, (uid_t)id, u, uname, sizeof uname) != 0) {
            /* A numeric uid need not exist in the image (nor the file at all): gid 0, HOME /. */
            u->uid = (uid_t)id;
            u->gid = 0;
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
