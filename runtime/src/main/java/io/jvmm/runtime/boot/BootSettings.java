package io.jvmm.runtime.boot;

import io.jvmm.core.ConfigException;
import io.jvmm.core.CpuTemplate;
import io.jvmm.core.DriveConfig;
import io.jvmm.core.IrqChipMode;
import io.jvmm.core.NetConfig;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VsockConfig;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.fuse.CacheMode;
import io.jvmm.fuse.ShareOptions;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.UserPaths;
import io.jvmm.runtime.state.RateLimitSpec;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Merges a hac.toml (optional) with command-line overrides into a validated {@link VmConfig}: flags win
 * over the file, the file over defaults (1 vCPU, 256 MiB, the project kernel with its test initramfs).
 * A {@link ConfigException} from validation is re-worded to name the flag or hac.toml key the value came from.
 *
 * @param hac       the parsed file, or null
 * @param overrides command-line values, null where not given
 */
public record BootSettings(HacFile hac, Overrides overrides) {

    /** Values from {@code jvmm boot} flags; null fields were not given. Paths are already absolute. */
    public record Overrides(
            Path kernel,
            Path initrd,
            String cmdline,
            Integer cpus,
            Long memoryMib,
            CpuTemplate cpuTemplate,
            List<HacFile.Drive> drives,
            Boolean rng,
            Long vsockCid,
            Path vsockUds,
            Net net,
            IrqChipMode irqchip,
            List<HacFile.Share> shares) {
        public static final Overrides NONE =
                new Overrides(null, null, null, null, null, null, List.of(), null, null, null, null, null, List.of());

        public Overrides {
            drives = drives == null ? List.of() : List.copyOf(drives);
            shares = shares == null ? List.of() : List.copyOf(shares);
        }
    }

    /** Network flags: {@code --net}, {@code -p}, {@code --tap}, {@code --mac}, the rate limits; null fields were not given. */
    public record Net(boolean passt, List<PortForward> ports, String tap, MacAddress mac, RateLimit rx, RateLimit tx) {
        Net(boolean passt, List<PortForward> ports, String tap, MacAddress mac) {
            this(passt, ports, tap, mac, null, null);
        }

        /**
         * The network flags as typed ({@code rx}/{@code tx} in {@link RateLimitSpec} form), null when none was
         * given; a usage error naming the flag when one is malformed.
         */
        public static Net fromFlags(boolean passt, List<String> publish, String tap, String mac, String rx, String tx) {
            RateLimit rxLimit = rateLimit("--net-rx-limit", rx), txLimit = rateLimit("--net-tx-limit", tx);
            if (!passt && publish.isEmpty() && tap == null && mac == null) {
                if (rxLimit != null || txLimit != null) return new Net(false, List.of(), null, null, rxLimit, txLimit);
                return null;
            }
            List<PortForward> ports = new ArrayList<>();
            for (String p : publish) {
                try {
                    ports.add(PortForward.parse(p));
                } catch (IllegalArgumentException e) {
                    throw EngineException.usage("-p: " + e.getMessage());
                }
            }
            MacAddress m = null;
            if (mac != null) {
                try {
                    m = MacAddress.parse(mac);
                } catch (IllegalArgumentException e) {
                    throw EngineException.usage("--mac: " + e.getMessage());
                }
            }
            if (tap != null && tap.isBlank()) throw EngineException.usage("--tap: is empty");
            return new Net(passt, ports, tap, m, rxLimit, txLimit);
        }
    }

