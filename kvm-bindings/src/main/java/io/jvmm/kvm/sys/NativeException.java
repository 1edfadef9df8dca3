package io.jvmm.kvm.sys;

/**
 * A failed libc call. Unchecked because callers rarely recover; the message names the call and
 * the errno, e.g. {@code open(/dev/kvm) failed: EACCES (Permission denied)}.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /** A call that failed with {@code errno}; the message is built from both. */
    public NativeException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    /** A call that failed without an errno (a wrong result value); {@link #errno()} is 0. */
    public NativeException(String call, String detail) {
        super(call + " failed: " + detail);
        this.call = call;
        this.errno = 0;
    }

    /** The call, as written in the message, e.g. {@code open(/dev/kvm)} or {@code KVM_RUN}. */
    public String call() {
        return call;
    }

    /** The errno the call reported, or 0 when the failure was not an errno. */
    public int errno() {
        return errno;
    }
}
