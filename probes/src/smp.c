/*
 * smp.elf: the BSP starts APs 0..cpus-1 (all but itself) with INIT-SIPI-SIPI
 * through the xAPIC; each AP enters long mode via trampoline.S, prints
 * "smp: cpu <id> up" under the console lock and bumps cpus_up. The BSP waits
 * at CPL3 (native speed on kvm_pvm) for all of them, bounded by ~20 s of TSC.
 */
#include "probe.h"

#define LAPIC_BASE     0xfee00000UL
#define LAPIC_ID       0x020
#define LAPIC_SVR      0x0f0
#define LAPIC_ICR_LO   0x300
#define LAPIC_ICR_HI   0x310
#define SVR_ENABLE     0x100
#define ICR_PENDING    (1u << 12)
#define ICR_INIT       0x00004500   /* INIT, level assert */
#define ICR_STARTUP    0x00004600   /* Start-up; vector = trampoline page */
#define WAIT_SECONDS   20
#define FALLBACK_TSC_HZ 3000000000UL

extern char ap_trampoline[];
u8 ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile u32 cpus_up;
static u64 tsc_hz;

struct wait {
	u32 want;
	u64 deadline_tsc;
};

static u32 lapic_read(u32 reg)
{
	return *(volatile u32 *)(LAPIC_BASE + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(LAPIC_BASE + reg) = v;
}

/* Without a clock to calibrate against, CPUID's word, else 3 GHz, which only scales the delays. */
static u64 find_tsc_hz(void)
{
	u64 hz = tsc_hz_from_cpuid();
	return hz != 0 ? hz : FALLBACK_TSC_HZ;
}

static void delay_us(u64 us)
{
	u64 end = rdtsc() + tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		cpu_pause();
}

static int send_ipi(u32 apic_id, u32 icr)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	u64 end = rdtsc() + tsc_hz / 10;
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		if (rdtsc() > end)
			return -1;
	return 0;
}

void ap_main(u32 apic_id);
void ap_main(u32 apic_id)
{
	load_idt();
	kprintf("smp: cpu %u up\n", apic_id);
	__atomic_fetch_add(&cpus_up, 1, __ATOMIC_RELEASE);
}

static int wait_body(void *arg)
{
	const struct wait *w = arg;

	while (__atomic_load_n(&cpus_up, __ATOMIC_ACQUIRE) < w->want && rdtsc() < w->deadline_tsc)
		cpu_pause();
	u32 up = __atomic_load_n(&cpus_up, __ATOMIC_ACQUIRE);
	if (up == w->want) {
		uprintf("smp: %u cpus up\n", up);
		return 0;
	}
	uprintf("smp: only %u of %u cpus up\n", up, w->want);
	return 1;
}

int probe_main(const struct boot *b)
{
	static struct wait w;
	u32 n = (u32)b->args.cpus;
	u32 bsp = lapic_read(LAPIC_ID) >> 24;
	u32 vector = (u32)(u64)ap_trampoline >> 12;

	tsc_hz = find_tsc_hz();
	kprintf("smp: cpu %u up\n", bsp);
	cpus_up = 1;
	if (bsp >= n) {
		kprintf("smp: BSP has APIC id %u, outside 0..%u\n", bsp, n - 1);
		return 1;
	}
	lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | SVR_ENABLE | 0xff);
	/* MP spec order: INIT to all, 10 ms, SIPI, 200 us, SIPI again (ignored by APs already running). */
	for (u32 id = 0; id < n; id++)
		if (id != bsp && send_ipi(id, ICR_INIT) != 0)
			kprintf("smp: INIT to cpu %u not delivered\n", id);
	delay_us(10000);
	for (int round = 0; round < 2; round++) {
		for (u32 id = 0; id < n; id++)
			if (id != bsp && send_ipi(id, ICR_STARTUP | vector) != 0)
				kprintf("smp: SIPI to cpu %u not delivered\n", id);
		delay_us(200);
	}
	w.want = n;
	w.deadline_tsc = rdtsc() + WAIT_SECONDS * tsc_hz;
	run_body(wait_body, &w, b->args.mode);
}
