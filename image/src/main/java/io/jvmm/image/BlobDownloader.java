package io.jvmm.image;

import io.jvmm.files.Closeables;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Downloads blobs into a store's {@code tmp/<hex>.partial} files, several at once on a small fixed pool of platform
 * threads. Each blob is hashed while it is written; after a failure, or in a later pull after the process was killed,
 * the prefix on disk is re-hashed and the rest asked for with {@code Range: bytes=N-}. More bytes than the descriptor
 * declares abort at once and a wrong digest deletes the partial file, so only verified files are returned; transport
 * failures are retried. Committing the files to the store is the caller's.
 */
final class BlobDownloader {
    /** One download per digest in this JVM; a file lock on the partial file keeps other processes out. */
    private static final Map<String, ReentrantLock> DOWNLOAD_LOCKS = new ConcurrentHashMap<>();

    private final RegistryHttp http;
    private final RegistryAuth auth;
    private final int threads;
    private final int attempts;
    private final PullListener listener;
    private final AtomicLong requests = new AtomicLong();

    /** {@code threads} parallel downloads, {@code attempts} tries per blob, each resuming where the last stopped. */
    BlobDownloader(RegistryHttp http, RegistryAuth auth, int threads, int attempts, PullListener listener) {
        this.http = http;
        this.auth = auth;
        this.threads = threads;
        this.attempts = attempts;
        this.listener = listener;
    }

    /** GET requests made for blobs (each resume counts). */
    long requests() {
        return requests.get();
    }

