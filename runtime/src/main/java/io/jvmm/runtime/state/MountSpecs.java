package io.jvmm.runtime.state;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.UserPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Docker's mount flags as {@link VmRecord.Mount}s: {@code -v SOURCE:/guest/path[:ro|rw]} and
 * {@code --mount type=bind|volume,source=...,target=...[,readonly]}. Docker's rule decides what a
 * {@code -v} source is: a path ({@code /x}, {@code ./x}, {@code ../x}, {@code .}, {@code ~/x}, or anything
 * with a '/') is a host directory (a bind mount through virtio-fs) or a drive image file; a plain name is a
 * named volume, which must exist. Relative paths resolve against {@code cwd}. Every error is one line.
 */
public final class MountSpecs {
    private final VolumeStore volumes;
    private final Path cwd;

    public MountSpecs(VolumeStore volumes, Path cwd) {
        this.volumes = volumes;
        this.cwd = cwd;
    }

    /** A {@code -v} spec: a named volume, a drive image file or a host directory. */
    public VmRecord.Mount volumeFlag(String spec) {
        if (spec == null || spec.isEmpty())
            throw EngineException.usage("invalid volume spec \"\": expected NAME:/guest/path[:ro]");
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw EngineException.usage("invalid volume spec \"" + spec
                    + "\": expected NAME:/guest/path[:ro] or HOST_PATH:/guest/path[:ro]");
        }
        String prefix = "invalid volume spec \"" + spec + "\": ";
        String source = parts[0];
        String target = guestPath(prefix, parts[1]);
        boolean readOnly = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                default ->
                    throw EngineException.usage(prefix + "unknown option \"" + parts[2] + "\" (expected ro or rw)");
            }
        }
        if (source.isEmpty()) throw EngineException.usage(prefix + "the source is empty");
        if (!isHostPath(source)) return namedVolume(prefix, source, target, readOnly);
        Path p = hostPath(source);
        if (!Files.exists(p)) throw EngineException.usage(prefix + p + " does not exist");
        if (Files.isDirectory(p)) return VmRecord.Mount.bind(p.toString(), target, readOnly);
        return VmRecord.Mount.file(p.toString(), target, readOnly);
    }

    /**
     * A {@code --mount} spec, docker's keys: {@code type} ({@code bind} or {@code volume}; default
     * volume), {@code source}/{@code src}, {@code target}/{@code destination}/{@code dst}, and
     * {@code readonly}/{@code ro} (alone, or {@code =true|false|1|0}). A bind's source must be a directory.
     */
    public VmRecord.Mount mountFlag(String spec) {
        String prefix = "invalid mount spec \"" + spec + "\": ";
        String type = "volume", source = null, target = null;
        boolean readOnly = false;
        Set<String> seen = new HashSet<>();
        for (String field : spec.split(",", -1)) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : field.substring(eq + 1);
            String canonical = switch (key) {
                case "type" -> "type";
                case "source", "src" -> "source";
                case "target", "destination", "dst" -> "target";
                case "readonly", "ro" -> "readonly";
                case "" -> throw EngineException.usage(prefix + "empty field");
                default ->
                    throw EngineException.usage(
                            prefix + "unknown key \"" + key + "\" (expected type, source, target, readonly)");
            };
            if (!seen.add(canonical)) throw EngineException.usage(prefix + canonical + " is given twice");
            if (canonical.equals("readonly")) {
                readOnly = readOnlyValue(prefix, value);
                continue;
            }
            if (value == null) throw EngineException.usage(prefix + key + " needs a value (" + key + "=...)");
            switch (canonical) {
                case "type" -> type = value;
                case "source" -> source = value;
                default -> target = value;
            }
        }
        if (target == null) throw EngineException.usage(prefix + "target is missing (target=/guest/path)");
        target = guestPath(prefix, target);
        if (source == null || source.isEmpty())
            throw EngineException.usage(
                    prefix + "source is missing (source=" + ("bind".equals(type) ? "DIR" : "NAME") + ")");
        switch (type) {
            case "bind" -> {
                Path p = hostPath(source);
                if (!Files.exists(p)) throw EngineException.usage(prefix + "bind source " + p + " does not exist");
                if (!Files.isDirectory(p))
                    throw EngineException.usage(prefix + "bind source " + p + " is not a directory");
                return VmRecord.Mount.bind(p.toString(), target, readOnly);
            }
            case "volume" -> {
                return namedVolume(prefix, source, target, readOnly);
            }
            default ->
                throw EngineException.usage(
                        prefix + "type \"" + type + "\" is not supported (expected bind or volume)");
        }
    }

    /** Refuses two mounts on one guest path ({@code duplicate mount point: /data}), docker's check. */
    public static void checkDistinctTargets(List<VmRecord.Mount> mounts) {
        Set<String> targets = new HashSet<>();
        for (VmRecord.Mount m : mounts) {
            if (!targets.add(m.target())) throw EngineException.usage("duplicate mount point: " + m.target());
        }
    }

    /** Docker's rule: a source that looks like a path is one; anything else names a volume. */
    static boolean isHostPath(String source) {
        return source.contains("/") || source.startsWith(".") || source.startsWith("~");
    }

    private VmRecord.Mount namedVolume(String prefix, String source, String target, boolean readOnly) {
        if (!VmStore.NAME.matcher(source).matches() || source.length() > 128) {
            throw EngineException.usage(prefix + "\"" + source
                    + "\" is not a volume name (letters, digits, '_', '.', '-') nor a host path (/, ./, ../, ~/)");
        }
        if (volumes.find(source).isEmpty()) {
            throw EngineException.usage(
                    "no such volume: " + source + " (create it with 'jvmm volume create " + source + "')");
        }
        return VmRecord.Mount.volume(source, target, readOnly);
    }

    private static boolean readOnlyValue(String prefix, String value) {
        if (value == null) return true;
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw EngineException.usage(prefix + "readonly=" + value + ": expected true or false");
        };
    }

    /** An absolute guest path, not "/", without "." or ".." components; normalized. */
    private static String guestPath(String prefix, String target) {
        if (target.isEmpty()) throw EngineException.usage(prefix + "the guest path is empty");
        String bad = prefix + "the guest path \"" + target + "\" ";
        if (!target.startsWith("/")) throw EngineException.usage(bad + "must be absolute");
        List<String> parts = new ArrayList<>();
        for (String s : target.split("/")) {
            if (s.isEmpty()) continue;
            if (s.equals("..") || s.equals(".")) throw EngineException.usage(bad + "must not contain \"" + s + "\"");
            parts.add(s);
        }
        if (parts.isEmpty()) throw EngineException.usage(bad + "cannot be the guest's root");
        return "/" + String.join("/", parts);
    }

    /** {@code ~} and {@code ~/x} as a shell expands them (docker's CLI does), then against {@code cwd}. */
    private Path hostPath(String s) {
        return UserPaths.resolve(cwd.toAbsolutePath(), s).toAbsolutePath();
    }
}
