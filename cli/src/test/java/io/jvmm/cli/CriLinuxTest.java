package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.jvmm.cri.CriClient;
import io.jvmm.cri.proto.ContainerConfig;
import io.jvmm.cri.proto.ContainerMetadata;
import io.jvmm.cri.proto.ContainerState;
import io.jvmm.cri.proto.ContainerStatus;
import io.jvmm.cri.proto.ContainerStatusRequest;
import io.jvmm.cri.proto.CreateContainerRequest;
import io.jvmm.cri.proto.ExecSyncRequest;
import io.jvmm.cri.proto.ExecSyncResponse;
import io.jvmm.cri.proto.ImageSpec;
import io.jvmm.cri.proto.ImageStatusRequest;
import io.jvmm.cri.proto.KeyValue;
import io.jvmm.cri.proto.LinuxContainerConfig;
import io.jvmm.cri.proto.LinuxContainerSecurityContext;
import io.jvmm.cri.proto.LinuxPodSandboxConfig;
import io.jvmm.cri.proto.LinuxSandboxSecurityContext;
import io.jvmm.cri.proto.ListContainersRequest;
import io.jvmm.cri.proto.ListImagesRequest;
import io.jvmm.cri.proto.ListPodSandboxRequest;
import io.jvmm.cri.proto.NamespaceMode;
import io.jvmm.cri.proto.NamespaceOption;
import io.jvmm.cri.proto.PodSandbox;
import io.jvmm.cri.proto.PodSandboxConfig;
import io.jvmm.cri.proto.PodSandboxMetadata;
import io.jvmm.cri.proto.PodSandboxState;
import io.jvmm.cri.proto.PodSandboxStatus;
import io.jvmm.cri.proto.PodSandboxStatusRequest;
import io.jvmm.cri.proto.PullImageRequest;
import io.jvmm.cri.proto.RemoveContainerRequest;
import io.jvmm.cri.proto.RemovePodSandboxRequest;
import io.jvmm.cri.proto.RunPodSandboxRequest;
import io.jvmm.cri.proto.StartContainerRequest;
import io.jvmm.cri.proto.StopContainerRequest;
import io.jvmm.cri.proto.StopPodSandboxRequest;
import io.jvmm.cri.proto.VersionRequest;
import io.jvmm.cri.proto.VersionResponse;
import io.jvmm.image.LocalRegistry;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kubelet's part played over CRI v1 against a private containerd 1.6 with its CRI plugin: images
 * pulled from a loopback registry, a host-network pod of two containers per runtime handler (runc, and
 * jvmm where KVM is present), exec, status, logs, stop and removal, and nothing left behind; then a pod
 * on a CNI bridge network (Debian's containernetworking-plugins) reached at its own address.
 * {@code -Djvmm.cri.handlers=runc} restricts the handlers.
 */
@Tag("linux")
class CriLinuxTest {
    private static final String NAMESPACE = "k8s.io";
    /** Every pod's cgroups go under this parent, so the test can remove what runc leaves in the hierarchy. */
    private static final String CGROUP_PARENT = "/jvmm-cri-test-" + UUID.randomUUID();

    @TempDir
    static Path tmp;

    private static LocalRegistry registry;
    private static Process containerd;
    private static Path socket;
    private static Path shimRoot;
    private static Path runcRoot;
    private static CriClient cri;
    private static String serverImage;
    private static String clientImage;
    /** The CNI plugins' directory (bridge, host-local, loopback), or null when they are not installed. */
    private static Path cniBin;
    /** The test network's bridge on the node, its /24 and host-local's store of the addresses it gave. */
    private static final String CNI_BRIDGE = "jvmmcni" + (1000 + new Random().nextInt(9000));

    private static final String CNI_SUBNET = "10.213." + (1 + new Random().nextInt(250)) + ".";
    private static final String CNI_NETWORK = "jvmm-test";

    @BeforeAll
    static void startContainerd() throws Exception {
        skipUnless(ContainerdTestSupport.onPath("containerd"), "containerd is not installed (Debian: containerd)");
        skipUnless(ContainerdTestSupport.onPath("runc"), "runc is not installed (Debian: runc)");
        skipUnless(StateDirs.currentUid() == 0, "containerd needs root");
        skipUnless(OciTestImage.busybox() != null, "/bin/busybox (busybox-static) is not installed");
        String missing = LocalRegistry.missingTools();
        skipUnless(missing == null, missing + " is not installed (apt-get install -y docker-registry skopeo)");
        VmProcessHome.open(tmp.resolve("unused-home"));

        registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")));
        String sandboxImage =
                push("pause", image(List.of("sleep"), "trap 'exit 0' TERM; while :; do sleep 1; done", false));
        serverImage = push(
                "server",
                image(
                        List.of("httpd", "ls"),
                        "echo serving on $PORT; exec httpd -f -p ${LISTEN:-127.0.0.1}:$PORT -h /www",
                        true));
        clientImage = push(
                "client",
                image(List.of("wget", "sleep", "cat", "ip", "hostname"), "echo client up; exec sleep 1000000", true));

        Path bin = Files.createDirectories(tmp.resolve("bin"));
        ContainerdTestSupport.write(bin.resolve("containerd-shim-jvmm-v2"));
        shimRoot = tmp.resolve("shim");
        runcRoot = tmp.resolve("runc");
        socket = tmp.resolve("containerd.sock");
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, containerdConfig(sandboxImage));
        ProcessBuilder pb = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("containerd.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("JVMM_SHIM_ROOT", shimRoot.toString());
        containerd = pb.start();
        cri = new CriClient(socket, Duration.ofSeconds(120));
        VersionResponse version = eventually(() -> cri.runtime()
                .version(VersionRequest.newBuilder().setVersion("v1").build()));
        assertEquals("v1", version.getRuntimeApiVersion(), version::toString);
        assertEquals("containerd", version.getRuntimeName(), version::toString);
        for (String ref : List.of(sandboxImage, serverImage, clientImage)) {
            String id = cri.images()
                    .pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(ref))
                            .build())
                    .getImageRef();
            assertTrue(id.startsWith("sha256:"), id);
            assertEquals(
                    id,
                    cri.images()
                            .imageStatus(ImageStatusRequest.newBuilder()
                                    .setImage(ImageSpec.newBuilder().setImage(ref))
                                    .build())
                            .getImage()
                            .getId());
        }
        assertTrue(
                cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                        .anyMatch(i -> i.getRepoTagsList().contains(serverImage)),
                "the pulled images are listed");
    }

    /**
     * containerd's own root, state, socket and plugin directories; CRI with runc and jvmm. Pods on the
     * node's network, and, where the CNI plugins are installed, pods on a bridge network of their own.
     */
    private static String containerdConfig(String sandboxImage) throws IOException {
        Path cni = tmp.resolve("cni");
        Path conf = Files.createDirectories(cni.resolve("conf"));
        cniBin = Stream.of("/usr/lib/cni", "/opt/cni/bin")
                .map(Path::of)
                .filter(d ->
                        Stream.of("bridge", "host-local", "loopback").allMatch(p -> Files.isExecutable(d.resolve(p))))
                .findFirst()
                .orElse(null);
        if (cniBin != null) {
            Files.writeString(conf.resolve("10-jvmm-test.conflist"), """
                    {"cniVersion": "0.4.0", "name": "%s", "plugins": [
                      {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s0/24"}]], "dataDir": "%s"}}]}
                    """.formatted(
                            CNI_NETWORK, CNI_BRIDGE, CNI_SUBNET, cni.resolve("ipam")));
        }
        return """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
                [grpc]
                  address = "%2$s"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%3$s"
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  disable_apparmor = true
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        Root = "%4$s"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jvmm]
                      runtime_type = "io.containerd.jvmm.v2"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%5$s"
                    conf_dir = "%6$s"
                  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."%7$s"]
                    endpoint = ["http://%7$s"]
                """.formatted(
                        tmp,
                        socket,
                        sandboxImage,
                        runcRoot,
                        cniBin != null ? cniBin : Files.createDirectories(cni.resolve("bin")),
                        conf,
                        registry.host());
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (cri != null) {
                removeAllPods();
                cri.close();
            }
        } finally {
            if (containerd != null) {
                containerd.destroy();
                if (!containerd.waitFor(20, TimeUnit.SECONDS)) containerd.destroyForcibly();
            }
            killShimsAndContainers();
            if (shimRoot != null)
                VmProcessHome.close(new VmStore(new StateDirs(
                        Map.of("JVMM_HOME", shimRoot.resolve("ns/" + NAMESPACE).toString()))));
            unmountUnder(tmp);
            removeCgroups();
            if (cniBin != null) run("ip", "link", "del", CNI_BRIDGE);
            if (registry != null) registry.close();
        }
    }

    static Stream<String> handlers() {
        List<String> wanted =
                List.of(System.getProperty("jvmm.cri.handlers", "runc,jvmm").split(","));
        List<String> run = new ArrayList<>();
        if (wanted.contains("runc")) run.add("runc");
        if (wanted.contains("jvmm")) {
            if (Kvm.isAvailable()) run.add("jvmm");
            else System.out.println("SKIPPED: the jvmm handler: " + Kvm.unavailabilityCause());
        }
        return run.stream();
    }

    @ParameterizedTest
    @MethodSource("handlers")
    void aPodOfTwoContainersRunsExecsLogsStopsAndIsRemoved(String handler) throws Exception {
        try {
            podScenario(handler);
        } catch (StatusRuntimeException e) {
            // A refused CRI call says what the runtime said; the logs say why.
            throw new AssertionError(handler + ": " + e.getStatus() + log(), e);
        }
    }

    @ParameterizedTest
    @MethodSource("handlers")
    void aPodOnACniBridgeHasItsOwnAddress(String handler) throws Exception {
        skipUnless(
                cniBin != null,
                "no CNI plugins (bridge, host-local, loopback) in /usr/lib/cni or /opt/cni/bin"
                        + " (Debian: containernetworking-plugins)");
        try {
            cniScenario(handler);
        } catch (StatusRuntimeException e) {
            throw new AssertionError(handler + ": " + e.getStatus() + log(), e);
        }
    }

    /**
     * A pod on its own network, as the kubelet runs most pods: containerd makes its network namespace and
     * CNI's bridge plugin puts a veth with an address in it. runc's containers use it directly; jvmm's VM
     * joins it (a TAP redirected to the veth), so the guest's eth0 has the pod's address.
     */
    private static void cniScenario(String handler) throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs-cni-" + handler));
        int port = 8080;
        String hostname = "cni-" + handler;
        PodSandboxConfig podConfig = podConfig("cni-" + handler, logs, NamespaceMode.POD)
                .setHostname(hostname)
                .build();
        String pod = runPod(podConfig, handler);
        PodSandboxStatus podStatus = podStatus(pod);
        assertEquals(PodSandboxState.SANDBOX_READY, podStatus.getState(), () -> podStatus + log());
        String ip = podStatus.getNetwork().getIp();
        assertTrue(ip.startsWith(CNI_SUBNET), () -> "the pod's address " + ip + " is not from " + CNI_SUBNET + "0/24");

        String server = startContainer(
                pod,
                podConfig,
                "server",
                serverImage,
                "server.log",
                NamespaceMode.POD,
                Map.of("PORT", "" + port, "LISTEN", "0.0.0.0"));
        String client = startContainer(
                pod, podConfig, "client", clientImage, "client.log", NamespaceMode.POD, Map.of("PORT", "" + port));
        assertOneVmPerPod(handler, true);

        ExecSyncResponse eth0 = exec(client, "ip", "-4", "addr", "show", "eth0");
        assertEquals(0, eth0.getExitCode(), () -> eth0 + log());
        assertTrue(eth0.getStdout().toStringUtf8().contains("inet " + ip + "/24"), eth0::toString);
        ExecSyncResponse name = exec(client, "hostname");
        assertEquals(hostname + "\n", name.getStdout().toStringUtf8(), name::toString);

        // The node reaches the server at the pod's address, through the bridge, and so does the client.
        String url = "http://" + ip + ":" + port + "/";
        assertEquals("hello from the server\n", fetchFromNode(url), CriLinuxTest::log);
        ExecSyncResponse fetched = exec(client, "wget", "-q", "-O", "-", url);
        assertEquals(0, fetched.getExitCode(), () -> fetched + log());
        assertEquals("hello from the server\n", fetched.getStdout().toStringUtf8());
        assertLogLine(logs.resolve("server.log"), "serving on " + port);

        cri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertEquals(ContainerState.CONTAINER_EXITED, status(server).getState(), () -> status(server) + log());
        cri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
        assertOneVmPerPod(handler, false);
        // CNI's DEL ran: host-local gave the address back and the pod's veth left the bridge.
        assertFalse(
                Files.exists(tmp.resolve("cni/ipam").resolve(CNI_NETWORK).resolve(ip)), "host-local still holds " + ip);
        Process ports = new ProcessBuilder("ip", "-o", "link", "show", "master", CNI_BRIDGE)
                .redirectErrorStream(true)
                .start();
        String left = new String(ports.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ports.waitFor();
        assertEquals("", left, "ports left on " + CNI_BRIDGE);
    }

    /** {@code url}'s body fetched by the node itself; retried while the server comes up (10 s). */
    private static String fetchFromNode(String url) throws Exception {
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                HttpURLConnection c =
                        (HttpURLConnection) URI.create(url).toURL().openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(5000);
                try (InputStream in = c.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } finally {
                    c.disconnect();
                }
            } catch (IOException e) {
                last = e;
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        throw new AssertionError("the node cannot reach " + url + ": " + last);
    }

    private static void podScenario(String handler) throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs-" + handler));
        int port = freePort();
        // No hostname: a host-network pod has no UTS namespace of its own, so the kubelet sets none and
        // runc refuses one ("unable to set hostname without a private UTS namespace").
        PodSandboxConfig podConfig = podConfig("pod-" + handler, logs, NamespaceMode.NODE)
                .putLabels("test", "cri")
                .build();
        String pod = runPod(podConfig, handler);
        PodSandboxStatus podStatus = podStatus(pod);
        assertEquals(PodSandboxState.SANDBOX_READY, podStatus.getState(), () -> podStatus + log());
        assertEquals(handler, podStatus.getRuntimeHandler());

        String server = startContainer(pod, podConfig, "server", serverImage, "server.log", port);
        String client = startContainer(pod, podConfig, "client", clientImage, "client.log", port);
        assertEquals(ContainerState.CONTAINER_RUNNING, status(server).getState(), () -> status(server) + log());
        assertEquals(ContainerState.CONTAINER_RUNNING, status(client).getState(), () -> status(client) + log());
        assertEquals(
                Set.of(client, server),
                cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                        .filter(c -> c.getPodSandboxId().equals(pod))
                        .map(c -> c.getId())
                        .collect(Collectors.toSet()));
        assertOneVmPerPod(handler, true);

        ExecSyncResponse env = exec(server, "sh", "-c", "echo port=$PORT; ls /www");
        assertEquals(0, env.getExitCode(), () -> env + log());
        assertEquals("port=" + port + "\nindex.html\n", env.getStdout().toStringUtf8());
        // CRI's bind mounts of files reach the container: a host-network pod gets the node's own two
        ExecSyncResponse etc = exec(client, "cat", "/etc/hosts", "/etc/resolv.conf");
        assertEquals(0, etc.getExitCode(), () -> etc + log());
        assertEquals(
                Files.readString(Path.of("/etc/hosts")) + Files.readString(Path.of("/etc/resolv.conf")),
                etc.getStdout().toStringUtf8());
        ExecSyncResponse failing = exec(client, "sh", "-c", "echo to-stderr >&2; exit 3");
        assertEquals(3, failing.getExitCode(), failing::toString);
        assertEquals("to-stderr\n", failing.getStderr().toStringUtf8());
        // The pod's containers share the node's network, so the client reaches the server on loopback.
        ExecSyncResponse fetched = null;
        for (int i = 0; i < 50; i++) {
            fetched = exec(client, "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/");
            if (fetched.getExitCode() == 0) break;
            TimeUnit.MILLISECONDS.sleep(200);
        }
        ExecSyncResponse got = fetched;
        assertEquals(0, got.getExitCode(), () -> got + log());
        assertEquals("hello from the server\n", got.getStdout().toStringUtf8());

        assertLogLine(logs.resolve("server.log"), "serving on " + port);
        assertLogLine(logs.resolve("client.log"), "client up");

        cri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(client)
                        .setTimeout(2)
                        .build());
        ContainerStatus stopped = status(client);
        assertEquals(ContainerState.CONTAINER_EXITED, stopped.getState(), () -> stopped + log());
        // sleep is the container's pid 1 and ignores SIGTERM: the stop timeout's SIGKILL ends it.
        assertEquals(137, stopped.getExitCode(), stopped::toString);
        cri.runtime()
                .removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId(client)
                        .build());

        cri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertEquals(ContainerState.CONTAINER_EXITED, status(server).getState(), () -> status(server) + log());
        assertEquals(PodSandboxState.SANDBOX_NOTREADY, podStatus(pod).getState());
        cri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
        assertEquals(
                List.of(),
                cri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList());
        assertEquals(
                List.of(),
                cri.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersList());
        assertOneVmPerPod(handler, false);
    }

    /**
     * The jvmm handler's promise: one VM per pod, whatever the number of containers. Counted in the shim's
     * state for containerd's CRI namespace: one pod record while the pod runs, none once it is removed.
     * runc has no VMs, so nothing to check there.
     */
    private static void assertOneVmPerPod(String handler, boolean podRunning) {
        if (!handler.equals("jvmm")) return;
        Path home = shimRoot.resolve("ns/" + NAMESPACE);
        List<String> pods = Files.isDirectory(home)
                ? new VmStore(new StateDirs(Map.of("JVMM_HOME", home.toString())))
                        .list().stream().map(r -> r.name()).toList()
                : List.of();
        assertEquals(podRunning ? 1 : 0, pods.size(), () -> "jvmm pods: " + pods + log());
    }

    /** A pod as the kubelet describes it: its logs under {@code logs}, its network the node's or its own. */
    private static PodSandboxConfig.Builder podConfig(String name, Path logs, NamespaceMode network) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("default")
                        .setUid(UUID.randomUUID().toString()))
                .setLogDirectory(logs.toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(CGROUP_PARENT)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(network)
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setIpc(NamespaceMode.POD))));
    }

    /** RunPodSandbox of {@code config} with runtime handler {@code handler}; the pod's id. */
    private static String runPod(PodSandboxConfig config, String handler) {
        return cri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config)
                        .setRuntimeHandler(handler)
                        .build())
                .getPodSandboxId();
    }

    private static PodSandboxStatus podStatus(String pod) {
        return cri.runtime()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build())
                .getStatus();
    }

    /** Creates and starts container {@code name} of a pod on the node's network (PORT in its environment). */
    private static String startContainer(
            String pod, PodSandboxConfig podConfig, String name, String image, String logPath, int port) {
        return startContainer(pod, podConfig, name, image, logPath, NamespaceMode.NODE, Map.of("PORT", "" + port));
    }

    /** Creates and starts container {@code name} of the pod: the image's command, {@code env} added. */
    private static String startContainer(
            String pod,
            PodSandboxConfig podConfig,
            String name,
            String image,
            String logPath,
            NamespaceMode network,
            Map<String, String> env) {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .setLogPath(logPath)
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(network)
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setIpc(NamespaceMode.POD))));
        env.forEach((k, v) -> config.addEnvs(KeyValue.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8(v))));
        String id = cri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setSandboxConfig(podConfig)
                        .setConfig(config)
                        .build())
                .getContainerId();
        cri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerStatus status(String container) {
        return cri.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(container)
                        .build())
                .getStatus();
    }

    private static ExecSyncResponse exec(String container, String... cmd) {
        return cri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(container)
                        .addAllCmd(List.of(cmd))
                        .setTimeout(60)
                        .build());
    }

    /** The CRI log format, {@code TIMESTAMP STREAM TAG CONTENT}: {@code line} logged whole (tag F) on stdout. */
    private static void assertLogLine(Path file, String line) throws Exception {
        String pattern = "\\S+ stdout F " + java.util.regex.Pattern.quote(line);
        for (int i = 0; i < 50; i++) {
            if (Files.exists(file) && Files.readAllLines(file).stream().anyMatch(l -> l.matches(pattern))) return;
            TimeUnit.MILLISECONDS.sleep(200);
        }
        String content = Files.exists(file) ? Files.readString(file) : "(missing)";
        throw new AssertionError(file + " has no line '" + line + "': " + content + log());
    }

    /** A busybox image with {@code applets} linked, and {@code script} as its command (sh -c). */
    private static OciTestImage.Built image(List<String> applets, String script, boolean mountPoints)
            throws IOException {
        OciTestImage.Layer base = new OciTestImage.Layer()
                .dir("bin")
                .file("bin/busybox", OciTestImage.busybox(), 0755, 0, 0)
                .symlink("bin/sh", "busybox")
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", "root:x:0:\n")
                .dir("www")
                .file("www/index.html", "hello from the server\n");
        for (String applet : applets) base.symlink("bin/" + applet, "busybox");
        // The mount points a distribution image carries; a pause image (FROM scratch) has none, and the
        // CRI sandbox's rootfs is read-only, so the runtime must mount there without making them.
        if (mountPoints) base.dir("proc").dir("sys").dir("dev").dir("tmp", 01777, 0, 0);
        return OciTestImage.build(
                List.of(base),
                OciTestImage.config(List.of("/bin/sh", "-c"), List.of(script), List.of("PATH=/bin"), "/", null, null));
    }

    /** Pushes {@code img} to the loopback registry as NAME:1; returns its reference. */
    private static String push(String name, OciTestImage.Built img) throws Exception {
        Path layout = OciTestImage.ociLayout(tmp.resolve("layout-" + name), img, "1");
        registry.push(layout, "1", "cri/" + name + ":1");
        return registry.host() + "/cri/" + name + ":1";
    }

    /** What a failed test leaves in CRI: every pod stopped and removed (with its containers). */
    private static void removeAllPods() {
        try {
            for (PodSandbox p : cri.runtime()
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                    .getItemsList()) {
                try {
                    cri.runtime()
                            .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                    .setPodSandboxId(p.getId())
                                    .build());
                    cri.runtime()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(p.getId())
                                    .build());
                } catch (StatusRuntimeException e) {
                    System.err.println("cleanup: pod " + p.getId() + ": " + e.getStatus());
                }
            }
        } catch (StatusRuntimeException e) {
            System.err.println("cleanup: " + e.getStatus());
        }
    }

    /**
     * Shims outlive containerd by design, so they are found by the address they were given (this test's
     * socket) and killed; runc containers they leave are deleted from this test's runc root.
     */
    private static void killShimsAndContainers() throws Exception {
        if (socket == null) return;
        List<ProcessHandle> shims = ProcessHandle.allProcesses()
                .filter(h -> ContainerdTestSupport.cmdline(h.pid()).contains(socket.toString()))
                .toList();
        for (ProcessHandle h : shims) {
            System.err.println("cleanup: killing shim " + h.pid() + " "
                    + h.info().commandLine().orElse(""));
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        }
        Path runcNs = runcRoot.resolve(NAMESPACE);
        if (Files.isDirectory(runcNs)) {
            try (Stream<Path> ids = Files.list(runcNs)) {
                for (Path id : ids.toList()) {
                    System.err.println("cleanup: runc delete --force " + id.getFileName());
                    run(
                            "runc",
                            "--root",
                            runcNs.toString(),
                            "delete",
                            "--force",
                            id.getFileName().toString());
                }
            }
        }
    }

    /** Mounts containerd made under {@code dir} (rootfs, shm) and did not undo, deepest first. */
    private static void unmountUnder(Path dir) throws Exception {
        List<String> points = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(l -> l.split(" ")[1])
                .filter(p -> p.startsWith(dir.toString() + "/"))
                .sorted(Comparator.reverseOrder())
                .toList();
        for (String p : points) {
            System.err.println("cleanup: umount " + p);
            run("umount", "-l", p);
        }
    }

    /** The pods' cgroup parent in every hierarchy: empty once the pods are gone, so rmdir removes it. */
    private static void removeCgroups() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(root)) return;
        List<Path> parents = new ArrayList<>();
        parents.add(root.resolve(CGROUP_PARENT.substring(1)));
        try (Stream<Path> hierarchies = Files.list(root)) {
            hierarchies.forEach(h -> parents.add(h.resolve(CGROUP_PARENT.substring(1))));
        }
        for (Path parent : parents) {
            if (!Files.isDirectory(parent)) continue;
            try (Stream<Path> tree = Files.walk(parent)) {
                for (Path d : tree.filter(Files::isDirectory)
                        .sorted(Comparator.reverseOrder())
                        .toList()) {
                    try {
                        Files.delete(d);
                    } catch (IOException e) {
                        System.err.println("cleanup: cgroup " + d + " not removed: " + e);
                    }
                }
            }
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        else if (p.exitValue() != 0) System.err.println("cleanup: " + String.join(" ", cmd) + ": " + out);
    }

    /** containerd's log and the shims', for failure messages. */
    private static String log() {
        return ContainerdTestSupport.logs(tmp, shimRoot.resolve("ns/" + NAMESPACE));
    }

    /** {@code call}'s result once containerd answers it (its socket and CRI plugin come up after the start). */
    private static <T> T eventually(Supplier<T> call) throws Exception {
        StatusRuntimeException last = null;
        for (int i = 0; i < 200; i++) {
            if (!containerd.isAlive()) throw new AssertionError("containerd exited" + log());
            try {
                return call.get();
            } catch (StatusRuntimeException e) {
                last = e;
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        throw new AssertionError("containerd's CRI did not come up: " + last + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void skipUnless(boolean condition, String why) {
        if (!condition) System.out.println("SKIPPED: CriLinuxTest: " + why);
        assumeTrue(condition, "skipped: " + why);
    }
}
