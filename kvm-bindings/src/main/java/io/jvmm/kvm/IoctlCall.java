package io.jvmm.kvm;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * Issues one ioctl and turns -1 into a {@link KvmException} naming the request.
 *
 * <p>Every request but KVM_RUN is retried while it fails with EINTR. KVM answers EINTR (not a
 * restartable error, so SA_RESTART does not help) when a signal arrives while it waits, e.g. in
 * KVM_CREATE_VM on kvm_pvm: a JVM takes signals that jvmm does not control (a profiler's SIGPROF,
 * jcmd's SIGQUIT, a vCPU kick on the same thread), and QEMU retries KVM_CREATE_VM the same way.
 * KVM_RUN is not issued here: its EINTR is a normal outcome ({@link VcpuFd#run()}).
 */
final class IoctlCall {
    static int call(int fd, Ioctl request, MemorySegment arg) {
        int rc = raw(fd, request, arg);
        if (rc < 0) throw new KvmException(request, Libc.lastErrno());
        return rc;
    }

    static int call(int fd, Ioctl request, long arg) {
        int rc = raw(fd, request, arg);
        if (rc < 0) throw new KvmException(request, Libc.lastErrno());
        return rc;
    }

    /** The ioctl's raw result, retried on EINTR; any other errno stays in {@link Libc#lastErrno()}. */
    static int raw(int fd, Ioctl request, MemorySegment arg) {
        return raw(fd, request, arg.address());
    }

    private static int raw(int fd, Ioctl request, long arg) {
        int rc;
        do {
            rc = Libc.ioctl(fd, request.number(), arg);
        } while (rc < 0 && Libc.lastErrno() == Errno.EINTR);
        return rc;
    }

    /** Rejects a caller's struct segment that the kernel could not read or write safely. */
    static MemorySegment checkStruct(MemorySegment segment, MemoryLayout layout, Ioctl request) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(request.name() + ": "
                    + layout.name().orElse("struct") + " segment must be native memory, got a heap segment");
        }
        if (segment.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException(
                    request.name() + ": " + layout.name().orElse("struct") + " segment is " + segment.byteSize()
                            + " bytes, needs " + layout.byteSize());
        }
        return segment;
    }

    private IoctlCall() {}
}
