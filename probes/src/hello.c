/* hello.elf: the smallest end-to-end check: CPL3 entry, a system call, the console, exit 0. */
#include "probe.h"

static int body(void *unused)
{
	(void)unused;
	uprintf("hello from jvmm probe\n");
	return 0;
}

int probe_main(const struct boot *b)
{
	run_body(body, 0, b->args.mode);
}
