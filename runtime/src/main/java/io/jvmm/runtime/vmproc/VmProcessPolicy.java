package io.jvmm.runtime.vmproc;

import io.jvmm.core.DriveConfig;
import io.jvmm.core.ShareConfig;
import io.jvmm.core.VmConfig;
import io.jvmm.core.jail.FileAccess;
import io.jvmm.core.jail.FilesystemPolicy;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The files a detached VM process may use, everything else refused (its Landlock policy; how it was
 * measured is in docs/sandbox.md):
 * <ul>
 *   <li>to run at all: the JDK, the class path, the system's shared libraries and the few
 *       {@code /etc} files the JVM and glibc read, {@code /proc} and {@code /sys} to read;
 *   <li>for the VM: the kernel, the root image and volumes (read-only unless attached writable), a
 *       root directory and bind-mounted directories (a virtio-fs share's rights: read, or read and
 *       change files and directories beneath it, as the share is read-only or not),
 *       {@code /dev/kvm} and {@code /dev/net/tun}, a snapshot it restores;
 *   <li>its own state: the VM's data, runtime and temporary directories, and the store's lock file
 *       (to record how the VM ended).
 * </ul>
 * Other VMs' directories, images and volumes, the user's home, and {@code /tmp} are out of reach.
 */
public final class VmProcessPolicy {
    /** Read by the dynamic loader, glibc (user and host lookups) and the JVM (time zone). */
    private static final List<String> ETC_FILES = List.of(
            "/etc/ld.so.cache",
            "/etc/ld.so.preload",
            "/etc/localtime",
            "/etc/nsswitch.conf",
            "/etc/passwd",
            "/etc/group",
            "/etc/host.conf",
            "/etc/hosts",
            "/etc/os-release");

    /** Propagated properties that name files the VM process reads. */
    private static final List<String> FILE_PROPERTIES = List.of("jvmm.home", "java.util.logging.config.file");

    private VmProcessPolicy() {}

    static FilesystemPolicy of(StateDirs dirs, VmRecord r, Path java, Path kernel, Path restoreFrom) {
        FilesystemPolicy p = jvm(java);
        p.allow(kernel, FileAccess.READ);
        Path root = Path.of(r.image());
        if (Files.isDirectory(root)) p.allowShare(root, r.readOnlyRoot(), false);
        else p.allow(root, FileAccess.READ);
        for (VmRecord.Mount m : r.volumes()) {
            if (m.bind()) {
                p.allowShare(Path.of(m.source()), m.readOnly(), false);
                continue;
            }
            Path image = m.named() ? dirs.volumeImage(m.source()) : Path.of(m.source());
            p.allow(image, m.readOnly() ? FileAccess.READ : FileAccess.READ_WRITE_FILES);
        }
        if (restoreFrom != null) p.allow(restoreFrom, FileAccess.READ);

        p.allow(dirs.vmDataDir(r.id()), FileAccess.OWN);
        p.allow(dirs.vmRunDir(r.id()), FileAccess.OWN);
        p.allow(dirs.vmTempDir(r.id()), FileAccess.OWN);
        p.allow(dirs.lockFile(), FileAccess.READ_WRITE_FILES);
        return p;
    }

    /**
     * {@code jvmm boot --sandbox}: the JVM's files and the VM's own, from its config: kernel, initrd,
     * drives (writable unless read-only), virtio-fs shares (their own rights), the directory of its vsock socket, a snapshot it restores
     * or writes, and the hac.toml it reads again.
     */
    public static FilesystemPolicy forBoot(VmConfig c, Path java, Path hacFile, Path restoreDir, Path snapshotDir) {
        FilesystemPolicy p = jvm(java);
        if (c.kernel() != null) p.allow(c.kernel(), FileAccess.READ);
        if (c.initrd() != null) p.allow(c.initrd(), FileAccess.READ);
        for (DriveConfig d : c.drives())
            p.allow(d.path(), d.readOnly() ? FileAccess.READ : FileAccess.READ_WRITE_FILES);
        for (ShareConfig s : c.shares())
            p.allowShare(s.dir(), s.options().readOnly(), s.options().allowDevices());
        if (c.vsock() != null && c.vsock().udsPath() != null)
            p.allow(c.vsock().udsPath().toAbsolutePath().getParent(), FileAccess.OWN);
        if (hacFile != null) p.allow(hacFile, FileAccess.READ);
        if (restoreDir != null) p.allow(restoreDir, FileAccess.READ);
        if (snapshotDir != null) p.allow(snapshotDir, FileAccess.OWN);
        return p;
    }

    /** What any JVM running jvmm needs: the JDK, the class path, system libraries, devices, /proc and /sys. */
    private static FilesystemPolicy jvm(Path java) {
        FilesystemPolicy p = new FilesystemPolicy();
        // The JVM: its launcher must be executable, its libraries readable as it loads them lazily.
        p.allow(Path.of(System.getProperty("java.home")), FileAccess.READ_EXECUTE);
        p.allow(java, FileAccess.READ_EXECUTE);
        for (String dir : List.of("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo"))
            p.allow(Path.of(dir), FileAccess.READ_EXECUTE);
        for (String f : ETC_FILES) p.allow(Path.of(f), FileAccess.READ);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) p.allow(Path.of(entry), FileAccess.READ);
        }
        for (String prop : FILE_PROPERTIES) {
            String v = System.getProperty(prop);
            if (v != null) p.allow(Path.of(v), FileAccess.READ);
        }
        p.allow(Path.of("/proc"), FileAccess.READ);
        p.allow(Path.of("/sys"), FileAccess.READ);
        p.allow(Path.of("/dev/null"), FileAccess.READ_WRITE_FILES);
        for (String dev : List.of("/dev/urandom", "/dev/random")) p.allow(Path.of(dev), FileAccess.READ);
        p.allow(Path.of("/dev/kvm"), FileAccess.DEVICE);
        p.allow(Path.of("/dev/net/tun"), FileAccess.DEVICE);
        return p;
    }
}
