package io.jvmm.core.backend.net;

import io.jvmm.virtio.net.MacAddress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The interface a container engine prepared in a network namespace (CNI's or netavark's veth end, as
 * a rule {@code eth0}): what the guest's eth0 takes over. Read from ip(8)'s one-line output, as
 * {@link NetnsTap} runs it inside the namespace.
 *
 * @param name    the interface
 * @param mac     its MAC, which the guest takes so that the engine's bridge and ARP tables stay right
 * @param cidr    its first IPv4 address, {@code A.B.C.D/PREFIX}
 * @param gateway the default route's IPv4 gateway, null when there is none
 * @param mtu     its MTU
 */
public record NetnsInterface(String name, MacAddress mac, String cidr, String gateway, int mtu) {
    private static final Pattern ADDR =
            Pattern.compile("^\\d+:\\s+(\\S+)\\s+inet\\s+(\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+)\\b");
    private static final Pattern LINK = Pattern.compile("\\bmtu (\\d+)\\b.*\\blink/ether ([0-9a-f:]{17})\\b");
    private static final Pattern ROUTE = Pattern.compile("^default via (\\d+\\.\\d+\\.\\d+\\.\\d+) dev (\\S+)");

    /**
     * The first interface but {@code lo} with an IPv4 address in {@code ip -o -4 addr show}; empty when
     * the namespace has none (an engine's {@code --network none}).
     */
    static Optional<String[]> firstAddress(String ipAddrOutput) {
        for (String line : ipAddrOutput.split("\n")) {
            Matcher m = ADDR.matcher(line.strip());
            if (m.find() && !m.group(1).equals("lo")) {
                String name = m.group(1);
                int at = name.indexOf('@'); // veth names show as eth0@if12
                return Optional.of(new String[] {at < 0 ? name : name.substring(0, at), m.group(2)});
            }
        }
        return Optional.empty();
    }

    /** As one command-line argument, {@code NAME,MAC,CIDR,GATEWAY,MTU} ({@code -} for no gateway), for a VM process. */
    public String toArgument() {
        return String.join(",", name, mac.toString(), cidr, gateway == null ? "-" : gateway, Integer.toString(mtu));
    }

    /** Reads {@link #toArgument}'s form back; an IllegalArgumentException names a malformed one. */
    public static NetnsInterface fromArgument(String arg) {
        String[] f = arg.split(",", -1);
        if (f.length != 5 || !ADDR.matcher("1: " + f[0] + " inet " + f[2]).find())
            throw new IllegalArgumentException("not NAME,MAC,CIDR,GATEWAY,MTU: " + arg);
        try {
            return new NetnsInterface(
                    f[0], MacAddress.parse(f[1]), f[2], f[3].equals("-") ? null : f[3], Integer.parseInt(f[4]));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not NAME,MAC,CIDR,GATEWAY,MTU: " + arg + " (" + e.getMessage() + ")");
        }
    }

    /** The interface from its address, {@code ip -o link show dev NAME} and {@code ip -4 route show default}. */
    static NetnsInterface of(String name, String cidr, String ipLinkOutput, String ipRouteOutput) {
        Matcher link = LINK.matcher(ipLinkOutput);
        if (!link.find())
            throw new IllegalArgumentException(name + " is not an Ethernet interface: " + ipLinkOutput.strip());
        String gateway = null;
        for (String line : ipRouteOutput.split("\n")) {
            Matcher r = ROUTE.matcher(line.strip());
            if (r.find() && r.group(2).equals(name)) {
                gateway = r.group(1);
                break;
            }
        }
        return new NetnsInterface(
                name, MacAddress.parse(link.group(2)), cidr, gateway, Integer.parseInt(link.group(1)));
    }
}
