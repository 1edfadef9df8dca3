package io.jvmm.core.legacy;

import io.jvmm.core.bus.BusDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * QEMU's isa-debug-exit at port 0xf4: a write ends the VM with the written value as its code. The
 * probe guests end this way so the same binary ends under jvmm and under QEMU.
 */
public final class DebugExitPort implements BusDevice {
    public static final int PORT = 0xf4;
    public static final int LENGTH = 4;

    private final IntConsumer exit;

    public DebugExitPort(IntConsumer exit) {
        this.exit = exit;
    }

    @Override
    public void read(long offset, MemorySegment data) {
        data.fill((byte) 0xff);
    }

    @Override
    public void write(long offset, MemorySegment data) {
        int code = switch ((int) data.byteSize()) {
            case 1 -> data.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
            case 2 -> data.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) & 0xffff;
            default -> data.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        };
        exit.accept(code);
    }
}
