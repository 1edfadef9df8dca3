package io.jvmm.core.snapshot;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.CpuidEntry;
import io.jvmm.virtio.mmio.MmioTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file's payload and container without KVM: named parts round trip, old versions are refused. */
class MachineStateTest {
    @TempDir
    Path dir;

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    private static MachineState state(VmState.Irqchip chip) {
        VcpuState cpu = new VcpuState(
                b(1), b(2), b(3), b(4), b(5), b(6), b(7), 0, new long[] {0x10}, new long[] {42}, new CpuidEntry[] {
                    new CpuidEntry(1, 0, 0, 2, 3, 4, 5)
                });
        MmioTransport.State t = new MmioTransport.State(
                15,
                1L << 32,
                1,
                0,
                0,
                1,
                2,
                List.of(new MmioTransport.QueueState(256, true, 0x1000, 0x2000, 0x3000, 7, 9)));
        return new MachineState(
                64L << 20,
                "console=ttyS0",
                new VmState(chip, b(9, 9)),
                List.of(cpu, cpu),
                new LegacyState(b(0x60), b(0x64)),
                List.of(new DeviceState(19, "vsock", t, 3)),
                List.of(new ShareState("src", b(7, 7, 7))));
    }

    @Test
    void everyNamedPartRoundTrips() {
        for (VmState.Irqchip chip :
                List.of(new VmState.KernelIrqchip(b(1), b(2), b(3), b(4)), new VmState.SplitIrqchip(b(5, 6)))) {
            MachineState s = state(chip);
            MachineState back = MachineState.decode(s.encode(), "state");
            assertEquals(s.memoryBytes(), back.memoryBytes());
            assertEquals(s.cmdline(), back.cmdline());
            assertEquals(chip instanceof VmState.SplitIrqchip, back.vm().splitIrqchip());
            assertArrayEquals(s.encode(), back.encode(), "decode then encode gives the same bytes");
            assertEquals(2, back.vcpus().size());
            assertArrayEquals(new long[] {42}, back.vcpus().get(1).msrValues());
            assertArrayEquals(b(0x64), back.legacy().i8042());
            assertEquals(s.devices().get(0).transport(), back.devices().get(0).transport());
            assertEquals(3, back.devices().get(0).vsockCid());
            assertEquals("src", back.shares().get(0).tag());
            assertArrayEquals(b(7, 7, 7), back.shares().get(0).server());
        }
    }

    @Test
    void anUnknownIrqchipModelIsRefused() {
        SnapshotWriter w = new SnapshotWriter();
        w.section("machine").i64(64L << 20).string("");
        w.section("vm").string("pic-only").bytes(b(1));
        SnapshotException e =
                assertThrows(SnapshotException.class, () -> MachineState.decode(w.toByteArray(), "/snap/state"));
        assertEquals("/snap/state is corrupt (irqchip model 'pic-only')", e.getMessage());
    }

    /** A version-2 file (the unnamed layout) is refused in one line naming the file, its version and ours. */
    @Test
    void anOlderFormatVersionIsRefusedByName() throws IOException {
        SnapshotFile.write(dir, state(new VmState.SplitIrqchip(b(1))).encode());
        Path file = dir.resolve(SnapshotFile.STATE);
        byte[] all = Files.readAllBytes(file);
        ByteBuffer.wrap(all).putInt(8, 2);
        Files.write(file, all);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.readState(dir));
        assertEquals(
                file
                        + " has snapshot format version 2; this jvmm reads version 3 only (take the snapshot again with this jvmm)",
                e.getMessage());
        assertEquals(3, SnapshotFile.VERSION);
    }
}
