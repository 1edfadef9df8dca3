/*
 * virtio-blk.elf: a polling virtio-blk driver. Prints the device's geometry and
 * features, then runs the ops of op= (default id,checksum) in order; see README.md.
 * Exit 0 if every op got the status it should, else 1.
 */
#include "virtio.h"

#define BLK_F_SIZE_MAX     1
#define BLK_F_SEG_MAX      2
#define BLK_F_RO           5
#define BLK_F_BLK_SIZE     6
#define BLK_F_FLUSH        9
#define BLK_F_TOPOLOGY     10
#define BLK_F_DISCARD      13
#define BLK_F_WRITE_ZEROES 14

#define T_IN           0
#define T_OUT          1
#define T_FLUSH        4
#define T_GET_ID       8
#define T_DISCARD      11
#define T_WRITE_ZEROES 13
#define T_BAD          0x7f

#define S_OK     0
#define S_IOERR  1
#define S_UNSUPP 2
#define S_ANY_ERR 0x100 /* "want": IOERR or UNSUPP */
#define S_OK_OR_UNSUPP 0x101
#define S_ANY 0x102

#define SECTOR 512

struct req {
	u32 type;
	u32 reserved;
	u64 sector;
	/* discard / write-zeroes segment (device-readable) */
	u64 seg_sector;
	u32 seg_num;
	u32 seg_flags;
	u8 status;       /* device-writable */
	u8 pad[31];
};

static struct vdev dev;
static struct virtq q;
static struct req *reqs;       /* one per queue entry */
static u64 capacity, size_max, seg_max;
static int ro, expect_ro;
static u64 chunk;              /* bytes */
static u8 *chunk_buf;
static int failures;

/* Builds and submits one request in slot; data may be 0 (len 0). Returns 0, or -1 if the queue is full. */
static int submit(u32 slot, u32 type, u64 sector, void *data, u64 len, int dev_writes)
{
	struct vbuf b[VQ_MAX_CHAIN];
	struct req *r = &reqs[slot];
	int n = 0;

	r->type = type;
	r->reserved = 0;
	r->sector = sector;
	r->status = 0xff;
	b[n++] = (struct vbuf){ (u64)r, 16, 0 };
	if (type == T_DISCARD || type == T_WRITE_ZEROES) {
		b[n++] = (struct vbuf){ (u64)&r->seg_sector, 16, 0 };
	} else {
		u64 off = 0;
		while (off < len) {
			u64 part = len - off;
			if (size_max && part > size_max)
				part = size_max;
			if (n >= VQ_MAX_CHAIN - 1 || (seg_max && (u64)(n - 1) >= seg_max)) {
				uprintf("virtio-blk: request of %lu bytes needs more than %d segments\n", len, n - 1);
				vexit(1);
			}
			b[n++] = (struct vbuf){ (u64)data + off, (u32)part, (u32)dev_writes };
			off += part;
		}
	}
	b[n++] = (struct vbuf){ (u64)&r->status, 1, 1 };
	return virtq_submit(&q, b, n, slot);
}

static u8 call(u32 type, u64 sector, void *data, u64 len, int dev_writes)
{
	if (submit(0, type, sector, data, len, dev_writes) != 0) {
		uprintf("virtio-blk: queue full\n");
		vexit(1);
	}
	virtq_kick(&q);
	u64 slot;
	virtq_wait(&q, &slot, 0);
	return reqs[slot].status;
}

static void expect(u32 st, u32 want)
{
	int ok;
	if (want == S_ANY)
		ok = st <= S_UNSUPP;
	else if (want == S_ANY_ERR)
		ok = st == S_IOERR || st == S_UNSUPP;
	else if (want == S_OK_OR_UNSUPP)
		ok = st == S_OK || st == S_UNSUPP;
	else
		ok = st == want;
	if (!ok)
		failures++;
}

