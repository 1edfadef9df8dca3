/*
 * cvmm: the smallest VMM that boots jvmm's probe guests, as the floor for jvmm's own cost.
 *
 *   cvmm PROBE.elf [CMDLINE [MEMORY_MIB]]
 *
 * One vCPU, no irqchip, no devices: COM1's data register goes to stdout and its line status always
 * reads "transmitter empty", a write to the debug-exit port 0xf4 ends the run with that code (the
 * process exits with it, as `jvmm boot` does), an i8042 reset or a shutdown ends it with 0x7f.
 * Every other port or MMIO access is counted and ignored (reads return all ones). The exit counts go
 * to stderr. Built and run by benchmarks/run.sh; nothing of jvmm links against it.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The guest layout jvmm uses (vmm-core arch/x86/Layout.java), so both VMMs boot the same way. */
#define START_INFO 0x6000UL
#define MEMMAP 0x7000UL
#define CMDLINE 0x20000UL
#define CMDLINE_MAX 2048
#define KVM_TSS 0xfffbd000UL
#define KVM_IDENTITY_MAP 0xfffbc000UL
#define PVH_MAGIC 0x336ec578U
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define COM1 0x3f8
#define COM1_LSR 0x3fd
#define EXIT_PORT 0xf4
#define I8042_CMD 0x64

static void die(const char *what)
{
	fprintf(stderr, "cvmm: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void fail(const char *what)
{
	fprintf(stderr, "cvmm: %s\n", what);
	exit(125);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die(name);
	return r;
}

/* Copies the PT_LOAD segments into guest RAM and returns the PVH entry from the Xen note. */
static uint32_t load_elf(const char *path, uint8_t *ram, uint64_t ram_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	uint8_t *f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		die("mmap kernel");
	close(fd);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)st.st_size)
		fail("not a 64-bit ELF");
	uint32_t entry = 0;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > (uint64_t)st.st_size)
			fail("segment past the end of the file");
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_paddr + ph[i].p_memsz > ram_size || ph[i].p_filesz > ph[i].p_memsz)
				fail("segment outside guest RAM");
			memcpy(ram + ph[i].p_paddr, f + ph[i].p_offset, ph[i].p_filesz);
		} else if (ph[i].p_type == PT_NOTE) {
			for (uint64_t o = 0; o + 12 <= ph[i].p_filesz;) {
				const uint32_t *n = (const uint32_t *)(f + ph[i].p_offset + o);
				uint64_t desc = o + 12 + ((n[0] + 3) & ~3U);
				if (n[2] == XEN_ELFNOTE_PHYS32_ENTRY && n[0] == 4 && n[1] >= 4 && desc + 4 <= ph[i].p_filesz)
					memcpy(&entry, f + ph[i].p_offset + desc, 4);
				o = desc + ((n[1] + 3) & ~3U);
			}
		}
	}
	munmap(f, st.st_size);
	if (entry == 0)
		fail("no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
	return entry;
}

/* hvm_start_info (Xen public/arch-x86/hvm/start_info.h, version 1) with one RAM entry. */
static void write_start_info(uint8_t *ram, uint64_t ram_size, const char *cmdline)
{
	size_t len = strlen(cmdline);
	if (len >= CMDLINE_MAX)
		fail("command line too long");
	memcpy(ram + CMDLINE, cmdline, len + 1);
	uint8_t *si = ram + START_INFO;
	*(uint32_t *)(si + 0) = PVH_MAGIC;
	*(uint32_t *)(si + 4) = 1;
	*(uint64_t *)(si + 24) = CMDLINE;
	*(uint64_t *)(si + 40) = MEMMAP;
	*(uint32_t *)(si + 48) = 1;
	uint8_t *e = ram + MEMMAP;
	*(uint64_t *)(e + 0) = 0;
	*(uint64_t *)(e + 8) = ram_size;
	*(uint32_t *)(e + 16) = 1;
}

static void flat_segment(struct kvm_segment *s, uint8_t type, uint16_t selector)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
				   .present = 1, .db = 1, .s = 1, .g = 1 };
}

/* PVH entry state: 32-bit protected mode, paging off, flat segments, %ebx = start info. */
static void setup_vcpu(int kvm, int vcpu, uint32_t entry)
{
	int n = 256;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
	cpuid->nent = n;
	xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
	xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);

	struct kvm_sregs sregs;
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	flat_segment(&sregs.cs, 0xb, 0x10);
	flat_segment(&sregs.ds, 0x3, 0x18);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11; /* PE | ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

	struct kvm_regs regs = { .rip = entry, .rbx = START_INFO, .rflags = 2 };
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: cvmm PROBE.elf [CMDLINE [MEMORY_MIB]]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* a console: each line as the guest finishes it */
	uint64_t ram_size = (argc > 3 ? strtoull(argv[3], NULL, 10) : 128) << 20;
	if (ram_size < (2UL << 20) || ram_size > (3UL << 30))
		fail("memory must be 2..3072 MiB");

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	xioctl(vm, KVM_SET_TSS_ADDR, (void *)KVM_TSS, "KVM_SET_TSS_ADDR");
	uint64_t idmap = KVM_IDENTITY_MAP;
	xioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap, "KVM_SET_IDENTITY_MAP_ADDR");

	uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest RAM");
	struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size,
						       .userspace_addr = (uint64_t)ram };
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

	uint32_t entry = load_elf(argv[1], ram, ram_size);
	write_start_info(ram, ram_size, argc > 2 ? argv[2] : "");

	int vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	setup_vcpu(kvm, vcpu, entry);

	uint64_t io_exits = 0, mmio_exits = 0;
	int code = -1;
	while (code < 0) {
		xioctl(vcpu, KVM_RUN, 0, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			io_exits++;
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			size_t bytes = (size_t)run->io.size * run->io.count;
			if (run->io.direction == KVM_EXIT_IO_OUT) {
				if (run->io.port == COM1 && fwrite(data, 1, bytes, stdout) != bytes)
					die("stdout");
				else if (run->io.port == EXIT_PORT) {
					uint32_t v = 0;
					memcpy(&v, data, run->io.size < 4 ? run->io.size : 4);
					code = (int)(v & 0xff);
				} else if (run->io.port == I8042_CMD && data[0] == 0xfe)
					code = 0x7f;
			} else {
				memset(data, run->io.port == COM1_LSR ? 0x60 : 0xff, bytes);
			}
			break;
		}
		case KVM_EXIT_MMIO:
			mmio_exits++;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
		case KVM_EXIT_SHUTDOWN:
			code = 0x7f;
			break;
		default:
			fprintf(stderr, "cvmm: unexpected exit reason %u\n", run->exit_reason);
			code = 125;
		}
	}
	fflush(stdout);
	fprintf(stderr, "cvmm: exit code %d, %lu port and %lu MMIO exits\n", code, (unsigned long)io_exits,
		(unsigned long)mmio_exits);
	return code;
}
