/*
 * counter.elf: a guest for snapshot/restore tests. Zeroes a 64-bit counter at
 * the fixed guest-physical address COUNTER_ADDR (0x300000, identity-mapped,
 * user-accessible, used by nothing else in the probe), then increments it in
 * memory in a tight CPL3 loop (native speed on kvm_pvm). The host can read
 * the live value straight from guest RAM.
 *
 * Keys: every=<n> (default 10000000; 0 = no progress lines): print
 * "counter: <value>" each time the counter reaches a multiple of n.
 * limit=<n> (default 0 = forever): at n print "counter: done <value>", exit 0.
 * touch=<MiB> (default 0): after "counter: start", write each 4 KiB page's
 * guest-physical address (u64) at the start of every page of
 * [16 MiB, 16 MiB + touch MiB) (as touch.elf does, without reading back),
 * print "counter: touched <MiB> MiB", then count. Gives a snapshot that much
 * dirty guest RAM besides the counter.
 *
 * The loop works from the value in memory, not from a register copy: each
 * chunk runs to the next multiple of every (or to limit) from whatever
 * *COUNTER_ADDR holds, so a restored snapshot carries on from its saved value.
 */
#include "probe.h"

#define COUNTER_ADDR 0x300000UL   /* 3 MiB: above the image (< 2 MiB), below touch's 16 MiB */
#define EXIT_NO_RAM  2
#define TOUCH_BASE   (16UL << 20)  /* as touch.elf */
#define PAGE_SIZE    4096UL
#define TOUCH_MAX    (4096UL - 16) /* MiB: the identity map ends at 4 GiB */

struct params {
	u64 every;
	u64 limit;
	u64 touch;    /* MiB */
};

extern u8 __image_end[];

static int body(void *arg)
{
	const struct params *p = arg;
	volatile u64 *c = (volatile u64 *)COUNTER_ADDR;

	*c = 0;
	uprintf("counter: start\n");
	if (p->touch != 0) {
		u64 end = TOUCH_BASE + (p->touch << 20);
		for (u64 a = TOUCH_BASE; a < end; a += PAGE_SIZE)
			*(volatile u64 *)a = a;
		uprintf("counter: touched %lu MiB\n", p->touch);
	}
	for (;;) {
		u64 v = *c;
		if (p->limit != 0 && v >= p->limit)
			break;
		/* Increments up to the next progress line, or to limit; never 0. */
		u64 step = p->every != 0 ? p->every - v % p->every : ~0UL;
		if (p->limit != 0 && p->limit - v < step)
			step = p->limit - v;
		__asm__ volatile("1:\tincq (%1)\n\tdec %0\n\tjnz 1b"
				 : "+r"(step) : "r"(c) : "memory", "cc");
		v = *c;
		if (p->every != 0 && v % p->every == 0)
			uprintf("counter: %lu\n", v);
	}
	uprintf("counter: done %lu\n", *c);
	return 0;
}

/* Value of the first "key=" token on the command line (decimal), or def; exits 3 on a bad value. */
static u64 arg_decimal(const char *s, const char *key, u64 def)
{
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		const char *tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		u64 len = (u64)(s - tok), k = 0;
		if (len == 0)
			break;
		while (key[k] && k < len && tok[k] == key[k])
			k++;
		if (key[k] != '\0' || k >= len || tok[k] != '=')
			continue;
		u64 x = 0, i = k + 1;
		int ok = i < len;
		for (; ok && i < len; i++) {
			u64 d = (u64)(tok[i] - '0');
			if (tok[i] < '0' || tok[i] > '9' || x > (~0UL - d) / 10)
				ok = 0;
			else
				x = x * 10 + d;
		}
		if (!ok) {
			char shown[64];
			u64 n = len < sizeof(shown) - 1 ? len : sizeof(shown) - 1;
			memcpy(shown, tok, n);
			shown[n] = '\0';
			kprintf("probe: bad cmdline argument '%s': want a decimal number\n", shown);
			probe_exit(EXIT_BAD_CMDLINE);
		}
		return x;
	}
	return def;
}

int probe_main(const struct boot *b)
{
	static struct params p;

	p.every = arg_decimal(b->cmdline, "every", 10000000);
	p.limit = arg_decimal(b->cmdline, "limit", 0);
	p.touch = arg_decimal(b->cmdline, "touch", 0);
	if (p.touch > TOUCH_MAX) {
		kprintf("probe: bad cmdline argument 'touch=%lu': must be at most %lu (the identity map ends at 4 GiB)\n",
			p.touch, TOUCH_MAX);
		return EXIT_BAD_CMDLINE;
	}
	/* The image (incl. .bss: page tables, stacks) must end below the counter. */
	if ((u64)__image_end > COUNTER_ADDR) {
		kprintf("counter: image ends at 0x%lx, above the counter at 0x%lx\n", (u64)__image_end, COUNTER_ADDR);
		return 1;
	}
	u64 ram_end = ram_contiguous_end(b, COUNTER_ADDR);
	if (ram_end != 0 && ram_end < COUNTER_ADDR + 8) {
		kprintf("counter: no RAM at 0x%lx in the memmap\n", COUNTER_ADDR);
		return EXIT_NO_RAM;
	}
	if (p.touch != 0) {
		u64 start = TOUCH_BASE, end = TOUCH_BASE + (p.touch << 20);
		ram_end = ram_contiguous_end(b, start);
		if (ram_end == 0) {
			kprintf("counter: touch: no memory map in hvm_start_info (version %u)\n", b->si->version);
			return EXIT_NO_RAM;
		}
		if (ram_end < end) {
			kprintf("counter: touch: need RAM [0x%lx, 0x%lx) but the memmap's RAM from 0x%lx ends at 0x%lx\n",
				start, end, start, ram_end);
			return EXIT_NO_RAM;
		}
	}
	run_body(body, &p, b->args.mode);
}
