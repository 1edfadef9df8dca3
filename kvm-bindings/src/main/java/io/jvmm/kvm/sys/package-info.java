/**
 * The libc downcalls (open, ioctl, mmap, eventfd, signals, the *at file calls of FileSyscalls)
 * through java.lang.foreign, with errno captured per thread, and the kick signal that interrupts
 * KVM_RUN. The only code in jvmm that links native functions. Any thread may call in.
 */
package io.jvmm.kvm.sys;
