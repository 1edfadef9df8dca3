package io.jvmm.junit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The host-side checks of the wait strategies; the strategies against a guest are in JvmmSandboxLinuxTest. */
class WaitTest {
    @Test
    void aListenerThatWaitsForTheClientCountsAsListening() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket c = s.accept()) {
                    Thread.sleep(2000);
                } catch (Exception ignored) {
                    // The test is over.
                }
            });
            assertTrue(Wait.listening("localhost", s.getLocalPort()));
        }
    }

    @Test
    void aConnectionClosedAtOnceIsWhatTheForwarderDoesWhenTheGuestRefuses() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    s.accept().close();
                } catch (Exception ignored) {
                    // The test is over.
                }
            });
            assertFalse(Wait.listening("localhost", s.getLocalPort()));
        }
    }

    @Test
    void aClosedPortIsNotListening() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertFalse(Wait.listening("localhost", port));
    }

    @Test
    void anHttpPathMustBeAbsolute() {
        assertThrows(IllegalArgumentException.class, () -> Wait.forHttp("health"));
    }
}
