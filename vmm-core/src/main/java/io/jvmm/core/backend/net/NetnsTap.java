package io.jvmm.core.backend.net;

import io.jvmm.core.ConfigException;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.kvm.sys.ProcessSyscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Joins a VM to a network namespace that a container engine prepared (podman's netavark, CNI for
 * Kubernetes), as Kata's tcfilter model does: a TAP device is made inside the namespace, and tc
 * mirred redirects pass every frame between it and the engine's interface (the veth end, {@link
 * NetnsInterface}) both ways. The guest's eth0 then takes that interface's MAC, address and gateway,
 * so the engine's bridge, port forwards ({@code podman run -p}) and routes reach the guest unchanged.
 *
 * <p>Needs root (CAP_NET_ADMIN in the namespace, and CAP_SYS_ADMIN for setns), ip(8) and tc(8) from
 * iproute2, and nsenter(1). The TAP exists while its descriptor is open; {@link #detach} also takes
 * the ingress filter off the engine's interface.
 */
public final class NetnsTap {
    /** The TAP's name inside the namespace. */
    public static final String TAP = "jvmm-tap0";

    private static final String KEY = "network namespace";

    private NetnsTap() {}

    /** A TAP descriptor joined to {@code iface} in {@code netns}. */
    public record Attachment(Path netns, int tapFd, NetnsInterface iface) {}

    /**
     * Makes the TAP in {@code netns} and redirects between it and the namespace's interface; empty when
     * the namespace has no interface with an IPv4 address (the guest then gets no network, as with
     * {@code --network none}). A one-line {@link ConfigException} names what failed.
     */
    public static Optional<Attachment> attach(Path netns) {
        if (!Files.exists(netns)) throw new ConfigException(KEY, netns + " does not exist");
        var first = NetnsInterface.firstAddress(ip(netns, "-o", "-4", "addr", "show"));
        if (first.isEmpty()) return Optional.empty();
        String name = first.get()[0];
        NetnsInterface iface = NetnsInterface.of(
                name,
                first.get()[1],
                ip(netns, "-o", "link", "show", "dev", name),
                ip(netns, "-4", "route", "show", "default"));
        int fd = openTapIn(netns);
        try {
            run(netns, "ip", "link", "set", "dev", TAP, "mtu", Integer.toString(iface.mtu()), "up");
            redirect(netns, name, TAP);
            redirect(netns, TAP, name);
        } catch (RuntimeException e) {
            Libc.close(fd); // the TAP goes with its descriptor, and its filters with it
            quietly(netns, "tc", "qdisc", "del", "dev", name, "ingress");
            throw e;
        }
        return Optional.of(new Attachment(netns, fd, iface));
    }

    /** Closes the TAP and takes the redirect off the engine's interface; the namespace may be gone already. */
    public static void detach(Attachment a) {
        Libc.close(a.tapFd());
        if (Files.exists(a.netns()))
            quietly(a.netns(), "tc", "qdisc", "del", "dev", a.iface().name(), "ingress");
    }

    /**
     * Every frame arriving on {@code from} leaves through {@code to}. An ingress left by a VM that ran in
     * this namespace before (the pod restarted) is replaced.
     */
    private static void redirect(Path netns, String from, String to) {
        quietly(netns, "tc", "qdisc", "del", "dev", from, "ingress");
        run(netns, "tc", "qdisc", "add", "dev", from, "ingress");
        run(
                netns,
                "tc",
                "filter",
                "add",
                "dev",
                from,
                "parent",
                "ffff:",
                "protocol",
                "all",
                "u32",
                "match",
                "u8",
                "0",
                "0",
                "action",
                "mirred",
                "egress",
                "redirect",
                "dev",
                to);
    }

    /**
     * A thread of its own enters the namespace and makes the TAP there (a network namespace is per
     * thread); the thread then ends, and the descriptor keeps the device in the namespace.
     */
    private static int openTapIn(Path netns) {
        int nsFd;
        try {
            nsFd = Libc.open(netns.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (NativeException e) {
            throw new ConfigException(KEY, "cannot open " + netns + ": " + Errno.describe(e.errno()));
        }
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-tap").start(() -> {
            try {
                ProcessSyscalls.setns(nsFd, ProcessSyscalls.CLONE_NEWNET);
                result.set(TapBackend.createFd(KEY, TAP));
            } catch (RuntimeException e) {
                result.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(KEY, "interrupted while making the TAP in " + netns);
        } finally {
            Libc.close(nsFd);
        }
        Object r = result.get();
        if (r instanceof NativeException e)
            throw new ConfigException(KEY, "cannot enter " + netns + ": " + Errno.describe(e.errno()));
        if (r instanceof RuntimeException e) throw e;
        return (Integer) r;
    }

    private static String ip(Path netns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return run(netns, cmd.toArray(String[]::new));
    }

    /** {@code cmd} inside {@code netns} through nsenter(1); its output, or a ConfigException with it. */
    private static String run(Path netns, String... cmd) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns));
        argv.addAll(List.of(cmd));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ConfigException(KEY, String.join(" ", cmd) + " in " + netns + " hangs");
            }
            if (p.exitValue() != 0)
                throw new ConfigException(
                        KEY,
                        String.join(" ", cmd) + " in " + netns + " failed: "
                                + out.strip().replace('\n', ' '));
            return out;
        } catch (IOException e) {
            throw new ConfigException(KEY, "cannot run nsenter (util-linux): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(KEY, "interrupted: " + String.join(" ", cmd));
        }
    }

    private static void quietly(Path netns, String... cmd) {
        try {
            run(netns, cmd);
        } catch (ConfigException e) {
            // best effort: the interface or the namespace may be gone with the pod
        }
    }
}
