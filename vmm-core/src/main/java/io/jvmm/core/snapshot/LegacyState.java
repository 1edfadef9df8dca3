package io.jvmm.core.snapshot;

/**
 * The legacy devices' state.
 *
 * @param uart  the 8250 UART's registers and receive FIFO ({@code Serial8250.saveState})
 * @param i8042 the i8042's ({@code I8042.saveState})
 */
public record LegacyState(byte[] uart, byte[] i8042) {
    void write(SnapshotWriter w) {
        w.section("legacy").bytes(uart).bytes(i8042);
    }

    static LegacyState read(SnapshotReader r) {
        r.section("legacy");
        return new LegacyState(r.bytes(), r.bytes());
    }
}
