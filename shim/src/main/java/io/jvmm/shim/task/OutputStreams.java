package io.jvmm.shim.task;

import io.jvmm.files.Closeables;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A process's stdout and stderr, opened from the paths containerd gave (FIFOs its client reads, or files);
 * one stream when both name the same path, a sink for an empty path.
 */
record OutputStreams(OutputStream out, OutputStream err) implements AutoCloseable {
    static OutputStreams open(String stdout, String stderr) throws IOException {
        OutputStream out = open(stdout);
        if (stderr.equals(stdout) && !stdout.isEmpty()) return new OutputStreams(out, out);
        try {
            return new OutputStreams(out, open(stderr));
        } catch (IOException e) {
            Closeables.closeQuietly(out);
            throw e;
        }
    }

    private static OutputStream open(String path) throws IOException {
        if (path.isEmpty()) return OutputStream.nullOutputStream();
        String p = path.startsWith("file://") ? path.substring("file://".length()) : path;
        if (p.contains("://"))
            throw new IOException("output URI " + path + " is not supported (fifo or file paths only)");
        // A FIFO's reader (containerd's client) opened it before Create; a plain file is appended to. Not a
        // channel: an interrupt of whichever thread writes must not close the stream under the others.
        return new FileOutputStream(Path.of(p).toFile(), true);
    }

    /** Closes both, quietly: the reader may have gone, and nothing is lost that it wanted. */
    @Override
    public void close() {
        Closeables.closeQuietly(out, err == out ? null : err);
    }
}
