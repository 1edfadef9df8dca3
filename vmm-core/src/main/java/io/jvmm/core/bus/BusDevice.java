package io.jvmm.core.bus;

import java.lang.foreign.MemorySegment;

/**
 * A device on the port-I/O or MMIO bus. Called from vCPU threads, possibly several at once, so
 * implementations synchronize their own state. {@code data} is the access: 1, 2, 4 or 8 bytes,
 * little-endian; a read fills it.
 */
public interface BusDevice {
    /** {@code offset} is relative to the base the device was registered at. */
    void read(long offset, MemorySegment data);

    void write(long offset, MemorySegment data);
}
