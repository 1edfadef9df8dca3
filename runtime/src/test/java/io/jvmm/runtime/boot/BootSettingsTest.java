package io.jvmm.runtime.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.core.CpuTemplate;
import io.jvmm.core.DriveConfig;
import io.jvmm.core.NetConfig;
import io.jvmm.core.ShareConfig;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VsockConfig;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.fuse.CacheMode;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.EngineException;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.TokenBucket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootSettingsTest {
    @TempDir
    Path dir;

    Path kernel;
    Path initrd;
    Path defaultKernel;
    Path defaultInitramfs;
    final AtomicInteger defaultCalls = new AtomicInteger();

    @BeforeEach
    void files() throws IOException {
        kernel = Files.writeString(dir.resolve("vmlinux"), "k");
        initrd = Files.writeString(dir.resolve("init.cpio"), "i");
        Files.createDirectory(dir.resolve("cache"));
        defaultKernel = Files.writeString(dir.resolve("cache/vmlinux"), "dk");
        defaultInitramfs = Files.writeString(dir.resolve("cache/initramfs.cpio"), "di");
    }

    private Supplier<DefaultKernel.Images> defaults() {
        return () -> {
            defaultCalls.incrementAndGet();
            return new DefaultKernel.Images(defaultKernel, defaultInitramfs);
        };
    }

    private HacFile hac(String toml) throws IOException {
        return HacFile.parse(Files.writeString(dir.resolve("hac.toml"), toml));
    }

    private VmConfig build(HacFile h, BootSettings.Overrides o) {
        return new BootSettings(h, o).toVmConfig(defaults(), new ByteArrayOutputStream(), null);
    }

    private static BootSettings.Overrides flags(Path kernel, Integer cpus, Long mem) {
        return new BootSettings.Overrides(
                kernel, null, null, cpus, mem, null, List.of(), null, null, null, null, null, List.of());
    }

    @Test
    void fileValuesReachTheVmConfig() throws IOException {
        VmConfig c = build(hac("""
                [spacecore]
                name = "demo"
                [hardware]
                cores = 2
                memory = 64
                kernel = "vmlinux"
                initrd = "init.cpio"
                cmdline = "quiet"
                cpu_template = "host"
                """), BootSettings.Overrides.NONE);
        assertEquals("demo", c.name());
        assertEquals(2, c.vcpus());
        assertEquals(64, c.memoryMib());
        assertEquals(kernel, c.kernel());
        assertEquals(initrd, c.initrd());
        assertEquals("quiet", c.cmdline());
        assertEquals(CpuTemplate.HOST, c.cpuTemplate());
        assertEquals(0, defaultCalls.get(), "a named kernel never asks for the default one");
    }

    @Test
    void flagsOverrideTheFile() throws IOException {
        Path other = Files.writeString(dir.resolve("other"), "k2");
        VmConfig c = build(
                hac(
                        "[hardware]\ncores = 2\nmemory = 64\nkernel = \"vmlinux\"\ncmdline = \"a\"\ncpu_template = \"host\"\n"),
                new BootSettings.Overrides(
                        other,
                        initrd,
                        "b",
                        3,
                        32L,
                        CpuTemplate.PVM,
                        List.of(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of()));
        assertEquals(3, c.vcpus());
        assertEquals(32, c.memoryMib());
        assertEquals(other, c.kernel());
        assertEquals(initrd, c.initrd());
        assertEquals("b", c.cmdline());
        assertEquals(CpuTemplate.PVM, c.cpuTemplate());
    }

    @Test
    void defaultsAreOneCpu256MibAndTheProjectKernelWithItsInitramfs() {
        VmConfig c = build(null, BootSettings.Overrides.NONE);
        assertEquals(1, c.vcpus());
        assertEquals(256, c.memoryMib());
        assertEquals(defaultKernel, c.kernel());
        assertEquals(defaultInitramfs, c.initrd());
        assertEquals(CpuTemplate.AUTO, c.cpuTemplate());
        assertEquals(1, defaultCalls.get());
    }

    @Test
    void givenInitrdReplacesTheTestInitramfs() throws IOException {
        VmConfig c = build(hac("[hardware]\ninitrd = \"init.cpio\"\n"), BootSettings.Overrides.NONE);
        assertEquals(defaultKernel, c.kernel());
        assertEquals(initrd, c.initrd());
    }

    @Test
    void namedKernelHasNoInitrdUnlessGiven() {
        VmConfig c = build(null, flags(kernel, null, null));
        assertNull(c.initrd());
    }

    @Test
    void unsupportedHypercoreKeysFailBeforeAnyKernelIsBuilt() throws IOException {
        for (String[] kv : new String[][] {{"ref = \"docker.io/x\"", "hardware.ref", "jvmm run --hac FILE"}}) {
            HacFile h = hac("[hardware]\n" + kv[0] + "\n");
            HacFileException e = assertThrows(HacFileException.class, () -> build(h, BootSettings.Overrides.NONE));
            assertEquals(kv[1], e.key());
            assertTrue(e.getMessage().endsWith(kv[2]), e.getMessage());
        }
        assertEquals(0, defaultCalls.get());
    }

    @Test
    void drivesComeInOrderRootFirst() throws IOException {
        Path root = Files.write(dir.resolve("root.ext4"), new byte[4096]);
        Path data = Files.write(dir.resolve("data.img"), new byte[4096]);
        Path extra = Files.write(dir.resolve("extra.img"), new byte[4096]);
        VmConfig c = build(
                hac("""
                [hardware]
                kernel = "vmlinux"
                drive = { path = "root.ext4", read_only = true }
                rng = false
                [[drives]]
                path = "data.img"
                id = "data"
                """),
                new BootSettings.Overrides(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(new HacFile.Drive("--drive extra.img", extra, false, null)),
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of()));
        assertEquals(
                List.of(
                        new DriveConfig("vda", root, true),
                        new DriveConfig("data", data, false),
                        new DriveConfig("vdc", extra, false)),
                c.drives());
        assertTrue(!c.rng());
        VmConfig plain =
                build(hac("[hardware]\nkernel = \"vmlinux\"\ndrive = \"root.ext4\"\n"), BootSettings.Overrides.NONE);
        assertEquals(List.of(new DriveConfig("vda", root, false)), plain.drives());
        assertTrue(plain.rng(), "rng is on by default");
    }

    @Test
    void rateLimitsFromTheFileAndFlags() throws IOException {
        Files.write(dir.resolve("root.ext4"), new byte[4096]);
        Files.write(dir.resolve("data.img"), new byte[4096]);
        VmConfig c = build(hac("""
                [hardware]
                kernel = "vmlinux"
                drive = { path = "root.ext4", rate_limit = { ops = { size = 100, refill_time = 1000 } } }
                [[drives]]
                path = "data.img"
                read_only = true
                rate_limit = { bandwidth = { size = 52428800, refill_time = 500, one_time_burst = 1024 } }
                [network]
                tx_rate_limit = { bandwidth = { size = 1000000, refill_time = 1000 }, ops = { size = 10, refill_time = 100 } }
                """), BootSettings.Overrides.NONE);
        assertEquals(
                new RateLimit(null, new TokenBucket(100, Duration.ofSeconds(1), 0)),
                c.drives().get(0).rateLimit());
        assertEquals(
                new RateLimit(new TokenBucket(52428800, Duration.ofMillis(500), 1024), null),
                c.drives().get(1).rateLimit());
        assertEquals(
                new RateLimit(
                        new TokenBucket(1_000_000, Duration.ofSeconds(1), 0),
                        new TokenBucket(10, Duration.ofMillis(100), 0)),
                c.net().txRateLimit());
        assertTrue(c.net().rxRateLimit().unlimited());

        List<HacFile.Drive> drives = BootSettings.parseDrives(dir, List.of("root.ext4,ro,bw=10m,ops=500"));
        assertEquals(
                new RateLimit(TokenBucket.perSecond(10 << 20), TokenBucket.perSecond(500)),
                drives.get(0).rateLimit());
        assertEquals(
                new RateLimit(TokenBucket.perSecond(1 << 20), null), BootSettings.rateLimit("--net-rx-limit", "bw=1m"));

        for (String[] bad : new String[][] {
            {"rate_limit = { bandwidth = { size = 10 } }", "drives[1].rate_limit.bandwidth.refill_time: is required"},
            {
                "rate_limit = { bandwidth = { size = 0, refill_time = 1 } }",
                "drives[1].rate_limit.bandwidth.size: is required, at least 1"
            },
            {
                "rate_limit = { iops = { size = 1, refill_time = 1 } }",
                "drives[1].rate_limit.iops: unknown key (expected bandwidth or ops)"
            },
            {
                "rate_limit = { ops = { size = 1, refill_time = 1, burst = 2 } }",
                "drives[1].rate_limit.ops.burst: unknown key"
            },
            {"rate_limit = 5", "drives[1].rate_limit: expected a table"}
        }) {
            HacFileException e = assertThrows(
                    HacFileException.class,
                    () -> hac("[hardware]\nkernel = \"vmlinux\"\n[[drives]]\npath = \"root.ext4\"\n" + bad[0] + "\n"));
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
        EngineException flag =
                assertThrows(EngineException.class, () -> BootSettings.parseDrives(dir, List.of("root.ext4,bw=lots")));
        assertTrue(flag.getMessage().startsWith("--drive root.ext4,bw=lots: bw: expected a size"), flag.getMessage());
        EngineException op =
                assertThrows(EngineException.class, () -> BootSettings.rateLimit("--net-tx-limit", "ops=x"));
        assertTrue(op.getMessage().startsWith("--net-tx-limit: ops: expected a number"), op.getMessage());
        EngineException noNet = assertThrows(
                EngineException.class,
                () -> build(
                        hac("[hardware]\nkernel = \"vmlinux\"\n"),
                        new BootSettings.Overrides(
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of(),
                                null,
                                null,
                                null,
                                new BootSettings.Net(
                                        false,
                                        List.of(),
                                        null,
                                        null,
                                        BootSettings.rateLimit("--net-rx-limit", "bw=1m"),
                                        null),
                                null,
                                List.of())));
        assertTrue(noNet.getMessage().contains("no network"), noNet.getMessage());
    }

    private BootSettings.Overrides shareFlags(String... specs) {
        return new BootSettings.Overrides(
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                BootSettings.parseShares(dir, List.of(specs)));
    }

    @Test
    void sharesFromFileThenFlags() throws IOException {
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("data"));
        VmConfig c = build(
                hac(
                        "[hardware]\nkernel = \"vmlinux\"\n[[shares]]\ntag = \"src\"\npath = \"src\"\nread_only = true\ncache = \"never\"\n"),
                shareFlags("data=data,cache=always"));
        assertEquals(
                List.of("src", "data"),
                c.shares().stream().map(ShareConfig::tag).toList());
        assertEquals(dir.resolve("src"), c.shares().get(0).dir());
        assertTrue(c.shares().get(0).options().readOnly());
        assertEquals(CacheMode.NEVER, c.shares().get(0).options().cache());
        assertFalse(c.shares().get(1).options().readOnly());
        assertEquals(CacheMode.ALWAYS, c.shares().get(1).options().cache());
        assertEquals(dir.resolve("data"), c.shares().get(1).dir());
    }

    @Test
    void badSharesNameTheirFlagOrEntry() throws IOException {
        Files.createDirectories(dir.resolve("src"));
        HacFile h = hac("[hardware]\nkernel = \"vmlinux\"\n");
        EngineException missing = assertThrows(EngineException.class, () -> build(h, shareFlags("t=nope")));
        assertEquals("--share t=nope: " + dir.resolve("nope") + " does not exist", missing.getMessage());
        EngineException file = assertThrows(EngineException.class, () -> build(h, shareFlags("t=vmlinux,ro")));
        assertEquals("--share t=vmlinux,ro: " + kernel + " is not a directory", file.getMessage());
        EngineException twice = assertThrows(EngineException.class, () -> build(h, shareFlags("t=src", "t=src")));
        assertEquals("--share: two shares have the tag 't'", twice.getMessage());
        EngineException tooLong =
                assertThrows(EngineException.class, () -> build(h, shareFlags("x".repeat(37) + "=src")));
        assertTrue(
                tooLong.getMessage().startsWith("--share: tag 'xxxx")
                        && tooLong.getMessage().contains("got 37"),
                tooLong.getMessage());
        assertEquals(
                "--share src: expected TAG=DIR[,ro]",
                assertThrows(EngineException.class, () -> BootSettings.parseShares(dir, List.of("src")))
                        .getMessage());
        assertEquals(
                "--share t=src,rx: unknown option 'rx' (expected ro, rw or cache=auto|never|always)",
                assertThrows(EngineException.class, () -> BootSettings.parseShares(dir, List.of("t=src,rx")))
                        .getMessage());
        HacFileException entry = assertThrows(
                HacFileException.class,
                () -> build(
                        hac("[hardware]\nkernel = \"vmlinux\"\n[[shares]]\ntag = \"a\"\npath = \"gone\"\n"),
                        BootSettings.Overrides.NONE));
        assertEquals("shares[1]", entry.key());
        HacFileException cache = assertThrows(
                HacFileException.class,
                () -> hac(
                        "[hardware]\nkernel = \"vmlinux\"\n[[shares]]\ntag = \"a\"\npath = \"src\"\ncache = \"some\"\n"));
        assertEquals("shares[1].cache", cache.key());
        HacFileException noTag = assertThrows(
                HacFileException.class, () -> hac("[hardware]\nkernel = \"vmlinux\"\n[[shares]]\npath = \"src\"\n"));
        assertEquals("shares[1].tag", noTag.key());
    }

    @Test
    void vsockFromFileAndFlags() throws IOException {
        VmConfig none = build(hac("[hardware]\nkernel = \"vmlinux\"\n"), BootSettings.Overrides.NONE);
        assertNull(none.vsock());
        VmConfig table = build(hac("[hardware]\nkernel = \"vmlinux\"\n[vsock]\n"), BootSettings.Overrides.NONE);
        assertEquals(new VsockConfig(3, null), table.vsock(), "the table alone enables vsock with CID 3");
        VmConfig file = build(
                hac("[hardware]\nkernel = \"vmlinux\"\n[vsock]\ncid = 42\nuds_path = \"v.sock\"\n"),
                BootSettings.Overrides.NONE);
        assertEquals(new VsockConfig(42, dir.resolve("v.sock")), file.vsock());
        VmConfig flags = build(
                null,
                new BootSettings.Overrides(
                        kernel, null, null, null, null, null, List.of(), null, 7L, null, null, null, List.of()));
        assertEquals(new VsockConfig(7, null), flags.vsock());
        Files.writeString(dir.resolve("taken.sock"), "");
        EngineException e = assertThrows(
                EngineException.class,
                () -> build(
                        null,
                        new BootSettings.Overrides(
                                kernel,
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of(),
                                null,
                                null,
                                dir.resolve("taken.sock"),
                                null,
                                null,
                                List.of())));
        assertTrue(
                e.getMessage().startsWith("--vsock-uds: ") && e.getMessage().contains("already exists"),
                e.getMessage());
        HacFileException h = assertThrows(
                HacFileException.class,
                () -> build(hac("[hardware]\nkernel = \"vmlinux\"\n[vsock]\ncid = 2\n"), BootSettings.Overrides.NONE));
        assertEquals("vsock.cid", h.key());
    }

    @Test
    void networkFromFileAndFlags() throws IOException {
        assertNull(build(hac("[hardware]\nkernel = \"vmlinux\"\n"), BootSettings.Overrides.NONE)
                .net());
        VmConfig tap =
                build(hac("[hardware]\nkernel = \"vmlinux\"\ninterface = \"tap7\"\n"), BootSettings.Overrides.NONE);
        assertEquals(NetConfig.tap("tap7"), tap.net());
        VmConfig passt = build(hac("""
                [hardware]
                kernel = "vmlinux"
                [network]
                mac = "02:00:00:00:00:09"
                ports = ["8080:80", "5353:53/udp"]
                """), BootSettings.Overrides.NONE);
        assertEquals(
                new NetConfig(
                        null,
                        MacAddress.parse("02:00:00:00:00:09"),
                        List.of(new PortForward(false, 8080, 80), new PortForward(true, 5353, 53))),
                passt.net());
        VmConfig flags = build(
                null,
                new BootSettings.Overrides(
                        kernel,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        null,
                        null,
                        null,
                        new BootSettings.Net(false, List.of(new PortForward(false, 2222, 22)), null, null),
                        null,
                        List.of()));
        assertFalse(flags.net().isTap());
        assertEquals(1, flags.net().forwards().size());
        HacFileException e = assertThrows(HacFileException.class, () -> build(hac("""
                [hardware]
                kernel = "vmlinux"
                interface = "tap0"
                [network]
                ports = ["80:80"]
                """), BootSettings.Overrides.NONE));
        assertEquals("network.ports", e.key());
        assertTrue(e.getMessage().contains("port forwards need passt"), e.getMessage());
        HacFileException bad = assertThrows(HacFileException.class, () -> hac("[network]\nports = [\"80\"]\n"));
        assertEquals("network.ports", bad.key());
        HacFileException badMac =
                assertThrows(HacFileException.class, () -> hac("[network]\nmac = \"ff:ff:ff:ff:ff:ff\"\n"));
        assertTrue(badMac.getMessage().contains("multicast"), badMac.getMessage());
    }

    @Test
    void driveErrorsNameWhereTheDriveWasGiven() throws IOException {
        HacFileException e = assertThrows(
                HacFileException.class,
                () -> build(
                        hac("[hardware]\nkernel = \"vmlinux\"\ndrive = \"missing.ext4\"\n"),
                        BootSettings.Overrides.NONE));
        assertEquals("hardware.drive", e.key());
        assertTrue(e.getMessage().endsWith("missing.ext4 does not exist"), e.getMessage());
        Files.write(dir.resolve("a.img"), new byte[4096]);
        e = assertThrows(HacFileException.class, () -> build(hac("""
                [hardware]
                kernel = "vmlinux"
                [[drives]]
                path = "a.img"
                [[drives]]
                path = "nope.img"
                """), BootSettings.Overrides.NONE));
        assertEquals("drives[2]", e.key());
        e = assertThrows(HacFileException.class, () -> build(hac("""
                [hardware]
                kernel = "vmlinux"
                [[drives]]
                path = "a.img"
                id = "x"
                [[drives]]
                path = "a.img"
                id = "y"
                """), BootSettings.Overrides.NONE));
        assertTrue(e.getMessage().contains("already attached"), e.getMessage());
        EngineException flag = assertThrows(
                EngineException.class,
                () -> build(
                        null,
                        new BootSettings.Overrides(
                                kernel,
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of(new HacFile.Drive("--drive gone.img", dir.resolve("gone.img"), false, null)),
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of())));
        assertTrue(
                flag.getMessage().startsWith("--drive gone.img: ")
                        && flag.getMessage().endsWith("does not exist"),
                flag.getMessage());
    }

    @Test
    void validationErrorsFromTheFileNameTheHacKey() throws IOException {
        HacFileException e = assertThrows(
                HacFileException.class,
                () -> build(hac("[hardware]\ncores = 65\nkernel = \"vmlinux\"\n"), BootSettings.Overrides.NONE));
        assertEquals("hardware.cores", e.key());
        assertTrue(e.getMessage().endsWith("hardware.cores: must be between 1 and 64, got 65"), e.getMessage());

        e = assertThrows(
                HacFileException.class,
                () -> build(hac("[hardware]\nmemory = 8\nkernel = \"vmlinux\"\n"), BootSettings.Overrides.NONE));
        assertEquals("hardware.memory", e.key());

        e = assertThrows(
                HacFileException.class,
                () -> build(hac("[hardware]\nkernel = \"missing-vmlinux\"\n"), BootSettings.Overrides.NONE));
        assertEquals("hardware.kernel", e.key());
        assertTrue(e.getMessage().endsWith("missing-vmlinux does not exist"), e.getMessage());

        e = assertThrows(
                HacFileException.class,
                () -> build(hac("[hardware]\nkernel = \"vmlinux\"\ninitrd = \".\"\n"), BootSettings.Overrides.NONE));
        assertEquals("hardware.initrd", e.key());
        assertTrue(e.getMessage().endsWith("is not a regular file"), e.getMessage());
    }

    @Test
    void moreMemoryThanTheHostHasNamesTheHacKey() throws IOException {
        long hostMib = hostMemoryMib();
        assumeTrue(hostMib > 0 && hostMib + 1 <= VmConfig.MAX_MEMORY_MIB, "host memory unknown or above 1 TiB");
        HacFileException e = assertThrows(
                HacFileException.class,
                () -> build(
                        hac("[hardware]\nmemory = " + (hostMib + 1) + "\nkernel = \"vmlinux\"\n"),
                        BootSettings.Overrides.NONE));
        assertEquals("hardware.memory", e.key());
        assertTrue(e.getMessage().contains("more than this host has"), e.getMessage());
    }

    @Test
    void validationErrorsFromFlagsNameTheFlag() throws IOException {
        HacFile h = hac("[hardware]\ncores = 2\nkernel = \"vmlinux\"\n");
        EngineException e = assertThrows(EngineException.class, () -> build(h, flags(null, 0, null)));
        assertEquals(EngineException.USAGE, e.status());
        assertEquals("--cpus: must be between 1 and 64, got 0", e.getMessage());
        e = assertThrows(EngineException.class, () -> build(h, flags(dir.resolve("nope"), null, null)));
        assertEquals("--kernel: " + dir.resolve("nope") + " does not exist", e.getMessage());
        e = assertThrows(EngineException.class, () -> build(null, flags(kernel, null, 1L << 30)));
        assertTrue(e.getMessage().startsWith("--memory: must be between"), e.getMessage());
    }

    @Test
    void longCmdlineNamesItsOrigin() throws IOException {
        String longLine = "x".repeat(3000);
        HacFileException e = assertThrows(
                HacFileException.class,
                () -> build(
                        hac("[hardware]\nkernel = \"vmlinux\"\ncmdline = \"" + longLine + "\"\n"),
                        BootSettings.Overrides.NONE));
        assertEquals("hardware.cmdline", e.key());
    }

    private static long hostMemoryMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        fail("no MemTotal");
        return -1;
    }
}
