/*
 * virtio-rng.elf: reads n= bytes (default 4096) from the first (or dev=) virtio
 * entropy device in requests of at most 4 KiB and reports how many distinct byte
 * values arrived. Fails if fewer than n bytes came, or n >= 4096 and fewer than
 * 200 distinct values.
 */
#include "virtio.h"

#define CHUNK 4096

static int body(void *unused)
{
	static struct vdev dev;
	static struct virtq q;
	static u32 seen[256];
	(void)unused;

	u64 n = arg_u64("n", 4096);
	virtio_find(&dev, VIRTIO_ID_RNG);
	virtio_negotiate(&dev, 0);
	virtq_setup(&dev, &q, 0);
	virtio_driver_ok(&dev);

	u8 *buf = dma_alloc(CHUNK, 4096);
	u64 got = 0;
	u32 first = 0;
	while (got < n) {
		u64 want = n - got < CHUNK ? n - got : CHUNK;
		struct vbuf b = { (u64)buf, (u32)want, 1 };
		u32 len = virtq_call(&q, &b, 1);
		if (len == 0 || len > want)
			break;
		for (u32 i = 0; i < len; i++) {
			if (got + i < 4)
				first |= (u32)buf[i] << (8 * (3 - (got + i)));
			seen[buf[i]]++;
		}
		got += len;
	}
	u32 distinct = 0;
	for (int i = 0; i < 256; i++)
		distinct += seen[i] != 0;
	char hex[9];
	hex8(hex, first);
	uprintf("virtio-rng: %lu bytes, %u distinct byte values, first 0x%s\n", got, distinct, hex);
	vexit(got < n || (n >= 4096 && distinct < 200) ? 1 : 0);
}

int probe_main(const struct boot *b)
{
	virtio_boot(b, "virtio-rng", body);
}