    /** {@code PATH[,ro][,rw][,id=ID][,bw=SIZE][,ops=N]} flags; the path may not contain a comma (rename the file or use hac.toml). */
    public static List<HacFile.Drive> parseDrives(Path cwd, List<String> specs) {
        List<HacFile.Drive> out = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(",", -1);
            String path = parts[0];
            if (path.isBlank()) throw EngineException.usage("--drive " + spec + ": no image path");
            boolean ro = false;
            String id = null;
            List<String> limits = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i];
                if (p.equals("ro")) ro = true;
                else if (p.equals("rw")) ro = false;
                else if (p.startsWith("id=") && p.length() > 3) id = p.substring(3);
                else if (p.startsWith("bw=") || p.startsWith("ops=")) limits.add(p);
                else
                    throw EngineException.usage("--drive " + spec + ": unknown option '" + p
                            + "' (expected ro, rw, id=NAME, bw=SIZE or ops=N)");
            }
            RateLimit limit =
                    limits.isEmpty() ? RateLimit.UNLIMITED : rateLimit("--drive " + spec, String.join(",", limits));
            out.add(new HacFile.Drive(
                    "--drive " + spec, UserPaths.resolve(cwd, UserPaths.nonEmpty("--drive", path)), ro, id, limit));
        }
        return out;
    }

    /** {@code TAG=DIR[,ro][,rw][,cache=MODE]} flags; the directory may not contain a comma (use hac.toml). */
    public static List<HacFile.Share> parseShares(Path cwd, List<String> specs) {
        List<HacFile.Share> out = new ArrayList<>();
        for (String spec : specs) {
            String flag = "--share " + spec;
            int eq = spec.indexOf('=');
            if (eq <= 0) throw EngineException.usage(flag + ": expected TAG=DIR[,ro]");
            String[] parts = spec.substring(eq + 1).split(",", -1);
            if (parts[0].isBlank()) throw EngineException.usage(flag + ": no directory");
            boolean ro = false;
            CacheMode cache = CacheMode.AUTO;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i];
                if (p.equals("ro")) ro = true;
                else if (p.equals("rw")) ro = false;
                else if (p.equals("cache=auto")) cache = CacheMode.AUTO;
                else if (p.equals("cache=never")) cache = CacheMode.NEVER;
                else if (p.equals("cache=always")) cache = CacheMode.ALWAYS;
                else
                    throw EngineException.usage(
                            flag + ": unknown option '" + p + "' (expected ro, rw or cache=auto|never|always)");
            }
            out.add(new HacFile.Share(flag, spec.substring(0, eq), UserPaths.resolve(cwd, parts[0]), ro, cache));
        }
        return out;
    }

    /** {@code bw=SIZE,ops=N} ({@link RateLimitSpec}); null for null; a usage error naming {@code flag} otherwise. */
    static RateLimit rateLimit(String flag, String spec) {
        try {
            return RateLimitSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            throw EngineException.usage(flag + ": " + e.getMessage());
        }
    }

    /**
     * Builds the VM configuration. {@code defaultKernel} is consulted only when no kernel is named, since
     * it may build one. Throws {@link HacFileException} or {@link EngineException} (usage) naming the bad setting.
     */
    public VmConfig toVmConfig(Supplier<DefaultKernel.Images> defaultKernel, OutputStream console, InputStream input) {
        return toVmConfig(defaultKernel, console, input, 0);
    }

    /**
     * For {@code --restore}: {@code snapshotMib} is the snapshot's RAM, the default when neither a
     * flag nor the file sets memory; no kernel is needed (none is built).
     */
    public VmConfig toVmConfig(
            Supplier<DefaultKernel.Images> defaultKernel, OutputStream console, InputStream input, long snapshotMib) {
        boolean restore = snapshotMib > 0;
        rejectUnsupported();
        VmConfig.Builder b = VmConfig.builder().consoleOutput(console).consoleInput(input);
        if (hac != null && hac.name() != null) b.name(hac.name());
        Integer cpus = pick(overrides.cpus(), hac == null ? null : hac.cores());
        if (cpus != null) b.vcpus(cpus);
        Long memory = pick(overrides.memoryMib(), hac == null ? null : hac.memoryMib());
        if (memory != null) b.memoryMib(memory);
        else if (restore) b.memoryMib(snapshotMib);
        CpuTemplate template = pick(overrides.cpuTemplate(), hac == null ? null : hac.cpuTemplate());
        if (template != null) b.cpuTemplate(template);
        IrqChipMode irqchip = pick(overrides.irqchip(), hac == null ? null : hac.irqchip());
        if (irqchip != null) b.irqchip(irqchip);
        String cmdline = pick(overrides.cmdline(), hac == null ? null : hac.cmdline());
        if (cmdline != null) b.cmdline(cmdline);

        Path kernel = pick(overrides.kernel(), hac == null ? null : hac.kernel());
        Path initrd = pick(overrides.initrd(), hac == null ? null : hac.initrd());
        boolean kernelDefaulted = kernel == null && !restore;
        if (kernelDefaulted) {
            DefaultKernel.Images images = defaultKernel.get();
            kernel = images.kernel();
            // The test initramfs belongs to the project kernel; a user-supplied initrd replaces it.
            if (initrd == null) initrd = images.initramfs();
        }
        b.kernel(kernel).initrd(initrd);
        Boolean rng = pick(overrides.rng(), hac == null ? null : hac.rng());
        b.rng(rng == null || rng);
        Map<String, HacFile.Drive> origins = addDrives(b);
        NetConfig net = network();
        if (net != null) b.net(net);
        HacFile.Vsock hv = hac == null ? null : hac.vsock();
        if (hv != null || overrides.vsockCid() != null || overrides.vsockUds() != null) {
            Long cid = pick(overrides.vsockCid(), hv == null ? null : hv.cid());
            b.vsock(
                    cid == null ? VsockConfig.DEFAULT_CID : cid,
                    pick(overrides.vsockUds(), hv == null ? null : hv.udsPath()));
        }
        Map<String, HacFile.Share> shareOrigins = addShares(b);
        try {
            return restore ? b.buildForRestore() : b.build();
        } catch (ConfigException e) {
            if (e.key().equals("drives") || e.key().startsWith("drives.")) throw rewordDrive(e, origins);
            if (e.key().equals("shares") || e.key().startsWith("shares.")) throw rewordShare(e, shareOrigins);
            throw reword(e, kernelDefaulted);
        }
    }

    /**
     * The root drive ({@code hardware.drive}), then {@code [[drives]]}, then {@code --drive} flags, in
     * that order (so the root drive is vda). Returns each drive's id with where it was given.
     */
    private Map<String, HacFile.Drive> addDrives(VmConfig.Builder b) {
        List<HacFile.Drive> all = new ArrayList<>();
        if (hac != null && hac.drive() != null) all.add(hac.drive());
        if (hac != null) all.addAll(hac.drives());
        all.addAll(overrides.drives());
        Map<String, HacFile.Drive> origins = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            HacFile.Drive d = all.get(i);
            String id = d.id() != null ? d.id() : DriveConfig.defaultId(i);
            b.drive(id, d.path(), d.readOnly(), d.rateLimit());
            origins.putIfAbsent(id, d);
        }
        return origins;
    }

    /** A drive problem names the hac.toml key or the --drive flag the drive came from. */
    private RuntimeException rewordDrive(ConfigException e, Map<String, HacFile.Drive> origins) {
        String problem = e.getMessage().startsWith(e.key() + ": ")
                ? e.getMessage().substring(e.key().length() + 2)
                : e.getMessage();
        HacFile.Drive d = e.key().startsWith("drives.") ? origins.get(e.key().substring("drives.".length())) : null;
        if (d == null) {
            // Not one drive (a duplicate id, too many devices): name the first place drives came from.
            if (hac != null && (hac.drive() != null || !hac.drives().isEmpty())) {
                return new HacFileException(hac.source(), hac.drive() != null ? "hardware.drive" : "drives", problem);
            }
            return EngineException.usage("--drive: " + problem);
        }
        if (d.key().startsWith("--drive")) return EngineException.usage(d.key() + ": " + problem);
        return new HacFileException(hac.source(), d.key(), problem);
    }

    /**
     * TAP from {@code --tap} or {@code hardware.interface}; passt from {@code --net}, {@code -p} or a
     * {@code [network]} table. Flags win; ports and MAC merge (flags' ports replace the file's).
     */
    private NetConfig network() {
        BootSettings.Net f = overrides.net();
        HacFile.Network hn = hac == null ? null : hac.network();
        String tap = f != null && f.tap() != null ? f.tap() : hac == null ? null : hac.networkInterface();
        boolean wanted = tap != null
                || hn != null
                || (f != null && (f.passt() || !f.ports().isEmpty() || f.mac() != null));
        if (!wanted) {
            if (f != null && (f.rx() != null || f.tx() != null)) {
                throw EngineException.usage((f.rx() != null ? "--net-rx-limit" : "--net-tx-limit")
                        + ": the VM has no network (add --net, -p or --tap)");
            }
            return null;
        }
        MacAddress mac = f != null && f.mac() != null ? f.mac() : hn == null ? null : hn.mac();
        List<PortForward> ports = f != null && !f.ports().isEmpty() ? f.ports() : hn == null ? List.of() : hn.ports();
        if (tap != null && !ports.isEmpty()) {
            String where = f != null && !f.ports().isEmpty() ? "-p" : null;
            String problem = "port forwards need passt; with a TAP device (" + tap + "), route or bridge on the host";
            if (where != null) throw EngineException.usage(where + ": " + problem);
            throw new HacFileException(hac.source(), "network.ports", problem);
        }
        RateLimit rx = f != null && f.rx() != null ? f.rx() : hn == null ? null : hn.rxRateLimit();
        RateLimit tx = f != null && f.tx() != null ? f.tx() : hn == null ? null : hn.txRateLimit();
        return new NetConfig(tap, mac, ports).withRateLimits(rx, tx);
    }

    /** Hypercore keys this version parses but cannot honour: fail loudly rather than boot without them. */
    private void rejectUnsupported() {
        if (hac == null) return;
        if (hac.ref() != null) {
            throw new HacFileException(
                    hac.source(),
                    "hardware.ref",
                    "'jvmm boot' takes a kernel and drives, not an OCI image; run the image (the root of a VM with the guest agent) with jvmm run --hac FILE");
        }
    }

    private static <T> T pick(T flag, T file) {
        return flag != null ? flag : file;
    }

    /** {@code [[shares]]}, then {@code --share} flags, in that order; returns where each tag came from. */
    private Map<String, HacFile.Share> addShares(VmConfig.Builder b) {
        List<HacFile.Share> all = new ArrayList<>();
        if (hac != null) all.addAll(hac.shares());
        all.addAll(overrides.shares());
        Map<String, HacFile.Share> origins = new LinkedHashMap<>();
        for (HacFile.Share s : all) {
            b.share(
                    s.tag(),
                    s.path(),
                    ShareOptions.defaults().withReadOnly(s.readOnly()).withCache(s.cache()));
            origins.putIfAbsent(s.tag(), s);
        }
        return origins;
    }

    /** A share's error, named by its flag or its {@code [[shares]]} entry. */
    private RuntimeException rewordShare(ConfigException e, Map<String, HacFile.Share> origins) {
        String problem = e.getMessage().startsWith(e.key() + ": ")
                ? e.getMessage().substring(e.key().length() + 2)
                : e.getMessage();
        HacFile.Share s = e.key().startsWith("shares.") ? origins.get(e.key().substring("shares.".length())) : null;
        if (s == null) {
            // Not one share (a bad or duplicate tag): name the file if its shares are there, else the flag.
            if (hac != null && !hac.shares().isEmpty()) return new HacFileException(hac.source(), "shares", problem);
            return EngineException.usage("--share: " + problem);
        }
        if (s.key().startsWith("--")) return EngineException.usage(s.key() + ": " + problem);
        return new HacFileException(hac.source(), s.key(), problem);
    }

    /** Names the value's origin: "--memory: ...", "hac.toml: hardware.memory: ...", or the default kernel. */
    private RuntimeException reword(ConfigException e, boolean kernelDefaulted) {
        String problem = e.getMessage().startsWith(e.key() + ": ")
                ? e.getMessage().substring(e.key().length() + 2)
                : e.getMessage();
        Setting s = Setting.of(e.key());
        if (s == null) return EngineException.usage(e.getMessage());
        if (s.flagGiven(overrides)) return EngineException.usage(s.flag + ": " + problem);
        if (hac != null && s.fileGiven(hac)) return new HacFileException(hac.source(), s.hacKey, problem);
        if (kernelDefaulted && (s == Setting.KERNEL || s == Setting.INITRD)) {
            return EngineException.runtime("default " + s.hacKey.substring("hardware.".length()) + ": " + problem);
        }
        return EngineException.usage(s.flag + ": " + problem);
    }

    /** VmConfig's key names, their flags and their hac.toml keys. */
    private enum Setting {
        VCPUS("vcpus", "--cpus", "hardware.cores"),
        MEMORY("memory", "--memory", "hardware.memory"),
        KERNEL("kernel", "--kernel", "hardware.kernel"),
        INITRD("initrd", "--initrd", "hardware.initrd"),
        CMDLINE("cmdline", "--cmdline", "hardware.cmdline"),
        CPU_TEMPLATE("cpu_template", "--cpu-template", "hardware.cpu_template"),
        VSOCK_CID("vsock.cid", "--vsock-cid", "vsock.cid"),
        VSOCK_UDS("vsock.uds_path", "--vsock-uds", "vsock.uds_path");

        final String configKey;
        final String flag;
        final String hacKey;

        Setting(String configKey, String flag, String hacKey) {
            this.configKey = configKey;
            this.flag = flag;
            this.hacKey = hacKey;
        }

        static Setting of(String configKey) {
            for (Setting s : values()) if (s.configKey.equals(configKey)) return s;
            return null;
        }

        boolean flagGiven(Overrides o) {
            return switch (this) {
                case VCPUS -> o.cpus() != null;
                case MEMORY -> o.memoryMib() != null;
                case KERNEL -> o.kernel() != null;
                case INITRD -> o.initrd() != null;
                case CMDLINE -> o.cmdline() != null;
                case CPU_TEMPLATE -> o.cpuTemplate() != null;
                case VSOCK_CID -> o.vsockCid() != null;
                case VSOCK_UDS -> o.vsockUds() != null;
            };
        }

        boolean fileGiven(HacFile h) {
            return switch (this) {
                case VCPUS -> h.cores() != null;
                case MEMORY -> h.memoryMib() != null;
                case KERNEL -> h.kernel() != null;
                case INITRD -> h.initrd() != null;
                case CMDLINE -> h.cmdline() != null;
                case CPU_TEMPLATE -> h.cpuTemplate() != null;
                case VSOCK_CID -> h.vsock() != null && h.vsock().cid() != null;
                case VSOCK_UDS -> h.vsock() != null && h.vsock().udsPath() != null;
            };
        }
    }
}