/* What a request that writes the disk should get. */
static u32 want_write(void)
{
	if (expect_ro)
		return S_ANY_ERR;
	return S_OK;
}

/* Per-sector contents for fill: byte i of sector s = (s * 31 + i) & 0xff. */
static void fill_sectors(u8 *buf, u64 sector, u64 n)
{
	for (u64 s = 0; s < n; s++)
		for (u32 i = 0; i < SECTOR; i++)
			buf[s * SECTOR + i] = (u8)((sector + s) * 31 + i);
}

enum rw_kind { RW_READ, RW_WRITE, RW_FILL };

/* Reads or writes [sector, sector + count) in chunk-sized requests; returns the first non-OK status (or OK). */
static u8 rw(enum rw_kind kind, u64 sector, u64 count, int pattern, u32 *crc)
{
	u8 worst = S_OK;
	u64 per = chunk / SECTOR;

	if (kind == RW_WRITE)
		memset(chunk_buf, pattern, chunk);
	for (u64 s = sector; s < sector + count; s += per) {
		u64 n = sector + count - s < per ? sector + count - s : per;
		u8 st;
		if (kind == RW_READ) {
			st = call(T_IN, s, chunk_buf, n * SECTOR, 1);
			if (crc)
				*crc = crc32_update(*crc, chunk_buf, n * SECTOR);
		} else {
			if (kind == RW_FILL)
				fill_sectors(chunk_buf, s, n);
			st = call(T_OUT, s, chunk_buf, n * SECTOR, 0);
		}
		if (st != S_OK && worst == S_OK)
			worst = st;
	}
	return worst;
}

static u8 range_op(u32 type, u64 sector, u64 count)
{
	struct req *r = &reqs[0];
	r->seg_sector = sector;
	r->seg_num = (u32)count;
	r->seg_flags = 0;
	return call(type, 0, 0, 0, 0);
}

static void op_id(void)
{
	char id[21];
	u8 *buf = chunk_buf;

	memset(buf, 0, 20);
	u8 st = call(T_GET_ID, 0, buf, 20, 1);
	int n = 0;
	for (; n < 20 && buf[n]; n++)
		id[n] = buf[n] >= 0x20 && buf[n] < 0x7f ? (char)buf[n] : '?';
	id[n] = '\0';
	if (st != S_OK)
		uprintf("virtio-blk: id status %u\n", st);
	uprintf("virtio-blk: id %s\n", id);
	expect(st, S_OK);
}

