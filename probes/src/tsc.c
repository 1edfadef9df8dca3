/*
 * The TSC's frequency for probes that time things (virtio benchmarks, smp's
 * delays). Without PIT/HPET there is no clock to calibrate against, so trust
 * CPUID: leaf 0x15 (TSC/crystal ratio), then 0x16 (base MHz), then the
 * hypervisor leaf 0x40000010 (TSC kHz).
 */
#include "probe.h"

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

u64 tsc_hz_from_cpuid(void)
{
	u32 a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	u32 max = a;
	if (max >= 0x15) {
		cpuid(0x15, &a, &b, &c, &d);
		if (a != 0 && b != 0 && c != 0)
			return (u64)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, &a, &b, &c, &d);
		if (a != 0)
			return (u64)a * 1000000;
	}
	cpuid(0x40000000, &a, &b, &c, &d);
	if (a >= 0x40000010) {
		cpuid(0x40000010, &a, &b, &c, &d);
		if (a != 0)
			return (u64)a * 1000;
	}
	return 0;
}
