/*
 * PVH entry, long-mode switch, GDT, identity page tables, exception stubs
 * and the jump to user mode. Everything here runs at CPL0, which kvm_pvm
 * emulates slowly, so it is kept short: the bulk of each probe runs in C at CPL3.
 */
#include "longmode.h"

/* Xen ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18) = 32-bit physical entry point.
 * 4-byte alignment matters: QEMU pads the name to the PT_NOTE's p_align. */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4			/* namesz: "Xen\0" */
	.long	4			/* descsz */
	.long	18			/* type: XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.balign 4
	.long	pvh_entry
	.balign 4

	.section .text.entry, "ax"
	.code32
	.globl	pvh_entry
pvh_entry:
	/* PVH guarantees no stack, GDT or IDT: %ebx = hvm_start_info is all we get. */
	cli
	cld
	lgdt	gdt_desc
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	ljmp	$SEL_KCODE32, $1f
1:
	/*
	 * No .bss clearing and no page-table loops here: at kvm_pvm's ~1.4 MIPS for CPL0 code the
	 * clearing alone cost 3 ms of every boot. The ELF loaders of jvmm and QEMU both zero p_memsz beyond
	 * p_filesz (and fresh guest RAM is zero), and the page tables are static data below.
	 */
	movl	%ebx, start_info_paddr

	ENTER_LONG long_entry

	.code64
long_entry:
	movl	$SEL_KDATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movabsq	$boot_stack_top, %rsp
	movl	start_info_paddr(%rip), %edi
	call	kmain
5:	cli
	hlt
	jmp	5b

/*
 * void enter_user(u64 fn, u64 arg, u64 stack_top): iretq to CPL3 at user_start,
 * which calls fn(arg) and passes its return value to SYS_EXIT. Never returns.
 */
	.text
	.globl	enter_user
enter_user:
	pushq	$SEL_UDATA
	pushq	%rdx
	pushq	$USER_RFLAGS
	pushq	$SEL_UCODE
	leaq	user_start(%rip), %rax
	pushq	%rax
	iretq

user_start:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	movl	%eax, %edi
	movl	$SYS_EXIT, %eax
	int3			/* system call, see SYSCALL_VECTOR in layout.h */
	ud2


/* Exception stubs: uniform frame (vector, error code) for trap() in kernel.c. */
.macro ISR_NOERR v
isr\v:
	pushq	$0
	pushq	$\v
	jmp	isr_common
.endm
.macro ISR_ERR v
isr\v:
	pushq	$\v
	jmp	isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	ISR_NOERR \v
.endr
/* External interrupts the irq probe takes: IRQ_VECTOR and the LAPIC's spurious vector. */
	.globl	isr64, isr255
	ISR_NOERR 64
	ISR_NOERR 255
.irp v, 8,10,11,12,13,14,17,21,29,30
	ISR_ERR \v
.endr

isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	call	trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl	isr_table
isr_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr\v
.endr

	.data
	.balign 16
	.globl	gdt
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 kernel code, 32-bit */
	.quad	0x00af9b000000ffff	/* 0x10 kernel code, 64-bit */
	.quad	0x00cf93000000ffff	/* 0x18 kernel data */
	.quad	0x00cffb000000ffff	/* 0x20 user code, 32-bit, DPL3 (STAR base only) */
	.quad	0x00cff3000000ffff	/* 0x28 user data, DPL3 */
	.quad	0x00affb000000ffff	/* 0x30 user code, 64-bit, DPL3 */
	.quad	0			/* 0x38 unused, as in Linux */
	.quad	0, 0			/* 0x40 TSS, filled in by cpu_init() */
gdt_end:
	.globl	GDT_LIMIT
	.set	GDT_LIMIT, gdt_end - gdt - 1
	.balign 8
	.word	0, 0, 0
gdt_desc:
	.word	GDT_LIMIT
	.quad	gdt

	.globl	start_info_paddr
start_info_paddr:
	.long	0

	/* The identity map, built by the assembler: PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories,
	 * 4 GiB of 2 MiB pages. [0, 3 GiB) RAM, write-back (P | RW | US | PS); [3 GiB, 4 GiB) the MMIO
	 * hole (probe MMIO target, LAPIC), uncached (+ PWT | PCD). */
	.data
	.balign 4096
	.globl	pml4
pml4:	.quad	pdpt + 7
	.fill	511, 8, 0
pdpt:	.quad	pd + 7, pd + 0x1000 + 7, pd + 0x2000 + 7, pd + 0x3000 + 7
	.fill	508, 8, 0
pd:
	.set	pde, 0x87
	.rept	1536
	.quad	pde
	.set	pde, pde + 0x200000
	.endr
	.rept	512
	.quad	pde | 0x18
	.set	pde, pde + 0x200000
	.endr

	.bss
	.globl	boot_stack_top
boot_stack:
	.skip	16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
