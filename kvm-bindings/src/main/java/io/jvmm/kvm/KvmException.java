package io.jvmm.kvm;

import io.jvmm.kvm.sys.NativeException;

/**
 * A KVM ioctl that failed. The message names the ioctl and the errno, e.g.
 * {@code KVM_CREATE_VCPU failed: EEXIST (File exists)}; callers branch on {@link #ioctl()} and
 * {@link #errno()}, never on the text.
 */
public final class KvmException extends NativeException {
    private static final long serialVersionUID = 1L;

    private final transient Ioctl ioctl;

    /** {@code ioctl} returned -1 with {@code errno}. */
    public KvmException(Ioctl ioctl, int errno) {
        super(ioctl.name(), errno);
        this.ioctl = ioctl;
    }

    /** {@code ioctl} succeeded but its result was unusable; {@link #errno()} is 0. */
    public KvmException(Ioctl ioctl, String detail) {
        super(ioctl.name(), detail);
        this.ioctl = ioctl;
    }

    /** The ioctl that failed. */
    public Ioctl ioctl() {
        return ioctl;
    }
}
