package io.jvmm.core.backend.net;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.net.MacAddress;
import org.junit.jupiter.api.Test;

/** Reading ip(8)'s one-line output as iproute2 6.1 prints it inside a CNI-style namespace. */
class NetnsInterfaceTest {
    private static final String ADDRS = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            2: eth0    inet 10.98.0.2/24 scope global eth0\\       valid_lft forever preferred_lft forever
            """;
    private static final String LINK = "2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP"
            + " mode DEFAULT group default qlen 1000\\    link/ether 6a:bc:5e:b4:3b:77 brd ff:ff:ff:ff:ff:ff"
            + " link-netnsid 0\n";

    @Test
    void theFirstInterfaceWithAnAddressButLoopbackIsTheOneTheGuestTakesOver() {
        String[] first = NetnsInterface.firstAddress(ADDRS).orElseThrow();
        assertArrayEquals(new String[] {"eth0", "10.98.0.2/24"}, first);
        NetnsInterface i = NetnsInterface.of("eth0", "10.98.0.2/24", LINK, "default via 10.98.0.1 dev eth0 \n");
        assertEquals(
                new NetnsInterface("eth0", MacAddress.parse("6a:bc:5e:b4:3b:77"), "10.98.0.2/24", "10.98.0.1", 1450),
                i);
    }

    @Test
    void itCrossesToTheVmProcessAsOneArgument() {
        NetnsInterface i =
                new NetnsInterface("eth0", MacAddress.parse("6a:bc:5e:b4:3b:77"), "10.98.0.2/24", null, 1500);
        assertEquals("eth0,6a:bc:5e:b4:3b:77,10.98.0.2/24,-,1500", i.toArgument());
        assertEquals(i, NetnsInterface.fromArgument(i.toArgument()));
        assertThrows(IllegalArgumentException.class, () -> NetnsInterface.fromArgument("eth0,xx,10.0.0.1/8,-,1500"));
        assertThrows(
                IllegalArgumentException.class,
                () -> NetnsInterface.fromArgument("eth0,6a:bc:5e:b4:3b:77,10.0.0.1,-,1"));
    }

    @Test
    void aNamespaceWithOnlyLoopbackHasNoneAndARouteOfAnotherDeviceIsNotItsGateway() {
        assertTrue(NetnsInterface.firstAddress(
                        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n")
                .isEmpty());
        assertTrue(NetnsInterface.firstAddress("").isEmpty());
        assertNull(NetnsInterface.of("eth0", "10.98.0.2/24", LINK, "default via 10.1.0.1 dev eth1\n")
                .gateway());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> NetnsInterface.of(
                        "wg0", "10.9.0.2/24", "3: wg0: <POINTOPOINT,NOARP,UP> mtu 1420 link/none\n", ""));
        assertTrue(e.getMessage().startsWith("wg0 is not an Ethernet interface"), e.getMessage());
    }
}
