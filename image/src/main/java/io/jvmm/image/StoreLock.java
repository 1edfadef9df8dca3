package io.jvmm.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The store's lock: pulls and imports hold it shared, prune and remove hold it exclusive, so prune never
 * deletes a blob a running pull has just committed but not yet indexed. In this JVM a read-write lock;
 * across processes an flock-style lock on {@code <root>/lock} (shared while any in-JVM reader holds it).
 */
final class StoreLock {
    private static final Map<Path, StoreLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private int readers;
    private FileChannel sharedChannel;

    private StoreLock(Path file) {
        this.file = file;
    }

    static StoreLock forRoot(Path root) {
        return LOCKS.computeIfAbsent(root.toAbsolutePath().normalize(), r -> new StoreLock(r.resolve("lock")));
    }

    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held shared() {
        rw.readLock().lock();
        try {
            synchronized (this) {
                if (readers == 0) {
                    FileChannel ch = open();
                    try {
                        ch.lock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        closeQuietly(ch);
                        throw e;
                    }
                    sharedChannel = ch;
                }
                readers++;
            }
        } catch (IOException e) {
            rw.readLock().unlock();
            throw new ImageException(ImageException.Kind.IO, "cannot lock the image store: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            rw.readLock().unlock();
            throw e;
        }
        return () -> {
            synchronized (this) {
                if (--readers == 0) {
                    closeQuietly(sharedChannel);
                    sharedChannel = null;
                }
            }
            rw.readLock().unlock();
        };
    }

    Held exclusive() {
        rw.writeLock().lock();
        FileChannel ch;
        try {
            ch = open();
            try {
                FileLock l = ch.lock();
                assert l.isValid();
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        } catch (IOException e) {
            rw.writeLock().unlock();
            throw new ImageException(ImageException.Kind.IO, "cannot lock the image store: " + e.getMessage(), e);
        }
        return () -> {
            closeQuietly(ch);
            rw.writeLock().unlock();
        };
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            if (ch != null) ch.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
