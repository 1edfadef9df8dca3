package io.jvmm.junit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the sandbox's command printed, stdout and stderr interleaved as they arrived: kept whole (up to
 * a cap, then the oldest half is dropped) for {@link JvmmSandbox#getLogs()}, and passed line by line to
 * followers. Thread-safe: the agent's reader threads write, test threads read and wait.
 */
final class OutputLog {
    /** Beyond this many characters the oldest half goes: a chatty server must not fill the test's heap. */
    static final int MAX_CHARS = 4 << 20;

    private final StringBuilder text = new StringBuilder();
    private final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream partialOut = new ByteArrayOutputStream();
    private final ByteArrayOutputStream partialErr = new ByteArrayOutputStream();
    private long linesSeen;

    /** The sink for the command's stdout. */
    OutputStream stdout() {
        return sink(partialOut);
    }

    /** The sink for the command's stderr. */
    OutputStream stderr() {
        return sink(partialErr);
    }

    private OutputStream sink(ByteArrayOutputStream partial) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                append(partial, b, off, len);
            }

            @Override
            public void close() {
                flushPartial(partial);
            }
        };
    }

    private void append(ByteArrayOutputStream partial, byte[] b, int off, int len) {
        List<String> complete = new ArrayList<>();
        synchronized (this) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    complete.add(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                } else {
                    partial.write(b[i]);
                }
            }
            for (String line : complete) addLine(line);
        }
        deliver(complete);
    }

    private void flushPartial(ByteArrayOutputStream partial) {
        String line;
        synchronized (this) {
            if (partial.size() == 0) return;
            line = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
            addLine(line);
        }
        deliver(List.of(line));
    }

    private void addLine(String line) {
        text.append(line).append('\n');
        linesSeen++;
        if (text.length() > MAX_CHARS) text.delete(0, text.length() / 2);
        notifyAll();
    }

    private void deliver(List<String> lines) {
        for (String line : lines) for (Consumer<String> f : followers) f.accept(line);
    }

    /** Starts with {@code earlier} (a restored copy's template log); followers do not see it. */
    synchronized void seed(String earlier) {
        text.append(earlier);
        linesSeen += earlier.chars().filter(c -> c == '\n').count();
    }

    /** Everything kept so far. */
    synchronized String text() {
        return text.toString();
    }

    /** Lines completed so far (never decreases, also when old text is dropped). */
    synchronized long lines() {
        return linesSeen;
    }

    /** Passes every later line to {@code follower}. */
    void follow(Consumer<String> follower) {
        followers.add(follower);
    }

    /** Waits until a line arrives or {@code millis} pass. */
    synchronized void awaitChange(long lines, long millis) throws InterruptedException {
        if (linesSeen == lines && millis > 0) wait(millis);
    }
}
