/*
 * virtio-fs.elf: a polling virtio-fs driver speaking FUSE on the first request
 * queue. INIT, then reads file in= of the share's root (LOOKUP, OPEN, READ at
 * depth=, RELEASE), creates file out= and writes those bytes back (CREATE,
 * WRITE at depth=, RELEASE), and removes file unlink= (UNLINK). With
 * expect-ro=1 the CREATE and UNLINK must fail with EROFS. With bench=read or
 * bench=meta it measures instead (READs of file in=, or LOOKUP+GETATTR pairs).
 * See README.md. Exit 0 if every request got the answer it should, else 1.
 */
#include "virtio.h"

#define VIRTIO_ID_FS 26

typedef int s32;

#define FUSE_LOOKUP  1
#define FUSE_GETATTR 3
#define FUSE_UNLINK  10
#define FUSE_OPEN    14
#define FUSE_READ    15
#define FUSE_WRITE   16
#define FUSE_RELEASE 18
#define FUSE_INIT    26
#define FUSE_CREATE  35
#define FUSE_ROOT_ID 1

#define EROFS 30
#define O_RDONLY 0
#define O_WRONLY 1
#define O_EXCL   0x80

#define MAX_DEPTH 32
#define MAX_FILE  (64UL << 20)

struct fuse_in_header {
	u32 len;
	u32 opcode;
	u64 unique;
	u64 nodeid;
	u32 uid;
	u32 gid;
	u32 pid;
	u16 total_extlen;
	u16 padding;
};

struct fuse_out_header {
	u32 len;
	s32 error;
	u64 unique;
};

/* A request's device-readable part: header and fixed arguments, then a name if any. */
struct req {
	struct fuse_in_header in;
	u8 args[64 + 256];
	struct fuse_out_header out;   /* device-writable from here */
	u8 reply[192];
};

static struct vdev dev;
static struct virtq hiprio, q;
static struct req *reqs;       /* one per slot */
static u64 unique = 1;
static int failures;
/* wait=1: the probe spins on this after OPEN until the host sets it (snapshot tests). */
static volatile u64 host_go;

static u32 put_name(u8 *at, const char *name)
{
	u32 n = 0;
	while (name[n]) {
		at[n] = (u8)name[n];
		n++;
	}
	at[n] = 0;
	return n + 1;
}

static void header(struct req *r, u32 opcode, u64 nodeid, u32 args_len)
{
	r->in.len = (u32)sizeof(r->in) + args_len;
	r->in.opcode = opcode;
	r->in.unique = unique++;
	r->in.nodeid = nodeid;
	r->in.uid = 0;
	r->in.gid = 0;
	r->in.pid = 1;
	r->in.total_extlen = 0;
	r->in.padding = 0;
	r->out.len = 0;
	r->out.error = -1;
}

/*
 * Submits slot's request: its header and args_len bytes of arguments, then data (device-readable
 * when dev_writes is 0, else device-writable after the reply's header) and reply_len bytes of reply.
 */
static void submit(u32 slot, u32 args_len, void *data, u32 data_len, int dev_writes, u32 reply_len)
{
	struct req *r = &reqs[slot];
	struct vbuf b[4];
	int n = 0;

	b[n++] = (struct vbuf){ (u64)&r->in, (u32)sizeof(r->in) + args_len, 0 };
	if (data_len && !dev_writes)
		b[n++] = (struct vbuf){ (u64)data, data_len, 0 };
	b[n++] = (struct vbuf){ (u64)&r->out, (u32)sizeof(r->out) + reply_len, 1 };
	if (data_len && dev_writes)
		b[n++] = (struct vbuf){ (u64)data, data_len, 1 };
	if (virtq_submit(&q, b, n, slot) != 0) {
		uprintf("virtio-fs: queue full\n");
		vexit(1);
	}
}

