package io.jvmm.core;

import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.net.NetBackend;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.util.List;
import java.util.Objects;

/**
 * A virtio-net device and its backend: passt (the default), a TAP device, or a {@link NetBackend} of
 * the embedder's own ({@link #of}). A backend given here is handed over: the VM built from the config
 * closes it when the VM closes, and {@link Vm#create}/{@link Vm#restore} close it when they fail.
 *
 * @param tap      the TAP device to attach (created if missing), or null for passt
 * @param mac      the guest's MAC, or null for a random locally administered one
 * @param forwards host ports forwarded to the guest (passt only)
 * @param ipv4     the guest's IPv4 setup that passt is told to use (its DHCP answers and NAT), or
 *                 null for passt's default (the host's own address and gateway); passt only
 * @param rxRateLimit bytes and frames to the guest per unit of time ({@link RateLimit#UNLIMITED} for none)
 * @param txRateLimit bytes and frames from the guest per unit of time
 * @param passtSocket a socket already connected to a passt another process started
 *                 ({@link PasstBackend#spawnForHandoff}), or -1 to start passt here;
 *                 passt's options ({@code forwards}, {@code ipv4}) were given by that process then
 * @param backend  the network itself, or null for passt or {@code tap}
 */
public record NetConfig(
        String tap,
        MacAddress mac,
        List<PortForward> forwards,
        Ipv4 ipv4,
        RateLimit rxRateLimit,
        RateLimit txRateLimit,
        int passtSocket,
        NetBackend backend) {
    /** A guest address with its prefix length, the gateway and the DNS address passt forwards to the host's resolver. */
    public record Ipv4(String address, int prefix, String gateway, String dns) {
        public Ipv4 {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(gateway, "gateway");
            Objects.requireNonNull(dns, "dns");
            if (prefix < 1 || prefix > 30)
                throw new IllegalArgumentException("IPv4 prefix must be 1..30, got " + prefix);
        }
    }

    public NetConfig {
        forwards = List.copyOf(Objects.requireNonNullElse(forwards, List.of()));
        rxRateLimit = Objects.requireNonNullElse(rxRateLimit, RateLimit.UNLIMITED);
        txRateLimit = Objects.requireNonNullElse(txRateLimit, RateLimit.UNLIMITED);
        if (ipv4 != null && tap != null)
            throw new IllegalArgumentException("an IPv4 setup applies to passt only, not to TAP " + tap);
        if (passtSocket >= 0 && tap != null)
            throw new IllegalArgumentException("a passt socket applies to passt only, not to TAP " + tap);
        if (backend != null && (tap != null || ipv4 != null || passtSocket >= 0)) {
            throw new IllegalArgumentException(
                    "a TAP device, an IPv4 setup or a passt socket do not apply to a backend of the embedder's own");
        }
    }

    public NetConfig(
            String tap,
            MacAddress mac,
            List<PortForward> forwards,
            Ipv4 ipv4,
            RateLimit rxRateLimit,
            RateLimit txRateLimit,
            int passtSocket) {
        this(tap, mac, forwards, ipv4, rxRateLimit, txRateLimit, passtSocket, null);
    }

    public NetConfig(String tap, MacAddress mac, List<PortForward> forwards) {
        this(tap, mac, forwards, null, null, null, -1, null);
    }

    /** A device on {@code backend}; the VM takes it over (see the class comment). */
    public static NetConfig of(NetBackend backend) {
        return new NetConfig(null, null, List.of(), null, null, null, -1, Objects.requireNonNull(backend, "backend"));
    }

    public NetConfig withIpv4(Ipv4 v) {
        return new NetConfig(tap, mac, forwards, v, rxRateLimit, txRateLimit, passtSocket, backend);
    }

    /** This device with received ({@code rx}) and sent ({@code tx}) traffic limited; null for unlimited. */
    public NetConfig withRateLimits(RateLimit rx, RateLimit tx) {
        return new NetConfig(tap, mac, forwards, ipv4, rx, tx, passtSocket, backend);
    }

    public static NetConfig passt(List<PortForward> forwards) {
        return new NetConfig(null, null, forwards);
    }

    /** This passt device over {@code socket}, connected to a passt started elsewhere. */
    public NetConfig withPasstSocket(int socket) {
        return new NetConfig(tap, mac, forwards, ipv4, rxRateLimit, txRateLimit, socket, backend);
    }

    public static NetConfig tap(String name) {
        return new NetConfig(name, null, List.of());
    }

    public NetConfig withMac(MacAddress m) {
        return new NetConfig(tap, m, forwards, ipv4, rxRateLimit, txRateLimit, passtSocket, backend);
    }

    public boolean isTap() {
        return tap != null;
    }

    /** Whether the VM starts or adopts a passt: neither a TAP device nor a backend of the embedder's own. */
    public boolean isPasst() {
        return tap == null && backend == null;
    }
}
