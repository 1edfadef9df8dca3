package io.jvmm.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketSyscallsTest {
    @TempDir
    Path dir;

    @Test
    void aDescriptorSentWithScmRightsArrivesWithItsData() {
        Path socket = dir.resolve("console.sock");
        int listener = SocketSyscalls.listen(socket);
        int[] pair = SocketSyscalls.socketpair();
        try {
            SocketSyscalls.sendFd(socket, pair[0], "/dev/pts/7".getBytes(StandardCharsets.UTF_8));
            int conn = SocketSyscalls.accept(listener);
            SocketSyscalls.ReceivedFd r;
            try {
                r = SocketSyscalls.receiveFd(conn);
            } finally {
                Libc.close(conn);
            }
            assertEquals("/dev/pts/7", new String(r.data(), StandardCharsets.UTF_8));
            assertTrue(r.fd() != pair[0], "the receiver's own descriptor");
            // The received descriptor is the same open socket: what goes in there comes out of its peer.
            PtyTest.write(r.fd(), "through");
            Libc.close(r.fd());
            assertEquals("through", PtyTest.read(pair[1]));
        } finally {
            Libc.close(listener);
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void errorsNameTheSocket() {
        NativeException none = assertThrows(
                NativeException.class, () -> SocketSyscalls.sendFd(dir.resolve("none"), 0, new byte[] {1}));
        assertTrue(none.getMessage().contains("connect(" + dir.resolve("none") + ")"), none.getMessage());
        Path tooLong = dir.resolve("x".repeat(120));
        NativeException e =
                assertThrows(NativeException.class, () -> SocketSyscalls.sendFd(tooLong, 0, new byte[] {1}));
        assertTrue(e.getMessage().contains("at most 107"), e.getMessage());
    }
}