/* One request in slot 0, waited for; returns the reply's error (0 or -errno) and checks the lengths. */
static s32 call(u32 args_len, u32 reply_len)
{
	submit(0, args_len, 0, 0, 0, reply_len);
	virtq_kick(&q);
	u64 slot;
	u32 used;
	virtq_wait(&q, &slot, &used);
	struct req *r = &reqs[0];
	if (r->out.unique != r->in.unique || used != r->out.len || used < sizeof(r->out)) {
		uprintf("virtio-fs: opcode %u: reply unique %lu len %u used %u\n", r->in.opcode, r->out.unique, r->out.len,
			used);
		vexit(1);
	}
	return r->out.error;
}

static void expect(const char *what, s32 err, s32 want)
{
	if (err != want) {
		uprintf("virtio-fs: %s answered %d, expected %d\n", what, err, want);
		failures++;
	}
}

static u32 max_write;

static void init(void)
{
	struct req *r = &reqs[0];
	u32 *a = (u32 *)r->args;
	header(r, FUSE_INIT, 0, 64);
	memset(a, 0, 64);
	a[0] = 7;           /* major */
	a[1] = 37;          /* minor, as Linux 6.1 */
	a[2] = 128 << 10;   /* max_readahead */
	a[3] = 0;           /* flags: none (no ASYNC_READ or BIG_WRITES needed here) */
	s32 err = call(64, 64);
	u32 *o = (u32 *)r->reply;
	max_write = o[5];
	uprintf("virtio-fs: init %d major %u minor %u max_write %u\n", err, o[0], o[1], max_write);
	expect("INIT", err, 0);
	if (err)
		vexit(1);
	if (max_write < 4096)
		max_write = 4096;
}

/* LOOKUP name in the root; returns the node id (0 on error) and the file size. */
static u64 lookup(const char *name, u64 *size, s32 *err)
{
	struct req *r = &reqs[0];
	u32 n = put_name(r->args, name);
	header(r, FUSE_LOOKUP, FUSE_ROOT_ID, n);
	*err = call(n, 128);
	if (*err)
		return 0;
	*size = *(u64 *)(r->reply + 48);
	return *(u64 *)r->reply;
}

/* OPEN or CREATE result: the file handle. */
static u64 open_node(u64 node, u32 flags, s32 *err)
{
	struct req *r = &reqs[0];
	u32 *a = (u32 *)r->args;
	header(r, FUSE_OPEN, node, 8);
	a[0] = flags;
	a[1] = 0;
	*err = call(8, 16);
	return *err ? 0 : *(u64 *)r->reply;
}

static void release(u64 node, u64 fh)
{
	struct req *r = &reqs[0];
	u64 *a = (u64 *)r->args;
	header(r, FUSE_RELEASE, node, 24);
	a[0] = fh;
	a[1] = 0;
	a[2] = 0;
	expect("RELEASE", call(24, 0), 0);
}

/*
 * READ (write 0) or WRITE (write 1) of [0, size) of fh in chunk-sized requests, depth at once;
 * returns the first error. Each slot's request fills args with fuse_read_in / fuse_write_in.
 */