/* xorshift64: the random bench's sequence, the same in every VMM. */
static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd_next(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void op_bench(void)
{
	u64 mib = boot_info->args.mib;
	int random = (int)arg_u64("random", 0);
	u64 bs = arg_u64("bs", 64) * 1024;
	u64 depth = arg_u64("depth", 1);
	int write = arg_is("rw", "write");
	u64 vlen;

	if (arg_str("rw", &vlen) && !write && !arg_is("rw", "read")) {
		uprintf("probe: bad cmdline argument 'rw=...': want read or write\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	u64 spr = bs / SECTOR;
	if (bs == 0 || spr > capacity) {
		uprintf("virtio-blk: bench bs %lu KiB does not fit a %lu-sector disk\n", bs / 1024, capacity);
		vexit(1);
	}
	u64 segs = size_max ? (bs + size_max - 1) / size_max : 1;
	u64 per_req = has_feature(&dev, VIRTIO_F_INDIRECT_DESC) ? 1 : segs + 2;
	if (depth < 1)
		depth = 1;
	if (depth > q.size / per_req)
		depth = q.size / per_req;
	u64 nreq = (mib << 20) / bs;
	if (nreq == 0)
		nreq = 1;
	u8 *bufs = dma_alloc(depth * bs, 4096);
	u64 next_sector = 0, submitted = 0, done = 0;
	u32 bad = 0;

	u64 start = rdtsc();
	u64 slots = capacity / spr;
	for (; submitted < depth && submitted < nreq; submitted++) {
		if (random)
			next_sector = (rnd_next() % slots) * spr;
		if (next_sector + spr > capacity)
			next_sector = 0;
		submit((u32)submitted, write ? T_OUT : T_IN, next_sector, bufs + submitted * bs, bs, !write);
		next_sector += spr;
	}
	virtq_kick(&q);
	while (done < nreq) {
		u64 slot;
		virtq_wait(&q, &slot, 0);
		do {
			done++;
			if (reqs[slot].status != S_OK)
				bad++;
			if (submitted < nreq) {
				if (random)
					next_sector = (rnd_next() % slots) * spr;
				if (next_sector + spr > capacity)
					next_sector = 0;
				submit((u32)slot, write ? T_OUT : T_IN, next_sector, bufs + slot * bs, bs, !write);
				next_sector += spr;
				submitted++;
			}
		} while (virtq_poll(&q, &slot, 0));
		virtq_kick(&q);
	}
	u64 cycles = rdtsc() - start;
	u64 bytes = nreq * bs;
	if (cycles == 0)
		cycles = 1;
	if (tsc_hz) {
		u64 us = cycles * 1000000 / tsc_hz;
		if (us == 0)
			us = 1;
		uprintf("virtio-blk: bench rw %s bs %lu depth %lu bytes %lu cycles %lu MBps %lu iops %lu\n",
			random ? (write ? "randwrite" : "randread") : (write ? "write" : "read"), bs / 1024, depth, bytes, cycles, bytes / us, nreq * 1000000 / us);
	} else {
		uprintf("virtio-blk: bench rw %s bs %lu depth %lu bytes %lu cycles %lu MBps ? iops ?\n",
			random ? (write ? "randwrite" : "randread") : (write ? "write" : "read"), bs / 1024, depth, bytes, cycles);
	}
	if (bad)
		uprintf("virtio-blk: bench %u requests failed\n", bad);
	/* With expect-ro=1 every write must fail; otherwise every request must succeed. */
	if (write && expect_ro ? bad != nreq : bad != 0)
		failures++;
}

static int body(void *unused)
{
	(void)unused;
	virtio_find(&dev, VIRTIO_ID_BLK);
	virtio_negotiate(&dev, BIT(BLK_F_SIZE_MAX) | BIT(BLK_F_SEG_MAX) | BIT(BLK_F_RO) | BIT(BLK_F_BLK_SIZE) |
				       BIT(BLK_F_FLUSH) | BIT(BLK_F_TOPOLOGY) | BIT(BLK_F_DISCARD) |
				       BIT(BLK_F_WRITE_ZEROES));
	virtq_setup(&dev, &q, 0);
	virtio_driver_ok(&dev);

	capacity = vcfg64(&dev, 0);
	size_max = has_feature(&dev, BLK_F_SIZE_MAX) ? vcfg32(&dev, 8) : 0;
	seg_max = has_feature(&dev, BLK_F_SEG_MAX) ? vcfg32(&dev, 12) : 0;
	ro = has_feature(&dev, BLK_F_RO);
	expect_ro = (int)arg_u64("expect-ro", 0);
	uprintf("virtio-blk: capacity %lu ro %d flush %d discard %d write-zeroes %d seg-max %lu\n", capacity, ro,
		has_feature(&dev, BLK_F_FLUSH), has_feature(&dev, BLK_F_DISCARD), has_feature(&dev, BLK_F_WRITE_ZEROES),
		seg_max);
	if (expect_ro && !ro) {
		uprintf("virtio-blk: expect-ro=1 but the device is writable\n");
		failures++;
	}

	chunk = arg_u64("chunk", 64) * 1024;
	if (chunk == 0 || chunk > (16UL << 20)) {
		uprintf("probe: bad cmdline argument 'chunk=...': want 1..16384 (KiB)\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	reqs = dma_alloc(sizeof(struct req) * q.size, 64);
	chunk_buf = dma_alloc(chunk, 4096);
	u64 sector = arg_u64("sector", 0), count = arg_u64("count", 1);
	u64 pattern = arg_u64("pattern", 0);

	u64 oplen;
	const char *ops = arg_str("op", &oplen);
	if (!ops) {
		ops = "id,checksum";
		oplen = 11;
	}
	for (u64 i = 0; i < oplen;) {
		u64 j = i;
		while (j < oplen && ops[j] != ',')
			j++;
		char op[16];
		u64 n = j - i < sizeof(op) - 1 ? j - i : sizeof(op) - 1;
		memcpy(op, ops + i, n);
		op[n] = '\0';
		i = j + 1;
		const char *names[] = { "id", "checksum", "write", "read", "fill", "flush", "discard",
					"write-zeroes", "beyond", "badtype", "bench" };
		int k = 0;
		for (; k < (int)(sizeof(names) / sizeof(names[0])); k++) {
			const char *a = names[k];
			u64 m = 0;
			while (a[m] && m < n && a[m] == op[m])
				m++;
			if (a[m] == '\0' && m == n)
				break;
		}
		u8 st;
		u32 crc = 0;
		switch (k) {
		case 0:
			op_id();
			break;
		case 1:
			st = rw(RW_READ, 0, capacity, 0, &crc);
			{
				char h[9];
				hex8(h, crc);
				if (st != S_OK)
					uprintf("virtio-blk: checksum status %u\n", st);
				uprintf("virtio-blk: checksum %lu sectors crc32 0x%s\n", capacity, h);
			}
			expect(st, S_OK);
			break;
		case 2:
			st = rw(RW_WRITE, sector, count, (int)pattern, 0);
			uprintf("virtio-blk: write %lu %lu status %u\n", sector, count, st);
			expect(st, want_write());
			break;
		case 3: {
			char h[9];
			st = rw(RW_READ, sector, count, 0, &crc);
			hex8(h, crc);
			uprintf("virtio-blk: read %lu %lu status %u crc32 0x%s\n", sector, count, st, h);
			expect(st, S_OK);
			break;
		}
		case 4:
			st = rw(RW_FILL, sector, count, 0, 0);
			uprintf("virtio-blk: fill %lu %lu status %u\n", sector, count, st);
			expect(st, want_write());
			break;
		case 5:
			st = call(T_FLUSH, 0, 0, 0, 0);
			uprintf("virtio-blk: flush status %u\n", st);
			expect(st, has_feature(&dev, BLK_F_FLUSH) ? S_OK : S_OK_OR_UNSUPP);
			break;
		case 6:
		case 7: {
			int discard = k == 6;
			int feat = has_feature(&dev, discard ? BLK_F_DISCARD : BLK_F_WRITE_ZEROES);
			st = range_op(discard ? T_DISCARD : T_WRITE_ZEROES, sector, count);
			uprintf("virtio-blk: %s %lu %lu status %u\n", discard ? "discard" : "write-zeroes", sector, count,
				st);
			/* A discard may be a no-op, so on a read-only disk any status will do (QEMU answers OK). */
			expect(st, !feat ? S_UNSUPP : expect_ro && discard ? S_ANY : want_write());
			break;
		}
		case 8:
			st = call(T_IN, capacity, chunk_buf, SECTOR, 1);
			uprintf("virtio-blk: beyond status %u\n", st);
			expect(st, S_IOERR);
			break;
		case 9:
			st = call(T_BAD, 0, 0, 0, 0);
			uprintf("virtio-blk: badtype status %u\n", st);
			expect(st, S_UNSUPP);
			break;
		case 10:
			op_bench();
			break;
		default:
			uprintf("virtio-blk: unknown op '%s'\n", op);
			failures++;
			break;
		}
	}
	virtio_check_status(&dev);
	vexit(failures ? 1 : 0);
}

int probe_main(const struct boot *b)
{
	virtio_boot(b, "virtio-blk", body);
}
