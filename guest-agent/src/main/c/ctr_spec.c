/* CONTAINER_CREATE's payload: parsed strictly like every request (the host is not trusted), and
 * checked for what the container's setup relies on, with a one-line message naming what is wrong. */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids name a directory and a cgroup: letters, digits, '_', '-', '.', not starting with '.'. */
int ctr_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 64 || id[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
              || c == '.'))
            return 0;
    }
    return 1;
}

void ctr_spec_free(struct ctr_spec *s)
{
    free(s->id);
    free(s->root);
    free(s->hostname);
    free(s->user);
    free(s->cwd);
    strv_free(s->argv);
    strv_free(s->env);
    for (size_t i = 0; i < s->nmounts; i++) {
        free(s->mounts[i].type);
        free(s->mounts[i].source);
        free(s->mounts[i].dest);
        free(s->mounts[i].data);
    }
    free(s->mounts);
    memset(s, 0, sizeof *s);
}

/* The optional trailing mounts: u32 n, then n of (str type, str source, str dest, u32 flags, str data). */
static int parse_mounts(struct cursor *c, struct ctr_spec *s)
{
    uint32_t n = cur_u32(c);
    /* Each needs at least four 4-byte lengths and its flags, which bounds the allocation by the payload. */
    if (c->bad || n > CTR_MOUNTS_MAX || (size_t)n * 20 > c->len - c->off) return -1;
    s->mounts = calloc(n ? n : 1, sizeof *s->mounts);
    if (!s->mounts) return -1;
    for (uint32_t i = 0; i < n; i++) {
        struct ctr_mount *m = &s->mounts[i];
        s->nmounts = i + 1;   /* freed by ctr_spec_free, however far parsing got */
        m->type = cur_str(c);
        m->source = cur_str(c);
        m->dest = cur_str(c);
        m->flags = cur_u32(c);
        m->data = cur_str(c);
        if (c->bad) return -1;
    }
    return 0;
}

static int check_mounts(const struct ctr_spec *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nmounts; i++) {
        const struct ctr_mount *m = &s->mounts[i];
        int bind = strcmp(m->type, "bind") == 0;
        if (!bind && strcmp(m->type, "tmpfs") != 0)
            snprintf(err, errlen, "container %s: mount %zu: type \"%s\" is not bind or tmpfs", s->id, i, m->type);
        else if (m->dest[0] != '/')
            snprintf(err, errlen, "container %s: mount %zu: destination \"%s\" is not an absolute path", s->id, i,
                     m->dest);
        else if (bind && m->source[0] != '/')
            snprintf(err, errlen, "container %s: mount %zu: source \"%s\" is not an absolute path", s->id, i,
                     m->source);
        else if (m->flags & ~(CTR_MOUNT_RDONLY | CTR_MOUNT_NOSUID | CTR_MOUNT_NODEV | CTR_MOUNT_NOEXEC))
            snprintf(err, errlen, "container %s: mount %zu: unknown flags 0x%x", s->id, i, m->flags);
        else if (bind && m->data[0])
            snprintf(err, errlen, "container %s: mount %zu: a bind takes no data", s->id, i);
        else
            continue;
        return -1;
    }
    return 0;
}

/* 0; -1 for a malformed payload (EPROTO); -2 for a bad value (EINVAL); err says which. */
int ctr_parse_create(const struct frame *f, struct ctr_spec *s, char *err, size_t errlen)
{
    struct cursor c;
    char why[256];
    memset(s, 0, sizeof *s);
    cur_init(&c, f);
    s->id = cur_str(&c);
    s->flags = cur_u32(&c);
    s->rows = cur_u16(&c);
    s->cols = cur_u16(&c);
    s->root = cur_str(&c);
    s->hostname = cur_str(&c);
    s->user = cur_str(&c);
    s->cwd = cur_str(&c);
    s->argv = cur_strs(&c, &s->argc);
    s->env = cur_strs(&c, &s->envc);
    s->memory_max = cur_u64(&c);
    s->cpu_quota_us = cur_u32(&c);
    s->cpu_period_us = cur_u32(&c);
    s->pids_max = cur_u32(&c);
    if (!c.bad && c.off < c.len && parse_mounts(&c, s) < 0) c.bad = 1;
    if (!c.bad && c.off < c.len && sec_parse(&c, &s->sec) < 0) c.bad = 1;
    if (!cur_done(&c)) {
        snprintf(err, errlen, "malformed CONTAINER_CREATE frame");
        return -1;
    }
    const char *path = strncmp(s->root, "dir:", 4) == 0 ? s->root + 4
                       : strncmp(s->root, "image:", 6) == 0 ? s->root + 6
                                                             : NULL;
    if (!ctr_id_valid(s->id))
        snprintf(err, errlen, "container id \"%s\": 1 to 64 letters, digits, '_', '-' or '.', not starting with '.'",
                 s->id);
    else if (s->flags & ~(CTR_TTY | CTR_READONLY | CTR_STDIN))
        snprintf(err, errlen, "container %s: unknown flags 0x%x", s->id, s->flags);
    else if (!path || path[0] != '/')
        snprintf(err, errlen, "container %s: root \"%s\" must be dir:/ABSOLUTE/PATH or image:/ABSOLUTE/PATH", s->id,
                 s->root);
    else if (s->argc == 0 || s->argv[0][0] == 0)
        snprintf(err, errlen, "container %s: argv must have a non-empty first element", s->id);
    else if (s->cwd[0] && s->cwd[0] != '/')
        snprintf(err, errlen, "container %s: cwd \"%s\" is not an absolute path", s->id, s->cwd);
    else if (strlen(s->hostname) > 64)
        snprintf(err, errlen, "container %s: hostname longer than 64 bytes", s->id);
    else if (s->cpu_period_us && (s->cpu_period_us < 1000 || s->cpu_period_us > 1000000))
        snprintf(err, errlen, "container %s: cpu period %u us outside 1000..1000000", s->id, s->cpu_period_us);
    else if (s->cpu_quota_us && s->cpu_quota_us < 1000)
        snprintf(err, errlen, "container %s: cpu quota %u us below 1000", s->id, s->cpu_quota_us);
    else if (check_mounts(s, err, errlen) < 0)
        return -2;
    else if (sec_check(&s->sec, why, sizeof why) < 0) {
        snprintf(err, errlen, "container %s: %s", s->id, why);
        return -2;
    }
    else {
        for (size_t i = 0; i < s->envc; i++) {
            if (!strchr(s->env[i], '=') || s->env[i][0] == '=') {
                snprintf(err, errlen, "container %s: env entry \"%s\" is not KEY=VALUE", s->id, s->env[i]);
                return -2;
            }
        }
        return 0;
    }
    return -2;
}
