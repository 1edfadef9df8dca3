/*
 * pio-loop.elf: exactly n one-byte writes to port 0x80, each a VM exit, from
 * CPL3 (IOPL=3) by default. Measures the VMM's port-I/O exit path.
 */
#include "probe.h"

#define POST_PORT 0x80

static int body(void *arg)
{
	u64 n = *(const u64 *)arg;

	uprintf("pio-loop: n=%lu\n", n);
	for (u64 i = 0; i < n; i++)
		outb(POST_PORT, (u8)i);
	uprintf("pio-loop: done\n");
	return 0;
}

int probe_main(const struct boot *b)
{
	static u64 n;

	n = b->args.n;
	run_body(body, &n, b->args.mode);
}
