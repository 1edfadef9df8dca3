/*
 * mmio-loop.elf: exactly n 32-bit writes to guest-physical 0xc0000000, which
 * lies in the MMIO hole (no RAM), so each is an MMIO exit. Runs at CPL3 by default.
 */
#include "probe.h"

#define MMIO_TARGET 0xc0000000UL

static int body(void *arg)
{
	u64 n = *(const u64 *)arg;
	volatile u32 *target = (volatile u32 *)MMIO_TARGET;

	uprintf("mmio-loop: n=%lu\n", n);
	for (u64 i = 0; i < n; i++)
		*target = (u32)i;
	uprintf("mmio-loop: done\n");
	return 0;
}

int probe_main(const struct boot *b)
{
	static u64 n;

	n = b->args.n;
	run_body(body, &n, b->args.mode);
}
