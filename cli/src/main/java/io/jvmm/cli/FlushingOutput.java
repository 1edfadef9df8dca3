package io.jvmm.cli;

import java.io.IOException;
import java.io.OutputStream;

/** An output stream that flushes after every write: a guest's output reaches its reader as it comes, not when a buffer fills. */
public final class FlushingOutput extends OutputStream {
    private final OutputStream out;

    private FlushingOutput(OutputStream out) {
        this.out = out;
    }

    public static OutputStream of(OutputStream out) {
        return out instanceof FlushingOutput ? out : new FlushingOutput(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        out.flush();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        out.flush();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }
}
