/*
 * triple-fault.elf: with an empty IDT, ud2 raises #UD, whose delivery fails
 * (#GP), whose delivery fails (#DF), whose delivery fails: a triple fault,
 * i.e. a shutdown the VMM must report.
 */
#include "probe.h"

int probe_main(const struct boot *b)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } empty = { 0, 0 };

	(void)b;
	kprintf("triple-fault: now\n");
	__asm__ volatile("lidt %0; ud2" : : "m"(empty));
	__builtin_unreachable();
}
