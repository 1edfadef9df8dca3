package io.jvmm.kvm;

import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** Issues one ioctl and turns -1 into a {@link KvmException} naming the request. */
final class IoctlCall {
    static int call(int fd, Ioctl request, MemorySegment arg) {
        int rc = Libc.ioctl(fd, request.number(), arg);
        if (rc < 0) throw new KvmException(request, Libc.lastErrno());
        return rc;
    }

    static int call(int fd, Ioctl request, long arg) {
        int rc = Libc.ioctl(fd, request.number(), arg);
        if (rc < 0) throw new KvmException(request, Libc.lastErrno());
        return rc;
    }

    /** Rejects a caller's struct segment that the kernel could not read or write safely. */
    static MemorySegment checkStruct(MemorySegment segment, MemoryLayout layout, Ioctl request) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(request.name() + ": " + layout.name().orElse("struct")
                    + " segment must be native memory, got a heap segment");
        }
        if (segment.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException(request.name() + ": " + layout.name().orElse("struct") + " segment is "
                    + segment.byteSize() + " bytes, needs " + layout.byteSize());
        }
        return segment;
    }

    private IoctlCall() {}
}
