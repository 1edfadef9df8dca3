package io.jvmm.sandbox;

import io.jvmm.core.NetConfig;
import io.jvmm.core.backend.net.PortForward;
import java.util.List;

/**
 * The guest's fixed IPv4 setup behind passt (the addresses QEMU's user networking uses, so they are
 * familiar): passt answers for the gateway and forwards DNS sent to {@link #DNS} to the host's
 * resolver. The agent configures eth0 with these; the guest runs no DHCP client.
 */
final class GuestNetwork {
    static final String ADDRESS = "10.0.2.15";
    static final int PREFIX = 24;
    static final String GUEST_CIDR = ADDRESS + "/" + PREFIX;
    static final String GATEWAY = "10.0.2.2";
    static final String DNS = "10.0.2.3";

    private GuestNetwork() {}

    static NetConfig passt(List<PortForward> forwards) {
        return NetConfig.passt(forwards).withIpv4(new NetConfig.Ipv4(ADDRESS, PREFIX, GATEWAY, DNS));
    }
}
