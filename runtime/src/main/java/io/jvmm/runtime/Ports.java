package io.jvmm.runtime;

import io.jvmm.core.backend.net.PortForward;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Host port forwards as a VM record keeps them: {@code HOST:GUEST[/udp]} text, checked against the host. */
public final class Ports {
    private Ports() {}

    /**
     * {@code spec} ({@code HOST:GUEST[/udp]}) in the form records keep, once its host port is checked
     * free; a usage error naming {@code -p SPEC} otherwise (a forward to a port something else holds
     * would fail later, inside passt).
     */
    public static String checkedForward(String spec) {
        PortForward f;
        try {
            f = PortForward.parse(spec);
        } catch (IllegalArgumentException e) {
            throw EngineException.usage("-p " + spec + ": " + e.getMessage());
        }
        try {
            if (f.udp()) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(f.hostPort()))) {
                    /* free */
                }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(f.hostPort()));
                }
            }
        } catch (IOException e) {
            throw EngineException.usage("-p " + f + ": host port " + f.hostPort() + " is already in use");
        }
        return f.toString();
    }

    /** {@code spec} in the form records keep, without looking at the host; a usage error naming {@code -p SPEC} when malformed. */
    public static String forward(String spec) {
        try {
            return PortForward.parse(spec).toString();
        } catch (IllegalArgumentException e) {
            throw EngineException.usage("-p " + spec + ": " + e.getMessage());
        }
    }

    /** A host port free now (the system picks it), TCP or UDP. */
    public static int freeHostPort(boolean udp) {
        try {
            if (udp) {
                try (DatagramSocket s = new DatagramSocket(0)) {
                    return s.getLocalPort();
                }
            }
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        } catch (IOException e) {
            throw EngineException.runtime("-P: no free host port: " + e.getMessage());
        }
    }
}
