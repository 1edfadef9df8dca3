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
    memset(s, 0, sizeof *s);
}

/* 0; -1 for a malformed payload (EPROTO); -2 for a bad value (EINVAL); err says which. */
int ctr_parse_create(const struct frame *f, struct ctr_spec *s, char *err, size_t errlen)
{
    struct cursor c;
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
    else if (s->flags & ~(CTR_TTY | CTR_READONLY))
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
