package io.jvmm.runtime.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.core.CpuTemplate;
import io.jvmm.core.IrqChipMode;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.fuse.CacheMode;
import io.jvmm.runtime.UserPaths;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.TokenBucket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed Hardware-as-Code file ({@code hac.toml}, the format of Vistara's Hypercore) plus jvmm's own
 * {@code [hardware]} keys. Fields the file does not set are null; {@link BootSettings} applies defaults.
 * Paths are absolute: relative ones are resolved against the file's directory and {@code ~} is expanded.
 *
 * <pre>
 * [spacecore]
 * name = "demo"               # label for logs
 * description = "..."         # free text
 * [hardware]
 * cores = 2                   # vCPUs
 * memory = 512                # MiB
 * kernel = "vmlinux"          # ELF vmlinux or bzImage
 * initrd = "initramfs.cpio"   # jvmm
 * cmdline = "quiet"           # jvmm: appended to jvmm's own command line
 * cpu_template = "auto"       # jvmm: auto | host | pvm
 * irqchip = "auto"            # jvmm: auto | kernel | split (interrupt controllers)
 * drive = "rootfs.ext4"       # Hypercore: the root drive (or { path = "...", read_only = true, id = "root" })
 * rng = true                  # jvmm: virtio-rng from the host's entropy (default true)
 * ref = "docker.io/..."       # Hypercore: the OCI image of 'jvmm run --hac FILE' (boot refuses it)
 * interface = "tap0"          # Hypercore: virtio-net on this TAP device (created if missing; root)
 * [network]                   # jvmm: virtio-net through passt (the table alone enables it)
 * mac = "02:00:00:00:00:01"   # default: random, locally administered
 * ports = ["8080:80"]         # host:guest port forwards (passt), "/udp" for UDP
 * rx_rate_limit = { ... }     # jvmm: frames to the guest, as a drive's rate_limit
 * tx_rate_limit = { ... }     # jvmm: frames from the guest
 * [vsock]                     # jvmm: a virtio-vsock device (the table alone enables it)
 * cid = 3                     # guest CID (default 3)
 * uds_path = "vm.sock"        # Firecracker-style hybrid vsock socket (optional)
 * [[drives]]                  # jvmm: more virtio-blk drives, in order after the root drive
 * path = "data.img"
 * read_only = false
 * id = "data"
 * rate_limit = { bandwidth = { size = 52428800, refill_time = 1000 }, ops = { size = 1000, refill_time = 1000 } }
 *                             # jvmm: Firecracker's token buckets (bytes, requests; refill_time in ms,
 *                             # optional one_time_burst); either may be left out
 * [[shares]]                  # jvmm: host directories through virtio-fs (mount -t virtiofs TAG PATH)
 * tag = "src"                 # 1 to 36 bytes, unique
 * path = "project"            # the host directory
 * read_only = false
 * cache = "auto"              # auto, never or always
 * </pre>
 */
public record HacFile(
        Path source,
        String name,
        String description,
        Integer cores,
        Long memoryMib,
        Path kernel,
        Path initrd,
        String cmdline,
        CpuTemplate cpuTemplate,
        Drive drive,
        List<Drive> drives,
        Boolean rng,
        Vsock vsock,
        Network network,
        String ref,
        String networkInterface,
        IrqChipMode irqchip,
        List<Share> shares) {

    /** A {@code [[shares]]} entry; {@code key} names it in messages ({@code shares[1]}, or the flag). */
    public record Share(String key, String tag, Path path, boolean readOnly, CacheMode cache) {}

    /** The {@code [network]} table; null fields were not given. */
    public record Network(MacAddress mac, List<PortForward> ports, RateLimit rxRateLimit, RateLimit txRateLimit) {}

    /** The {@code [vsock]} table; null fields were not given. */
    public record Vsock(Long cid, Path udsPath) {}

    /**
     * A drive as the file gives it; {@code key} names it in messages ({@code hardware.drive},
     * {@code drives[2]}); {@code id} is null when the file leaves it to jvmm.
     */
    public record Drive(String key, Path path, boolean readOnly, String id, RateLimit rateLimit) {
        public Drive(String key, Path path, boolean readOnly, String id) {
            this(key, path, readOnly, id, RateLimit.UNLIMITED);
        }
    }

    /** Array-of-tables sections ({@code [[drives]]}) and their keys. */
    static final Map<String, List<String>> TABLE_ARRAYS = Map.of(
            "drives",
            List.of("path", "read_only", "id", "rate_limit"),
            "shares",
            List.of("tag", "path", "read_only", "cache"));

    /** Every section and its keys, in the order the README documents them. */
    static final Map<String, List<String>> SCHEMA = schema();

    private static Map<String, List<String>> schema() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("spacecore", List.of("name", "description"));
        m.put(
                "hardware",
                List.of(
                        "cores",
                        "memory",
                        "kernel",
                        "initrd",
                        "cmdline",
                        "cpu_template",
                        "irqchip",
                        "drive",
                        "rng",
                        "ref",
                        "interface"));
        m.put("network", List.of("mac", "ports", "rx_rate_limit", "tx_rate_limit"));
        m.put("vsock", List.of("cid", "uds_path"));
        m.put("drives", TABLE_ARRAYS.get("drives"));
        m.put("shares", TABLE_ARRAYS.get("shares"));
        return Collections.unmodifiableMap(m);
    }

    /**
     * Starts initialising the TOML reader on a thread of its own, for a command that will read a hac
     * file: jackson-core's parser base initialises BigDecimal, whose static initialiser alone takes
     * ~10 ms on this path even with an AOT cache, and the CLI's own set-up can run meanwhile.
     */
    public static void preloadInBackground() {
        Thread.ofPlatform().daemon().name("toml-preload").start(TomlTree::preload);
    }

    /** Reads and checks {@code file}; throws {@link HacFileException} naming the first bad key. */
    public static HacFile parse(Path file) {
        ObjectNode root = TomlTree.read(file);
        checkStructure(file, root);
        Path dir = file.toAbsolutePath().getParent();
        JsonNode sc = root.path("spacecore");
        JsonNode hw = root.path("hardware");
        Reader r = new Reader(file, dir);
        return new HacFile(
                file,
                r.string(sc, "spacecore.name"),
                r.string(sc, "spacecore.description"),
                r.cores(hw),
                r.memory(hw),
                r.path(hw, "hardware.kernel"),
                r.path(hw, "hardware.initrd"),
                r.string(hw, "hardware.cmdline"),
                r.cpuTemplate(hw),
                r.rootDrive(hw),
                r.drives(root.path("drives")),
                r.bool(hw, "hardware.rng"),
                r.vsock(root.get("vsock")),
                r.network(root.get("network")),
                r.string(hw, "hardware.ref"),
                r.string(hw, "hardware.interface"),
                r.irqchip(hw),
                r.shares(root.path("shares")));
    }

    /** Rejects unknown sections and keys with a suggestion, so a typo never silently becomes a default. */
    private static void checkStructure(Path file, ObjectNode root) {
        for (Map.Entry<String, JsonNode> top : root.properties()) {
            String section = top.getKey();
            List<String> keys = SCHEMA.get(section);
            if (TABLE_ARRAYS.containsKey(section)) {
                checkTableArray(file, section, top.getValue());
                continue;
            }
            if (keys == null) {
                String kind =
                        top.getValue().isObject() ? "section [" + section + "]" : "top-level key \"" + section + "\"";
                throw new HacFileException(file, section, "unknown " + kind + suggestionFor(section, null));
            }
            if (!top.getValue().isObject()) {
                throw new HacFileException(
                        file, section, "expected a table [" + section + "], got " + TomlTree.describe(top.getValue()));
            }
            for (Map.Entry<String, JsonNode> kv : top.getValue().properties()) {
                if (!keys.contains(kv.getKey())) {
                    throw new HacFileException(
                            file,
                            section + "." + kv.getKey(),
                            "unknown key in [" + section + "]" + suggestionFor(kv.getKey(), section));
                }
            }
        }
    }

    private static void checkTableArray(Path file, String section, JsonNode value) {
        if (!value.isArray()) {
            throw new HacFileException(
                    file, section, "expected tables [[" + section + "]], got " + TomlTree.describe(value));
        }
        List<String> keys = TABLE_ARRAYS.get(section);
        for (int i = 0; i < value.size(); i++) {
            JsonNode t = value.get(i);
            String where = section + "[" + (i + 1) + "]";
            if (!t.isObject()) throw new HacFileException(file, where, "expected a table, got " + TomlTree.describe(t));
            for (Map.Entry<String, JsonNode> kv : t.properties()) {
                if (!keys.contains(kv.getKey())) {
                    String s = DidYouMean.suggest(kv.getKey(), keys);
                    throw new HacFileException(
                            file,
                            where + "." + kv.getKey(),
                            "unknown key in [[" + section + "]]" + (s == null ? "" : " (did you mean " + s + "?)"));
                }
            }
        }
    }

    /** " (did you mean hardware.memory?)" or ""; {@code section} is where {@code wrong} was found (null: top level). */
    private static String suggestionFor(String wrong, String section) {
        if (section != null) {
            String s = DidYouMean.suggest(wrong, SCHEMA.get(section));
            if (s != null) return " (did you mean " + section + "." + s + "?)";
        }
        // A key of another section (or a [hardware] key written at top level), spelt right or nearly.
        for (Map.Entry<String, List<String>> e : SCHEMA.entrySet()) {
            if (e.getKey().equals(section)) continue;
            String s = DidYouMean.suggest(wrong, e.getValue());
            if (s != null) return " (did you mean " + e.getKey() + "." + s + "?)";
        }
        String s = section == null ? DidYouMean.suggest(wrong, SCHEMA.keySet()) : null;
        return s == null ? "" : " (did you mean [" + s + "]?)";
    }

    /** Typed reads of one value each; {@code key} is the dotted name used in messages. */
    private record Reader(Path file, Path dir) {
        private static final Set<String> TEMPLATES = Set.of("auto", "host", "pvm");

        private JsonNode get(JsonNode table, String key) {
            JsonNode v = table.get(key.substring(key.lastIndexOf('.') + 1));
            return v == null || v.isNull() ? null : v;
        }

        String string(JsonNode table, String key) {
            JsonNode v = get(table, key);
            if (v == null) return null;
            if (!v.isTextual()) throw new HacFileException(file, key, "expected a string, got " + TomlTree.describe(v));
            return v.textValue();
        }

        Path path(JsonNode table, String key) {
            String s = string(table, key);
            if (s == null) return null;
            if (s.isBlank()) throw new HacFileException(file, key, "is empty; give a file path or leave the key out");
            return UserPaths.resolve(dir, s);
        }

        Boolean bool(JsonNode table, String key) {
            JsonNode v = get(table, key);
            if (v == null) return null;
            if (!v.isBoolean())
                throw new HacFileException(file, key, "expected true or false, got " + TomlTree.describe(v));
            return v.booleanValue();
        }

        /** {@code drive = "path"} or {@code drive = { path = "...", read_only = true, id = "..." }}. */
        Drive rootDrive(JsonNode hw) {
            JsonNode v = get(hw, "hardware.drive");
            if (v == null) return null;
            if (v.isTextual()) return new Drive("hardware.drive", path(hw, "hardware.drive"), false, null);
            if (!v.isObject()) {
                throw new HacFileException(
                        file,
                        "hardware.drive",
                        "expected a path or a table { path = ..., read_only = ... }, got " + TomlTree.describe(v));
            }
            for (Map.Entry<String, JsonNode> kv : v.properties()) {
                if (!TABLE_ARRAYS.get("drives").contains(kv.getKey())) {
                    throw new HacFileException(
                            file,
                            "hardware.drive." + kv.getKey(),
                            "unknown key (expected path, read_only, id or rate_limit)");
                }
            }
            return drive(v, "hardware.drive");
        }

        List<Drive> drives(JsonNode array) {
            if (array.isMissingNode()) return List.of();
            List<Drive> out = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) out.add(drive(array.get(i), "drives[" + (i + 1) + "]"));
            return List.copyOf(out);
        }

        private Drive drive(JsonNode t, String where) {
            Path p = path(t, where + ".path");
            if (p == null) throw new HacFileException(file, where + ".path", "is required (the image file)");
            Boolean ro = bool(t, where + ".read_only");
            String id = string(t, where + ".id");
            return new Drive(where, p, ro != null && ro, id, rateLimit(t, where + ".rate_limit"));
        }

        List<Share> shares(JsonNode array) {
            if (array.isMissingNode()) return List.of();
            List<Share> out = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                JsonNode t = array.get(i);
                String where = "shares[" + (i + 1) + "]";
                String tag = string(t, where + ".tag");
                if (tag == null)
                    throw new HacFileException(file, where + ".tag", "is required (the name the guest mounts)");
                Path p = path(t, where + ".path");
                if (p == null) throw new HacFileException(file, where + ".path", "is required (the host directory)");
                Boolean ro = bool(t, where + ".read_only");
                String cache = string(t, where + ".cache");
                out.add(new Share(
                        where,
                        tag,
                        p,
                        ro != null && ro,
                        cache == null ? CacheMode.AUTO : cacheMode(where + ".cache", cache)));
            }
            return List.copyOf(out);
        }

        private CacheMode cacheMode(String key, String v) {
            return switch (v) {
                case "auto" -> CacheMode.AUTO;
                case "never" -> CacheMode.NEVER;
                case "always" -> CacheMode.ALWAYS;
                default -> throw new HacFileException(file, key, "expected auto, never or always, got \"" + v + "\"");
            };
        }

        Network network(JsonNode table) {
            if (table == null) return null;
            String m = string(table, "network.mac");
            MacAddress mac = null;
            if (m != null) {
                try {
                    mac = MacAddress.parse(m);
                } catch (IllegalArgumentException e) {
                    throw new HacFileException(file, "network.mac", e.getMessage());
                }
            }
            List<PortForward> ports = new ArrayList<>();
            JsonNode p = get(table, "network.ports");
            if (p != null) {
                if (!p.isArray())
                    throw new HacFileException(
                            file,
                            "network.ports",
                            "expected an array of \"HOST:GUEST\" strings, got " + TomlTree.describe(p));
                for (JsonNode e : p) {
                    if (!e.isTextual())
                        throw new HacFileException(
                                file, "network.ports", "expected \"HOST:GUEST\" strings, got " + TomlTree.describe(e));
                    try {
                        ports.add(PortForward.parse(e.textValue()));
                    } catch (IllegalArgumentException ex) {
                        throw new HacFileException(file, "network.ports", ex.getMessage());
                    }
                }
            }
            return new Network(
                    mac,
                    List.copyOf(ports),
                    rateLimit(table, "network.rx_rate_limit"),
                    rateLimit(table, "network.tx_rate_limit"));
        }

        /** {@code { bandwidth = BUCKET, ops = BUCKET }}, either left out; unlimited when the key is absent. */
        RateLimit rateLimit(JsonNode table, String key) {
            JsonNode v = get(table, key);
            if (v == null) return RateLimit.UNLIMITED;
            if (!v.isObject())
                throw new HacFileException(
                        file, key, "expected a table { bandwidth = {...}, ops = {...} }, got " + TomlTree.describe(v));
            for (Map.Entry<String, JsonNode> kv : v.properties()) {
                if (!kv.getKey().equals("bandwidth") && !kv.getKey().equals("ops")) {
                    throw new HacFileException(
                            file, key + "." + kv.getKey(), "unknown key (expected bandwidth or ops)");
                }
            }
            return new RateLimit(bucket(v, key + ".bandwidth"), bucket(v, key + ".ops"));
        }

        /** {@code { size = N, refill_time = MS, one_time_burst = N }}, or null when absent. */
        private TokenBucket bucket(JsonNode table, String key) {
            JsonNode v = get(table, key);
            if (v == null) return null;
            if (!v.isObject())
                throw new HacFileException(
                        file, key, "expected a table { size = ..., refill_time = ... }, got " + TomlTree.describe(v));
            for (Map.Entry<String, JsonNode> kv : v.properties()) {
                if (!Set.of("size", "refill_time", "one_time_burst").contains(kv.getKey())) {
                    throw new HacFileException(
                            file,
                            key + "." + kv.getKey(),
                            "unknown key (expected size, refill_time or one_time_burst)");
                }
            }
            Long size = integer(v, key + ".size", "tokens");
            Long refill = integer(v, key + ".refill_time", "milliseconds");
            Long burst = integer(v, key + ".one_time_burst", "tokens");
            if (size == null || size < 1) throw new HacFileException(file, key + ".size", "is required, at least 1");
            if (refill == null || refill < 1)
                throw new HacFileException(file, key + ".refill_time", "is required, in milliseconds, at least 1");
            if (burst != null && burst < 0)
                throw new HacFileException(file, key + ".one_time_burst", "cannot be negative");
            return new TokenBucket(size, Duration.ofMillis(refill), burst == null ? 0 : burst);
        }

        Vsock vsock(JsonNode table) {
            if (table == null) return null;
            Long cid = integer(table, "vsock.cid", "context id");
            if (cid != null && (cid < 3 || cid > 0xffff_fffeL)) {
                throw new HacFileException(
                        file, "vsock.cid", "must be between 3 and 4294967294 (0-2 are reserved), got " + cid);
            }
            return new Vsock(cid, path(table, "vsock.uds_path"));
        }

        Integer cores(JsonNode table) {
            Long n = integer(table, "hardware.cores", "number of vCPUs");
            if (n == null) return null;
            if (n < 1 || n > Integer.MAX_VALUE) {
                throw new HacFileException(file, "hardware.cores", "must be a positive number of vCPUs, got " + n);
            }
            return n.intValue();
        }

        Long memory(JsonNode table) {
            Long n = integer(table, "hardware.memory", "MiB");
            if (n != null && n < 1)
                throw new HacFileException(file, "hardware.memory", "must be a positive size in MiB, got " + n);
            return n;
        }

        private Long integer(JsonNode table, String key, String unit) {
            JsonNode v = get(table, key);
            if (v == null) return null;
            if (!v.isIntegralNumber()) {
                throw new HacFileException(
                        file, key, "expected an integer (" + unit + "), got " + TomlTree.describe(v));
            }
            if (!v.canConvertToLong()) throw new HacFileException(file, key, v.asText() + " is absurdly large");
            return v.longValue();
        }

        IrqChipMode irqchip(JsonNode table) {
            String s = string(table, "hardware.irqchip");
            if (s == null) return null;
            try {
                return IrqChipMode.parse(s);
            } catch (IllegalArgumentException e) {
                throw new HacFileException(
                        file, "hardware.irqchip", "expected \"auto\", \"kernel\" or \"split\", got \"" + s + "\"");
            }
        }

        CpuTemplate cpuTemplate(JsonNode table) {
            String s = string(table, "hardware.cpu_template");
            if (s == null) return null;
            if (!TEMPLATES.contains(s)) {
                throw new HacFileException(
                        file, "hardware.cpu_template", "expected \"auto\", \"host\" or \"pvm\", got \"" + s + "\"");
            }
            return CpuTemplate.parse(s);
        }
    }
}
