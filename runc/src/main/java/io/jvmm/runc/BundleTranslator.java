package io.jvmm.runc;

import io.jvmm.agent.ContainerMount;
import io.jvmm.runtime.pod.ContainerConfig;
import io.jvmm.runtime.pod.PodConfig;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns a checked bundle into the engine's terms ({@link BundleTranslation}), as virtcontainers' runtimes
 * translate config.json to its Pod API: one pod (one VM) named after the container id, holding one
 * container whose root is the bundle's rootfs directory. The rootfs is bound into the pod at
 * {@value #ROOTFS_IN_POD} (read-only when {@code root.readonly}); each directory bind mount at
 * {@code /oci/mounts/N}, N its index in {@code mounts}.
 */
public final class BundleTranslator {
    /** Where the pod's VM sees the bundle's rootfs. */
    public static final String ROOTFS_IN_POD = "/oci/rootfs";

    static final String MOUNTS_IN_POD = "/oci/mounts/";
    /** The pod label naming the bundle, for {@code state}. */
    public static final String BUNDLE_LABEL = "io.jvmm.runc.bundle";
    /** The container label naming its OCI id (the container's own name is the engine's choice). */
    public static final String ID_LABEL = "io.jvmm.runc.id";

    private BundleTranslator() {}

    /** Where the pod's VM sees a bind's host source; null when it cannot, and the bind is then not made. */
    @FunctionalInterface
    public interface BindPlacer {
        String podPath(ContainerBind bind);
    }

    /** The pod made here shares each directory bind at {@code /oci/mounts/N}; a file is not shared. */
    public static final BindPlacer POD_BINDS = ContainerBind::podPath;

    /** The container {@code id} made from {@code bundle}, its directory binds shared through its own pod. */
    public static BundleTranslation translate(Bundle bundle, String id) {
        return translate(bundle, id, POD_BINDS);
    }

    /**
     * The container {@code id} made from {@code bundle}; {@code placer} says where the pod sees each bind
     * (a pod that is already running cannot take new binds, so its caller places them itself).
     */
    public static BundleTranslation translate(Bundle bundle, String id, BindPlacer placer) {
        checkId(id);
        OciSpec spec = bundle.spec();
        OciLinux linux = spec.linux() == null ? OciLinux.NONE : spec.linux();
        JvmmAnnotations annotations = JvmmAnnotations.of(spec.annotations());
        VmSizing size = VmSizing.of(linux.resources(), annotations, spec.annotations());
        boolean readOnlyRoot = spec.root().readonly();

        PodConfig.Builder pod = PodConfig.builder()
                .name(id)
                .cpus(size.vcpus())
                .memoryMib(size.memoryMib())
                .hostname(spec.hostname())
                .label(BUNDLE_LABEL, bundle.dir().toString())
                .mount(VmRecord.Mount.bind(bundle.rootfs().toString(), ROOTFS_IN_POD, readOnlyRoot));
        // the engine's network namespace (podman's netavark, CNI): the VM takes over its interface
        for (OciLinux.Namespace ns : linux.namespaces())
            if (ns.type().equals("network") && ns.path() != null && !ns.path().isEmpty())
                pod.networkNamespace(Path.of(ns.path()));
        List<GuestMount> guestMounts = new ArrayList<>();
        List<ContainerBind> binds = new ArrayList<>();
        List<ContainerMount> inContainer = new ArrayList<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            OciMount m = spec.mounts().get(i);
            if (!m.isBind()) {
                GuestMount g = new GuestMount(m.destination(), m.type(), m.source(), m.options());
                guestMounts.add(g);
                // the agent makes /proc, /sys, /dev and /dev/pts itself; a tmpfs is the one other kind it takes
                if (g.type() != null
                        && g.type().equals("tmpfs")
                        && !g.destination().equals("/dev"))
                    inContainer.add(mount(
                            i,
                            () -> ContainerMount.tmpfs(
                                    g.destination(),
                                    flags(g.options()),
                                    g.split().data())));
                continue;
            }
            ContainerBind b = bind(bundle.dir(), i, m);
            if (b.directory()) pod.mount(VmRecord.Mount.bind(b.source().toString(), b.podPath(), b.readOnly()));
            binds.add(b);
            String at = placer.podPath(b);
            if (at != null)
                inContainer.add(
                        mount(i, () -> new ContainerMount("bind", at, b.destination(), flags(b.options()), "")));
        }

        OciProcess p = spec.process();
        ContainerConfig.Builder container = ContainerConfig.builder()
                .directory(bundle.rootfs())
                .entrypoint("")
                .command(p.args())
                .workdir(p.cwd())
                .user(p.user().uid() + ":" + p.user().gid())
                .hostname(spec.hostname())
                .tty(p.terminal())
                .readOnlyRoot(readOnlyRoot)
                .limits(ResourceLimits.containerLimits(linux.resources()))
                .security(OciSecurity.of(p))
                .label(ID_LABEL, id);
        inContainer.forEach(container::mount);
        p.env().forEach(container::env);

        return new BundleTranslation(
                id,
                bundle.dir(),
                pod.build(),
                container.build(),
                annotations.kernel(),
                guestMounts,
                binds,
                spec.hooks() == null ? OciHooks.NONE : spec.hooks(),
                deferred(p, linux));
    }

    /** An id names the pod, so it follows the engine's names: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, up to 128. */
    public static void checkId(String id) {
        if (id == null || id.isEmpty()) throw new BundleException("container id cannot be empty");
        if (id.length() > 128 || !VmStore.NAME.matcher(id).matches())
            throw new BundleException("invalid container id \"" + id
                    + "\": use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128");
    }

    /** The agent's mount flags among a mount's options (the recursive forms included); the last of a pair wins, as in mount(8). */
    static int flags(List<String> options) {
        int f = 0;
        for (String o : options) {
            switch (o) {
                case "ro", "rro" -> f |= ContainerMount.READ_ONLY;
                case "rw", "rrw" -> f &= ~ContainerMount.READ_ONLY;
                case "nosuid", "rnosuid" -> f |= ContainerMount.NO_SUID;
                case "suid", "rsuid" -> f &= ~ContainerMount.NO_SUID;
                case "nodev", "rnodev" -> f |= ContainerMount.NO_DEV;
                case "dev", "rdev" -> f &= ~ContainerMount.NO_DEV;
                case "noexec", "rnoexec" -> f |= ContainerMount.NO_EXEC;
                case "exec", "rexec" -> f &= ~ContainerMount.NO_EXEC;
                default -> {}
            }
        }
        return f;
    }

    private static ContainerMount mount(int index, Supplier<ContainerMount> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw BundleException.config("mounts[" + index + "]: " + e.getMessage());
        }
    }

    private static ContainerBind bind(Path bundleDir, int index, OciMount m) {
        // runc resolves a relative bind source against the bundle, where it runs
        Path source = bundleDir.resolve(m.source()).normalize();
        String field = "mounts[" + index + "].source \"" + m.source() + "\"";
        if (!Files.exists(source)) throw BundleException.config(field + ": " + source + " does not exist");
        Path real;
        try {
            real = source.toRealPath();
        } catch (IOException e) {
            throw BundleException.config(field + ": " + e.getMessage());
        }
        String podPath = Files.isDirectory(real) ? MOUNTS_IN_POD + index : null;
        return new ContainerBind(index, real, podPath, m.destination(), m.readOnly(), m.options());
    }

    private static Deferred deferred(OciProcess p, OciLinux linux) {
        Map<String, String> join = new LinkedHashMap<>();
        for (OciLinux.Namespace ns : linux.namespaces())
            if (ns.path() != null && !ns.path().isEmpty() && !ns.type().equals("network"))
                join.put(ns.type(), ns.path());
        OciLinux.Cpu cpu = linux.resources() == null ? null : linux.resources().cpu();
        return new Deferred(
                p.consoleSize(),
                join,
                linux.uidMappings(),
                linux.gidMappings(),
                linux.sysctl(),
                linux.maskedPaths(),
                linux.readonlyPaths(),
                cpu == null ? null : cpu.shares(),
                cpu == null || cpu.cpus() == null || cpu.cpus().isBlank() ? null : cpu.cpus());
    }
}
