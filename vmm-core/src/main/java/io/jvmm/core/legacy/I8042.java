package io.jvmm.core.legacy;

import io.jvmm.core.bus.BusDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Just enough of the i8042 keyboard controller (ports 0x60 and 0x64) for Linux to reset the machine
 * with {@code reboot=k}: command 0xFE pulses the CPU reset line, which ends the VM (as in
 * Firecracker). The controller answers self-test and configuration commands so a driver that probes
 * it finds a controller with no devices rather than garbage.
 */
public final class I8042 implements BusDevice {
    public static final int DATA_PORT = 0x60;
    public static final int BASE = 0x60;
    public static final int LENGTH = 5; // 0x60..0x64

    private static final int CMD_READ_CTR = 0x20,
            CMD_WRITE_CTR = 0x60,
            CMD_SELF_TEST = 0xaa,
            CMD_KBD_TEST = 0xab,
            CMD_DISABLE_KBD = 0xad,
            CMD_ENABLE_KBD = 0xae,
            CMD_RESET_CPU = 0xfe;
    private static final int STATUS_OUTPUT_FULL = 0x01, STATUS_SYSTEM = 0x04, STATUS_CMD = 0x08;

    private final Runnable resetCpu;
    private int status = STATUS_SYSTEM;
    private int ctr = 0x30; // keyboard/aux interrupts off, clocks disabled
    private int output;
    private boolean expectCtr;

    public I8042(Runnable resetCpu) {
        this.resetCpu = resetCpu;
    }

    /** status, command byte, output byte, whether a command byte is expected: for a snapshot. */
    public synchronized byte[] saveState() {
        return new byte[] {(byte) status, (byte) ctr, (byte) output, (byte) (expectCtr ? 1 : 0)};
    }

    public synchronized void restoreState(byte[] state) {
        if (state.length != 4)
            throw new IllegalArgumentException("i8042 state has " + state.length + " bytes, expected 4");
        status = state[0] & 0xff;
        ctr = state[1] & 0xff;
        output = state[2] & 0xff;
        expectCtr = state[3] != 0;
    }

    @Override
    public synchronized void read(long offset, MemorySegment data) {
        int v;
        if (offset == 0) {
            v = output;
            status &= ~STATUS_OUTPUT_FULL;
        } else if (offset == 4) {
            v = status;
        } else {
            v = 0xff; // 0x61-0x63: not ours
        }
        data.fill((byte) 0);
        data.set(ValueLayout.JAVA_BYTE, 0, (byte) v);
    }

    @Override
    public synchronized void write(long offset, MemorySegment data) {
        int v = data.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
        if (offset == 4) {
            status |= STATUS_CMD;
            command(v);
        } else if (offset == 0) {
            status &= ~STATUS_CMD;
            if (expectCtr) {
                ctr = v;
                expectCtr = false;
            }
            // Bytes for the (absent) keyboard are dropped.
        }
    }

    private void command(int cmd) {
        switch (cmd) {
            case CMD_RESET_CPU -> resetCpu.run();
            case CMD_READ_CTR -> respond(ctr);
            case CMD_WRITE_CTR -> expectCtr = true;
            case CMD_SELF_TEST -> respond(0x55);
            case CMD_KBD_TEST -> respond(0x00);
            case CMD_DISABLE_KBD -> ctr |= 0x10;
            case CMD_ENABLE_KBD -> ctr &= ~0x10;
            default -> {} // other commands address devices that are not there
        }
    }

    private void respond(int v) {
        output = v;
        status |= STATUS_OUTPUT_FULL;
    }
}
