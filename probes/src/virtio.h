/*
 * A small polling virtio-mmio (version 2, split queues) driver runtime for the
 * virtio probes. Everything here runs at CPL3 (or CPL0 with mode=cpl0) except
 * virtio_boot(), which the probe's probe_main() calls at CPL0.
 */
#ifndef PROBE_VIRTIO_H
#define PROBE_VIRTIO_H

#include "probe.h"

#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLK   2
#define VIRTIO_ID_RNG   4
#define VIRTIO_ID_VSOCK 19

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define BIT(n) (1UL << (n))

/* Exit codes of the virtio probes (besides 0, 1 and the runtime's 3, 0x7e, 0x7f). */
#define EXIT_NO_DEVICE 4
#define EXIT_TIMEOUT   5

/* Where the driver memory (rings, request headers, data buffers) comes from. */
#define DMA_BASE 0x200000UL

struct vq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};
#define VQ_DESC_F_NEXT     1
#define VQ_DESC_F_WRITE    2
#define VQ_DESC_F_INDIRECT 4

struct vq_used_elem {
	u32 id;
	u32 len;
};

/* One buffer of a request: guest-physical address (= virtual: identity map), length, device-writable? */
struct vbuf {
	u64 addr;
	u32 len;
	u32 write;
};

#define VQ_MAX_CHAIN 32 /* descriptors per request (also the indirect table size) */

struct virtq {
	struct vdev *dev;
	u16 index;
	u16 size;
	volatile struct vq_desc *desc;
	volatile u16 *avail;               /* flags, idx, ring[size], used_event */
	volatile u16 *used;                /* flags, idx, then ring elements, then avail_event */
	volatile struct vq_used_elem *used_ring;
	struct vq_desc *indirect;          /* size tables of VQ_MAX_CHAIN entries, if INDIRECT_DESC */
	u64 *cookie;                       /* per head */
	u16 *chain_len;                    /* descriptors a head's chain holds (1 with indirect) */
	u16 free_head;
	u16 num_free;
	u16 avail_idx;                     /* next avail index we will publish */
	u16 kicked_idx;                    /* avail index at the last notification decision */
	u16 last_used;
	u16 in_flight;
};

struct vdev {
	volatile u8 *base;
	u64 addr;
	u64 size;
	u32 irq;
	u32 device_id;
	u64 offered;                       /* device features */
	u64 features;                      /* negotiated */
};

/* CPL0: records boot info (TSC rate, RAM end) and enters fn at CPL3 (or CPL0 with mode=cpl0). */
void virtio_boot(const struct boot *b, const char *probe, int (*fn)(void *)) __attribute__((noreturn));

/* Command line helpers (CPL3). Bad values print the runtime's message and exit 3. */
const char *arg_str(const char *key, u64 *len);   /* value of the first key=, or 0 */
u64 arg_u64(const char *key, u64 def);            /* decimal */
int arg_is(const char *key, const char *want);    /* value equals want */
extern const char *probe_name;
extern u64 tsc_hz;                                 /* 0 if unknown */
extern const struct boot *boot_info;
extern u64 timeout_cycles;                        /* timeout= in TSC cycles, set by virtio_negotiate() */

/* Prints "<probe>: kicks <n>" and exits with code. */
void vexit(int code) __attribute__((noreturn));
void *dma_alloc(u64 size, u64 align);

/* Device life cycle. */
void virtio_find(struct vdev *d, u32 device_id);   /* exits 4 when none */
void virtio_negotiate(struct vdev *d, u64 wanted);  /* reset .. FEATURES_OK; wanted = device-specific bits */
void virtq_setup(struct vdev *d, struct virtq *q, u16 index);
void virtio_driver_ok(struct vdev *d);
void virtio_check_status(struct vdev *d);           /* exits 1 on NEEDS_RESET */
u8 vcfg8(struct vdev *d, u32 off);
u16 vcfg16(struct vdev *d, u32 off);
u32 vcfg32(struct vdev *d, u32 off);
u64 vcfg64(struct vdev *d, u32 off);
static inline int has_feature(const struct vdev *d, int bit) { return (d->features >> bit) & 1; }

/* Queue operations. submit returns 0, or -1 when the queue has no room. */
int virtq_submit(struct virtq *q, const struct vbuf *b, int n, u64 cookie);
void virtq_kick(struct virtq *q);
int virtq_poll(struct virtq *q, u64 *cookie, u32 *len);   /* 1 if a chain completed */
void virtq_wait(struct virtq *q, u64 *cookie, u32 *len);  /* waits up to timeout=, else exits 5 */
/* submit + kick + wait for that one request (nothing else in flight); returns the used length. */
u32 virtq_call(struct virtq *q, const struct vbuf *b, int n);

/* Helpers. */
u32 crc32_update(u32 crc, const void *buf, u64 len);      /* zlib CRC-32: start with 0 */
void hex8(char out[9], u32 v);                             /* 8 hex digits, zero-padded */
u64 virtio_kicks(void);

static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void mb(void) { __asm__ volatile("mfence" ::: "memory"); }

#endif
