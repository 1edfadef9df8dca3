/*
 * touch.elf: writes each 4 KiB page's own guest-physical address at the start
 * of every page in [16 MiB, 16 MiB + mib MiB), then reads them all back.
 * Checks the VMM's RAM mapping (and, the first time, its page-fault path).
 */
#include "probe.h"

#define TOUCH_BASE (16UL << 20)
#define PAGE_SIZE  4096UL

struct range {
	u64 start;
	u64 end;
	u64 mib;
};

static int body(void *arg)
{
	const struct range *r = arg;

	for (u64 p = r->start; p < r->end; p += PAGE_SIZE)
		*(volatile u64 *)p = p;
	for (u64 p = r->start; p < r->end; p += PAGE_SIZE) {
		u64 got = *(volatile u64 *)p;
		if (got != p) {
			uprintf("touch: page 0x%lx reads back 0x%lx\n", p, got);
			return 1;
		}
	}
	uprintf("touch: %lu MiB ok\n", r->mib);
	return 0;
}

int probe_main(const struct boot *b)
{
	static struct range r;

	r.start = TOUCH_BASE;
	r.end = TOUCH_BASE + (b->args.mib << 20);
	r.mib = b->args.mib;
	if (r.end > r.start) {
		u64 ram_end = ram_contiguous_end(b, r.start);
		if (ram_end == 0) {
			kprintf("touch: no memory map in hvm_start_info (version %u)\n", b->si->version);
			return 2;
		}
		if (ram_end < r.end) {
			kprintf("touch: need RAM [0x%lx, 0x%lx) but the memmap's RAM from 0x%lx ends at 0x%lx\n",
				r.start, r.end, r.start, ram_end);
			return 2;
		}
	}
	run_body(body, &r, b->args.mode);
}
