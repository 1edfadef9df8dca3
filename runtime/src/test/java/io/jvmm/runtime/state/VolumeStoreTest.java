package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStoreTest {
    @TempDir
    Path home;

    StateDirs dirs;
    VmStore vms;
    VolumeStore volumes;
    final List<Process> children = new ArrayList<>();

    /** mkfs.ext4 where Debian keeps it, or null (the tests needing it are skipped, saying why). */
    static String mkfs() {
        for (String d : new String[] {"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"}) {
            if (Files.isExecutable(Path.of(d, "mkfs.ext4"))) return d + "/mkfs.ext4";
        }
        return null;
    }

    static void assumeMkfs() {
        boolean present = mkfs() != null;
        if (!present) System.out.println("SKIPPED: mkfs.ext4 not installed (e2fsprogs)");
        assumeTrue(present, "mkfs.ext4 not installed (e2fsprogs)");
    }

    @BeforeEach
    void setUp() {
        dirs = new StateDirs(Map.of("JVMM_HOME", home.toString()));
        vms = new VmStore(dirs);
        volumes = new VolumeStore(dirs, vms);
    }

    @AfterEach
    void killChildren() {
        for (Process p : children) p.destroyForcibly();
    }

    private List<String> volumeDirEntries() throws IOException {
        if (!Files.exists(dirs.volumesDir())) return List.of();
        try (Stream<Path> s = Files.list(dirs.volumesDir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void createListInspectRemove() throws Exception {
        assumeMkfs();
        VolumeStore.Volume v = volumes.create("data", 64);
        assertEquals(dirs.volumeImage("data"), v.image());
        assertEquals(64L << 20, Files.size(v.image()));
        Process stat = new ProcessBuilder("stat", "-c", "%b", v.image().toString()).start();
        long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes()).strip()) * 512;
        assertTrue(allocated < (64L << 20), "sparse: " + allocated);
        byte[] sb = new byte[2];
        try (var ch = FileChannel.open(v.image())) {
            ch.read(ByteBuffer.wrap(sb), 1024 + 0x38);
        }
        assertEquals(0x53, sb[0] & 0xff, "ext4 superblock magic");
        assertEquals((byte) 0xEF, sb[1]);

        assertEquals(
                List.of("data"),
                volumes.list().stream().map(VolumeStore.Volume::name).toList());
        Map<String, Object> i = volumes.inspect("data");
        assertEquals("data", i.get("Name"));
        assertEquals("raw-ext4", i.get("Driver"));
        assertEquals(v.image().toString(), i.get("Mountpoint"));
        assertEquals(64L << 20, i.get("Size"));
        assertTrue(Instant.parse((String) i.get("CreatedAt"))
                .isBefore(Instant.now().plusSeconds(1)));

        EngineException dup = assertThrows(EngineException.class, () -> volumes.create("data", 64));
        assertEquals("volume \"data\" already exists", dup.getMessage());

        volumes.remove("data");
        assertEquals(List.of(), volumes.list());
        assertEquals(List.of(), volumeDirEntries(), "nothing left behind");
        assertEquals(
                "no such volume: data",
                assertThrows(EngineException.class, () -> volumes.remove("data"))
                        .getMessage());
    }

    @Test
    void badNamesAndSizes() {
        for (String bad : new String[] {"", ".hidden", "-x", "a b", "a/b", "../x", "x".repeat(129)}) {
            EngineException e = assertThrows(EngineException.class, () -> volumes.create(bad, 64), bad);
            assertEquals(EngineException.USAGE, e.status());
            assertEquals(1, e.getMessage().lines().count());
        }
        assertEquals(
                "invalid volume size 0 MiB: must be between 1 and " + VolumeStore.MAX_SIZE_MIB,
                assertThrows(EngineException.class, () -> volumes.create("ok", 0))
                        .getMessage());
    }

    @Test
    void missingMkfsNamesE2fsprogsAndLeavesNothing() throws Exception {
        VolumeStore noMkfs =
                new VolumeStore(dirs, vms, home.resolve("no/mkfs.ext4").toString());
        EngineException e = assertThrows(EngineException.class, () -> noMkfs.create("data", 64));
        assertTrue(
                e.getMessage().startsWith("mkfs.ext4 not found")
                        && e.getMessage().contains("e2fsprogs"),
                e.getMessage());
        assertEquals(List.of(), volumeDirEntries());
    }

    @Test
    void failingMkfsLeavesNothing() throws Exception {
        Path fake = home.resolve("mkfs.ext4");
        Files.writeString(fake, "#!/bin/sh\necho 'mkfs.ext4: disk on fire' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        VolumeStore failing = new VolumeStore(dirs, vms, fake.toString());
        EngineException e = assertThrows(EngineException.class, () -> failing.create("data", 64));
        assertEquals("mkfs.ext4 failed (exit 1): mkfs.ext4: disk on fire", e.getMessage());
        assertEquals(List.of(), volumeDirEntries());
        assertTrue(volumes.list().isEmpty());
    }

    @Test
    void lockedImageIsInUse() throws Exception {
        assumeMkfs();
        volumes.create("data", 16);
        Path image = dirs.volumeImage("data");
        // flock(1) holds an flock(2) lock like jvmm's RawImage does.
        Process holder = new ProcessBuilder("flock", "--shared", image.toString(), "sh", "-c", "echo locked; sleep 30")
                .redirectErrorStream(true)
                .start();
        children.add(holder);
        assertEquals("locked", new String(holder.getInputStream().readNBytes(6)));
        assertTrue(volumes.isLocked("data"));
        EngineException e = assertThrows(EngineException.class, () -> volumes.remove("data"));
        assertTrue(e.getMessage().startsWith("volume \"data\" is in use (its image "), e.getMessage());
        assertEquals(List.of(), volumes.prune(), "prune skips a locked volume");
        assertTrue(Files.exists(image));
        // flock's child (sh, then sleep) inherits the locked fd: kill them all.
        assertTrue(ProcessInfo.killTree(
                new ProcessInfo.Id(
                        holder.pid(), ProcessInfo.startTime(holder.pid()).orElseThrow()),
                Duration.ofSeconds(10)));
        assertFalse(volumes.isLocked("data"));
        volumes.remove("data");
    }

    @Test
    void volumeOfARunningVmIsInUse() throws Exception {
        assumeMkfs();
        volumes.create("data", 16);
        Process p = new ProcessBuilder("sleep", "30").start();
        children.add(p);
        VmRecord r = vms.create(VmRecord.draft("/img", List.of())
                .withName("web")
                .withVolumes(List.of(VmRecord.Mount.volume("data", "/data", false))));
        vms.update(
                r.id(),
                x -> x.withState(VmRecord.State.running(
                        p.pid(), ProcessInfo.startTime(p.pid()).orElseThrow(), Instant.now())));
        EngineException e = assertThrows(EngineException.class, () -> volumes.remove("data"));
        assertEquals("volume \"data\" is in use by VM web (" + r.shortId() + ")", e.getMessage());
        p.destroyForcibly().waitFor();
        volumes.remove("data"); // the VM exited: docker would refuse; the brief says only running VMs hold volumes
        assertTrue(volumes.list().isEmpty());
    }

    @Test
    void pruneRemovesOnlyUnreferenced() throws Exception {
        assumeMkfs();
        volumes.create("keep", 16);
        volumes.create("old1", 16);
        volumes.create("old2", 16);
        vms.create(VmRecord.draft("/img", List.of()).withVolumes(List.of(VmRecord.Mount.volume("keep", "/k", true))));
        assertEquals(List.of("old1", "old2"), volumes.prune());
        assertEquals(
                List.of("keep"),
                volumes.list().stream().map(VolumeStore.Volume::name).toList());
        assertEquals(List.of(), volumes.prune());
    }

    @Test
    void aBindMountIsNeverAVolumeUser() throws Exception {
        assumeMkfs();
        volumes.create("data", 16);
        Path dir = Files.createDirectories(home.resolve("data"));
        // A host directory whose path (and name) could be mistaken for the volume's: not a user of it.
        vms.create(VmRecord.draft("/img", List.of())
                .withName("binder")
                .withVolumes(List.of(
                        VmRecord.Mount.bind(dir.toString(), "/data", false),
                        VmRecord.Mount.bind("data", "/d2", true))));
        assertEquals(List.of(), volumes.usersOf("data"));
        assertEquals(List.of("data"), volumes.prune());
    }
}
