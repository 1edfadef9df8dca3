/*
 * Assembly macro shared by the BSP (PVH entry) and the APs (trampoline):
 * from 32-bit protected mode with flat segments to 64-bit mode at \target.
 * Uses the identity map built by the BSP at boot (symbol pml4).
 */
#ifndef PROBE_LONGMODE_H
#define PROBE_LONGMODE_H
#include "layout.h"

.macro ENTER_LONG target
	movl	%cr4, %ecx
	orl	$CR4_PAE, %ecx
	movl	%ecx, %cr4
	movl	$pml4, %ecx
	movl	%ecx, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	$CR0_LONG, %ecx
	movl	%ecx, %cr0
	ljmp	$SEL_KCODE, $\target
.endm

#endif