static s32 transfer(int write, u64 node, u64 fh, u8 *buf, u64 size, u64 chunk, u64 depth)
{
	u64 nreq = (size + chunk - 1) / chunk, submitted = 0, done = 0;
	u64 offsets[MAX_DEPTH];
	u32 free_slots[MAX_DEPTH], nfree = 0;
	s32 worst = 0;

	for (u32 i = 0; i < depth; i++)
		free_slots[nfree++] = (u32)depth - 1 - i;
	while (done < nreq) {
		while (submitted < nreq && nfree > 0) {
			u32 slot = free_slots[--nfree];
			struct req *r = &reqs[slot];
			u64 off = submitted * chunk;
			u32 len = (u32)(size - off < chunk ? size - off : chunk);
			u64 *a = (u64 *)r->args;
			header(r, write ? FUSE_WRITE : FUSE_READ, node, 40);
			a[0] = fh;
			a[1] = off;
			((u32 *)a)[4] = len;   /* size */
			((u32 *)a)[5] = 0;     /* read_flags / write_flags */
			a[3] = 0;              /* lock_owner */
			a[4] = 0;              /* flags, padding */
			if (write)
				r->in.len += len;
			offsets[slot] = len;
			submit(slot, 40, buf + off, len, !write, write ? 8 : 0);
			submitted++;
		}
		virtq_kick(&q);
		u64 slot;
		u32 used;
		virtq_wait(&q, &slot, &used);
		do {
			struct req *r = &reqs[slot];
			s32 err = r->out.error;
			u32 want = write ? (u32)sizeof(r->out) + 8 : (u32)sizeof(r->out) + (u32)offsets[slot];
			if (!err && (used != want || (write && *(u32 *)r->reply != offsets[slot]))) {
				uprintf("virtio-fs: %s at %lu: used %u, expected %u\n", write ? "WRITE" : "READ", r->in.unique,
					used, want);
				err = -5;
			}
			if (err && !worst)
				worst = err;
			free_slots[nfree++] = (u32)slot;
			done++;
		} while (done < submitted && virtq_poll(&q, &slot, &used));
	}
	return worst;
}


