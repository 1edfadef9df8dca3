/**
 * Typed wrappers over the KVM ioctl API ({@code Documentation/virt/kvm/api.rst}): {@link io.jvmm.kvm.Kvm}
 * for /dev/kvm, {@link io.jvmm.kvm.VmFd} per VM, {@link io.jvmm.kvm.VcpuFd} per vCPU, with
 * {@link io.jvmm.kvm.VcpuExit} decoding each KVM_RUN. Every failure is a {@link io.jvmm.kvm.KvmException}
 * naming the ioctl and errno. VcpuFd.run is called by the vCPU thread; kick by any thread.
 */
package io.jvmm.kvm;
