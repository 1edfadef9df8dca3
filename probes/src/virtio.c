/*
 * The virtio-mmio driver runtime shared by the virtio probes: discovery from
 * the virtio_mmio.device= tokens of the command line, feature negotiation,
 * split virtqueues (optionally with indirect descriptors and event index),
 * notification suppression and polling of the used ring with a TSC timeout.
 * Interrupts are never used: the rings ask the device not to raise them.
 */
#include "virtio.h"

/* virtio-mmio registers (virtio 1.x, section 4.2.2). */
#define MMIO_MAGIC            0x000
#define MMIO_VERSION          0x004
#define MMIO_DEVICE_ID        0x008
#define MMIO_DEVICE_FEATURES  0x010
#define MMIO_DEVICE_FEAT_SEL  0x014
#define MMIO_DRIVER_FEATURES  0x020
#define MMIO_DRIVER_FEAT_SEL  0x024
#define MMIO_QUEUE_SEL        0x030
#define MMIO_QUEUE_NUM_MAX    0x034
#define MMIO_QUEUE_NUM        0x038
#define MMIO_QUEUE_READY      0x044
#define MMIO_QUEUE_NOTIFY     0x050
#define MMIO_STATUS           0x070
#define MMIO_QUEUE_DESC_LO    0x080
#define MMIO_QUEUE_DESC_HI    0x084
#define MMIO_QUEUE_DRIVER_LO  0x090
#define MMIO_QUEUE_DRIVER_HI  0x094
#define MMIO_QUEUE_DEVICE_LO  0x0a0
#define MMIO_QUEUE_DEVICE_HI  0x0a4
#define MMIO_CONFIG_GEN       0x0fc
#define MMIO_CONFIG           0x100

#define VIRTIO_MAGIC          0x74726976 /* "virt" */

#define STATUS_ACKNOWLEDGE    1
#define STATUS_DRIVER         2
#define STATUS_DRIVER_OK      4
#define STATUS_FEATURES_OK    8
#define STATUS_NEEDS_RESET    0x40
#define STATUS_FAILED         0x80

#define AVAIL_F_NO_INTERRUPT  1
#define USED_F_NO_NOTIFY      1

#define FALLBACK_TSC_HZ 3000000000UL

const char *probe_name = "virtio";
u64 tsc_hz;
const struct boot *boot_info;
static const char *cmdline = "";
static u64 dma_next = DMA_BASE;
static u64 dma_end;
static u64 kicks;
u64 timeout_cycles;

/* ---- boot (CPL0) ---- */

void virtio_boot(const struct boot *b, const char *probe, int (*fn)(void *))
{
	probe_name = probe;
	boot_info = b;
	cmdline = b->cmdline;
	tsc_hz = tsc_hz_from_cpuid();   /* 0 = unknown */
	dma_end = ram_contiguous_end(b, DMA_BASE);
	if (dma_end == 0)
		dma_end = 16UL << 20; /* no memmap: assume the 16 MiB a probe VM surely has */
	if (dma_end > 0x100000000UL)
		dma_end = 0x100000000UL;
	run_body(fn, 0, b->args.mode);
}

/* ---- command line ---- */

/* Iterates over space-separated tokens; returns 0 at the end. */
static const char *next_token(const char **s, u64 *len)
{
	const char *p = *s;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	const char *tok = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	*s = p;
	*len = (u64)(p - tok);
	return *len ? tok : 0;
}

/* If tok is "key=...", returns the value. */
static const char *token_value(const char *tok, u64 len, const char *key, u64 *vlen)
{
	u64 i = 0;
	for (; key[i]; i++)
		if (i >= len || tok[i] != key[i])
			return 0;
	if (i >= len || tok[i] != '=')
		return 0;
	*vlen = len - i - 1;
	return tok + i + 1;
}

const char *arg_str(const char *key, u64 *vlen)
{
	const char *s = cmdline, *tok;
	u64 len;

	while ((tok = next_token(&s, &len)) != 0) {
		const char *v = token_value(tok, len, key, vlen);
		if (v)
			return v;
	}
	return 0;
}

