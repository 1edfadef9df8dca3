package io.jvmm.shim;

import java.util.ArrayList;
import java.util.List;

/**
 * The shim's command line as containerd runs it (Go's flag package): {@code -namespace NS -id ID -address
 * ADDR -publish-binary BIN [-bundle DIR] [-debug] start|delete}. Flags take one or two dashes and
 * {@code -flag value} or {@code -flag=value}; {@code -v} and {@code -info} stand for commands.
 *
 * @param socket where the server listens (the hidden {@code serve} command, which {@code start} spawns)
 */
public record ShimFlags(
        String namespace,
        String id,
        String address,
        String publishBinary,
        String bundle,
        boolean debug,
        String socket,
        String command) {

    /** What a containerd namespace and a task id may be: they name directories here. */
    private static final java.util.regex.Pattern NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,75}");

    public static ShimFlags parse(String[] args) {
        String namespace = "", id = "", address = "", publishBinary = "", bundle = "", socket = "";
        boolean debug = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
                if (a.equals("--")) {
                    for (int j = i + 1; j < args.length; j++) rest.add(args[j]);
                    break;
                }
                rest.add(a);
                continue;
            }
            String flag = a.startsWith("--") ? a.substring(2) : a.substring(1);
            String value = null;
            int eq = flag.indexOf('=');
            if (eq >= 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            switch (flag) {
                case "debug" -> debug = value == null || Boolean.parseBoolean(value);
                case "v", "version" -> rest.addFirst("version");
                case "info" -> rest.addFirst("info");
                case "namespace", "id", "address", "publish-binary", "bundle", "socket" -> {
                    if (value == null) {
                        if (i + 1 >= args.length)
                            throw new IllegalArgumentException("flag needs an argument: -" + flag);
                        value = args[++i];
                    }
                    switch (flag) {
                        case "namespace" -> namespace = value;
                        case "id" -> id = value;
                        case "address" -> address = value;
                        case "publish-binary" -> publishBinary = value;
                        case "bundle" -> bundle = value;
                        default -> socket = value;
                    }
                }
                default -> throw new IllegalArgumentException("flag provided but not defined: -" + flag);
            }
        }
        if (rest.isEmpty()) throw new IllegalArgumentException("no command: use start, delete, -v or -info");
        if (rest.size() > 1)
            throw new IllegalArgumentException(
                    "unexpected arguments after " + rest.getFirst() + ": " + rest.subList(1, rest.size()));
        return new ShimFlags(namespace, id, address, publishBinary, bundle, debug, socket, rest.getFirst());
    }

    /** Checks what {@code start}, {@code delete} and {@code serve} need: a namespace and an id that are safe names. */
    public ShimFlags requireTask() {
        if (!NAME.matcher(namespace).matches())
            throw new IllegalArgumentException(
                    "-namespace \"" + namespace + "\": need letters, digits, '.', '_' or '-', at most 76");
        if (!NAME.matcher(id).matches())
            throw new IllegalArgumentException("-id \"" + id + "\": need letters, digits, '.', '_' or '-', at most 76");
        return this;
    }

    /** The flags a spawned {@code serve} gets, so it knows what {@code start} knew. */
    public List<String> forServe(String socketPath) {
        List<String> a = new ArrayList<>(List.of(
                "-namespace",
                namespace,
                "-id",
                id,
                "-address",
                address,
                "-publish-binary",
                publishBinary,
                "-socket",
                socketPath));
        if (debug) a.add("-debug");
        a.add("serve");
        return a;
    }
}
