package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.backend.net.PortForward;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.virtio.blk.BlockBackend;
import io.jvmm.virtio.net.NetBackend;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backends as values in the config: an embedder's own {@link BlockBackend} serves the virtio-blk
 * probe, an own {@link NetBackend} is the net device's, and the VM closes what it was handed, when it
 * closes and when it cannot be built.
 */
class EmbedderBackendTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    /** A disk in a Java array, counting its closes. */
    static final class MemoryDisk implements BlockBackend {
        final byte[] data;
        final boolean readOnly;
        int closes;

        MemoryDisk(int bytes, boolean readOnly) {
            data = new byte[bytes];
            for (int i = 0; i < bytes; i++) data[i] = (byte) (i * 13 + (i >> 9));
            this.readOnly = readOnly;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public synchronized void read(long offset, List<MemorySegment> dst) {
            for (MemorySegment s : dst) {
                MemorySegment.copy(MemorySegment.ofArray(data), offset, s, 0, s.byteSize());
                offset += s.byteSize();
            }
        }

        @Override
        public synchronized void write(long offset, List<MemorySegment> src) {
            for (MemorySegment s : src) {
                MemorySegment.copy(s, 0, MemorySegment.ofArray(data), offset, s.byteSize());
                offset += s.byteSize();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void discard(long offset, long length) {}

        @Override
        public void writeZeroes(long offset, long length, boolean unmap) {}

        @Override
        public synchronized void close() {
            closes++;
        }

        synchronized long crc() {
            CRC32 c = new CRC32();
            c.update(data);
            return c.getValue();
        }
    }

    /** A network that swallows frames and counts its closes. */
    static final class NullNetwork implements NetBackend {
        int closes;

        @Override
        public void send(MemorySegment frame) {}

        @Override
        public void start(FrameSink sink) {}

        @Override
        public String describe() {
            return "null network";
        }

        @Override
        public synchronized void close() {
            closes++;
        }
    }

    @Test
    void anInMemoryDiskServesTheGuestAndIsClosedWithTheVm() throws Exception {
        MemoryDisk disk = new MemoryDisk(2 << 20, false);
        long before = disk.crc();
        Probes.Console console = new Probes.Console();
        VmConfig config = Probes.config("virtio-blk", "op=id,checksum,fill,flush sector=100 count=8")
                .memoryMib(64)
                .drive("mem0", disk, RateLimit.UNLIMITED)
                .consoleOutput(console)
                .build();
        assertSame(disk, config.drives().get(0).backend());
        try (Vm vm = Vm.create(config)) {
            vm.start();
            assertEquals(new VmExit.DebugExit(0), vm.awaitExit(TIMEOUT).orElse(null), console.toString());
            assertEquals(0, disk.closes, "the VM holds the disk until it closes");
        }
        String out = console.toString();
        assertTrue(out.contains("virtio-blk: capacity " + (2 << 20) / 512 + " ro 0"), out);
        assertTrue(out.contains("virtio-blk: id mem0\n"), out);
        assertTrue(
                out.contains(String.format("virtio-blk: checksum %d sectors crc32 0x%08x", (2 << 20) / 512, before)),
                out);
        assertTrue(out.contains("virtio-blk: fill 100 8 status 0"), out);
        for (int s = 100; s < 108; s++) {
            for (int i = 0; i < 512; i++)
                assertEquals((byte) ((s * 31 + i) & 0xff), disk.data[s * 512 + i], "sector " + s + " byte " + i);
        }
        assertEquals(1, disk.closes, "closed once, by the VM");
    }

    @Test
    void aReadOnlyBackendMakesAReadOnlyDrive() {
        MemoryDisk disk = new MemoryDisk(1 << 20, true);
        DriveConfig d = DriveConfig.of("ro", disk, null);
        assertTrue(d.readOnly());
        assertNull(d.path());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new DriveConfig("rw", null, false, null, disk));
        assertEquals("drive rw: read-only is false but the backend's is true", e.getMessage());
        ConfigException twice = assertThrows(
                ConfigException.class,
                () -> Probes.config("hello", "")
                        .drive("a", disk, null)
                        .drive("b", disk, null)
                        .build());
        assertEquals("drives.b: its backend is already attached as another drive", twice.getMessage());
    }

    @Test
    void anOwnNetworkBackendIsTheDevicesAndIsClosedWithTheVm() {
        NullNetwork network = new NullNetwork();
        VmConfig config = Probes.config("hello", "").net(NetConfig.of(network)).build();
        try (Vm vm = Vm.create(config)) {
            assertSame(network, vm.net().orElseThrow().backend());
        }
        assertEquals(1, network.closes);
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Probes.config("hello", "")
                        .net(new NetConfig(
                                null, null, List.of(PortForward.parse("8080:80")), null, null, null, -1, network))
                        .build());
        assertTrue(e.getMessage().startsWith("network.ports: "), e.getMessage());
    }

    @Test
    void aFailedBuildClosesTheBackendsItWasHanded() {
        MemoryDisk disk = new MemoryDisk(1 << 20, false);
        NullNetwork network = new NullNetwork();
        VmConfig config = VmConfig.builder()
                .memoryMib(64)
                .drive(null, disk, null)
                .net(NetConfig.of(network))
                .buildForRestore();
        assertThrows(SnapshotException.class, () -> Vm.restore(dir, config));
        assertEquals(1, disk.closes);
        assertEquals(1, network.closes);
    }
}
