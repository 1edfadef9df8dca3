/*
 * spin.elf: never exits, so a VMM's stop/kill path can be tested. mode=cpl3
 * spins in user mode (native speed on kvm_pvm); mode=cpl0 spins in the
 * kernel with interrupts off.
 */
#include "probe.h"

static int body(void *unused)
{
	(void)unused;
	uprintf("spin: cpl3\n");
	for (;;)
		__asm__ volatile("");
	return 0;
}

int probe_main(const struct boot *b)
{
	if (b->args.mode == MODE_CPL0) {
		kprintf("spin: cpl0\n");
		__asm__ volatile("cli");
		for (;;)
			__asm__ volatile("");
	}
	run_body(body, 0, MODE_CPL3);
}