static void bad_arg(const char *key, const char *v, u64 vlen, const char *what) __attribute__((noreturn));
static void bad_arg(const char *key, const char *v, u64 vlen, const char *what)
{
	char shown[64];
	u64 n = vlen < 40 ? vlen : 40;

	memcpy(shown, v, n);
	shown[n] = '\0';
	uprintf("probe: bad cmdline argument '%s=%s': %s\n", key, shown, what);
	uexit(EXIT_BAD_CMDLINE);
}

u64 arg_u64(const char *key, u64 def)
{
	u64 vlen;
	const char *v = arg_str(key, &vlen);
	u64 x = 0;

	if (!v)
		return def;
	if (vlen == 0)
		bad_arg(key, v, vlen, "want a decimal number");
	for (u64 i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (~0UL - 9) / 10)
			bad_arg(key, v, vlen, "want a decimal number");
		x = x * 10 + (u64)(v[i] - '0');
	}
	return x;
}

int arg_is(const char *key, const char *want)
{
	u64 vlen, i;
	const char *v = arg_str(key, &vlen);

	if (!v)
		return 0;
	for (i = 0; i < vlen; i++)
		if (want[i] != v[i])
			return 0;
	return want[i] == '\0';
}

/* Linux's memparse(): 0x hex, leading 0 octal, else decimal; then K/M/G. Returns the chars used. */
static u64 parse_num(const char *s, u64 len, u64 *out, int suffix)
{
	u64 i = 0, base = 10, x = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len >= 1 && s[0] == '0') {
		base = 8;
	}
	u64 start = i;
	for (; i < len; i++) {
		char c = s[i];
		u64 d;
		if (c >= '0' && c <= '9')
			d = (u64)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (u64)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (u64)(c - 'A' + 10);
		else
			break;
		if (d >= base)
			break;
		x = x * base + d;
	}
	if (i == start && base != 8)
		return 0;
	if (suffix && i < len) {
		char c = s[i];
		if (c == 'K' || c == 'k') { x <<= 10; i++; }
		else if (c == 'M' || c == 'm') { x <<= 20; i++; }
		else if (c == 'G' || c == 'g') { x <<= 30; i++; }
	}
	*out = x;
	return i;
}

/* "<size>@<addr>:<irq>[:<id>]" */
static int parse_mmio_token(const char *v, u64 len, u64 *size, u64 *addr, u64 *irq)
{
	u64 n = parse_num(v, len, size, 1);
	if (n == 0 || n >= len || v[n] != '@')
		return -1;
	v += n + 1;
	len -= n + 1;
	n = parse_num(v, len, addr, 1);
	if (n == 0 || n >= len || v[n] != ':')
		return -1;
	v += n + 1;
	len -= n + 1;
	u64 i = 0;
	*irq = 0;
	for (; i < len && v[i] >= '0' && v[i] <= '9'; i++)
		*irq = *irq * 10 + (u64)(v[i] - '0');
	if (i == 0 || (i < len && v[i] != ':'))
		return -1;
	return 0;
}

/* ---- misc ---- */

u64 virtio_kicks(void)
{
	return kicks;
}

void vexit(int code)
{
	uprintf("%s: kicks %lu\n", probe_name, kicks);
	uexit((u32)code);
}

void *dma_alloc(u64 size, u64 align)
{
	u64 p = (dma_next + align - 1) & ~(align - 1);
	if (p + size > dma_end || p + size < p) {
		uprintf("%s: out of memory: need 0x%lx bytes at 0x%lx, RAM ends at 0x%lx\n", probe_name, size, p,
			dma_end);
		vexit(1);
	}
	dma_next = p + size;
	memset((void *)p, 0, size);
	return (void *)p;
}

