package io.jvmm.cli;

import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The run and create options that describe a VM beyond its workload, as docker's: {@code --env-file},
 * {@code --hostname} and {@code --label}. A picocli mixin, so both commands read them the same way.
 */
final class ConfigOptions {
    /** RFC 1123 host names: labels of letters, digits and '-', dot-separated, at most 64 characters here. */
    private static final Pattern HOSTNAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    @Option(
            names = "--env-file",
            paramLabel = "FILE",
            description =
                    "Read environment lines (KEY=VALUE; KEY alone takes this environment's) from FILE (repeatable); -e wins.")
    private List<Path> envFiles = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME", description = "The guest's hostname (default: the short VM id).")
    private String hostname;

    @Option(
            names = {"-l", "--label"},
            paramLabel = "KEY=VALUE",
            description = "Metadata kept with the VM, shown by inspect, matched by ps --filter label= (repeatable).")
    private List<String> labels = new ArrayList<>();

    /**
     * The {@code KEY=VALUE} lines of the env files, in order: blank lines and {@code #} comments skipped, a
     * bare {@code KEY} taken from this process's environment (dropped when unset), as docker reads them.
     */
    List<String> fileEnv() {
        List<String> env = new ArrayList<>();
        for (Path f : envFiles) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CliException.usage("--env-file " + f + ": cannot read: " + e.getMessage());
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                int eq = line.indexOf('=');
                String key = eq < 0 ? line : line.substring(0, eq);
                if (key.isEmpty() || key.chars().anyMatch(Character::isWhitespace))
                    throw CliException.usage(
                            "--env-file " + f + ":" + (i + 1) + ": expected KEY=VALUE, got \"" + line + "\"");
                if (eq > 0) env.add(line);
                else if (System.getenv(line) != null) env.add(line + "=" + System.getenv(line));
            }
        }
        return env;
    }

    /** {@code draft} with the hostname and labels; a usage error names a bad one. */
    VmRecord apply(VmRecord draft) {
        return draft.withHostname(hostname()).withLabels(labels());
    }

    /** The {@code --hostname}, checked; null when not given. */
    String hostname() {
        if (hostname != null
                && (hostname.length() > 64 || !HOSTNAME.matcher(hostname).matches()))
            throw CliException.usage("--hostname " + hostname
                    + ": not a valid host name (letters, digits, '-' and '.', at most 64 characters)");
        return hostname;
    }

    /** The {@code --label}s, in order; a usage error names a bad one. */
    Map<String, String> labels() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            String key = eq < 0 ? l : l.substring(0, eq);
            if (key.isEmpty()) throw CliException.usage("--label " + l + ": expected KEY=VALUE");
            map.put(key, eq < 0 ? "" : l.substring(eq + 1));
        }
        return map;
    }
}
