package io.jvmm.core.irq;

import io.jvmm.kvm.VmFd;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.virtio.InterruptLine;

/**
 * An interrupt input raised through KVM_IRQFD: a device thread writes the eventfd and KVM pulses the
 * IOAPIC pin itself, without a system call into the vCPU's path or an ioctl of ours.
 */
final class IrqFdLine implements InterruptLine, AutoCloseable {
    private final VmFd vm;
    private final int gsi;
    private final int fd;
    private volatile boolean closed;

    IrqFdLine(VmFd vm, int gsi) {
        this.vm = vm;
        this.gsi = gsi;
        this.fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        try {
            vm.irqfd(fd, gsi, false);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    @Override
    public void trigger() {
        if (closed) return;
        try {
            Libc.eventfdAddOne(fd);
        } catch (NativeException e) {
            // EAGAIN: the counter is near overflow, so an interrupt is pending anyway; nothing lost.
            if (e.errno() != Errno.EAGAIN) throw e;
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            vm.irqfd(fd, gsi, true);
        } finally {
            Libc.close(fd);
        }
    }
}
