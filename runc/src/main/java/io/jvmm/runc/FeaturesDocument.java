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

    /** Linux's capabilities up to 5.9 (CAP_CHECKPOINT_RESTORE), in their numeric order. */
    static final List<String> CAPABILITIES = List.of(
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN",
            "CAP_NET_RAW",
            "CAP_IPC_LOCK",
            "CAP_IPC_OWNER",
            "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT",
            "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE",
            "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG",
            "CAP_MKNOD",
            "CAP_LEASE",
            "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL",
            "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE",
            "CAP_MAC_ADMIN",
            "CAP_SYSLOG",
            "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ",
            "CAP_PERFMON",
            "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

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
        linux.set("capabilities", OciJson.strings(CAPABILITIES));
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
