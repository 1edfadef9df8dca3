/*
 * irq.elf: external interrupts through the IOAPIC, end to end. The UART's transmit-empty interrupt
 * (COM1, IOAPIC pin 4) is the source: enabling it in IER raises the pin, reading IIR lowers it.
 * Runs at CPL0 (it owns the IDT and the LAPIC) and checks, n times each:
 *   edge:     every raise is one interrupt;
 *   level:    one interrupt per raise, and the next only after the EOI reached the IOAPIC (with a
 *             split irqchip that is KVM_EXIT_IOAPIC_EOI to the VMM, which clears remote IRR);
 *   redeliver: a level pin still raised at the EOI interrupts again;
 *   masked:   a raise while the pin is masked does not interrupt (82093AA: such an edge is dropped;
 *             QEMU holds it for the unmask, so that is not asserted), and after the unmask it does.
 * Prints "irq: ok" and exits 0, or names the step that failed and exits 1.
 */
#include "probe.h"

#define LAPIC        0xfee00000UL
#define LAPIC_TPR    0x080
#define LAPIC_EOI    0x0b0
#define LAPIC_SVR    0x0f0
#define IOAPIC       0xfec00000UL
#define COM1         0x3f8
#define COM1_IER     (COM1 + 1)
#define COM1_IIR     (COM1 + 2)
#define IER_THRI     0x02
#define UART_PIN     4
#define RTE_LEVEL    (1u << 15)
#define RTE_MASKED   (1u << 16)

static volatile u64 irqs;
static volatile int ack_in_handler = 1;

static void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(LAPIC + reg) = v; }

static void ioapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)IOAPIC = reg;
	*(volatile u32 *)(IOAPIC + 0x10) = v;
}

static void on_irq(u64 vector)
{
	(void)vector;
	irqs++;
	/* Lower the line first (reading IIR acknowledges THRI), unless a step wants it left raised. */
	if (ack_in_handler)
		(void)inb(COM1_IIR);
	else
		ack_in_handler = 1;
	lapic_write(LAPIC_EOI, 0);
}

/* The pin: vector IRQ_VECTOR to APIC id 0, edge or level, masked or not. */
static void route(int level, int masked)
{
	ioapic_write(0x11 + 2 * UART_PIN, 0);
	ioapic_write(0x10 + 2 * UART_PIN, IRQ_VECTOR | (level ? RTE_LEVEL : 0) | (masked ? RTE_MASKED : 0));
}

/* Raises the pin: THRI enabled while the transmitter is empty (16550: interrupt at once). */
static void raise(void)
{
	outb(COM1_IER, 0);
	outb(COM1_IER, IER_THRI);
}

/*
 * Lowers the pin and takes whatever was already on its way: with THRI enabled, every console byte
 * would raise the pin again, so steps print only after this.
 */
static void quiesce(void)
{
	outb(COM1_IER, 0);
	(void)inb(COM1_IIR);
	u64 start = rdtsc();
	__asm__ volatile("sti");
	while (rdtsc() - start < 10000000UL)
		cpu_pause();
	__asm__ volatile("cli");
}

/* Waits with interrupts on until irqs reaches want, or ~1 s of TSC at 1-4 GHz. */
static int wait_irqs(u64 want, u64 cycles)
{
	u64 start = rdtsc();
	__asm__ volatile("sti");
	while (irqs < want && rdtsc() - start < cycles)
		cpu_pause();
	__asm__ volatile("cli");
	return irqs >= want;
}

static int fail(const char *step, u64 i, u64 want)
{
	outb(COM1_IER, 0);
	kprintf("irq: %s failed at %lu: %lu interrupts, want %lu\n", step, i, irqs, want);
	return 1;
}

int probe_main(const struct boot *b)
{
	u64 n = b->args.n, second = 3000000000UL;

	irq_hook = on_irq;
	/* With KVM's in-kernel irqchip the PIC also sees IRQ 4 and, unprogrammed, would hand it to
	 * LINT0 (ExtINT) as vector 4: mask it, as Linux does. Elsewhere these ports are unclaimed. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR); /* software-enable the LAPIC */

	route(0, 0);
	for (u64 i = 0; i < n; i++) {
		raise();
		if (!wait_irqs(irqs + 1, second))
			return fail("edge", i, irqs + 1);
	}
	quiesce();
	kprintf("irq: edge %lu ok\n", n);

	route(1, 0);
	for (u64 i = 0; i < n; i++) {
		raise();
		if (!wait_irqs(irqs + 1, second))
			return fail("level", i, irqs + 1);
	}
	quiesce();
	kprintf("irq: level %lu ok\n", n);

	/* Leave the line raised at the EOI once: the IOAPIC must deliver it again. */
	u64 before = irqs;
	ack_in_handler = 0;
	raise();
	if (!wait_irqs(before + 2, second))
		return fail("level redeliver", 0, before + 2);
	quiesce();
	kprintf("irq: level redeliver ok\n");

	route(0, 1);
	quiesce();
	before = irqs;
	raise();
	if (wait_irqs(before + 1, second / 10))
		return fail("masked", 0, before);
	route(0, 0);
	quiesce(); /* QEMU delivers the held edge here; KVM and jvmm do not */
	before = irqs;
	raise();
	if (!wait_irqs(before + 1, second))
		return fail("unmask", 0, before + 1);
	quiesce();
	kprintf("irq: masked edge ok\n");
	kprintf("irq: ok\n");
	return 0;
}
