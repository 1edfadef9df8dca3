package io.jvmm.core.backend.net;

/**
 * A host port forwarded to a guest port through passt: {@code HOST:GUEST} (TCP) or
 * {@code HOST:GUEST/udp}, as docker's {@code -p}.
 */
public record PortForward(boolean udp, int hostPort, int guestPort) {
    public PortForward {
        if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("ports must be between 1 and 65535");
        }
    }

    /** Parses {@code 8080:80}, {@code 8080:80/tcp}, {@code 5353:53/udp}; the message names what is wrong. */
    public static PortForward parse(String s) {
        String spec = s;
        boolean udp = false;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            String proto = s.substring(slash + 1);
            if (proto.equals("udp")) udp = true;
            else if (!proto.equals("tcp"))
                throw new IllegalArgumentException("'" + s + "': protocol must be tcp or udp");
            spec = s.substring(0, slash);
        }
        String[] parts = spec.split(":", -1);
        if (parts.length != 2)
            throw new IllegalArgumentException("'" + s + "' is not HOST:GUEST (e.g. 8080:80 or 5353:53/udp)");
        try {
            return new PortForward(udp, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not HOST:GUEST (e.g. 8080:80 or 5353:53/udp)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "': " + e.getMessage());
        }
    }

    /** passt's option for it: {@code -t 8080:80} or {@code -u 5353:53}. */
    String[] passtArgs() {
        return new String[] {udp ? "-u" : "-t", hostPort + ":" + guestPort};
    }

    @Override
    public String toString() {
        return hostPort + ":" + guestPort + (udp ? "/udp" : "");
    }
}