void hex8(char out[9], u32 v)
{
	for (int i = 7; i >= 0; i--) {
		unsigned d = v & 15;
		out[i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v >>= 4;
	}
	out[8] = '\0';
}

static u32 crc_table[256];

u32 crc32_update(u32 crc, const void *buf, u64 len)
{
	const u8 *p = buf;

	if (crc_table[1] == 0) {
		for (u32 i = 0; i < 256; i++) {
			u32 c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- registers ---- */

static u32 rd(struct vdev *d, u32 off)
{
	return *(volatile u32 *)(d->base + off);
}

static void wr(struct vdev *d, u32 off, u32 v)
{
	*(volatile u32 *)(d->base + off) = v;
}

void virtio_check_status(struct vdev *d)
{
	if (rd(d, MMIO_STATUS) & STATUS_NEEDS_RESET) {
		uprintf("%s: device needs reset\n", probe_name);
		vexit(1);
	}
}

u8 vcfg8(struct vdev *d, u32 off)
{
	return *(volatile u8 *)(d->base + MMIO_CONFIG + off);
}

u16 vcfg16(struct vdev *d, u32 off)
{
	return *(volatile u16 *)(d->base + MMIO_CONFIG + off);
}

u32 vcfg32(struct vdev *d, u32 off)
{
	return *(volatile u32 *)(d->base + MMIO_CONFIG + off);
}

u64 vcfg64(struct vdev *d, u32 off)
{
	u32 gen, lo, hi;
	do {
		gen = rd(d, MMIO_CONFIG_GEN);
		lo = vcfg32(d, off);
		hi = vcfg32(d, off + 4);
	} while (rd(d, MMIO_CONFIG_GEN) != gen);
	return (u64)hi << 32 | lo;
}

/* ---- device life cycle ---- */

void virtio_find(struct vdev *d, u32 device_id)
{
	u64 want = arg_u64("dev", 0), seen = 0;
	const char *s = cmdline, *tok;
	u64 len;

	while ((tok = next_token(&s, &len)) != 0) {
		u64 vlen, size, addr, irq;
		const char *v = token_value(tok, len, "virtio_mmio.device", &vlen);
		if (!v)
			continue;
		if (parse_mmio_token(v, vlen, &size, &addr, &irq) != 0 || addr >= 0x100000000UL) {
			char shown[64];
			u64 n = len < 63 ? len : 63;
			memcpy(shown, tok, n);
			shown[n] = '\0';
			uprintf("virtio: ignoring bad token '%s'\n", shown);
			continue;
		}
		volatile u8 *base = (volatile u8 *)addr;
		if (*(volatile u32 *)(base + MMIO_MAGIC) != VIRTIO_MAGIC)
			continue;
		u32 version = *(volatile u32 *)(base + MMIO_VERSION);
		u32 id = *(volatile u32 *)(base + MMIO_DEVICE_ID);
		if (id != device_id)
			continue;
		if (version != 2) {
			uprintf("virtio: 0x%lx version %u unsupported\n", addr, version);
			continue;
		}
		if (seen++ != want)
			continue;
		d->base = base;
		d->addr = addr;
		d->size = size;
		d->irq = (u32)irq;
		d->device_id = id;
		if (arg_u64("verbose", 0))
			uprintf("virtio: device %u at 0x%lx size 0x%lx irq %lu\n", id, addr, size, irq);
		return;
	}
	uprintf("%s: no device\n", probe_name);
	vexit(EXIT_NO_DEVICE);
}

void virtio_negotiate(struct vdev *d, u64 wanted)
{
	u64 timeout_ms = arg_u64("timeout", 10000);
	u64 hz = tsc_hz ? tsc_hz : FALLBACK_TSC_HZ;
	timeout_cycles = timeout_ms * (hz / 1000);

	wr(d, MMIO_STATUS, 0);
	while (rd(d, MMIO_STATUS) != 0)
		cpu_pause();
	wr(d, MMIO_STATUS, STATUS_ACKNOWLEDGE);
	wr(d, MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	wr(d, MMIO_DEVICE_FEAT_SEL, 0);
	u64 offered = rd(d, MMIO_DEVICE_FEATURES);
	wr(d, MMIO_DEVICE_FEAT_SEL, 1);
	offered |= (u64)rd(d, MMIO_DEVICE_FEATURES) << 32;
	d->offered = offered;
	if (!(offered & BIT(VIRTIO_F_VERSION_1))) {
		uprintf("%s: device does not offer VIRTIO_F_VERSION_1 (features 0x%lx)\n", probe_name, offered);
		wr(d, MMIO_STATUS, STATUS_FAILED);
		vexit(1);
	}
	wanted |= BIT(VIRTIO_F_VERSION_1);
	if (arg_u64("eventidx", 0))
		wanted |= BIT(VIRTIO_F_EVENT_IDX);
	if (arg_u64("indirect", 0))
		wanted |= BIT(VIRTIO_F_INDIRECT_DESC);
	d->features = offered & wanted;
	if (arg_u64("verbose", 0))
		uprintf("virtio: features offered 0x%lx negotiated 0x%lx\n", offered, d->features);
	wr(d, MMIO_DRIVER_FEAT_SEL, 0);
	wr(d, MMIO_DRIVER_FEATURES, (u32)d->features);
	wr(d, MMIO_DRIVER_FEAT_SEL, 1);
	wr(d, MMIO_DRIVER_FEATURES, (u32)(d->features >> 32));
	wr(d, MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	u32 st = rd(d, MMIO_STATUS);
	if (st & STATUS_NEEDS_RESET) {
		uprintf("%s: device needs reset\n", probe_name);
		vexit(1);
	}
	if (!(st & STATUS_FEATURES_OK)) {
		uprintf("%s: device rejected features 0x%lx (status 0x%x)\n", probe_name, d->features, st);
		wr(d, MMIO_STATUS, STATUS_FAILED);
		vexit(1);
	}
}

void virtq_setup(struct vdev *d, struct virtq *q, u16 index)
{
	wr(d, MMIO_QUEUE_SEL, index);
	if (rd(d, MMIO_QUEUE_READY) != 0) {
		uprintf("%s: queue %u already ready after reset\n", probe_name, index);
		vexit(1);
	}
	u32 max = rd(d, MMIO_QUEUE_NUM_MAX);
	if (max == 0) {
		uprintf("%s: queue %u not available\n", probe_name, index);
		vexit(1);
	}
	u64 size = arg_u64("qsize", max < 128 ? max : 128);
	if (size == 0 || size > max || size > 32768 || (size & (size - 1))) {
		uprintf("%s: qsize %lu: want a power of 2 up to %u\n", probe_name, size, max);
		vexit(1);
	}
	q->dev = d;
	q->index = index;
	q->size = (u16)size;
	q->desc = dma_alloc(16 * size, 4096);
	q->avail = dma_alloc(6 + 2 * size, 4096);
	q->used = dma_alloc(6 + 8 * size, 4096);
	q->used_ring = (volatile struct vq_used_elem *)(q->used + 2);
	q->cookie = dma_alloc(8 * size, 8);
	q->chain_len = dma_alloc(2 * size, 2);
	if (has_feature(d, VIRTIO_F_INDIRECT_DESC))
		q->indirect = dma_alloc(size * VQ_MAX_CHAIN * sizeof(struct vq_desc), 16);
	for (u32 i = 0; i < size; i++)
		q->desc[i].next = (u16)(i + 1);
	q->free_head = 0;
	q->num_free = (u16)size;
	q->avail_idx = q->kicked_idx = q->last_used = q->in_flight = 0;
	/* We poll: ask the device not to interrupt (flag, or a used_event it will not reach soon). */
	if (has_feature(d, VIRTIO_F_EVENT_IDX))
		q->avail[2 + size] = 0x8000;
	else
		q->avail[0] = AVAIL_F_NO_INTERRUPT;

	wr(d, MMIO_QUEUE_NUM, (u32)size);
	wr(d, MMIO_QUEUE_DESC_LO, (u32)(u64)q->desc);
	wr(d, MMIO_QUEUE_DESC_HI, (u32)((u64)q->desc >> 32));
	wr(d, MMIO_QUEUE_DRIVER_LO, (u32)(u64)q->avail);
	wr(d, MMIO_QUEUE_DRIVER_HI, (u32)((u64)q->avail >> 32));
	wr(d, MMIO_QUEUE_DEVICE_LO, (u32)(u64)q->used);
	wr(d, MMIO_QUEUE_DEVICE_HI, (u32)((u64)q->used >> 32));
	wr(d, MMIO_QUEUE_READY, 1);
}

void virtio_driver_ok(struct vdev *d)
{
	wr(d, MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
	virtio_check_status(d);
}

/* ---- queues ---- */

int virtq_submit(struct virtq *q, const struct vbuf *b, int n, u64 cookie)
{
	int indirect = q->indirect != 0 && n > 1;
	u16 need = indirect ? 1 : (u16)n;

	if (n < 1 || n > VQ_MAX_CHAIN) {
		uprintf("%s: bad chain length %d\n", probe_name, n);
		vexit(1);
	}
	if (q->num_free < need)
		return -1;
	u16 head = q->free_head, i = head, last = head;
	if (indirect) {
		struct vq_desc *t = q->indirect + (u64)head * VQ_MAX_CHAIN;
		for (int k = 0; k < n; k++) {
			t[k].addr = b[k].addr;
			t[k].len = b[k].len;
			t[k].flags = (u16)((b[k].write ? VQ_DESC_F_WRITE : 0) | (k + 1 < n ? VQ_DESC_F_NEXT : 0));
			t[k].next = (u16)(k + 1);
		}
		q->desc[head].addr = (u64)t;
		q->desc[head].len = (u32)(n * sizeof(struct vq_desc));
		q->desc[head].flags = VQ_DESC_F_INDIRECT;
		q->free_head = q->desc[head].next;
	} else {
		for (int k = 0; k < n; k++) {
			last = i;
			q->desc[i].addr = b[k].addr;
			q->desc[i].len = b[k].len;
			q->desc[i].flags = (u16)((b[k].write ? VQ_DESC_F_WRITE : 0) | (k + 1 < n ? VQ_DESC_F_NEXT : 0));
			i = q->desc[i].next;
		}
		q->free_head = i;
		(void)last;
	}
	q->num_free = (u16)(q->num_free - need);
	q->cookie[head] = cookie;
	q->chain_len[head] = need;
	q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
	barrier(); /* descriptors and ring entry before the index (x86: stores are ordered) */
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	q->in_flight++;
	return 0;
}

void virtq_kick(struct virtq *q)
{
	u16 new_idx = q->avail_idx, old = q->kicked_idx;
	int notify;

	if (new_idx == old)
		return;
	mb(); /* publish avail->idx before reading the device's suppression state */
	if (has_feature(q->dev, VIRTIO_F_EVENT_IDX)) {
		u16 event = q->used[2 + 4 * q->size]; /* avail_event after the used ring */
		notify = (u16)(new_idx - event - 1) < (u16)(new_idx - old);
	} else {
		notify = !(q->used[0] & USED_F_NO_NOTIFY);
	}
	q->kicked_idx = new_idx;
	if (notify) {
		wr(q->dev, MMIO_QUEUE_NOTIFY, q->index);
		kicks++;
	}
}

int virtq_poll(struct virtq *q, u64 *cookie, u32 *len)
{
	if (q->used[1] == q->last_used)
		return 0;
	barrier(); /* read the index before the element (x86: loads are ordered) */
	volatile struct vq_used_elem *e = &q->used_ring[q->last_used & (q->size - 1)];
	u32 id = e->id, l = e->len;
	if (id >= q->size) {
		uprintf("%s: used id %u out of range on queue %u\n", probe_name, id, q->index);
		vexit(1);
	}
	q->last_used++;
	if (has_feature(q->dev, VIRTIO_F_EVENT_IDX))
		q->avail[2 + q->size] = (u16)(q->last_used + 0x8000);
	/* Free the chain. */
	u16 n = q->chain_len[id], i = (u16)id;
	for (u16 k = 1; k < n; k++)
		i = q->desc[i].next;
	q->desc[i].next = q->free_head;
	q->free_head = (u16)id;
	q->num_free = (u16)(q->num_free + n);
	q->in_flight--;
	if (cookie)
		*cookie = q->cookie[id];
	if (len)
		*len = l;
	return 1;
}

void virtq_wait(struct virtq *q, u64 *cookie, u32 *len)
{
	u64 start = rdtsc(), next_check = start + timeout_cycles / 64;

	for (;;) {
		if (virtq_poll(q, cookie, len))
			return;
		cpu_pause();
		u64 now = rdtsc();
		if (now >= next_check) {
			virtio_check_status(q->dev);
			if (now - start >= timeout_cycles) {
				uprintf("%s: timeout waiting for queue %u\n", probe_name, q->index);
				vexit(EXIT_TIMEOUT);
			}
			next_check = now + timeout_cycles / 64;
		}
	}
}

u32 virtq_call(struct virtq *q, const struct vbuf *b, int n)
{
	u32 len = 0;

	if (virtq_submit(q, b, n, 0) != 0) {
		uprintf("%s: queue %u full\n", probe_name, q->index);
		vexit(1);
	}
	virtq_kick(q);
	virtq_wait(q, 0, &len);
	return len;
}
