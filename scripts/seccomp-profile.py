#!/usr/bin/env python3
"""Merges the system calls of VM processes in strace -f traces into the seccomp allow list.

Usage: seccomp-profile.py LIST UNISTD_64_H TRACE... (run by seccomp-profile.sh). A VM process is the
java that execve'd with "__vm-process"; its threads are what it clones. Only calls after its
"jvmm: seccomp=unconfined" line count: that is where the filter would have been installed.
"""
import re, sys
if sys.argv[1] != '--audit':
    out, header, traces = sys.argv[1], sys.argv[2], sys.argv[3:]
    numbers = {m.group(1): int(m.group(2)) for m in re.finditer(r'#define __NR_(\w+) (\d+)', open(header).read())}
# Calls a short run need not show but that a VM process makes on paths it has: thread and signal
# life in the JVM, and the host side of the devices (Libc's calls: block flush, discard and
# scatter-gather I/O, irqfd/ioeventfd set-up when a driver (re)activates a device, poll).
names = {'rt_sigreturn', 'exit', 'exit_group', 'restart_syscall', 'futex', 'sched_yield', 'nanosleep',
         'clock_nanosleep', 'madvise', 'munmap', 'mmap', 'mprotect', 'mremap', 'brk', 'tgkill', 'gettid',
         'rseq', 'set_robust_list', 'sigaltstack', 'membarrier', 'getrlimit', 'prlimit64', 'sysinfo',
         'preadv', 'pwritev', 'pread64', 'pwrite64', 'fdatasync', 'fsync', 'fallocate', 'ftruncate',
         'eventfd2', 'poll', 'ppoll', 'writev', 'readv', 'shutdown', 'flock',
         # the vDSO's calls, made for real when the clock source has no vDSO path (or CPU-time clocks)
         'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'getcpu'}
if len(sys.argv) > 1 and sys.argv[1] == '--audit':
    # seccomp-profile.sh --audit: calls the kernel logged for filters in log mode (audit type 1326).
    out, header = sys.argv[2], sys.argv[3]
    numbers = {m.group(1): int(m.group(2)) for m in re.finditer(r'#define __NR_(\w+) (\d+)', open(header).read())}
    names_by_number = {v: k for k, v in numbers.items()}
    # Only log-mode records (a kill is a test's deliberate forbidden call), and not the self-test's thread.
    seen = {int(m.group(2)) for m in re.finditer(r'type=1326 .* comm=(\S+) .* syscall=(\d+) .* code=0x7ffc0000', sys.stdin.read())
            if m.group(1) != '"confinement-sel"'}
    traces = []
    names |= {names_by_number[n] for n in seen}
    print('logged: ' + ', '.join(sorted(names_by_number[n] for n in seen)))
try:
    for line in open(out):
        line = line.split('#')[0].split()
        if line: names.add(line[0])
except FileNotFoundError:
    pass
for trace in traces:
    lines = open(trace).read().splitlines()
    vm = set()
    for l in lines:
        m = re.match(r'(\d+)\s+execve\("[^"]*java", \[.*"__vm-process"', l)
        if m: vm.add(m.group(1))
    started = False
    for l in lines:
        m = re.match(r'(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()', l)
        if not m: continue
        pid, name = m.group(1), m.group(2) or m.group(3)
        if pid in vm and name in ('clone', 'clone3', 'vfork', 'fork'):
            r = re.search(r'= (\d+)', l)
            if r: vm.add(r.group(1))
        if pid not in vm: continue
        if 'jvmm: seccomp=unconfined' in l: started = True
        if started: names.add(name)
unknown = sorted(n for n in names if n not in numbers)
if unknown: sys.exit('no x86-64 number for: ' + ', '.join(unknown))
with open(out, 'w') as f:
    f.write('# The system calls a confined VM process may make (x86-64 numbers), measured by\n')
    f.write('# scripts/seccomp-profile.sh; see docs/sandbox.md. One "name number" per line.\n')
    for n in sorted(names, key=lambda n: numbers[n]):
        f.write(f'{n} {numbers[n]}\n')
print(f'{len(names)} system calls in {out}')