/* xorshift64: the random bench's sequence, as the virtio-blk probe's. */
static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd_next(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void bench_line(const char *what, u64 bs, u64 depth, u64 nreq, u64 cycles)
{
	u64 bytes = nreq * bs, us = tsc_hz ? cycles * 1000000 / tsc_hz : 0;
	if (us == 0)
		us = 1;
	if (tsc_hz)
		uprintf("virtio-fs: bench rw %s bs %lu depth %lu bytes %lu cycles %lu MBps %lu iops %lu\n", what, bs / 1024,
			depth, bytes, cycles, bytes / us, nreq * 1000000 / us);
	else
		uprintf("virtio-fs: bench rw %s bs %lu depth %lu bytes %lu cycles %lu MBps ? iops ?\n", what, bs / 1024,
			depth, bytes, cycles);
}

/*
 * bench=read: mib= MiB of READs of bs= KiB each from an open file of size bytes, depth= at once,
 * into depth buffers that are reused (as the virtio-blk bench); offsets run sequentially and wrap,
 * or with random=1 follow the xorshift sequence, aligned to bs. Same loop as the blk bench: submit
 * depth, kick, then per completion resubmit one, kick after each collected batch.
 */
static void bench_read(u64 node, u64 fh, u64 size, u64 depth)
{
	u64 bs = arg_u64("bs", 1024) * 1024, mib = boot_info->args.mib;
	int random = (int)arg_u64("random", 0);
	if (bs == 0 || bs > max_write || bs > size) {
		uprintf("probe: bad cmdline argument 'bs=%lu': want 1..%u KiB and at most the file's size\n", bs / 1024,
			max_write / 1024);
		uexit(EXIT_BAD_CMDLINE);
	}
	u64 nreq = (mib << 20) / bs, slots = size / bs, next = 0, submitted = 0, done = 0;
	u32 free_slots[MAX_DEPTH], nfree = 0, bad = 0;
	for (u32 i = 0; i < depth; i++)
		free_slots[nfree++] = (u32)depth - 1 - i;
	if (nreq == 0)
		nreq = 1;
	u8 *bufs = dma_alloc(depth * bs, 4096);
	memset(bufs, 0, depth * bs);   /* touched once before timing, as the blk bench's reused buffers */

	u64 start = rdtsc();
	while (done < nreq) {
		while (submitted < nreq && nfree > 0) {
			u32 slot = free_slots[--nfree];
			struct req *r = &reqs[slot];
			u64 *a = (u64 *)r->args;
			u64 off = random ? (rnd_next() % slots) * bs : next;
			next = off + bs + bs > size ? 0 : off + bs;
			header(r, FUSE_READ, node, 40);
			a[0] = fh;
			a[1] = off;
			((u32 *)a)[4] = (u32)bs;
			((u32 *)a)[5] = 0;
			a[3] = 0;
			a[4] = 0;
			submit(slot, 40, bufs + slot * bs, (u32)bs, 1, 0);
			submitted++;
		}
		virtq_kick(&q);
		u64 slot;
		u32 used;
		virtq_wait(&q, &slot, &used);
		do {
			struct req *r = &reqs[slot];
			if (r->out.error || used != sizeof(r->out) + bs)
				bad++;
			free_slots[nfree++] = (u32)slot;
			done++;
		} while (done < submitted && virtq_poll(&q, &slot, &used));
	}
	bench_line(random ? "randread" : "read", bs, depth, nreq, rdtsc() - start);
	if (bad) {
		uprintf("virtio-fs: bench %u requests failed\n", bad);
		failures++;
	}
}

/* bench=meta: count= LOOKUP of in= in the root, each followed by a GETATTR of its node, one at a time. */
static void bench_meta(const char *name)
{
	u64 count = arg_u64("count", 10000), size;
	s32 err = 0;
	struct req *r = &reqs[0];
	u64 start = rdtsc();
	for (u64 i = 0; i < count && !err; i++) {
		u64 node = lookup(name, &size, &err);
		if (err)
			break;
		u64 *a = (u64 *)r->args;
		header(r, FUSE_GETATTR, node, 16);
		a[0] = 0;   /* getattr_flags, dummy */
		a[1] = 0;   /* fh */
		err = call(16, 104);
	}
	u64 cycles = rdtsc() - start, us = tsc_hz ? cycles * 1000000 / tsc_hz : 0;
	uprintf("virtio-fs: bench meta pairs %lu status %d cycles %lu pairs/s %lu\n", count, err, cycles,
		us ? count * 1000000 / us : 0);
	expect("LOOKUP+GETATTR", err, 0);
}

static void report(const char *op, const char *name, s32 err, u64 bytes, u64 depth, u8 *buf, u64 cycles)
{
	char h[9];
	hex8(h, crc32_update(0, buf, bytes));
	uprintf("virtio-fs: %s %s status %d bytes %lu depth %lu crc32 0x%s cycles %lu\n", op, name, err, bytes, depth, h,
		cycles);
}

static int body(void *unused)
{
	(void)unused;
	virtio_find(&dev, VIRTIO_ID_FS);
	virtio_negotiate(&dev, 0);
	virtq_setup(&dev, &hiprio, 0);
	virtq_setup(&dev, &q, 1);
	virtio_driver_ok(&dev);

	char tag[37];
	for (int i = 0; i < 36; i++)
		tag[i] = (char)vcfg8(&dev, (u32)i);
	tag[36] = '\0';
	uprintf("virtio-fs: tag %s request-queues %u\n", tag, vcfg32(&dev, 36));

	u64 depth = arg_u64("depth", 1);
	if (depth < 1 || depth > MAX_DEPTH || depth * 4 > q.size) {
		uprintf("probe: bad cmdline argument 'depth=%lu': want 1..%d (and 4 descriptors each in the queue)\n",
			depth, MAX_DEPTH);
		uexit(EXIT_BAD_CMDLINE);
	}
	u64 chunk = arg_u64("chunk", 64) * 1024;
	int expect_ro = (int)arg_u64("expect-ro", 0);
	reqs = dma_alloc(sizeof(struct req) * MAX_DEPTH, 64);
	init();
	if (chunk == 0 || chunk > max_write) {
		uprintf("probe: bad cmdline argument 'chunk=%lu': want 1..%u (KiB, max_write)\n", chunk / 1024,
			max_write / 1024);
		uexit(EXIT_BAD_CMDLINE);
	}

	u64 len;
	char in[64], out[64], gone[64];
	in[0] = out[0] = gone[0] = '\0';
	const char *keys[] = { "in", "out", "unlink" };
	char *vals[] = { in, out, gone };
	for (int k = 0; k < 3; k++) {
		const char *v = arg_str(keys[k], &len);
		if (v) {
			if (len == 0 || len > 63) {
				uprintf("probe: bad cmdline argument '%s=...': want a name of 1..63 bytes\n", keys[k]);
				uexit(EXIT_BAD_CMDLINE);
			}
			memcpy(vals[k], v, len);
			vals[k][len] = '\0';
		}
	}

	u64 blen;
	if (arg_str("bench", &blen)) {
		int read = arg_is("bench", "read");
		if (!in[0] || (!read && !arg_is("bench", "meta"))) {
			uprintf("probe: bad cmdline argument 'bench=...': want read or meta, with in=\n");
			uexit(EXIT_BAD_CMDLINE);
		}
		if (read) {
			s32 err;
			u64 size = 0, node = lookup(in, &size, &err), fh = 0;
			expect("LOOKUP", err, 0);
			if (!err)
				fh = open_node(node, O_RDONLY, &err);
			expect("OPEN", err, 0);
			if (!err) {
				bench_read(node, fh, size, depth);
				release(node, fh);
			}
		} else {
			bench_meta(in);
		}
		virtio_check_status(&dev);
		vexit(failures ? 1 : 0);
	}

	u8 *buf = 0;
	u64 size = 0;
	if (in[0]) {
		s32 err;
		u64 node = lookup(in, &size, &err);
		expect("LOOKUP", err, 0);
		if (!err && size > MAX_FILE) {
			uprintf("virtio-fs: %s has %lu bytes, more than the probe reads (%lu)\n", in, size, MAX_FILE);
			vexit(1);
		}
		if (!err) {
			u64 fh = open_node(node, O_RDONLY, &err);
			expect("OPEN", err, 0);
			buf = dma_alloc(size ? size : 1, 4096);
			if (arg_u64("wait", 0)) {
				uprintf("virtio-fs: open %s fh %lu, waiting for the host at 0x%lx\n", in, fh, (u64)&host_go);
				while (!host_go)
					cpu_pause();
			}
			u64 start = rdtsc();
			if (!err)
				err = transfer(0, node, fh, buf, size, chunk, depth);
			u64 cycles = rdtsc() - start;
			expect("READ", err, 0);
			report("read", in, err, size, depth, buf, cycles);
			if (fh)
				release(node, fh);
		}
	}
	if (out[0]) {
		struct req *r = &reqs[0];
		u32 *a = (u32 *)r->args;
		u32 n = put_name(r->args + 16, out);
		header(r, FUSE_CREATE, FUSE_ROOT_ID, 16 + n);
		a[0] = O_WRONLY | O_EXCL;
		a[1] = 0100644;
		a[2] = 022;
		a[3] = 0;
		s32 err = call(16 + n, 128 + 16);
		u64 node = err ? 0 : *(u64 *)r->reply, fh = err ? 0 : *(u64 *)(r->reply + 128);
		uprintf("virtio-fs: create %s status %d\n", out, err);
		expect("CREATE", err, expect_ro ? -EROFS : 0);
		if (!err) {
			if (!buf)
				buf = dma_alloc(1, 4096);
			u64 start = rdtsc();
			err = transfer(1, node, fh, buf, size, chunk, depth);
			u64 cycles = rdtsc() - start;
			expect("WRITE", err, 0);
			report("write", out, err, size, depth, buf, cycles);
			release(node, fh);
		}
	}
	if (gone[0]) {
		struct req *r = &reqs[0];
		u32 n = put_name(r->args, gone);
		header(r, FUSE_UNLINK, FUSE_ROOT_ID, n);
		s32 err = call(n, 0);
		uprintf("virtio-fs: unlink %s status %d\n", gone, err);
		expect("UNLINK", err, expect_ro ? -EROFS : 0);
	}
	virtio_check_status(&dev);
	vexit(failures ? 1 : 0);
}

int probe_main(const struct boot *b)
{
	virtio_boot(b, "virtio-fs", body);
}
