package io.jvmm.virtio;

import java.util.concurrent.atomic.AtomicInteger;

/** A {@link VirtioInterrupt} that counts what it is told and lets tests wait for it. */
public final class RecordingInterrupt implements VirtioInterrupt {
    private final AtomicInteger used = new AtomicInteger();
    private final AtomicInteger config = new AtomicInteger();

    @Override
    public void signalUsedBuffer(int queue) {
        used.incrementAndGet();
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public void signalConfigChange() {
        config.incrementAndGet();
        synchronized (this) {
            notifyAll();
        }
    }

    public int usedCount() {
        return used.get();
    }

    public int configCount() {
        return config.get();
    }
}
