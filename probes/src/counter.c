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
 *
 * The loop works from the value in memory, not from a register copy: each
 * chunk runs to the next multiple of every (or to limit) from whatever
 * *COUNTER_ADDR holds, so a restored snapshot carries on from its saved value.
 */
#include "probe.h"

#define COUNTER_ADDR 0x300000UL   /* 3 MiB: above the image (< 2 MiB), below touch's 16 MiB */
#define EXIT_NO_RAM  2

struct params {
	u64 every;
	u64 limit;
};

extern u8 __image_end[];

static int body(void *arg)
{
	const struct params *p = arg;
	volatile u64 *c = (volatile u64 *)COUNTER_ADDR;

	*c = 0;
	uprintf("counter: start\n");
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
	run_body(body, &p, b->args.mode);
}
