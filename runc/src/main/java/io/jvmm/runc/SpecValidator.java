package io.jvmm.runc;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a config.json as runc does before it creates anything, and a little more where jvmm would
 * otherwise fail later with a vaguer error: the first problem found is a one-line
 * {@link BundleException} naming the field ({@code config.json: mounts[2].destination "data" must be an
 * absolute path}).
 */
final class SpecValidator {
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)([-+][0-9A-Za-z.+-]*)?");
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final long UINT32_MAX = 0xffffffffL;
    /** The mount types made inside the guest; binds are the other kind jvmm has. */
    static final List<String> GUEST_MOUNT_TYPES =
            List.of("tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2");

    private SpecValidator() {}

    /** Checks {@code spec} of the bundle in {@code bundleDir}; returns the root directory, resolved. */
    static Path validate(OciSpec spec, Path bundleDir) {
        version(spec.ociVersion());
        process(spec.process());
        Path rootfs = root(spec.root(), bundleDir);
        String host = spec.hostname();
        if (host != null && (host.getBytes(StandardCharsets.UTF_8).length > 64 || host.indexOf('\0') >= 0))
            throw BundleException.config("hostname \"" + host + "\" must be at most 64 bytes, without NUL");
        for (int i = 0; i < spec.mounts().size(); i++)
            mount("mounts[" + i + "]", spec.mounts().get(i));
        if (spec.hooks() != null) hooks(spec.hooks());
        for (Map.Entry<String, String> a : spec.annotations().entrySet()) {
            if (a.getKey().isEmpty()) throw BundleException.config("annotations: a key must not be empty");
            if (a.getValue() == null) throw BundleException.config("annotations." + a.getKey() + " must be a string");
        }
        if (spec.linux() != null) linux(spec.linux());
        return rootfs;
    }

    private static void version(String v) {
        if (v == null || v.isEmpty()) throw BundleException.config("ociVersion is missing");
        Matcher m = VERSION.matcher(v);
        if (!m.matches()) throw BundleException.config("ociVersion \"" + v + "\" is not a version (MAJOR.MINOR.PATCH)");
        if (!m.group(1).equals("1"))
            throw BundleException.config("ociVersion \"" + v + "\" is not supported: jvmm-runc reads version 1.x");
    }

    private static void process(OciProcess p) {
        if (p == null) throw BundleException.config("process is missing");
        if (p.args().isEmpty()) throw BundleException.config("process.args must not be empty");
        strings("process.args", p.args());
        if (p.args().getFirst().isEmpty()) throw BundleException.config("process.args[0] must not be empty");
        env("process.env", p.env());
        if (p.cwd() == null || p.cwd().isEmpty()) throw BundleException.config("process.cwd is missing");
        absolute("process.cwd", p.cwd());
        OciProcess.User u = p.user();
        uint32("process.user.uid", u.uid());
        uint32("process.user.gid", u.gid());
        if (u.umask() != null && (u.umask() < 0 || u.umask() > 0777))
            throw BundleException.config("process.user.umask must be 0..0777 (0..511), got " + u.umask());
        for (int i = 0; i < u.additionalGids().size(); i++) {
            Long g = u.additionalGids().get(i);
            if (g == null) throw BundleException.config("process.user.additionalGids[" + i + "] must not be null");
            uint32("process.user.additionalGids[" + i + "]", g);
        }
        if (p.consoleSize() != null) {
            uint32("process.consoleSize.height", p.consoleSize().height());
            uint32("process.consoleSize.width", p.consoleSize().width());
        }
        if (p.capabilities() != null) capabilities(p.capabilities());
        rlimits(p.rlimits());
    }

    private static void capabilities(OciProcess.Capabilities c) {
        Map<String, List<String>> sets = new LinkedHashMap<>();
        sets.put("bounding", c.bounding());
        sets.put("effective", c.effective());
        sets.put("inheritable", c.inheritable());
        sets.put("permitted", c.permitted());
        sets.put("ambient", c.ambient());
        for (Map.Entry<String, List<String>> s : sets.entrySet()) {
            String field = "process.capabilities." + s.getKey();
            strings(field, s.getValue());
            for (String cap : s.getValue())
                if (!cap.matches("CAP_[A-Z_]+"))
                    throw BundleException.config(field + ": \"" + cap + "\" is not a capability name (CAP_...)");
        }
    }

    private static void rlimits(List<OciProcess.Rlimit> rlimits) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rlimits.size(); i++) {
            String field = "process.rlimits[" + i + "]";
            OciProcess.Rlimit r = rlimits.get(i);
            if (r == null) throw BundleException.config(field + " must not be null");
            if (r.type() == null || !OciSecurity.RLIMITS.containsKey(r.type()))
                throw BundleException.config(
                        field + ".type \"" + r.type() + "\" is not an rlimit (RLIMIT_NOFILE, ...)");
            if (!seen.add(r.type())) throw BundleException.config("process.rlimits has " + r.type() + " twice");
            BigInteger soft = uint64(field + ".soft", r.soft());
            BigInteger hard = uint64(field + ".hard", r.hard());
            if (soft.compareTo(hard) > 0)
                throw BundleException.config(field + ": the soft limit " + soft + " exceeds the hard limit " + hard);
        }
    }

    private static Path root(OciSpec.Root root, Path bundleDir) {
        if (root == null) throw BundleException.config("root is missing");
        if (root.path() == null || root.path().isEmpty()) throw BundleException.config("root.path is missing");
        Path p = bundleDir.resolve(root.path()).normalize();
        if (!Files.exists(p))
            throw BundleException.config("root.path \"" + root.path() + "\": " + p + " does not exist");
        if (!Files.isDirectory(p))
            throw BundleException.config("root.path \"" + root.path() + "\": " + p + " is not a directory");
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw BundleException.config("root.path \"" + root.path() + "\": " + e.getMessage());
        }
    }

    private static void mount(String field, OciMount m) {
        if (m == null) throw BundleException.config(field + " must not be null");
        if (m.destination() == null || m.destination().isEmpty())
            throw BundleException.config(field + ".destination is missing");
        absolute(field + ".destination", m.destination());
        strings(field + ".options", m.options());
        if (m.isBind()) {
            if (m.source() == null || m.source().isEmpty())
                throw BundleException.config(field + ".source is missing for the bind mount at " + m.destination());
            return;
        }
        if (m.type() == null || m.type().isEmpty())
            throw BundleException.config(field + " (" + m.destination() + ") has no type and is not a bind mount");
        if (!GUEST_MOUNT_TYPES.contains(m.type()))
            throw BundleException.config(field + ".type \"" + m.type() + "\" is not supported: jvmm-runc mounts bind, "
                    + String.join(", ", GUEST_MOUNT_TYPES));
    }

    private static void hooks(OciHooks hooks) {
        for (Map.Entry<String, List<OciHooks.Hook>> kind : hooks.byName().entrySet()) {
            List<OciHooks.Hook> list = kind.getValue();
            for (int i = 0; i < list.size(); i++) {
                String field = "hooks." + kind.getKey() + "[" + i + "]";
                OciHooks.Hook h = list.get(i);
                if (h == null) throw BundleException.config(field + " must not be null");
                if (h.path() == null || h.path().isEmpty()) throw BundleException.config(field + ".path is missing");
                absolute(field + ".path", h.path());
                strings(field + ".args", h.args());
                if (h.env() != null) env(field + ".env", h.env());
                if (h.timeout() != null && h.timeout() <= 0)
                    throw BundleException.config(field + ".timeout must be greater than zero, got " + h.timeout());
            }
        }
    }

    private static void linux(OciLinux l) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < l.namespaces().size(); i++) {
            String field = "linux.namespaces[" + i + "]";
            OciLinux.Namespace ns = l.namespaces().get(i);
            if (ns == null) throw BundleException.config(field + " must not be null");
            if (ns.type() == null || !OciLinux.NAMESPACE_TYPES.contains(ns.type()))
                throw BundleException.config(field + ".type \"" + ns.type() + "\" is not a namespace type ("
                        + String.join(", ", OciLinux.NAMESPACE_TYPES) + ")");
            if (!seen.add(ns.type())) throw BundleException.config("linux.namespaces has \"" + ns.type() + "\" twice");
            if (ns.path() != null && !ns.path().isEmpty()) absolute(field + ".path", ns.path());
        }
        mappings("linux.uidMappings", l.uidMappings());
        mappings("linux.gidMappings", l.gidMappings());
        userNamespace(l);
        paths("linux.maskedPaths", l.maskedPaths());
        paths("linux.readonlyPaths", l.readonlyPaths());
        for (Map.Entry<String, String> s : l.sysctl().entrySet())
            if (s.getValue() == null) throw BundleException.config("linux.sysctl." + s.getKey() + " must be a string");
        if (l.resources() != null) ResourceLimits.validate(l.resources());
    }

    /** As runc: mappings only with a user namespace, and a new one (not joined by path) needs both. */
    private static void userNamespace(OciLinux l) {
        OciLinux.Namespace user = l.namespaces().stream()
                .filter(n -> n.type().equals("user"))
                .findFirst()
                .orElse(null);
        boolean mapped = !l.uidMappings().isEmpty() || !l.gidMappings().isEmpty();
        if (mapped && user == null)
            throw BundleException.config("linux.uidMappings and gidMappings need a user namespace in linux.namespaces");
        boolean joined = user != null && user.path() != null && !user.path().isEmpty();
        if (user != null
                && !joined
                && (l.uidMappings().isEmpty() || l.gidMappings().isEmpty()))
            throw BundleException.config("a new user namespace needs linux.uidMappings and linux.gidMappings");
    }

    private static void mappings(String field, List<OciLinux.IdMapping> list) {
        for (int i = 0; i < list.size(); i++) {
            OciLinux.IdMapping m = list.get(i);
            if (m == null) throw BundleException.config(field + "[" + i + "] must not be null");
            uint32(field + "[" + i + "].containerID", m.containerId());
            uint32(field + "[" + i + "].hostID", m.hostId());
            if (m.size() < 1 || m.size() > UINT32_MAX)
                throw BundleException.config(field + "[" + i + "].size must be 1..4294967295, got " + m.size());
        }
    }

    private static void absolute(String field, String path) {
        if (!path.startsWith("/")) throw BundleException.config(field + " \"" + path + "\" must be an absolute path");
    }

    private static void paths(String field, List<String> list) {
        strings(field, list);
        for (int i = 0; i < list.size(); i++) absolute(field + "[" + i + "]", list.get(i));
    }

    private static void strings(String field, List<String> list) {
        for (int i = 0; i < list.size(); i++)
            if (list.get(i) == null) throw BundleException.config(field + "[" + i + "] must not be null");
    }

    private static void env(String field, List<String> env) {
        strings(field, env);
        for (int i = 0; i < env.size(); i++)
            if (env.get(i).indexOf('=') <= 0)
                throw BundleException.config(field + "[" + i + "] \"" + env.get(i) + "\" must be KEY=VALUE");
    }

    private static void uint32(String field, long v) {
        if (v < 0 || v > UINT32_MAX) throw BundleException.config(field + " must be 0..4294967295, got " + v);
    }

    private static BigInteger uint64(String field, BigInteger v) {
        if (v == null) throw BundleException.config(field + " is missing");
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0)
            throw BundleException.config(field + " must be 0..18446744073709551615, got " + v);
        return v;
    }
}
