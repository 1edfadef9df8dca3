/* libFuzzer harness for the agent's side of the protocol: the input is what a host sends on one
 * connection. frame_read() takes it frame by frame from a memfd (it reads an fd, as from the
 * socket), and every frame is parsed as each handler parses its first frame: exec.c's own
 * parse_exec() (this file includes exec.c to reach it), COPY_IN, COPY_OUT, SIGNAL/POWEROFF and
 * RESIZE, CONTAINER_CREATE (ctr_spec.c). Built with ASan, UBSan and LeakSanitizer by FrameParserLibFuzzerTest, which also runs it. */
#include "../../main/c/exec.c"

#include <stdlib.h>
#include <sys/mman.h>

/* exec.c calls it for an EXEC into a container, which only handle_exec does: never reached here. */
int ctr_join(const char *id, char ***env, size_t *nenv, int *cgroup_fd, char *err, size_t errlen)
{
    (void)id, (void)env, (void)nenv, (void)cgroup_fd, (void)err, (void)errlen;
    abort();
}

static void parse_as_every_request(const struct frame *f)
{
    struct ctr_spec s;
    char msg[512];
    if (ctr_parse_create(f, &s, msg, sizeof msg) == 0) {
        /* What the monitor relies on once parsing succeeded. */
        if (!ctr_id_valid(s.id) || s.argc == 0 || s.argv[s.argc] || !s.root || !s.hostname || !s.user || !s.cwd)
            abort();
        if (s.nmounts > CTR_MOUNTS_MAX) abort();
        for (size_t i = 0; i < s.nmounts; i++)
            if (!s.mounts[i].type || !s.mounts[i].source || !s.mounts[i].data || !s.mounts[i].dest
                || s.mounts[i].dest[0] != '/')
                abort();
        if (s.sec.ngids > CTR_GIDS_MAX || s.sec.nrlimits > CTR_RLIMITS_MAX || s.sec.umask > 0777) abort();
        for (size_t i = 0; i < s.sec.nrlimits; i++)
            if (s.sec.rlimits[i].resource >= 16 || s.sec.rlimits[i].soft > s.sec.rlimits[i].hard) abort();
        if ((s.sec.flags & CTR_SEC_CAPS) && (s.sec.effective & ~s.sec.permitted)) abort();
    }
    ctr_spec_free(&s);

    struct req r;
    if (parse_exec(f, &r) == 0) {
        /* What handle_exec relies on once parsing succeeded. */
        if (r.argc == 0 || !r.argv || r.argv[r.argc] || !r.user || !r.cwd) abort();
        for (size_t i = 0; i < r.envc; i++)
            if (!strchr(r.env[i], '=')) abort();
        if (r.sec.ngids > CTR_GIDS_MAX || r.sec.nrlimits > CTR_RLIMITS_MAX) abort();
        char why[256];
        if (sec_check(&r.sec, why, sizeof why) == 0 && r.sec.umask > 0777) abort();
    }
    req_free(&r);

    struct cursor c;
    cur_init(&c, f);                                   /* COPY_IN: str path, u32 mode, optional str container */
    char *path = cur_str(&c);
    cur_u32(&c);
    char *ctr = c.off < c.len ? cur_str(&c) : NULL;
    if (cur_done(&c) && (!path || strlen(path) > MAX_STR || (ctr && strlen(ctr) > MAX_STR))) abort();
    free(path);
    free(ctr);

    cur_init(&c, f);                                   /* COPY_OUT: str path, optional str container */
    free(cur_str(&c));
    if (c.off < c.len) free(cur_str(&c));
    cur_done(&c);

    cur_init(&c, f);                                   /* SIGNAL, POWEROFF: u32 */
    cur_u32(&c);
    cur_done(&c);

    cur_init(&c, f);                                   /* RESIZE: u16 rows, u16 cols */
    cur_u16(&c);
    cur_u16(&c);
    cur_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int conn = -1;
    if (conn < 0 && (conn = memfd_create("conn", MFD_CLOEXEC)) < 0) abort();
    /* The offset first: ftruncate keeps it where the last input's reads left it. */
    if (lseek(conn, 0, SEEK_SET) != 0 || ftruncate(conn, 0) < 0 || write_full(conn, data, size) < 0
            || lseek(conn, 0, SEEK_SET) != 0)
        abort();
    struct frame f;
    while (frame_read(conn, &f) == FR_OK) {
        if (f.len > MAX_PAYLOAD || (f.len > 0 && !f.payload)) abort();
        parse_as_every_request(&f);
        frame_free(&f);
    }
    return 0;
}
