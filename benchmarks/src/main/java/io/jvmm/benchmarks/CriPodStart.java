package io.jvmm.benchmarks;

import io.jvmm.cri.CriClient;
import io.jvmm.cri.proto.ContainerConfig;
import io.jvmm.cri.proto.ContainerMetadata;
import io.jvmm.cri.proto.ContainerState;
import io.jvmm.cri.proto.ContainerStatusRequest;
import io.jvmm.cri.proto.ContainerStatusResponse;
import io.jvmm.cri.proto.CreateContainerRequest;
import io.jvmm.cri.proto.ImageSpec;
import io.jvmm.cri.proto.LinuxContainerConfig;
import io.jvmm.cri.proto.LinuxContainerSecurityContext;
import io.jvmm.cri.proto.LinuxPodSandboxConfig;
import io.jvmm.cri.proto.LinuxSandboxSecurityContext;
import io.jvmm.cri.proto.NamespaceMode;
import io.jvmm.cri.proto.NamespaceOption;
import io.jvmm.cri.proto.PodSandboxConfig;
import io.jvmm.cri.proto.PodSandboxMetadata;
import io.jvmm.cri.proto.PodSandboxStatusRequest;
import io.jvmm.cri.proto.PodSandboxStatusResponse;
import io.jvmm.cri.proto.RemovePodSandboxRequest;
import io.jvmm.cri.proto.RunPodSandboxRequest;
import io.jvmm.cri.proto.StartContainerRequest;
import io.jvmm.cri.proto.StopPodSandboxRequest;
import io.jvmm.cri.proto.VersionRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A pod's start through CRI, as the kubelet calls it, for each runtime handler of one containerd:
 * RunPodSandbox (host network) → CreateContainer → StartContainer, timed from before RunPodSandbox until
 * StartContainer has returned and ContainerStatus says RUNNING; RunPodSandbox alone is recorded too. Handlers
 * alternate run by run, so drift on a shared machine hits each. While the pod is up (after a settle time), the
 * host memory (PSS, /proc/PID/smaps_rollup) of the pod's processes: every process whose command line names the
 * sandbox id (jvmm: the shim server and the VM process; runc: the shim), the sandbox's and the container's
 * process as CRI reports them (verbose status), and all their descendants (runc's pause and workload processes,
 * jvmm's passt). Then StopPodSandbox + RemovePodSandbox.
 * <p>
 * Usage: {@code CriPodStart SOCKET LOG_DIR IMAGE RUNS HANDLER[,HANDLER...] [CGROUP_PARENT] [SETTLE_SECONDS]}.
 * SETTLE_SECONDS 0 skips the memory measurement. Run by {@code benchmarks/cri.sh}.
 */
public final class CriPodStart {
    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");

    private CriPodStart() {}

    record Run(String handler, long sandboxMs, long createMs, long startMs, long totalMs, long pssKib, String parts) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println(
                    "usage: CriPodStart SOCKET LOG_DIR IMAGE RUNS HANDLER[,HANDLER...] [CGROUP_PARENT] [SETTLE_SECONDS]");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        Path logDir = Path.of(args[1]);
        String image = args[2];
        int runs = Integer.parseInt(args[3]);
        List<String> handlers = List.of(args[4].split(","));
        String cgroupParent = args.length > 5 ? args[5] : "";
        int settle = args.length > 6 ? Integer.parseInt(args[6]) : 5;

        Map<String, List<Run>> results = new LinkedHashMap<>();
        for (String h : handlers) results.put(h, new ArrayList<>());
        try (CriClient cri = new CriClient(socket, Duration.ofSeconds(300))) {
            String version = cri.runtime()
                    .version(VersionRequest.newBuilder().setVersion("v1").build())
                    .toString()
                    .replace('\n', ' ');
            System.out.println("CRI: " + version.trim());
            for (int i = 1; i <= runs; i++) {
                for (String h : handlers) {
                    Run r = onePod(cri, h, i, logDir, image, cgroupParent, settle);
                    results.get(h).add(r);
                    System.out.printf(
                            Locale.ROOT,
                            "run %d %s: RunPodSandbox %d ms, CreateContainer %d ms, StartContainer %d ms,"
                                    + " to RUNNING %d ms%s%n",
                            i,
                            h,
                            r.sandboxMs,
                            r.createMs,
                            r.startMs,
                            r.totalMs,
                            r.pssKib < 0 ? "" : ", pod PSS " + mib(r.pssKib) + " MiB (" + r.parts + ")");
                }
            }
        }
        for (var e : results.entrySet()) {
            List<Run> rs = e.getValue();
            System.out.printf(
                    Locale.ROOT,
                    "%s: RunPodSandbox to the first container RUNNING median %d ms (runs: %s); RunPodSandbox alone"
                            + " median %d ms (runs: %s)%s%n",
                    e.getKey(),
                    median(rs.stream().map(Run::totalMs).toList()),
                    rs.stream().map(r -> Long.toString(r.totalMs)).collect(Collectors.joining(" ")),
                    median(rs.stream().map(Run::sandboxMs).toList()),
                    rs.stream().map(r -> Long.toString(r.sandboxMs)).collect(Collectors.joining(" ")),
                    settle <= 0
                            ? ""
                            : "; pod PSS median "
                                    + mib(median(rs.stream().map(Run::pssKib).toList()))
                                    + " MiB (runs: "
                                    + rs.stream().map(r -> mib(r.pssKib)).collect(Collectors.joining(" "))
                                    + ")");
        }
    }

    private static Run onePod(
            CriClient cri, String handler, int run, Path logDir, String image, String cgroupParent, int settle)
            throws Exception {
        Path logs = Files.createDirectories(logDir.resolve(handler + "-" + run));
        NamespaceOption ns = NamespaceOption.newBuilder()
                .setNetwork(NamespaceMode.NODE)
                .setPid(NamespaceMode.CONTAINER)
                .setIpc(NamespaceMode.POD)
                .build();
        // No hostname: a host-network pod has no UTS namespace of its own (CriLinuxTest says why).
        LinuxPodSandboxConfig.Builder linux = LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(ns));
        if (!cgroupParent.isEmpty()) linux.setCgroupParent(cgroupParent);
        PodSandboxConfig podConfig = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("bench-" + handler + "-" + run)
                        .setNamespace("default")
                        .setUid(UUID.randomUUID().toString()))
                .setLogDirectory(logs.toString())
                .setLinux(linux)
                .build();

        long t0 = System.nanoTime();
        String pod = cri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(podConfig)
                        .setRuntimeHandler(handler)
                        .build())
                .getPodSandboxId();
        long t1 = System.nanoTime();
        try {
            String ctr = cri.runtime()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .setSandboxConfig(podConfig)
                            .setConfig(ContainerConfig.newBuilder()
                                    .setMetadata(ContainerMetadata.newBuilder().setName("work"))
                                    .setImage(ImageSpec.newBuilder().setImage(image))
                                    .setLogPath("work.log")
                                    .setLinux(LinuxContainerConfig.newBuilder()
                                            .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                                    .setNamespaceOptions(ns))))
                            .build())
                    .getContainerId();
            long t2 = System.nanoTime();
            cri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(ctr)
                            .build());
            long t3 = System.nanoTime();
            ContainerStatusResponse status;
            while (true) {
                status = containerStatus(cri, ctr);
                ContainerState state = status.getStatus().getState();
                if (state == ContainerState.CONTAINER_RUNNING) break;
                if (state == ContainerState.CONTAINER_EXITED)
                    throw new IllegalStateException(handler + ": the container exited: " + status.getStatus());
                if (System.nanoTime() - t3 > TimeUnit.SECONDS.toNanos(60))
                    throw new IllegalStateException(handler + ": not RUNNING after 60 s: " + status.getStatus());
                TimeUnit.MILLISECONDS.sleep(5);
            }
            long t4 = System.nanoTime();

            long pss = -1;
            String parts = "";
            if (settle > 0) {
                TimeUnit.SECONDS.sleep(settle);
                Map<Long, String> procs = podProcesses(cri, pod, ctr);
                Map<String, Long> byName = new LinkedHashMap<>();
                pss = 0;
                for (var p : procs.entrySet()) {
                    long kib = pssKib(p.getKey());
                    pss += kib;
                    byName.merge(p.getValue(), kib, Long::sum);
                }
                parts = byName.entrySet().stream()
                        .map(e -> e.getKey() + " " + mib(e.getValue()))
                        .collect(Collectors.joining(", "));
                parts += "; pids " + new TreeSet<>(procs.keySet());
            }
            return new Run(handler, ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t0), pss, parts);
        } finally {
            cri.runtime()
                    .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
            cri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
    }

    private static ContainerStatusResponse containerStatus(CriClient cri, String ctr) {
        return cri.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(ctr)
                        .setVerbose(true)
                        .build());
    }

    /**
     * The pod's host processes, each with a label: those whose command line names the sandbox id (the shims;
     * jvmm's VM process), the sandbox's and container's pids from CRI's verbose status, and their descendants.
     */
    private static Map<Long, String> podProcesses(CriClient cri, String pod, String ctr) {
        Map<Long, String> procs = new LinkedHashMap<>();
        List<ProcessHandle> roots = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses()
                .filter(h -> h.pid() != self)
                .filter(h -> cmdline(h.pid()).stream().anyMatch(s -> s.contains(pod)))
                .forEach(roots::add);
        PodSandboxStatusResponse podStatus = cri.runtime()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setVerbose(true)
                        .build());
        pidOf(podStatus.getInfoMap()).flatMap(ProcessHandle::of).ifPresent(roots::add);
        pidOf(containerStatus(cri, ctr).getInfoMap()).flatMap(ProcessHandle::of).ifPresent(roots::add);
        for (ProcessHandle r : roots) {
            procs.putIfAbsent(r.pid(), label(r));
            r.descendants().forEach(d -> procs.putIfAbsent(d.pid(), label(d)));
        }
        return procs;
    }

    /** A process's whole command line: ProcessHandle.Info cuts it at a page, shorter than a long class path. */
    private static List<String> cmdline(long pid) {
        try {
            return List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8)
                    .split("\0"));
        } catch (IOException e) {
            return List.of(); // gone meanwhile, or not ours to read
        }
    }

    private static Optional<Long> pidOf(Map<String, String> info) {
        String json = info.getOrDefault("info", "");
        Matcher m = PID.matcher(json);
        if (!m.find()) return Optional.empty();
        long pid = Long.parseLong(m.group(1));
        return pid > 0 ? Optional.of(pid) : Optional.empty();
    }

    /** The process's name, with {@code shim}/{@code vm} for jvmm's two java processes. */
    private static String label(ProcessHandle h) {
        List<String> args = cmdline(h.pid());
        if (args.contains("serve") && args.contains("-id")) return "shim";
        if (args.contains("__vm-process")) return "vm";
        try {
            return Files.readString(Path.of("/proc/" + h.pid() + "/comm")).trim();
        } catch (IOException e) {
            return "pid" + h.pid();
        }
    }

    /** Proportional set size in KiB (0 for a process that is gone). */
    private static long pssKib(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup")))
                if (l.startsWith("Pss:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static String mib(long kib) {
        return String.format(Locale.ROOT, "%.1f", kib / 1024.0);
    }

    private static long median(List<Long> xs) {
        List<Long> s = xs.stream().sorted().toList();
        return s.get((s.size() - 1) / 2);
    }
}
