package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;

/**
 * A request that fails with {@code errno}: the server answers it with {@code -errno} in the reply
 * header. Carries no stack trace, because failed lookups (ENOENT) are routine, not exceptional.
 */
final class FuseError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int errno;

    FuseError(int errno) {
        super(Errno.name(errno), null, false, false);
        this.errno = errno;
    }

    /** {@code r} when it is a result, a FuseError when it is {@code -errno} (FileSyscalls' convention). */
    static long check(long r) {
        if (r < 0) throw new FuseError((int) -r);
        return r;
    }
}
