package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;

/**
 * The names a guest may use: one path component. Linux's FUSE client only ever sends such names
 * (it resolves paths, '.', '..' and symlinks itself), so anything else is a forged request: a name
 * with '/' would walk further than one step, '..' would climb out of the parent. Refused with EINVAL.
 */
final class Names {
    private Names() {}

    static void check(byte[] name) {
        if (name.length == 0) throw new FuseError(Errno.EINVAL);
        if (name.length > FuseAbi.NAME_MAX) throw new FuseError(Errno.ENAMETOOLONG);
        if (name[0] == '.' && (name.length == 1 || name.length == 2 && name[1] == '.'))
            throw new FuseError(Errno.EINVAL);
        for (byte b : name) {
            if (b == '/' || b == 0) throw new FuseError(Errno.EINVAL);
        }
    }

    /** True for the '.' and '..' entries of a directory listing. */
    static boolean isDotOrDotDot(byte[] name, int off, int len) {
        return name[off] == '.' && (len == 1 || len == 2 && name[off + 1] == '.');
    }
}
