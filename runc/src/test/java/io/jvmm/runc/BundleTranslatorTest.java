package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.agent.ProcessSecurity;
import io.jvmm.runtime.pod.ContainerConfig;
import io.jvmm.runtime.pod.PodConfig;
import io.jvmm.runtime.state.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BundleTranslatorTest {
    @TempDir
    Path tmp;

    private BundleTranslation translate(ObjectNode config) {
        return BundleTranslator.translate(BundleReader.read(TestBundles.write(tmp.resolve("b"), config)), "ctr1");
    }

    private String error(ObjectNode config) {
        return assertThrows(BundleException.class, () -> translate(config)).getMessage();
    }

    private static ObjectNode resources(ObjectNode c) {
        ObjectNode linux = c.has("linux") ? (ObjectNode) c.get("linux") : c.putObject("linux");
        return linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
    }

    private static ObjectNode withMemory(long limit) {
        ObjectNode c = TestBundles.minimal();
        resources(c).putObject("memory").put("limit", limit);
        return c;
    }

    private static ObjectNode withCpu(long quota, Long period) {
        ObjectNode c = TestBundles.minimal();
        ObjectNode cpu = resources(c).putObject("cpu").put("quota", quota);
        if (period != null) cpu.put("period", period);
        return c;
    }

    private static ObjectNode annotated(String key, String value) {
        ObjectNode c = TestBundles.minimal();
        c.putObject("annotations").put(key, value);
        return c;
    }

    @Test
    void aMinimalBundleIsAPodOfOneContainerInItsRootfs() throws Exception {
        BundleTranslation t = translate(TestBundles.minimal());
        Path rootfs = tmp.resolve("b/rootfs").toRealPath();
        PodConfig pod = t.pod();
        assertEquals("ctr1", pod.name());
        assertEquals(1, pod.cpus());
        assertEquals(VmSizing.DEFAULT_MEMORY_MIB, pod.memoryMib());
        assertEquals(List.of(VmRecord.Mount.bind(rootfs.toString(), "/oci/rootfs", false)), pod.mounts());
        assertEquals(List.of(), pod.ports());
        assertNull(pod.hostname());
        assertEquals(Map.of(BundleTranslator.BUNDLE_LABEL, t.bundle().toString()), pod.labels());
        ContainerConfig c = t.container();
        assertNull(c.name());
        assertEquals(new ContainerConfig.Root.Directory(rootfs), c.root());
        assertEquals("", c.entrypoint());
        assertEquals(List.of("/bin/true"), c.command());
        assertEquals(List.of(), c.env());
        assertEquals("/", c.workdir());
        assertEquals("0:0", c.user());
        assertFalse(c.tty());
        assertFalse(c.readOnlyRoot());
        assertEquals(ContainerLimits.NONE, c.limits());
        assertEquals(Map.of(BundleTranslator.ID_LABEL, "ctr1"), c.labels());
        assertNull(t.kernel());
        assertEquals(List.of(), t.guestMounts());
        assertEquals(List.of(), t.binds());
        assertTrue(t.hooks().isEmpty());
    }

    @Test
    void thePodmanConfigTranslates() throws Exception {
        Path rootfs = Files.createDirectories(tmp.resolve("storage/merged"));
        Path userdata = Files.createDirectories(tmp.resolve("userdata"));
        Files.createDirectories(userdata.resolve("shm"));
        for (String f : List.of("hostname", ".containerenv", "resolv.conf", "hosts"))
            Files.writeString(userdata.resolve(f), f);
        Path www = Files.createDirectories(tmp.resolve("www"));
        String text = TestBundles.resource("podman-4.3-config.json")
                .replace("@ROOTFS@", rootfs.toString())
                .replace("@USERDATA@", userdata.toString())
                .replace("@VOLUME@", www.toString());
        Bundle b = BundleReader.read(TestBundles.writeText(tmp.resolve("b"), text));
        String id = "4a1c9e2f7b3d" + "0".repeat(52);
        BundleTranslation t = BundleTranslator.translate(b, id);

        // 256 MiB limit + 128 MiB overhead; quota 150000/100000 rounds up to 2 vCPUs
        assertEquals(384, t.pod().memoryMib());
        assertEquals(2, t.pod().cpus());
        assertEquals(id, t.pod().name());
        assertEquals("4a1c9e2f7b3d", t.pod().hostname());
        assertEquals(
                List.of(
                        VmRecord.Mount.bind(rootfs.toRealPath().toString(), "/oci/rootfs", false),
                        VmRecord.Mount.bind(userdata.resolve("shm").toRealPath().toString(), "/oci/mounts/9", false),
                        VmRecord.Mount.bind(www.toRealPath().toString(), "/oci/mounts/10", true)),
                t.pod().mounts());
        ContainerConfig c = t.container();
        assertEquals(List.of("busybox", "httpd", "-f", "-p", "80"), c.command());
        assertEquals("/www", c.workdir());
        assertEquals("0:0", c.user());
        assertEquals("4a1c9e2f7b3d", c.hostname());
        assertEquals(5, c.env().size());
        assertEquals(new ContainerLimits(256L << 20, 150_000, 100_000, 2048), c.limits());
        assertEquals(
                List.of("/proc", "/dev", "/sys", "/dev/pts", "/dev/mqueue", "/sys/fs/cgroup"),
                t.guestMounts().stream().map(GuestMount::destination).toList());
        assertEquals(
                new GuestMount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                t.guestMounts().get(4));
        assertEquals(
                new MountOptions(List.of("nosuid", "strictatime"), "mode=755,size=65536k"),
                t.guestMounts().get(1).split());
        assertEquals(6, t.binds().size());
        ContainerBind hosts = t.binds().get(3);
        assertEquals("/etc/hosts", hosts.destination());
        assertFalse(hosts.directory(), "virtio-fs shares directories, not a file");
        assertEquals(userdata.resolve("hosts").toRealPath(), hosts.source());
        ContainerBind vol = t.binds().get(5);
        assertEquals(
                new ContainerBind(
                        10,
                        www.toRealPath(),
                        "/oci/mounts/10",
                        "/www",
                        true,
                        List.of("ro", "rbind", "nosuid", "nodev", "rprivate")),
                vol);
        // in the container: the directory binds (the files are not shared with a pod of its own)
        assertEquals(
                List.of("/dev/shm", "/www"),
                c.mounts().stream().map(ContainerMount::destination).toList());
        assertEquals(
                new ContainerMount(
                        "bind",
                        "/oci/mounts/10",
                        "/www",
                        ContainerMount.READ_ONLY | ContainerMount.NO_SUID | ContainerMount.NO_DEV,
                        ""),
                c.mounts().get(1));
        // podman's eleven default capabilities, by Linux's numbers; its rlimits; umask and groups
        ProcessSecurity sec = c.security();
        // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8,
        // NET_BIND_SERVICE 10, SYS_CHROOT 18, SETFCAP 31
        long podmanCaps = 0x8004_05FBL;
        assertEquals(new ProcessSecurity.Capabilities(podmanCaps, podmanCaps, podmanCaps, 0, 0), sec.capabilities());
        assertEquals(
                List.of(
                        new ProcessSecurity.Rlimit(7, 1048576, 1048576),
                        new ProcessSecurity.Rlimit(6, 4194304, 4194304)),
                sec.rlimits());
        assertEquals(List.of(0L, 10L), sec.additionalGids());
        assertEquals(18, sec.umask());
        assertFalse(sec.noNewPrivileges());
        Deferred d = t.deferred();
        assertEquals(Map.of(), d.joinNamespaces());
        assertEquals(
                Path.of("/run/netns/netns-8d2f0c51-3f6a-4f3e-5b0d-6a1c2e9f7b3d"),
                t.pod().networkNamespace(),
                "podman's network namespace: the pod's VM takes over its interface");
        assertEquals(Map.of("net.ipv4.ping_group_range", "0 0"), d.sysctl());
        assertEquals(11, d.maskedPaths().size());
        assertEquals(6, d.readonlyPaths().size());
    }

    @Test
    void aReadOnlyRootIsBoundReadOnlyAndTheProcessKeepsItsSettings() {
        ObjectNode c = TestBundles.minimal();
        ((ObjectNode) c.get("root")).put("readonly", true);
        ObjectNode p = (ObjectNode) c.get("process");
        p.put("terminal", true).put("cwd", "/home/app").put("noNewPrivileges", true);
        p.putObject("user").put("uid", 1000).put("gid", 100);
        p.putArray("args").add("sh").add("-c").add("echo hi");
        p.putArray("env").add("PATH=/bin").add("A=1");
        p.putObject("consoleSize").put("height", 40).put("width", 120);
        c.put("hostname", "web");
        BundleTranslation t = translate(c);
        assertTrue(t.pod().mounts().getFirst().readOnly());
        ContainerConfig cc = t.container();
        assertTrue(cc.readOnlyRoot());
        assertTrue(cc.tty());
        assertEquals("1000:100", cc.user());
        assertEquals("/home/app", cc.workdir());
        assertEquals(List.of("sh", "-c", "echo hi"), cc.command());
        assertEquals(List.of("PATH=/bin", "A=1"), cc.env());
        assertEquals("web", cc.hostname());
        assertEquals("web", t.pod().hostname());
        assertTrue(cc.security().noNewPrivileges());
        assertNull(cc.security().capabilities(), "no capabilities given: the guest leaves them as they are");
        assertEquals(-1, cc.security().umask(), "no umask: 022");
        assertEquals(new OciProcess.ConsoleSize(40, 120), t.deferred().consoleSize());
    }

    @Test
    void capabilitiesLinuxWouldRefuseAreAConfigErrorAndUnknownOnesAreSkipped() {
        ObjectNode c = TestBundles.minimal();
        ObjectNode caps = ((ObjectNode) c.get("process")).putObject("capabilities");
        caps.putArray("bounding").add("CAP_KILL").add("CAP_FUTURE_THING");
        caps.putArray("permitted").add("CAP_KILL");
        caps.putArray("effective").add("CAP_KILL").add("CAP_FUTURE_THING");
        ProcessSecurity.Capabilities got = translate(c).container().security().capabilities();
        assertEquals(new ProcessSecurity.Capabilities(1L << 5, 1L << 5, 1L << 5, 0, 0), got);

        caps.putArray("effective").add("CAP_KILL").add("CAP_NET_RAW");
        BundleException e = assertThrows(BundleException.class, () -> translate(c));
        assertEquals(
                "config.json: process.capabilities.effective has CAP_NET_RAW, which is not in permitted",
                e.getMessage());
        caps.putArray("effective");
        caps.putArray("ambient").add("CAP_KILL");
        e = assertThrows(BundleException.class, () -> translate(c));
        assertEquals(
                "config.json: process.capabilities.ambient has CAP_KILL, which is not in inheritable", e.getMessage());
    }

    @Test
    void bindSourcesResolveAgainstTheBundleAndMustExist() throws Exception {
        Files.createDirectories(tmp.resolve("b/data"));
        ObjectNode c = TestBundles.minimal();
        ObjectNode m = c.putArray("mounts").addObject();
        m.put("destination", "/data").put("type", "none").put("source", "data");
        m.putArray("options").add("rbind").add("ro").add("rw");
        BundleTranslation t = translate(c);
        ContainerBind b = t.binds().getFirst();
        assertEquals(tmp.resolve("b/data").toRealPath(), b.source());
        assertFalse(b.readOnly(), "the last of ro and rw wins");
        assertEquals("/oci/mounts/0", b.podPath());
        assertEquals(
                VmRecord.Mount.bind(b.source().toString(), "/oci/mounts/0", false),
                t.pod().mounts().get(1));
        assertEquals(
                List.of(ContainerMount.bind("/oci/mounts/0", "/data", false)),
                t.container().mounts());

        m.put("source", "gone");
        assertEquals("config.json: mounts[0].source \"gone\": " + tmp.resolve("b/gone") + " does not exist", error(c));
    }

    @Test
    void tmpfsMountsAreMadeInTheContainerAndAPlacerPlacesEveryBind() throws Exception {
        Files.createDirectories(tmp.resolve("b/data"));
        Files.writeString(tmp.resolve("b/hosts"), "127.0.0.1 localhost\n");
        ObjectNode c = TestBundles.minimal();
        var mounts = c.putArray("mounts");
        ObjectNode dev = mounts.addObject()
                .put("destination", "/dev")
                .put("type", "tmpfs")
                .put("source", "tmpfs");
        dev.putArray("options").add("nosuid").add("mode=755");
        ObjectNode run = mounts.addObject()
                .put("destination", "/run")
                .put("type", "tmpfs")
                .put("source", "tmpfs");
        run.putArray("options").add("nosuid").add("nodev").add("noexec").add("size=64m");
        ObjectNode hosts = mounts.addObject()
                .put("destination", "/etc/hosts")
                .put("type", "bind")
                .put("source", "hosts");
        hosts.putArray("options").add("rbind").add("ro");
        ObjectNode data = mounts.addObject()
                .put("destination", "/data")
                .put("type", "bind")
                .put("source", "data");
        data.putArray("options").add("rbind");

        ContainerMount tmpfsRun = ContainerMount.tmpfs(
                "/run", ContainerMount.NO_SUID | ContainerMount.NO_DEV | ContainerMount.NO_EXEC, "size=64m");
        assertEquals(
                List.of(tmpfsRun, ContainerMount.bind("/oci/mounts/3", "/data", false)),
                translate(c).container().mounts(),
                "the agent's own /dev stays; a file is not shared with a pod of its own");

        List<String> placed = new ArrayList<>();
        BundleTranslation t = BundleTranslator.translate(
                BundleReader.read(TestBundles.write(tmp.resolve("b"), c)), "placed", bind -> {
                    placed.add(bind.source().getFileName().toString());
                    return "/placed/" + placed.size();
                });
        assertEquals(List.of("hosts", "data"), placed);
        assertEquals(
                List.of(
                        tmpfsRun,
                        ContainerMount.bind("/placed/1", "/etc/hosts", true),
                        ContainerMount.bind("/placed/2", "/data", false)),
                t.container().mounts());
    }

    @ParameterizedTest(name = "limit {0} bytes: {1} MiB")
    @CsvSource({
        "1, 129", // a byte rounds up to a MiB
        "1048576, 129",
        "1048577, 130",
        "268435456, 384",
        "-1, 256", // unlimited: the default
        "0, 256"
    })
    void memoryIsTheLimitRoundedUpToMibPlusTheOverhead(long limit, long mib) {
        BundleTranslation t = translate(withMemory(limit));
        assertEquals(mib, t.pod().memoryMib());
        assertEquals(Math.max(0, limit), t.container().limits().memoryBytes());
    }

    @ParameterizedTest(name = "quota {0} per {1}: {2} vCPUs")
    @CsvSource({
        "100000, 100000, 1",
        "100001, 100000, 2",
        "50000, 100000, 1", // half a CPU still needs one
        "150000, , 2", // the default period is 100 ms
        "400000, 50000, 8",
        "4294967295, 1000, 64", // capped at the engine's most
        "-1, 100000, 1"
    })
    void vcpusAreTheQuotaOverThePeriodRoundedUp(long quota, Long period, int vcpus) {
        BundleTranslation t = translate(withCpu(quota, period));
        assertEquals(vcpus, t.pod().cpus());
        ContainerLimits l = t.container().limits();
        assertEquals(quota > 0 ? quota : 0, l.cpuQuotaMicros());
        assertEquals(quota > 0 ? (period == null ? 100_000 : period) : 0, l.cpuPeriodMicros());
    }

    @Test
    void aKubernetesSandboxIsSizedFromCrisSumsOfItsContainersLimits() {
        ObjectNode c = TestBundles.minimal();
        c.putObject("annotations")
                .put("io.kubernetes.cri.container-type", "sandbox")
                .put(VmSizing.CRI_MEMORY, "268435456")
                .put(VmSizing.CRI_CPU_QUOTA, "150000")
                .put(VmSizing.CRI_CPU_PERIOD, "100000");
        BundleTranslation t = translate(c);
        assertEquals(256 + VmSizing.OVERHEAD_MIB, t.pod().memoryMib());
        assertEquals(2, t.pod().cpus());
        assertEquals(ContainerLimits.NONE, t.container().limits(), "the sums size the VM, they limit no container");

        ((ObjectNode) c.get("annotations")).put(VmSizing.CRI_MEMORY, "0").put(VmSizing.CRI_CPU_QUOTA, "-1");
        assertEquals(VmSizing.DEFAULT_MEMORY_MIB, translate(c).pod().memoryMib(), "no limits: the defaults");
        assertEquals(1, translate(c).pod().cpus());
        ((ObjectNode) c.get("annotations")).put(VmSizing.CRI_MEMORY, "lots");
        assertEquals(
                "config.json: annotation io.kubernetes.cri.sandbox-memory \"lots\" is not a whole number", error(c));
    }

    @Test
    void annotationsOverrideTheSizeAndNameAKernel() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinux"), "elf");
        ObjectNode c = withMemory(256L << 20);
        resources(c).putObject("cpu").put("quota", 400_000);
        c.putObject("annotations")
                .put("io.jvmm.vcpus", "3")
                .put("io.jvmm.memory", "1024")
                .put("io.jvmm.kernel", kernel.toString())
                .put("io.other", "kept");
        BundleTranslation t = translate(c);
        assertEquals(3, t.pod().cpus());
        assertEquals(1024, t.pod().memoryMib());
        assertEquals(kernel, t.kernel());
        assertEquals(256L << 20, t.container().limits().memoryBytes(), "the container's own limit stays");
        assertEquals(400_000, t.container().limits().cpuQuotaMicros());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "io.jvmm.vcpus|0|config.json: annotation io.jvmm.vcpus \"0\" must be a whole number of vCPUs, 1..64",
                "io.jvmm.vcpus|65|config.json: annotation io.jvmm.vcpus \"65\" must be a whole number of vCPUs, 1..64",
                "io.jvmm.vcpus|two|config.json: annotation io.jvmm.vcpus \"two\" must be a whole number of vCPUs, 1..64",
                "io.jvmm.memory|63|config.json: annotation io.jvmm.memory \"63\" must be a whole number of MiB,"
                        + " 64..1048576",
                "io.jvmm.memory|1.5|config.json: annotation io.jvmm.memory \"1.5\" must be a whole number of MiB,"
                        + " 64..1048576",
                "io.jvmm.kernel|vmlinux|config.json: annotation io.jvmm.kernel \"vmlinux\" must be an absolute path",
                "io.jvmm.kernel|/no/such/vmlinux|config.json: annotation io.jvmm.kernel \"/no/such/vmlinux\": no such"
                        + " file",
                "io.jvmm.cpus|2|config.json: annotation io.jvmm.cpus is not one jvmm knows (io.jvmm.vcpus,"
                        + " io.jvmm.memory, io.jvmm.kernel)"
            })
    void aBadAnnotationIsNamed(String key, String value, String message) {
        assertEquals(message, error(annotated(key, value)));
    }

    @Test
    void memoryBelowTheContainersLimitOrBeyondTheMostIsRefused() {
        ObjectNode c = withMemory(512L << 20);
        c.putObject("annotations").put("io.jvmm.memory", "256");
        assertEquals(
                "config.json: annotation io.jvmm.memory \"256\" is less than linux.resources.memory.limit (512 MiB)",
                error(c));
        assertEquals(
                "config.json: linux.resources.memory.limit 9223372036854775807 needs a VM of 8796093022336 MiB, more"
                        + " than jvmm's 1048576; set a smaller limit",
                error(withMemory(Long.MAX_VALUE)));
    }

    @Test
    void theIdMustNameAPod() {
        Bundle b = BundleReader.read(TestBundles.write(tmp.resolve("b"), TestBundles.minimal()));
        assertEquals("ok-1.a_b", BundleTranslator.translate(b, "ok-1.a_b").pod().name());
        for (String bad : List.of("-x", "a/b", "a b", "x".repeat(129))) {
            BundleException e = assertThrows(BundleException.class, () -> BundleTranslator.translate(b, bad));
            assertEquals(
                    "invalid container id \"" + bad
                            + "\": use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128",
                    e.getMessage());
        }
        assertEquals(
                "container id cannot be empty",
                assertThrows(BundleException.class, () -> BundleTranslator.translate(b, ""))
                        .getMessage());
    }
}
