package io.jvmm.virtio;

import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the "device failed" reports of {@link DeviceWorker}: a device thread that ended on
 * anything but a guest protocol error (an access outside guest RAM would be one). Property tests
 * with a hostile guest assert that none appear.
 */
public final class DeviceFailures {
    private static final List<String> FAILURES = new CopyOnWriteArrayList<>();
    /** Held strongly: java.util.logging keeps loggers weakly, and would drop the handler with it. */
    private static final Logger WORKER = Logger.getLogger(DeviceWorker.class.getName());

    static {
        WORKER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue())
                    FAILURES.add(MessageFormat.format(r.getMessage(), r.getParameters()));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    /** A position in the record, for {@link #since}. */
    public static int mark() {
        return FAILURES.size();
    }

    /** The failures reported after {@code mark}. */
    public static List<String> since(int mark) {
        return List.copyOf(FAILURES.subList(mark, FAILURES.size()));
    }

    private DeviceFailures() {}
}
