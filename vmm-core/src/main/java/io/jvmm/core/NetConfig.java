package io.jvmm.core;

import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.util.List;
import java.util.Objects;

/**
 * A virtio-net device and its backend.
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
 */
public record NetConfig(String tap, MacAddress mac, List<PortForward> forwards, Ipv4 ipv4, RateLimit rxRateLimit, RateLimit txRateLimit,
                        int passtSocket) {
    /** A guest address with its prefix length, the gateway and the DNS address passt forwards to the host's resolver. */
    public record Ipv4(String address, int prefix, String gateway, String dns) {
        public Ipv4 {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(gateway, "gateway");
            Objects.requireNonNull(dns, "dns");
            if (prefix < 1 || prefix > 30) throw new IllegalArgumentException("IPv4 prefix must be 1..30, got " + prefix);
        }
    }

    public NetConfig {
        forwards = List.copyOf(Objects.requireNonNullElse(forwards, List.of()));
        rxRateLimit = Objects.requireNonNullElse(rxRateLimit, RateLimit.UNLIMITED);
        txRateLimit = Objects.requireNonNullElse(txRateLimit, RateLimit.UNLIMITED);
        if (ipv4 != null && tap != null) throw new IllegalArgumentException("an IPv4 setup applies to passt only, not to TAP " + tap);
        if (passtSocket >= 0 && tap != null) throw new IllegalArgumentException("a passt socket applies to passt only, not to TAP " + tap);
    }

    public NetConfig(String tap, MacAddress mac, List<PortForward> forwards) { this(tap, mac, forwards, null, null, null, -1); }

    public NetConfig withIpv4(Ipv4 v) { return new NetConfig(tap, mac, forwards, v, rxRateLimit, txRateLimit, passtSocket); }

    /** This device with received ({@code rx}) and sent ({@code tx}) traffic limited; null for unlimited. */
    public NetConfig withRateLimits(RateLimit rx, RateLimit tx) { return new NetConfig(tap, mac, forwards, ipv4, rx, tx, passtSocket); }

    public static NetConfig passt(List<PortForward> forwards) { return new NetConfig(null, null, forwards); }

    /** This passt device over {@code socket}, connected to a passt started elsewhere. */
    public NetConfig withPasstSocket(int socket) { return new NetConfig(tap, mac, forwards, ipv4, rxRateLimit, txRateLimit, socket); }

    public static NetConfig tap(String name) { return new NetConfig(name, null, List.of()); }

    public NetConfig withMac(MacAddress m) { return new NetConfig(tap, m, forwards, ipv4, rxRateLimit, txRateLimit, passtSocket); }

    public boolean isTap() { return tap != null; }
}
