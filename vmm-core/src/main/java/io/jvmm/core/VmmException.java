package io.jvmm.core;

/**
 * The root of vmm-core's exceptions: a VM that cannot be configured ({@link ConfigException}),
 * snapshotted or restored ({@code SnapshotException}). Unchecked, with a
 * one-line message that names what was wrong, as every module's root is.
 */
public class VmmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmmException(String message) {
        super(message);
    }

    public VmmException(String message, Throwable cause) {
        super(message, cause);
    }
}
