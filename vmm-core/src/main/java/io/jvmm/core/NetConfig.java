package io.jvmm.core;

import io.jvmm.core.net.PortForward;
import io.jvmm.virtio.net.MacAddress;
import java.util.List;
import java.util.Objects;

/**
 * A virtio-net device and its backend.
 *
 * @param tap      the TAP device to attach (created if missing), or null for passt
 * @param mac      the guest's MAC, or null for a random locally administered one
 * @param forwards host ports forwarded to the guest (passt only)
 */
public record NetConfig(String tap, MacAddress mac, List<PortForward> forwards) {
    public NetConfig {
        forwards = List.copyOf(Objects.requireNonNullElse(forwards, List.of()));
    }

    public static NetConfig passt(List<PortForward> forwards) { return new NetConfig(null, null, forwards); }

    public static NetConfig tap(String name) { return new NetConfig(name, null, List.of()); }

    public NetConfig withMac(MacAddress m) { return new NetConfig(tap, m, forwards); }

    public boolean isTap() { return tap != null; }
}
