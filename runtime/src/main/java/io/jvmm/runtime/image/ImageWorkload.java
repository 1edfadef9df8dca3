package io.jvmm.runtime.image;

import io.jvmm.image.ImageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * What a VM runs, from an image's config and the user's options, by docker's rules: the command is
 * Entrypoint + Cmd, arguments replace Cmd, an entrypoint option replaces both ({@code ""} clears it);
 * {@code -e} values override the image's Env key by key; a working directory or user option replaces the
 * image's. Options left null take the image's value, and with no image (a plain root image file) nothing.
 *
 * @param argv    the command and its arguments; empty when neither the image nor the options give one
 * @param env     {@code KEY=VALUE}, the image's first, a key given again replaced in place
 * @param workdir the working directory in the guest, {@code ""} for the agent's default
 * @param user    {@code USER[:GROUP]} or uid, {@code ""} for root
 * @param exposed the image's ExposedPorts ({@code PORT[/PROTO]})
 */
public record ImageWorkload(List<String> argv, List<String> env, String workdir, String user, List<String> exposed) {
    /**
     * What the user gave; null where nothing was given.
     *
     * @param entrypoint replaces the image's Entrypoint and drops its Cmd; {@code ""} runs no entrypoint
     * @param args       replaces the image's Cmd when not empty
     */
    public record Options(String entrypoint, List<String> args, List<String> env, String workdir, String user) {
        public Options {
            args = args == null ? List.of() : List.copyOf(args);
            env = env == null ? List.of() : List.copyOf(env);
        }
    }

    public ImageWorkload {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        exposed = List.copyOf(exposed);
    }

    /** The workload of {@code image} (null: no image config) run with {@code options}. */
    public static ImageWorkload of(ImageConfig image, Options options) {
        List<String> argv = new ArrayList<>();
        String entrypoint = options.entrypoint();
        if (entrypoint != null) {
            if (!entrypoint.isEmpty()) argv.add(entrypoint);
        } else if (image != null && image.entrypoint() != null) {
            argv.addAll(image.entrypoint());
        }
        if (!options.args().isEmpty()) argv.addAll(options.args());
        else if (entrypoint == null && image != null && image.cmd() != null) argv.addAll(image.cmd());
        List<String> env = mergeEnv(image == null ? List.of() : image.env(), options.env());
        String workdir = options.workdir() != null
                ? options.workdir()
                : image != null && image.workingDir() != null ? image.workingDir() : "";
        String user =
                options.user() != null ? options.user() : image != null && image.user() != null ? image.user() : "";
        return new ImageWorkload(argv, env, workdir, user, image == null ? List.of() : image.exposedPorts());
    }

    /** The image's Env, then the options' values: a key given again replaces the earlier value in place. */
    public static List<String> mergeEnv(List<String> imageEnv, List<String> options) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (List<String> l : List.of(imageEnv, options)) {
            for (String kv : l) {
                int eq = kv.indexOf('=');
                if (eq <= 0) continue;
                m.put(kv.substring(0, eq), kv);
            }
        }
        return List.copyOf(m.values());
    }

    /**
     * docker's {@code -P}: a forward {@code HOST:PORT[/udp]} from a free host port to each exposed TCP or
     * UDP port (other protocols are skipped); {@code tcp} and {@code udp} pick the host ports.
     */
    public List<String> publishAll(IntSupplier tcp, IntSupplier udp) {
        List<String> forwards = new ArrayList<>();
        for (String e : exposed) {
            String[] pp = e.split("/", 2);
            String proto = pp.length > 1 ? pp[1].toLowerCase(Locale.ROOT) : "tcp";
            if (proto.equals("tcp")) forwards.add(tcp.getAsInt() + ":" + pp[0]);
            else if (proto.equals("udp")) forwards.add(udp.getAsInt() + ":" + pp[0] + "/udp");
        }
        return forwards;
    }
}
