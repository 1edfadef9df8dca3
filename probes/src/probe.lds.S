/*
 * PVH ELF layout: the image is linked and loaded at 1 MiB (p_paddr == p_vaddr,
 * identity-mapped); smp.elf adds a second PT_LOAD at 0x8000 for the AP trampoline.
 * Preprocessed by the Makefile: -DWITH_TRAMPOLINE for smp.elf only, so the other
 * probes carry no empty PT_LOAD.
 */
#include "layout.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(pvh_entry)

PHDRS
{
	image PT_LOAD FLAGS(7);
	note  PT_NOTE FLAGS(4);
#ifdef WITH_TRAMPOLINE
	low   PT_LOAD FLAGS(5);
#endif
}

SECTIONS
{
	. = 0x100000;
	__image_start = .;
	.note.Xen : { KEEP(*(.note.Xen)) } :image :note
	.text : { *(.text.entry) *(.text .text.*) } :image
	.rodata : { *(.rodata .rodata.*) } :image
	.data : { *(.data .data.*) } :image
	.bss : {
		__bss_start = .;
		*(.bss .bss.*) *(COMMON)
		. = ALIGN(4);
		__bss_end = .;
	} :image
	__image_end = .;

#ifdef WITH_TRAMPOLINE
	. = TRAMPOLINE_ADDR;
	.trampoline : { KEEP(*(.trampoline)) } :low
	ASSERT(ADDR(.trampoline) == TRAMPOLINE_ADDR, "trampoline must be at TRAMPOLINE_ADDR")
	ASSERT(SIZEOF(.trampoline) > 0 && SIZEOF(.trampoline) <= 0x1000, "trampoline must fit in one page")
#endif
	ASSERT(__image_end <= 0x1000000, "image must end below 16 MiB (touch.elf's range)")

	/DISCARD/ : { *(.comment) *(.eh_frame) *(.note.GNU-stack) *(.note.gnu.property) }
}
