package io.jvmm.shim.task;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.files.Closeables;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A task init's input, through the guest agent's attach to it: the stdin FIFO containerd gave fed to the
 * init's stdin pipe or terminal, CloseIO as its end, and ResizePty as the terminal's size.
 */
final class InitInput implements AutoCloseable {
    private final ContainerAttach attach;
    private FileChannel fifo;

    private InitInput(ContainerAttach attach, FileChannel fifo) {
        this.attach = attach;
        this.fifo = fifo;
    }

    /** Attaches to {@code c}'s init and feeds it the FIFO at {@code stdin} ("" : none) from now on. */
    static InitInput attach(Container c, String stdin) throws IOException, InterruptedException {
        ContainerAttach a = c.attach();
        FileChannel in = null;
        try {
            // Read and write: opening a FIFO to read alone blocks until a writer comes, and containerd's
            // client may open its end later. The end of input comes as CloseIO, not as EOF.
            if (!stdin.isEmpty())
                in = FileChannel.open(Path.of(stdin), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        if (in != null) a.feed(Channels.newInputStream(in), "shim-stdin-" + c.name());
        return new InitInput(a, in);
    }

    /** The init's terminal size (ResizePty). */
    void resize(int rows, int cols) throws IOException {
        attach.resize(rows, cols);
    }

    /**
     * Ends the init's input (CloseIO): closing the FIFO ends the feeder's read, which then sends the end
     * of input (the terminal's VEOF, or the stdin pipe closed).
     */
    synchronized void closeStdin() {
        if (fifo == null) return;
        Closeables.closeQuietly(fifo);
        fifo = null;
    }

    /** Detaches, once the init has exited or the task goes. */
    @Override
    public void close() {
        closeStdin();
        attach.close();
    }
}
