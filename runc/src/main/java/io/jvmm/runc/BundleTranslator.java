package io.jvmm.runc;

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

    /** The container {@code id} made from {@code bundle}. */
    public static BundleTranslation translate(Bundle bundle, String id) {
        checkId(id);
        OciSpec spec = bundle.spec();
        OciLinux linux = spec.linux() == null ? OciLinux.NONE : spec.linux();
        JvmmAnnotations annotations = JvmmAnnotations.of(spec.annotations());
        VmSizing size = VmSizing.of(linux.resources(), annotations);
        boolean readOnlyRoot = spec.root().readonly();

        PodConfig.Builder pod = PodConfig.builder()
                .name(id)
                .cpus(size.vcpus())
                .memoryMib(size.memoryMib())
                .hostname(spec.hostname())
                .label(BUNDLE_LABEL, bundle.dir().toString())
                .mount(VmRecord.Mount.bind(bundle.rootfs().toString(), ROOTFS_IN_POD, readOnlyRoot));
        List<GuestMount> guestMounts = new ArrayList<>();
        List<ContainerBind> binds = new ArrayList<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            OciMount m = spec.mounts().get(i);
            if (!m.isBind()) {
                guestMounts.add(new GuestMount(m.destination(), m.type(), m.source(), m.options()));
                continue;
            }
            ContainerBind b = bind(bundle.dir(), i, m);
            if (b.directory()) pod.mount(VmRecord.Mount.bind(b.source().toString(), b.podPath(), b.readOnly()));
            binds.add(b);
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
                .label(ID_LABEL, id);
        p.env().forEach(container::env);

        return new BundleTranslation(
                id,
                bundle.dir(),
                pod.build(),
                container.build(),
                annotations.kernel(),
                guestMounts,
                binds,
                deferred(p, spec.hooks(), linux));
    }

    /** An id names the pod, so it follows the engine's names: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, up to 128. */
    public static void checkId(String id) {
        if (id == null || id.isEmpty()) throw new BundleException("container id cannot be empty");
        if (id.length() > 128 || !VmStore.NAME.matcher(id).matches())
            throw new BundleException("invalid container id \"" + id
                    + "\": use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128");
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
        return new ContainerBind(real, podPath, m.destination(), m.readOnly(), m.options());
    }

    private static Deferred deferred(OciProcess p, OciHooks hooks, OciLinux linux) {
        Map<String, String> join = new LinkedHashMap<>();
        for (OciLinux.Namespace ns : linux.namespaces())
            if (ns.path() != null && !ns.path().isEmpty()) join.put(ns.type(), ns.path());
        OciLinux.Cpu cpu = linux.resources() == null ? null : linux.resources().cpu();
        return new Deferred(
                p.capabilities(),
                p.rlimits(),
                p.noNewPrivileges(),
                p.user().additionalGids(),
                p.user().umask(),
                p.consoleSize(),
                hooks,
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
