/*
 * The probe runtime's API: what each probe (hello.c, pio-loop.c, ...) may use.
 * Kernel-side functions (k*) run at CPL0 only; user-side functions (u*) work
 * at CPL3 (via int3) and at CPL0 (by a direct call).
 */
#ifndef PROBE_H
#define PROBE_H

#include <stdarg.h>
#include "layout.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

enum mode { MODE_CPL3, MODE_CPL0 };

/* Parsed command line; fields keep their defaults when the key is absent. */
struct args {
	u64 n;        /* n=    default 1000 */
	u64 mib;      /* mib=  default 16   */
	u64 cpus;     /* cpus= default 1    */
	enum mode mode; /* mode=cpl3|cpl0, default cpl3 */
};

/* Xen public/arch-x86/hvm/start_info.h, version 1. */
struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;   /* offset 24 */
	u64 rsdp_paddr;
	u64 memmap_paddr;    /* offset 40, version >= 1 */
	u32 memmap_entries;  /* offset 48, version >= 1 */
	u32 reserved;
};

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;            /* 1 = RAM */
	u32 reserved;
};

#define HVM_START_MAGIC 0x336ec578
#define HVM_MEMMAP_RAM  1

struct boot {
	const struct hvm_start_info *si;
	const char *cmdline;
	struct args args;
};

/* Implemented by each probe: runs at CPL0 after the runtime is up; returns the exit code. */
int probe_main(const struct boot *b);

/* Runtime (kernel.c). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, u64 len);
void console_lock(void);
void console_unlock(void);
void probe_exit(u32 code) __attribute__((noreturn));
/* Runs fn(arg) at CPL3 (mode cpl3) or directly (cpl0); its return value becomes the exit code. */
void run_body(int (*fn)(void *), void *arg, enum mode mode) __attribute__((noreturn));
void load_idt(void);
/* Called at CPL0, interrupts off, for IRQ_VECTOR; the hook sends the LAPIC EOI itself. */
extern void (*irq_hook)(u64 vector);
/* The system-call handler: SYS_WRITE(buf, len) or SYS_EXIT(code). */
u64 syscall_dispatch(u64 a, u64 b, u64 nr);

/* Boot information (bootinfo.c). */
void boot_init(u32 start_info_paddr, struct boot *b);
/* First address >= start not covered by contiguous RAM in the memmap (start itself if not RAM); 0 if no memmap. */
u64 ram_contiguous_end(const struct boot *b, u64 start);

/* Command line (cmdline.c): returns 0, or prints why and returns -1. */
int parse_args(const char *cmdline, struct args *out);

/* Formatting (format.c): printf subset %s %c %d %u %x %ld %lu %lx, always NUL-terminated. */
int vformat(char *buf, u64 size, const char *fmt, va_list ap);
int format(char *buf, u64 size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* User-side calls (user.c). */
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void uexit(u32 code) __attribute__((noreturn));

/* The TSC's rate from CPUID leaves 0x15, 0x16 or 0x40000010; 0 when none says (tsc.c). */
u64 tsc_hz_from_cpuid(void);

void *memset(void *d, int c, u64 n);
void *memcpy(void *d, const void *s, u64 n);

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpu_pause(void) { __asm__ volatile("pause"); }
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#endif
