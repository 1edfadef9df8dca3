/*
 * The user-side interface to the runtime. At CPL3 it traps with int3 (see
 * SYSCALL_VECTOR); at CPL0 (mode=cpl0) it calls the handler directly, because
 * kvm_pvm's CPL0 emulator cannot execute int3/int n.
 */
#include "probe.h"

static u64 sys(u64 nr, u64 a, u64 b)
{
	u16 cs;
	u64 ret;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	if ((cs & 3) == 0)
		return syscall_dispatch(a, b, nr);
	__asm__ volatile("int3" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "memory");
	return ret;
}

void uprintf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	int len = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys(SYS_WRITE, (u64)buf, len < (int)sizeof(buf) ? (u64)len : sizeof(buf) - 1);
}

void uexit(u32 code)
{
	sys(SYS_EXIT, code, 0);
	__builtin_unreachable();
}
