/*
 * jvmm test init: the smallest user space that proves a guest kernel works.
 *
 * It runs as PID 1 from the test initramfs and checks, in order, the things
 * a microVM needs from the kernel before anything bigger is worth booting:
 * console output (fd 1 is /dev/console), fork, pipes, waitpid, and finally
 * reboot, which the VMM treats as the end of the VM (with reboot=k the kernel
 * resets through the i8042 port).
 *
 * It also makes one legacy "int $0x80" system call (32-bit getpid), the
 * path kvm_pvm needs a kernel fixup for; a 64-bit process may use it whenever
 * the kernel has IA32 emulation, which the jvmm kernel config enables.
 *
 * Every line it prints starts with "jvmm-init:" so tests can match on it. On
 * any failure it prints what failed and still reboots, so a broken guest ends
 * the VM instead of leaving it idle until a timeout.
 */
#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char CHILD_MSG[] = "jvmm-init: child ok\n";

/* write(2) may be partial on a tty; loop so the marker lines arrive whole. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void say(const char *msg)
{
	write_all(1, msg, strlen(msg));
}

/* Reports a failed step with errno, then ends the VM. */
static void fail(const char *what)
{
	say("jvmm-init: FAILED: ");
	say(what);
	say(": ");
	say(strerror(errno));
	say("\n");
	reboot(RB_AUTOBOOT);
	_exit(1);
}

/* Child writes through a pipe, parent relays it: proves fork, pipe, waitpid. */
static void check_processes(void)
{
	int fds[2];
	char buf[64];
	ssize_t got = 0;
	int status;
	pid_t pid;

	if (pipe(fds) != 0)
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(fds[0]);
		_exit(write_all(fds[1], CHILD_MSG, sizeof(CHILD_MSG) - 1) == 0 ? 0 : 2);
	}
	close(fds[1]);
	while (got < (ssize_t)sizeof(buf) - 1) {
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("read from pipe");
		if (n == 0)
			break;
		got += n;
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		fail("child exit status");
	}
	buf[got] = '\0';
	if (strcmp(buf, CHILD_MSG) != 0) {
		errno = EPROTO;
		fail("pipe contents");
	}
	say(buf);
}

/* 32-bit getpid (nr 20) through int $0x80 must agree with the 64-bit one. */
static void check_int80(void)
{
	long ret = 20;

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	if (ret != (long)getpid()) {
		errno = ret < 0 ? (int)-ret : EPROTO;
		fail("int $0x80 getpid");
	}
	say("jvmm-init: int80 ok\n");
}

int main(void)
{
	say("jvmm-init: hello from user space\n");
	check_processes();
	check_int80();
	say("jvmm-init: rebooting\n");
	reboot(RB_AUTOBOOT);
	/* reboot only returns on error; PID 1 must not exit (kernel panic). */
	fail("reboot");
	return 1;
}
