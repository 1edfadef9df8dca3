package io.jvmm.cli;

import io.jvmm.image.Descriptor;
import io.jvmm.image.Digest;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.ImageReference;
import io.jvmm.image.PullListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shows a pull as docker does. {@link Mode#BAR}: one line per layer redrawn in place (ANSI cursor-up) with a
 * progress bar, for a terminal. {@link Mode#LINES}: one line per layer when it is done (or found in the
 * store), for logs and pipes. {@link Mode#QUIET}: nothing but what {@link #summary} prints. Listener calls
 * come from the download threads; all state is guarded by this object.
 */
final class PullProgress implements PullListener {
    enum Mode {
        BAR,
        LINES,
        QUIET
    }

    private static final int BAR_WIDTH = 40;

    private final PrintStream out;
    private final Mode mode;
    private final Map<Digest, Row> rows = new LinkedHashMap<>();
    private Digest config;
    private boolean downloaded;
    private int drawnLines;
    private Thread painter;
    private volatile boolean finished;

    private static final class Row {
        final Descriptor blob;
        String status = "Waiting";
        long done;
        boolean active;

        Row(Descriptor blob) {
            this.blob = blob;
        }
    }

    PullProgress(PrintStream out, Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    /** BAR on a terminal stdout, else LINES; QUIET when asked. */
    static Mode modeFor(boolean quiet, boolean terminal) {
        return quiet ? Mode.QUIET : terminal ? Mode.BAR : Mode.LINES;
    }

    synchronized void begin(ImageReference r) {
        if (mode != Mode.QUIET) {
            out.println((r.digest() != null ? r.digest().toString() : r.tag()) + ": Pulling from " + r.name());
            out.flush();
        }
    }

    @Override
    public synchronized void resolved(ImageReference r, Digest manifestDigest, List<Descriptor> blobs) {
        if (blobs.isEmpty()) return;
        config = blobs.getFirst().digest();
        for (Descriptor d : blobs.subList(1, blobs.size())) rows.putIfAbsent(d.digest(), new Row(d));
        if (mode == Mode.BAR && painter == null) {
            painter = Thread.ofPlatform().daemon().name("pull-progress").start(() -> {
                while (!finished) {
                    synchronized (this) {
                        if (!finished) draw();
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    @Override
    public synchronized void cached(Descriptor blob) {
        Row row = rows.get(blob.digest());
        if (row == null) return;
        row.status = "Already exists";
        row.done = blob.size();
        if (mode == Mode.LINES) line(row);
    }

    @Override
    public synchronized void started(Descriptor blob, long resumedAt) {
        downloaded = true;
        Row row = rows.get(blob.digest());
        if (row == null) return;
        row.status = resumedAt > 0 ? "Resuming" : "Downloading";
        row.done = resumedAt;
        row.active = true;
    }

    @Override
    public synchronized void progress(Descriptor blob, long bytesDone) {
        Row row = rows.get(blob.digest());
        if (row == null) return;
        row.done = bytesDone;
        if (!row.status.startsWith("Download")) row.status = "Downloading";
    }

    @Override
    public synchronized void done(Descriptor blob) {
        Row row = rows.get(blob.digest());
        if (row == null) return;
        row.status = "Pull complete";
        row.done = blob.size();
        row.active = false;
        if (mode == Mode.LINES) line(row);
    }

    @Override
    public synchronized void retrying(Descriptor blob, int attempt, String why) {
        Row row = rows.get(blob.digest());
        if (row == null) return;
        row.status = "Retrying (attempt " + attempt + "): " + why;
        if (mode == Mode.LINES) line(row);
    }

    /** Stops redrawing and draws the final state (also after a failed pull). */
    void finish() {
        Thread p;
        synchronized (this) {
            finished = true;
            p = painter;
        }
        if (p != null) {
            p.interrupt();
            try {
                p.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (mode == Mode.BAR) draw();
            out.flush();
        }
    }

    /** docker's closing lines: the digest, whether anything was downloaded, the canonical name. */
    synchronized void summary(ImageRecord r) {
        if (mode != Mode.QUIET) {
            out.println("Digest: " + r.manifestDigest());
            out.println("Status: " + (downloaded ? "Downloaded newer image for " : "Image is up to date for ")
                    + Images.familiar(r.name()));
        }
        out.println(r.name());
        out.flush();
    }

    private void line(Row row) {
        out.println(row.blob.digest().shortHex() + ": " + row.status);
        out.flush();
    }

    private void draw() {
        List<String> lines = new ArrayList<>();
        for (Row row : rows.values()) {
            StringBuilder sb =
                    new StringBuilder(row.blob.digest().shortHex()).append(": ").append(row.status);
            if (row.active) {
                long size = Math.max(1, row.blob.size());
                int filled = (int) Math.min(BAR_WIDTH, row.done * BAR_WIDTH / size);
                sb.append(' ')
                        .append('[')
                        .append("=".repeat(Math.max(0, filled - 1)))
                        .append(filled > 0 ? ">" : "")
                        .append(" ".repeat(BAR_WIDTH - filled))
                        .append("] ")
                        .append(Images.humanSize(row.done))
                        .append('/')
                        .append(Images.humanSize(row.blob.size()));
            }
            lines.add(sb.toString());
        }
        StringBuilder frame = new StringBuilder();
        if (drawnLines > 0) frame.append("\033[").append(drawnLines).append('A');
        for (String l : lines) frame.append('\r').append("\033[2K").append(l).append('\n');
        out.print(frame);
        out.flush();
        drawnLines = lines.size();
    }
}
