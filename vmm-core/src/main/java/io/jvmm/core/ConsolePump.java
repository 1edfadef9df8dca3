package io.jvmm.core;

import io.jvmm.core.legacy.Serial8250;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;

/**
 * Copies host input into the guest's UART. A daemon thread, because a read from the host's stdin
 * cannot be interrupted; it waits while the UART's FIFO is full so typed input is not dropped.
 */
final class ConsolePump {
    private ConsolePump() {}

    static Thread start(InputStream in, Serial8250 serial, BooleanSupplier stopping) {
        Thread t = Thread.ofPlatform().name("console-in").daemon(true).unstarted(() -> {
            byte[] buf = new byte[1];
            try {
                while (!stopping.getAsBoolean()) {
                    int n = in.read(buf);
                    if (n < 0) return;
                    while (!serial.canReceive() && !stopping.getAsBoolean()) Thread.sleep(1);
                    serial.receive(buf, n);
                }
            } catch (IOException | InterruptedException e) {
                // host input closed or the VM ended
            }
        });
        t.start();
        return t;
    }
}
