package io.jvmm.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A lock named by a file, shared or exclusive, that holds in this JVM and across processes: in the JVM a
 * read-write lock per file, across processes a {@link FileLock} on the file (an fcntl lock: per process,
 * so the in-JVM lock is what orders this JVM's threads). While any thread here holds it shared, this
 * process holds one shared file lock. One instance per file ({@link #of}), so every user in the JVM meets.
 * <p>
 * A lock is released by the thread that took it (the in-JVM lock is owned by threads). Closing another
 * descriptor of the same file drops a process's fcntl locks on it: a holder must not open and close the
 * locked file by other means while it holds the lock.
 */
public final class PathLock {
    private static final Map<Path, PathLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final boolean create;
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private int readers;
    private FileChannel sharedChannel;

    private PathLock(Path file, boolean create) {
        this.file = file;
        this.create = create;
    }

    /** The lock of the lock file {@code file}, which is created when it is first taken. */
    public static PathLock of(Path file) {
        return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new PathLock(f, true));
    }

    /**
     * The lock of {@code file}, a file that must exist (an image a VM may hold): taking it throws
     * {@link NoSuchFileException} rather than creating the file.
     */
    public static PathLock onExisting(Path file) {
        return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new PathLock(f, false));
    }

    /** The locked file. */
    public Path file() {
        return file;
    }

    /** A held lock; closing releases it (once: closing again does nothing). */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private static Held once(Runnable release) {
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.getAndSet(false)) release.run();
        };
    }

    /** Waits for the lock shared: other shared holders may hold it too, an exclusive one waits. */
    public Held shared() throws IOException {
        rw.readLock().lock();
        try {
            synchronized (this) {
                if (readers == 0) {
                    FileChannel ch = open();
                    try {
                        ch.lock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        Closeables.closeQuietly(ch);
                        throw e;
                    }
                    sharedChannel = ch;
                }
                readers++;
            }
        } catch (IOException | RuntimeException e) {
            rw.readLock().unlock();
            throw e;
        }
        return once(() -> {
            synchronized (this) {
                if (--readers == 0) {
                    Closeables.closeQuietly(sharedChannel);
                    sharedChannel = null;
                }
            }
            rw.readLock().unlock();
        });
    }

    /** Waits for the lock exclusive: no other holder, in this JVM or another process. */
    public Held exclusive() throws IOException {
        rw.writeLock().lock();
        FileChannel ch;
        try {
            ch = open();
            try {
                ch.lock();
            } catch (IOException | RuntimeException e) {
                Closeables.closeQuietly(ch);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            rw.writeLock().unlock();
            throw e;
        }
        return released(ch);
    }

    /**
     * The lock exclusive if no one holds it, in this JVM or another process (through this class or any
     * other fcntl lock on the file); null when someone does. Does not wait.
     */
    public Held tryExclusive() throws IOException {
        if (!rw.writeLock().tryLock()) return null;
        FileChannel ch = null;
        try {
            ch = open();
            if (ch.tryLock() == null) {
                ch.close();
                rw.writeLock().unlock();
                return null;
            }
            return released(ch);
        } catch (OverlappingFileLockException e) {
            // This JVM holds a lock on the file by other means.
            Closeables.closeQuietly(ch);
            rw.writeLock().unlock();
            return null;
        } catch (IOException | RuntimeException e) {
            Closeables.closeQuietly(ch);
            rw.writeLock().unlock();
            throw e;
        }
    }

    private Held released(FileChannel ch) {
        return once(() -> {
            Closeables.closeQuietly(ch);
            rw.writeLock().unlock();
        });
    }

    private FileChannel open() throws IOException {
        return create
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
}
