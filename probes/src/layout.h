/*
 * Constants shared by the C and assembly parts of the probes.
 * Only plain #defines here: this header is included from .S files too.
 */
#ifndef PROBE_LAYOUT_H
#define PROBE_LAYOUT_H

/*
 * GDT selectors: Linux's x86-64 layout (arch/x86/include/asm/segment.h),
 * which also fits SYSCALL/SYSRET's STAR layout, so hypervisors tuned for
 * Linux guests see familiar values.
 */
#define SEL_KCODE32  0x08  /* 32-bit code, used only while switching to long mode */
#define SEL_KCODE    0x10
#define SEL_KDATA    0x18
#define SEL_UCODE32  0x23  /* unused, but SYSRET's STAR base: SS = base + 8, CS = base + 16 */
#define SEL_UDATA    0x2b
#define SEL_UCODE    0x33
#define SEL_TSS      0x40  /* 16-byte descriptor: slots 8 and 9 */

/* CR0 = PG | WP | NE | ET | PE: also clears CD/NW, which an AP has set after INIT. */
#define CR0_LONG     0x80010031
#define CR4_PAE      0x20
#define MSR_EFER     0xc0000080
#define EFER_LME     0x100

/*
 * RFLAGS for user mode: IOPL=0, IF=0 (no interrupt sources). CPL3 port access
 * goes through the TSS I/O bitmap, which opens USER_PORT only.
 */
#define USER_RFLAGS  0x0002
#define USER_PORT    0x80

#define TRAMPOLINE_ADDR 0x8000   /* AP start-up code: below 1 MiB, 4 KiB aligned (SIPI vector 0x08) */
#define MAX_CPUS        64
#define AP_STACK_SIZE   4096

/*
 * CPL3 -> CPL0 system calls use int3 (#BP through a DPL3 gate) with the number
 * in %rax and arguments in %rdi, %rsi. On kvm_pvm, "int n" from CPL3 raises #UD
 * and SYSCALL lands at LSTAR with the vCPU still considered CPL3 (in/out then
 * #GP), while exceptions from CPL3 are delivered by the book. See README.md.
 */
#define SYSCALL_VECTOR 3
/* The one external-interrupt vector probes use (irq.c), and the LAPIC's spurious vector. */
#define IRQ_VECTOR      0x40
#define SPURIOUS_VECTOR 0xff
#define SYS_WRITE       1
#define SYS_EXIT        2

#define EXIT_EXCEPTION  0x7f
#define EXIT_BAD_BOOT   0x7e
#define EXIT_BAD_CMDLINE 3

#endif
