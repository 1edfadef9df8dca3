package io.jvmm.memory;

/** A guest-physical access that does not lie wholly inside guest RAM. */
public final class GuestMemoryException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length) {
        super(String.format("guest memory access [0x%x, +0x%x) is outside guest RAM", address, length));
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
