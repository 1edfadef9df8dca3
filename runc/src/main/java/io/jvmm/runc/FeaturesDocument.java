package io.jvmm.runc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code jvmm-runc features}: the OCI features document (runtime-spec features.md), what jvmm-runc
 * recognizes, fixed at build time as the spec asks. The container's kernel is the VM's, so there is no
 * host seccomp, AppArmor, SELinux or Intel RDT to report; its cgroups are v2, inside the guest. The
 * {@code io.jvmm.} annotations ({@link JvmmAnnotations}) change what the VM boots, so they are listed as
 * potentially unsafe.
 */
public final class FeaturesDocument {
    public static final String OCI_VERSION_MIN = "1.0.0";
    public static final String OCI_VERSION_MAX = SpecTemplate.OCI_VERSION;

    static final List<String> HOOKS =
            List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");

    private FeaturesDocument() {}

    /** The document's text; {@code version} is jvmm's, reported as the {@code io.jvmm.version} annotation. */
    public static String json(String version) {
        ObjectNode f = OciJson.object();
        f.put("ociVersionMin", OCI_VERSION_MIN);
        f.put("ociVersionMax", OCI_VERSION_MAX);
        f.set("hooks", OciJson.strings(HOOKS));
        f.set("mountOptions", OciJson.strings(MountOptions.FLAGS));
        ObjectNode linux = f.putObject("linux");
        linux.set("namespaces", OciJson.strings(OciLinux.NAMESPACE_TYPES));
        linux.set("capabilities", OciJson.strings(OciSecurity.CAPABILITIES));
        ObjectNode cgroup = linux.putObject("cgroup");
        cgroup.put("v1", false);
        cgroup.put("v2", true);
        cgroup.put("systemd", false);
        cgroup.put("systemdUser", false);
        cgroup.put("rdma", false);
        linux.putObject("seccomp").put("enabled", false);
        linux.putObject("apparmor").put("enabled", false);
        linux.putObject("selinux").put("enabled", false);
        linux.putObject("intelRdt").put("enabled", false);
        f.putObject("annotations").put("io.jvmm.version", version);
        f.set("potentiallyUnsafeConfigAnnotations", OciJson.strings(List.of(JvmmAnnotations.PREFIX)));
        return OciJson.write(f);
    }
}
