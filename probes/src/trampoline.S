/*
 * AP start-up: a SIPI with vector 0x08 starts an AP in real mode at 0x0800:0000.
 * This section is its own PT_LOAD at TRAMPOLINE_ADDR (see probe.ld), so the
 * loader places it and no run-time copy is needed. Real -> protected -> long
 * mode, then a per-AP stack chosen by APIC id, then ap_main(apic_id) in C.
 */
#include "longmode.h"

	.section .trampoline, "ax"
	.code16
	.globl	ap_trampoline
ap_trampoline:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	/* The descriptor must sit below 64 KiB to be addressable here; the GDT itself may be anywhere < 4 GiB. */
	lgdtl	ap_gdt_desc
	movl	$0x11, %eax		/* PE | ET, and CD/NW cleared */
	movl	%eax, %cr0
	ljmpl	$SEL_KCODE32, $ap_pm32

	.code32
ap_pm32:
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	ENTER_LONG ap_long

	.balign 8
ap_gdt_desc:
	.word	GDT_LIMIT
	.long	gdt

	.text
	.code64
ap_long:
	movl	$SEL_KDATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	/* xAPIC ID register (0xfee00020, bits 31:24) picks this AP's stack. */
	movl	$0xfee00020, %edx
	movl	(%rdx), %edi
	shrl	$24, %edi
	cmpl	$MAX_CPUS, %edi
	jae	1f
	leal	1(%rdi), %eax
	shll	$12, %eax		/* AP_STACK_SIZE == 4096: stack top of slot id */
	movabsq	$ap_stacks, %rsp
	addq	%rax, %rsp
	call	ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
