/*
 * The CPL0 runtime: TSS (with the I/O bitmap) and IDT set-up, exception
 * reporting, the int3 system calls, the COM1 console and the exit sequence. kmain() is the first
 * C code; it hands over to the probe's probe_main().
 */
#include "probe.h"

#define COM1        0x3f8
#define COM1_FCR    (COM1 + 2)
#define COM1_LSR    (COM1 + 5)
#define LSR_THRE    0x20
#define FCR_ENABLE_CLEAR 0x07   /* FIFOs on, both cleared */
#define TX_FIFO     16          /* a 16550A's transmit FIFO */
#define EXIT_PORT   0xf4
#define I8042_CMD   0x64
#define I8042_RESET 0xfe
#define IOMAP_PORTS 0x400

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
	/* Ports 0..IOMAP_PORTS-1; one bit per port, 0 = CPL3 may access. The 0xff byte ends it (SDM 20.5.2). */
	u8 iomap[IOMAP_PORTS / 8 + 1];
} __attribute__((packed));

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

/* Saved by isr_common in entry.S, lowest address first. */
struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, err;
	u64 rip, cs, rflags, rsp, ss;
};

extern u64 gdt[];
extern const u64 isr_table[32];
extern void isr64(void), isr255(void);
void (*irq_hook)(u64 vector);
extern u8 boot_stack_top[];
extern void enter_user(u64 fn, u64 arg, u64 stack_top) __attribute__((noreturn));

static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static u8 df_stack[4096] __attribute__((aligned(16)));
static u8 user_stack[16384] __attribute__((aligned(16)));
static volatile u32 console_lock_word;

static void set_gate(unsigned vec, u64 handler, unsigned dpl, unsigned ist)
{
	struct idt_gate *g = &idt[vec];
	g->offset_lo = (u16)handler;
	g->selector = SEL_KCODE;
	g->ist = (u8)ist;
	g->type_attr = (u8)(0x8e | (dpl << 5)); /* present, 64-bit interrupt gate: IF cleared on entry */
	g->offset_mid = (u16)(handler >> 16);
	g->offset_hi = (u32)(handler >> 32);
	g->reserved = 0;
}

void load_idt(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } d = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" : : "m"(d));
}

static void cpu_init(void)
{
	u64 base = (u64)&tss;

	tss.rsp[0] = (u64)boot_stack_top;     /* CPL3 -> CPL0 on exceptions and system calls */
	tss.ist[0] = (u64)(df_stack + sizeof(df_stack)); /* #DF gets a known-good stack */
	tss.iomap_base = (u16)((u64)tss.iomap - (u64)&tss);
	memset(tss.iomap, 0xff, sizeof(tss.iomap));
	tss.iomap[USER_PORT / 8] &= (u8)~(1u << (USER_PORT % 8));
	gdt[SEL_TSS / 8] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
			   ((base >> 24 & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

	for (unsigned v = 0; v < 32; v++)
		set_gate(v, isr_table[v], v == SYSCALL_VECTOR ? 3 : 0, v == 8 ? 1 : 0);
	set_gate(IRQ_VECTOR, (u64)isr64, 0, 0);
	set_gate(SPURIOUS_VECTOR, (u64)isr255, 0, 0);
	load_idt();
}

void console_lock(void)
{
	while (__atomic_exchange_n(&console_lock_word, 1, __ATOMIC_ACQUIRE) != 0)
		while (console_lock_word != 0)
			cpu_pause();
}

void console_unlock(void)
{
	__atomic_store_n(&console_lock_word, 0, __ATOMIC_RELEASE);
}

/*
 * With the FIFOs on, THRE means the whole 16-byte transmit FIFO is empty, so 16 bytes may follow one
 * check (as Linux's 8250 driver does with tx_loadsz): half the port exits of polling before every
 * byte, and each exit costs tens of microseconds on kvm_pvm.
 */
static void serial_write(const char *s, u64 len)
{
	for (u64 i = 0; i < len; i++) {
		if (i % TX_FIFO == 0)
			while (!(inb(COM1_LSR) & LSR_THRE))
				cpu_pause();
		outb(COM1, (u8)s[i]);
	}
}

void console_write(const char *s, u64 len)
{
	console_lock();
	serial_write(s, len);
	console_unlock();
}

void kprintf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	int len = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, len < (int)sizeof(buf) ? (u64)len : sizeof(buf) - 1);
}

void probe_exit(u32 code)
{
	outl(EXIT_PORT, code);
	/* If nothing listens on 0xf4, a keyboard-controller reset ends the VM instead. */
	outb(I8042_CMD, I8042_RESET);
	for (;;)
		__asm__ volatile("cli; hlt");
}

u64 syscall_dispatch(u64 a, u64 b, u64 nr)
{
	switch (nr) {
	case SYS_WRITE:
		/* Probes are not adversarial: the identity map makes any buffer < 4 GiB readable. */
		console_write((const char *)a, b);
		return 0;
	case SYS_EXIT:
		probe_exit((u32)a);
	default:
		kprintf("probe: bad system call %lu\n", nr);
		probe_exit(EXIT_EXCEPTION);
	}
}

void trap(struct frame *f);
void trap(struct frame *f)
{
	if (f->vector == SYSCALL_VECTOR && (f->cs & 3) == 3) {
		f->rax = syscall_dispatch(f->rdi, f->rsi, f->rax);
		return;
	}
	if (f->vector == SPURIOUS_VECTOR)
		return; /* no EOI for a spurious interrupt (SDM 11.9) */
	if (f->vector == IRQ_VECTOR && irq_hook) {
		irq_hook(f->vector);
		return;
	}
	/* Fatal anyway: the lock may be held by the code that faulted, so do not take it. */
	char buf[96];
	int len = format(buf, sizeof(buf), "probe: exception %lu at 0x%lx err 0x%lx\n", f->vector, f->rip, f->err);
	serial_write(buf, len < (int)sizeof(buf) ? (u64)len : sizeof(buf) - 1);
	probe_exit(EXIT_EXCEPTION);
}

void run_body(int (*fn)(void *), void *arg, enum mode mode)
{
	if (mode == MODE_CPL0)
		probe_exit((u32)fn(arg));
	enter_user((u64)fn, (u64)arg, (u64)(user_stack + sizeof(user_stack)));
}

void kmain(u32 start_info_paddr);
void kmain(u32 start_info_paddr)
{
	static struct boot boot;

	cpu_init();
	outb(COM1_FCR, FCR_ENABLE_CLEAR);
	boot_init(start_info_paddr, &boot);
	probe_exit((u32)probe_main(&boot));
}
