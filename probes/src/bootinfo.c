/* Reads the PVH hvm_start_info: magic, command line, memory map. */
#include "probe.h"

#define FOUR_GIB 0x100000000UL

void boot_init(u32 start_info_paddr, struct boot *b)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)(u64)start_info_paddr;

	if (si == 0 || si->magic != HVM_START_MAGIC) {
		kprintf("probe: bad hvm_start_info at 0x%x: magic 0x%x, want 0x%x\n", start_info_paddr,
			si ? si->magic : 0, HVM_START_MAGIC);
		probe_exit(EXIT_BAD_BOOT);
	}
	b->si = si;
	b->cmdline = "";
	if (si->cmdline_paddr != 0) {
		/* Only the first 4 GiB are mapped. */
		if (si->cmdline_paddr >= FOUR_GIB) {
			kprintf("probe: cmdline_paddr 0x%lx is above 4 GiB\n", si->cmdline_paddr);
			probe_exit(EXIT_BAD_BOOT);
		}
		b->cmdline = (const char *)si->cmdline_paddr;
	}
	if (parse_args(b->cmdline, &b->args) != 0)
		probe_exit(EXIT_BAD_CMDLINE);
}

u64 ram_contiguous_end(const struct boot *b, u64 start)
{
	const struct hvm_start_info *si = b->si;

	if (si->version < 1 || si->memmap_paddr == 0 || si->memmap_entries == 0 ||
	    si->memmap_paddr >= FOUR_GIB)
		return 0;
	const struct hvm_memmap_entry *map = (const struct hvm_memmap_entry *)si->memmap_paddr;
	u64 end = start;
	/* Entries need not be sorted or merged: extend until no RAM entry continues the range. */
	for (int grown = 1; grown;) {
		grown = 0;
		for (u32 i = 0; i < si->memmap_entries; i++) {
			const struct hvm_memmap_entry *e = &map[i];
			if (e->type == HVM_MEMMAP_RAM && e->addr <= end && end < e->addr + e->size) {
				end = e->addr + e->size;
				grown = 1;
			}
		}
	}
	return end;
}
