package io.jvmm.core;

import io.jvmm.core.backend.block.RawImage;
import io.jvmm.fuse.ShareOptions;
import io.jvmm.virtio.blk.BlockBackend;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything needed to create a VM, validated once by {@link Builder#build()}: each error names the
 * setting that is wrong. Immutable. File formats (hac.toml) live in the CLI, not here.
 *
 * <p>Drives and the network take a path or name (the VM opens the backend) or a backend instance
 * of the embedder's own ({@link DriveConfig}, {@link NetConfig#of}); an instance is handed over to
 * the VM, which closes it.
 *
 * @param name           a label for logs and thread names
 * @param vcpus          number of vCPUs, 1..{@link #MAX_VCPUS}
 * @param memoryMib      guest RAM in MiB
 * @param kernel         ELF vmlinux (PVH or 64-bit entry) or bzImage; null only in a config for
 *                       {@link Vm#restore} (built with {@link Builder#buildForRestore()})
 * @param initrd         initramfs, or null
 * @param cmdline        appended to jvmm's own kernel command line (console, reboot=k, devices...)
 * @param cpuTemplate    CPUID filtering
 * @param consoleOutput  where the guest's UART output goes (null: discarded)
 * @param consoleInput   bytes fed to the guest's UART (null: none)
 * @param drives         virtio-blk drives in order; the first is the root drive when there is no initrd
 * @param rng            whether the guest gets a virtio-rng device
 * @param vsock          a virtio-vsock device, or null
 * @param net            a virtio-net device, or null
 * @param kvmNotify      queue notifications through KVM_IOEVENTFD and interrupts through KVM_IRQFD
 *                       (true, the fast path, used where KVM offers them: without one, that half
 *                       falls back by itself); false sends both through the vCPU's MMIO exit and
 *                       KVM_IRQ_LINE, for comparison
 * @param irqchip        who models the interrupt controllers ({@link IrqChipMode}, default AUTO)
 * @param shares         host directories shared through virtio-fs, one device each, in order
 */
public record VmConfig(
        String name,
        int vcpus,
        long memoryMib,
        Path kernel,
        Path initrd,
        String cmdline,
        CpuTemplate cpuTemplate,
        OutputStream consoleOutput,
        InputStream consoleInput,
        List<DriveConfig> drives,
        boolean rng,
        VsockConfig vsock,
        NetConfig net,
        boolean kvmNotify,
        IrqChipMode irqchip,
        List<ShareConfig> shares) {
    public static final int MAX_VCPUS = 64;
    /** 1 MiB of RAM cannot hold a kernel; below 16 MiB nothing useful boots. */
    public static final long MIN_MEMORY_MIB = 16;
    /** KVM's and x86-64's practical ceiling for one guest here: 1 TiB. */
    public static final long MAX_MEMORY_MIB = 1L << 20;
    /** IRQs 5..23 of the IOAPIC are free for virtio-mmio devices (4 is the UART). */
    public static final int MAX_VIRTIO_DEVICES = 19;

    public VmConfig {
        Objects.requireNonNull(cpuTemplate, "cpuTemplate");
        irqchip = irqchip == null ? IrqChipMode.AUTO : irqchip;
        name = name == null || name.isBlank() ? "vm" : name;
        cmdline = cmdline == null ? "" : cmdline.trim();
        drives = drives == null ? List.of() : List.copyOf(drives);
        shares = shares == null ? List.of() : List.copyOf(shares);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This config with {@code n} as its network device (null: none). */
    public VmConfig withNet(NetConfig n) {
        return new VmConfig(
                name,
                vcpus,
                memoryMib,
                kernel,
                initrd,
                cmdline,
                cpuTemplate,
                consoleOutput,
                consoleInput,
                drives,
                rng,
                vsock,
                n,
                kvmNotify,
                irqchip,
                shares);
    }

    public long memoryBytes() {
        return memoryMib << 20;
    }

    /** Validating builder; {@link #build()} throws {@link ConfigException} naming the bad setting. */
    public static final class Builder {
        private String name = "vm";
        private int vcpus = 1;
        private long memoryMib = 256;
        private Path kernel;
        private Path initrd;
        private String cmdline = "";
        private CpuTemplate cpuTemplate = CpuTemplate.AUTO;
        private OutputStream consoleOutput = System.out;
        private InputStream consoleInput;
        private final List<DriveConfig> drives = new ArrayList<>();
        private boolean rng;
        private VsockConfig vsock;
        private NetConfig net;
        private boolean kvmNotify = true;
        private IrqChipMode irqchip = IrqChipMode.AUTO;
        private final List<ShareConfig> shares = new ArrayList<>();

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder vcpus(int v) {
            vcpus = v;
            return this;
        }

        public Builder memoryMib(long v) {
            memoryMib = v;
            return this;
        }

        public Builder kernel(Path v) {
            kernel = v;
            return this;
        }

        public Builder initrd(Path v) {
            initrd = v;
            return this;
        }

        public Builder cmdline(String v) {
            cmdline = v;
            return this;
        }

        public Builder cpuTemplate(CpuTemplate v) {
            cpuTemplate = v;
            return this;
        }

        public Builder consoleOutput(OutputStream v) {
            consoleOutput = v;
            return this;
        }

        public Builder consoleInput(InputStream v) {
            consoleInput = v;
            return this;
        }
        /** Adds a drive; an id of null takes the next default name (vda, vdb, ...). */
        public Builder drive(String id, Path path, boolean readOnly) {
            return drive(id, path, readOnly, RateLimit.UNLIMITED);
        }

        /** As {@link #drive(String, Path, boolean)}, with the guest's I/O on it limited by {@code rateLimit}. */
        public Builder drive(String id, Path path, boolean readOnly, RateLimit rateLimit) {
            drives.add(
                    new DriveConfig(id == null ? DriveConfig.defaultId(drives.size()) : id, path, readOnly, rateLimit));
            return this;
        }
        /**
         * Adds a drive on {@code backend}, read-only when the backend is; an id of null takes the next
         * default name. The VM takes the backend over and closes it ({@link DriveConfig}).
         */
        public Builder drive(String id, BlockBackend backend, RateLimit rateLimit) {
            drives.add(DriveConfig.of(id == null ? DriveConfig.defaultId(drives.size()) : id, backend, rateLimit));
            return this;
        }

        public Builder rng(boolean v) {
            rng = v;
            return this;
        }
        /** A vsock device with guest CID {@code cid}; {@code udsPath} (may be null) adds the hybrid Unix socket. */
        public Builder vsock(long cid, Path udsPath) {
            vsock = new VsockConfig(cid, udsPath);
            return this;
        }

        public Builder kvmNotify(boolean v) {
            kvmNotify = v;
            return this;
        }

        public Builder irqchip(IrqChipMode v) {
            irqchip = v;
            return this;
        }
        /** A virtio-net device ({@link NetConfig#passt} or {@link NetConfig#tap}); null for none. */
        public Builder net(NetConfig v) {
            net = v;
            return this;
        }
        /**
         * Shares host directory {@code dir} with the guest through virtio-fs under {@code tag}
         * ({@code mount -t virtiofs TAG PATH} in the guest); {@code options} null takes
         * {@link ShareOptions#defaults()} (read-write).
         */
        public Builder share(String tag, Path dir, ShareOptions options) {
            shares.add(new ShareConfig(tag, dir, options));
            return this;
        }

        public VmConfig build() {
            if (kernel == null) throw new ConfigException("kernel", "is required");
            return validate();
        }

        /**
         * A config for {@link Vm#restore}: the kernel is optional (a restored VM does not boot one);
         * everything else is checked as for {@link #build()}.
         */
        public VmConfig buildForRestore() {
            return validate();
        }

        private VmConfig validate() {
            if (vcpus < 1 || vcpus > MAX_VCPUS) {
                throw new ConfigException("vcpus", "must be between 1 and " + MAX_VCPUS + ", got " + vcpus);
            }
            if (memoryMib < MIN_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB) {
                throw new ConfigException(
                        "memory",
                        "must be between " + MIN_MEMORY_MIB + " and " + MAX_MEMORY_MIB + " MiB, got " + memoryMib);
            }
            long hostMib = HostInfo.totalMemoryMib();
            if (hostMib > 0 && memoryMib > hostMib) {
                throw new ConfigException(
                        "memory", memoryMib + " MiB is more than this host has (" + hostMib + " MiB)");
            }
            if (kernel != null) requireReadableFile("kernel", kernel);
            if (initrd != null) requireReadableFile("initrd", initrd);
            if (cmdline != null && cmdline.length() > 2048) {
                throw new ConfigException("cmdline", "is " + cmdline.length() + " characters; at most 2048 fit");
            }
            if (cpuTemplate == null) throw new ConfigException("cpu_template", "is required");
            checkDrives();
            checkShares();
            int devices =
                    drives.size() + (rng ? 1 : 0) + (vsock != null ? 1 : 0) + (net != null ? 1 : 0) + shares.size();
            if (net != null && !net.isPasst() && !net.forwards().isEmpty()) {
                throw new ConfigException(
                        "network.ports",
                        net.isTap()
                                ? "port forwards need the passt backend; with a TAP device, route or bridge on the host"
                                : "port forwards need the passt backend, not a backend of the embedder's own");
            }
            if (devices > MAX_VIRTIO_DEVICES) {
                throw new ConfigException(
                        "drives", "at most " + MAX_VIRTIO_DEVICES + " virtio devices fit, got " + devices);
            }
            if (vsock != null) checkVsock();
            return new VmConfig(
                    name,
                    vcpus,
                    memoryMib,
                    kernel,
                    initrd,
                    cmdline,
                    cpuTemplate,
                    consoleOutput,
                    consoleInput,
                    drives,
                    rng,
                    vsock,
                    net,
                    kvmNotify,
                    irqchip,
                    shares);
        }

        private void checkVsock() {
            if (vsock.guestCid() < 3 || vsock.guestCid() > 0xffff_fffeL) {
                throw new ConfigException(
                        "vsock.cid", "must be between 3 and 4294967294 (0-2 are reserved), got " + vsock.guestCid());
            }
            Path p = vsock.udsPath();
            if (p == null) return;
            if (Files.exists(p))
                throw new ConfigException(
                        "vsock.uds_path", p + " already exists (another VM's socket? remove it first)");
            Path dir = p.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir))
                throw new ConfigException("vsock.uds_path", "directory " + dir + " does not exist");
            // sun_path holds 108 bytes; the guest-to-host sockets add "_<port>" (up to 11 more).
            if (p.toString().getBytes(StandardCharsets.UTF_8).length > 107 - 11) {
                throw new ConfigException("vsock.uds_path", p + " is too long for a Unix socket (at most 96 bytes)");
            }
        }

        private void checkDrives() {
            Set<String> ids = new HashSet<>();
            Set<Path> paths = new HashSet<>();
            Set<BlockBackend> backends = Collections.newSetFromMap(new IdentityHashMap<>());
            for (DriveConfig d : drives) {
                String key = "drives." + d.id();
                if (d.id().isEmpty()
                        || d.id().length() > DriveConfig.MAX_ID_LENGTH
                        || !d.id().matches("[A-Za-z0-9_-]+")) {
                    throw new ConfigException(
                            "drives",
                            "id '" + d.id() + "' must be 1 to " + DriveConfig.MAX_ID_LENGTH
                                    + " letters, digits, '-' or '_'");
                }
                if (!ids.add(d.id())) throw new ConfigException("drives", "two drives have the id '" + d.id() + "'");
                if (d.backend() != null) {
                    if (!backends.add(d.backend()))
                        throw new ConfigException(key, "its backend is already attached as another drive");
                    continue;
                }
                RawImage.checkUsable(key, d.path(), d.readOnly());
                Path real;
                try {
                    real = d.path().toRealPath();
                } catch (IOException e) {
                    throw new ConfigException(key, "cannot resolve " + d.path() + ": " + e.getMessage());
                }
                if (!paths.add(real))
                    throw new ConfigException(key, d.path() + " is already attached as another drive");
            }
        }

        private void checkShares() {
            Set<String> tags = new HashSet<>();
            for (ShareConfig sh : shares) {
                int bytes = sh.tag().getBytes(StandardCharsets.UTF_8).length;
                if (bytes < 1 || bytes > ShareConfig.MAX_TAG_BYTES || sh.tag().indexOf('\0') >= 0) {
                    throw new ConfigException(
                            "shares",
                            "tag '" + sh.tag() + "' must be 1 to " + ShareConfig.MAX_TAG_BYTES
                                    + " bytes of UTF-8 without NUL, got " + bytes);
                }
                if (!tags.add(sh.tag()))
                    throw new ConfigException("shares", "two shares have the tag '" + sh.tag() + "'");
                String key = "shares." + sh.tag();
                if (!Files.exists(sh.dir())) throw new ConfigException(key, sh.dir() + " does not exist");
                if (!Files.isDirectory(sh.dir())) throw new ConfigException(key, sh.dir() + " is not a directory");
            }
        }

        private static void requireReadableFile(String key, Path p) {
            if (!Files.exists(p)) throw new ConfigException(key, p + " does not exist");
            if (!Files.isRegularFile(p)) throw new ConfigException(key, p + " is not a regular file");
            if (!Files.isReadable(p)) throw new ConfigException(key, p + " is not readable");
        }
    }
}