    /**
     * Downloads {@code blobs} (in parallel when there are several); returns the verified partial file of each,
     * leaving out those another pull stored meanwhile. The first failure cancels the rest and is thrown.
     */
    Map<Digest, Path> downloadAll(ImageReference ref, List<Descriptor> blobs, ContentStore store) {
        Map<Digest, Path> out = new LinkedHashMap<>();
        if (blobs.isEmpty()) return out;
        if (blobs.size() == 1 || threads == 1) {
            for (Descriptor d : blobs) {
                Path p = download(ref, d, store);
                if (p != null) out.put(d.digest(), p);
            }
            return out;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, blobs.size()), r -> {
            Thread t = new Thread(r, "jvmm-pull-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Map<Digest, Future<Path>> futures = new LinkedHashMap<>();
            for (Descriptor d : blobs) futures.put(d.digest(), pool.submit(() -> download(ref, d, store)));
            for (var e : futures.entrySet()) {
                try {
                    Path p = e.getValue().get();
                    if (p != null) out.put(e.getKey(), p);
                } catch (ExecutionException x) {
                    pool.shutdownNow();
                    Throwable c = x.getCause();
                    if (c instanceof ImageException ie) throw ie;
                    if (c instanceof RuntimeException re) throw re;
                    if (c instanceof Error err) throw err;
                    throw new ImageException(ImageException.Kind.IO, "download failed: " + c, c);
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(
                    ImageException.Kind.INTERRUPTED,
                    "pull of " + ref + " interrupted (partial downloads kept to resume)",
                    e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Downloads one blob to {@code tmp/<hex>.partial}, resuming what is there; returns the file once its size and
     * digest are right (a wrong digest deletes it and throws DIGEST_MISMATCH), or null if the blob is in the store.
     * Serialized per digest, in this JVM by a lock and across processes by a file lock on the partial file.
     */
    Path download(ImageReference ref, Descriptor d, ContentStore store) {
        ReentrantLock jvmLock = DOWNLOAD_LOCKS.computeIfAbsent(d.digest().hex(), k -> new ReentrantLock());
        try {
            jvmLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryHttp.interrupted(ref);
        }
        Path part = store.partialPath(d.digest());
        try (FileChannel ch =
                FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.lock();
            if (store.hasBlob(d.digest())) {
                // another pull (maybe in another process) finished it while we waited for the lock
                Files.deleteIfExists(part);
                listener.cached(d);
                return null;
            }
            return downloadLocked(ref, d, part, ch);
        } catch (IOException e) {
            throw ContentStore.io("cannot write " + part, e);
        } finally {
            jvmLock.unlock();
        }
    }

    private Path downloadLocked(ImageReference ref, Descriptor d, Path part, FileChannel ch) throws IOException {
        String what = "blob " + d.digest() + " of " + ref;
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (Thread.currentThread().isInterrupted()) throw RegistryHttp.interrupted(ref);
            long have = ch.size();
            if (have > d.size()) {
                ch.truncate(0);
                have = 0;
            }
            MessageDigest md = Digest.newSha256();
            if (have > 0) hashPrefix(ch, have, md);
            if (have == d.size()) {
                listener.started(d, have);
                return finish(d, part, ch, md, what);
            }
            Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
            requests.incrementAndGet();
            HttpResponse<InputStream> resp;
            try {
                resp = auth.get(ref, http.uri(ref, "/blobs/" + d.digest()), headers, what);
            } catch (ImageException e) {
                if (e.kind() != ImageException.Kind.UNREACHABLE || attempt == attempts) throw e;
                listener.retrying(d, attempt + 1, e.getMessage());
                pause(attempt, ref);
                continue;
            }
            int status = resp.statusCode();
            if (status == 206) {
                String range = resp.headers().firstValue("Content-Range").orElse("");
                if (!range.startsWith("bytes " + have + "-")) {
                    Closeables.closeQuietly(resp.body());
                    ch.truncate(0);
                    continue; // the server answered another range: start over
                }
            } else {
                // a full answer to a Range request: the server cannot resume, so start from zero
                if (have > 0) {
                    ch.truncate(0);
                    have = 0;
                    md.reset();
                }
            }
            listener.started(d, have);
            try (InputStream in = resp.body()) {
                ch.position(have);
                byte[] buf = new byte[1 << 16];
                ByteBuffer bb = ByteBuffer.wrap(buf);
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (Thread.currentThread().isInterrupted()) throw RegistryHttp.interrupted(ref);
                    if (have + n > d.size()) {
                        ch.truncate(0);
                        throw new ImageException(
                                ImageException.Kind.DIGEST_MISMATCH,
                                "size mismatch for " + what + ": the registry sent more than the " + d.size()
                                        + " bytes the manifest declares (nothing stored)");
                    }
                    bb.clear().limit(n);
                    while (bb.hasRemaining()) ch.write(bb);
                    md.update(buf, 0, n);
                    have += n;
                    listener.progress(d, have);
                }
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()
                        || e instanceof InterruptedIOException
                        || e.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw RegistryHttp.interrupted(ref);
                }
                last = e;
                if (attempt < attempts) {
                    listener.retrying(d, attempt + 1, ImageException.describe(e));
                    pause(attempt, ref);
                }
                continue;
            }
            if (have < d.size()) {
                last = new IOException("the connection closed after " + have + " of " + d.size() + " bytes");
                if (attempt < attempts) listener.retrying(d, attempt + 1, last.getMessage());
                continue;
            }
            return finish(d, part, ch, md, what);
        }
        throw new ImageException(
                ImageException.Kind.UNREACHABLE,
                "download of " + what + " from " + ref.registryHost() + " failed after " + attempts + " attempts: "
                        + ImageException.describe(last) + " (partial download kept; pull again to resume)",
                last);
    }

    private Path finish(Descriptor d, Path part, FileChannel ch, MessageDigest md, String what) throws IOException {
        Digest actual = Digest.fromSha256(md);
        if (!actual.equals(d.digest())) {
            ch.truncate(0);
            Files.deleteIfExists(part);
            throw ContentStore.mismatch(what, d.digest(), actual);
        }
        ch.force(true);
        listener.done(d);
        return part;
    }

    private static void hashPrefix(FileChannel ch, long length, MessageDigest md) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        while (pos < length) {
            bb.clear();
            if (length - pos < bb.capacity()) bb.limit((int) (length - pos));
            int n = ch.read(bb, pos);
            if (n < 0) throw new IOException("partial file shrank");
            bb.flip();
            md.update(bb);
            pos += n;
        }
    }

    /** Backs off 200 ms more with each failed attempt. */
    private static void pause(int attempt, ImageReference ref) {
        try {
            Thread.sleep(200L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryHttp.interrupted(ref);
        }
    }
}
