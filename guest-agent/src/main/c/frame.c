/* Framing and payload parsing. Every length on the wire is checked against both the protocol
 * limit and the bytes actually present before anything is allocated or copied: the peer is not
 * trusted (a confused or hostile host must not crash PID 1's handlers or make them misbehave). */
#include "agent.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

static int known_type(uint8_t t)
{
    switch (t) {
    case FT_HELLO: case FT_EXEC: case FT_STARTED: case FT_STDOUT: case FT_STDERR: case FT_EXIT:
    case FT_STDIN: case FT_SIGNAL: case FT_RESIZE: case FT_COPY_IN: case FT_DATA: case FT_COPY_OUT:
    case FT_STAT: case FT_POWEROFF: case FT_PING: case FT_PS: case FT_OK: case FT_ERROR:
    case FT_CTR_CREATE: case FT_CTR_START: case FT_CTR_SIGNAL: case FT_CTR_WAIT: case FT_CTR_STATUS:
    case FT_CTR_DELETE: case FT_CTR_LOGS: case FT_CTR_LIST: case FT_CTR_STATS: case FT_CTR_ATTACH: case FT_CTR_UPDATE:
        return 1;
    default:
        return 0;
    }
}

uint32_t frame_len(const uint8_t h[8])
{
    return (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
}

int frame_read(int fd, struct frame *f)
{
    uint8_t h[8];
    f->payload = NULL;
    f->len = 0;
    int r = read_full(fd, h, sizeof h);
    if (r == 0) return FR_EOF;
    if (r < 0) return FR_IO;
    uint32_t len = frame_len(h);
    if (h[0] != FRAME_VERSION || h[2] != 0 || h[3] != 0 || len > MAX_PAYLOAD || !known_type(h[1]))
        return FR_PROTO;
    f->type = h[1];
    f->len = len;
    /* +1 so string-ish payloads can be terminated without a second copy. */
    f->payload = malloc((size_t)len + 1);
    if (!f->payload) return FR_IO;
    if (len > 0 && read_full(fd, f->payload, len) != 1) {
        frame_free(f);
        return FR_IO;
    }
    f->payload[len] = 0;
    return FR_OK;
}

void frame_free(struct frame *f)
{
    free(f->payload);
    f->payload = NULL;
}

int frame_write(int fd, uint8_t type, const void *payload, uint32_t len)
{
    uint8_t h[8] = { FRAME_VERSION, type, 0, 0,
                     (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24) };
    struct iovec iov[2] = { { h, sizeof h }, { (void *)payload, len } };
    int cnt = len ? 2 : 1;
    size_t left = sizeof h + len;
    /* writev, so small frames leave in one segment; then finish any partial write. */
    while (left > 0) {
        ssize_t n = writev(fd, iov, cnt);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        left -= (size_t)n;
        for (int i = 0; i < cnt && n > 0; i++) {
            size_t take = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
            iov[i].iov_base = (uint8_t *)iov[i].iov_base + take;
            iov[i].iov_len -= take;
            n -= (ssize_t)take;
        }
    }
    return 0;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) { b->oom = 1; return; }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void buf_u16(struct buf *b, uint16_t v) { uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) }; buf_put(b, x, 2); }
void buf_u32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    buf_put(b, x, 4);
}
void buf_u64(struct buf *b, uint64_t v) { buf_u32(b, (uint32_t)v); buf_u32(b, (uint32_t)(v >> 32)); }
void buf_str(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > MAX_STR) n = MAX_STR;
    buf_u32(b, (uint32_t)n);
    buf_put(b, s, n);
}

int buf_send(int fd, uint8_t type, struct buf *b)
{
    int r = b->oom ? -1 : frame_write(fd, type, b->p, (uint32_t)b->len);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return r;
}

int send_error(int fd, uint32_t code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* The message is specified as one line. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    struct buf b = { 0 };
    buf_u32(&b, code);
    buf_str(&b, msg);
    return buf_send(fd, FT_ERROR, &b);
}

void cur_init(struct cursor *c, const struct frame *f)
{
    c->p = f->payload;
    c->len = f->len;
    c->off = 0;
    c->bad = 0;
}

static const uint8_t *take(struct cursor *c, size_t n)
{
    if (c->bad || n > c->len - c->off) {
        c->bad = 1;
        return NULL;
    }
    const uint8_t *p = c->p + c->off;
    c->off += n;
    return p;
}

uint16_t cur_u16(struct cursor *c)
{
    const uint8_t *p = take(c, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t cur_u32(struct cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

uint64_t cur_u64(struct cursor *c)
{
    uint64_t lo = cur_u32(c);
    uint64_t hi = cur_u32(c);
    return lo | hi << 32;
}

char *cur_str(struct cursor *c)
{
    uint32_t n = cur_u32(c);
    if (c->bad || n > MAX_STR) { c->bad = 1; return NULL; }
    const uint8_t *p = take(c, n);
    if (!p) return NULL;
    if (memchr(p, 0, n)) { c->bad = 1; return NULL; }
    char *s = malloc((size_t)n + 1);
    if (!s) { c->bad = 1; return NULL; }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

char **cur_strs(struct cursor *c, size_t *count)
{
    uint32_t n = cur_u32(c);
    /* Each str needs at least its 4-byte length, which bounds the allocation by the payload. */
    if (c->bad || n > MAX_STRS || (size_t)n * 4 > c->len - c->off) { c->bad = 1; return NULL; }
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v) { c->bad = 1; return NULL; }
    for (uint32_t i = 0; i < n; i++) {
        v[i] = cur_str(c);
        if (!v[i]) { strv_free(v); return NULL; }
    }
    if (count) *count = n;
    return v;
}

int cur_done(struct cursor *c)
{
    return !c->bad && c->off == c->len;
}

void strv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}
