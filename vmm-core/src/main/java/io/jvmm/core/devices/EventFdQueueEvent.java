package io.jvmm.core.devices;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.virtio.QueueEvent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A queue's notification event as a Linux eventfd, so KVM can signal it from an ioeventfd without
 * an exit to the VMM. The device thread blocks in read(2); signal() adds 1 to the counter.
 */
final class EventFdQueueEvent implements QueueEvent {
    private final int fd;
    /** Only the device thread reads, so one buffer per event suffices. */
    private final MemorySegment readBuffer;

    private final Arena arena = Arena.ofShared();
    private volatile boolean closed;

    EventFdQueueEvent() {
        this.fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        this.readBuffer = arena.allocate(ValueLayout.JAVA_LONG);
    }

    int fd() {
        return fd;
    }

    @Override
    public void await() throws InterruptedException {
        while (true) {
            if (closed) throw new InterruptedException("queue event closed");
            try {
                Libc.read(fd, readBuffer);
                return;
            } catch (NativeException e) {
                if (e.errno() != Errno.EINTR) throw e;
            }
        }
    }

    @Override
    public void signal() {
        if (closed) return;
        Libc.eventfdAddOne(fd);
    }

    /** Call only once no thread waits any more (the device was reset). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
        arena.close();
    }
}
