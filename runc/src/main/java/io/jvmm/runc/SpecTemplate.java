package io.jvmm.runc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code jvmm-runc spec}: the config.json that {@code runc spec} writes (a shell in {@code rootfs},
 * read-only, with a terminal), as jvmm reads it. It differs from runc's in what has no meaning in a VM:
 * no {@code linux.resources.devices} rule (the guest's devices are the VM's own), and a cgroup namespace
 * always (the guest's cgroups are v2).
 */
public final class SpecTemplate {
    /** The ociVersion jvmm-runc writes. */
    public static final String OCI_VERSION = "1.2.0";

    private static final List<String> CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    private SpecTemplate() {}

    /** The default config.json's text. */
    public static String json() {
        ObjectNode spec = OciJson.object();
        spec.put("ociVersion", OCI_VERSION);
        ObjectNode process = spec.putObject("process");
        process.put("terminal", true);
        ObjectNode user = process.putObject("user");
        user.put("uid", 0);
        user.put("gid", 0);
        process.set("args", OciJson.strings(List.of("sh")));
        process.set(
                "env",
                OciJson.strings(
                        List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm")));
        process.put("cwd", "/");
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) caps.set(set, OciJson.strings(CAPS));
        ObjectNode nofile = process.putArray("rlimits").addObject();
        nofile.put("type", "RLIMIT_NOFILE");
        nofile.put("hard", 1024);
        nofile.put("soft", 1024);
        process.put("noNewPrivileges", true);
        ObjectNode root = spec.putObject("root");
        root.put("path", "rootfs");
        root.put("readonly", true);
        spec.put("hostname", "runc");
        ArrayNode mounts = spec.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", List.of());
        mount(mounts, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
        mount(
                mounts,
                "/dev/pts",
                "devpts",
                "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
        mount(mounts, "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
        mount(mounts, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"));
        ObjectNode linux = spec.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "network", "ipc", "uts", "mount", "cgroup"))
            namespaces.addObject().put("type", ns);
        linux.set(
                "maskedPaths",
                OciJson.strings(List.of(
                        "/proc/acpi",
                        "/proc/asound",
                        "/proc/kcore",
                        "/proc/keys",
                        "/proc/latency_stats",
                        "/proc/timer_list",
                        "/proc/timer_stats",
                        "/proc/sched_debug",
                        "/sys/firmware",
                        "/proc/scsi",
                        "/sys/devices/virtual/tpm")));
        linux.set(
                "readonlyPaths",
                OciJson.strings(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")));
        return OciJson.write(spec);
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, List<String> options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        if (!options.isEmpty()) m.set("options", OciJson.strings(options));
    }
}
