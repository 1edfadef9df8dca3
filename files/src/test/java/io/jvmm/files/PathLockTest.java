package io.jvmm.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PathLockTest {
    @TempDir
    Path dir;
    /** A thread per task: the common pool may have one worker, which a blocked holder would take. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void oneInstancePerFileAndTheLockFileIsCreated() throws IOException {
        Path f = dir.resolve("a.lock");
        assertSame(PathLock.of(f), PathLock.of(dir.resolve("x/../a.lock")));
        try (PathLock.Held h = PathLock.of(f).exclusive()) {
            assertTrue(Files.isRegularFile(f));
        }
    }

    @Test
    void anExistingFileIsNotCreated() {
        Path f = dir.resolve("image.ext4");
        assertThrows(NoSuchFileException.class, () -> PathLock.onExisting(f).tryExclusive());
        assertFalse(Files.exists(f));
        // and the failed attempt left the lock free
        assertThrows(NoSuchFileException.class, () -> PathLock.onExisting(f).exclusive());
    }

    @Test
    void exclusiveExcludesEveryoneInThisJvm() throws Exception {
        PathLock lock = PathLock.of(dir.resolve("b.lock"));
        try (PathLock.Held h = lock.exclusive()) {
            assertNull(CompletableFuture.supplyAsync(() -> tryExclusive(lock), threads)
                    .get(10, TimeUnit.SECONDS));
            CompletableFuture<Boolean> shared = CompletableFuture.supplyAsync(() -> holdShared(lock), threads);
            Thread.sleep(200);
            assertFalse(shared.isDone(), "a shared holder got in beside an exclusive one");
            h.close();
            assertTrue(shared.get(10, TimeUnit.SECONDS));
        } // closing again does nothing
        PathLock.Held again = lock.tryExclusive();
        assertNotNull(again, "released locks are free again");
        again.close();
    }

    @Test
    void sharedHoldersShareAndKeepExclusiveOut() throws Exception {
        PathLock lock = PathLock.of(dir.resolve("c.lock"));
        CountDownLatch secondHolds = new CountDownLatch(1), release = new CountDownLatch(1);
        CompletableFuture<Void> second;
        try (PathLock.Held first = lock.shared()) {
            second = CompletableFuture.runAsync(
                    () -> {
                        try (PathLock.Held h = lock.shared()) {
                            secondHolds.countDown();
                            release.await();
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    threads);
            assertTrue(secondHolds.await(10, TimeUnit.SECONDS), "a second shared holder waited for the first");
        }
        // One shared holder left: the file lock must still be held for it.
        assertNull(
                CompletableFuture.supplyAsync(() -> tryExclusive(lock), threads).get(10, TimeUnit.SECONDS));
        assertEquals("locked", otherProcess(lock.file(), "try"));
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> holdExclusive(lock), threads);
        Thread.sleep(200);
        assertFalse(writer.isDone(), "an exclusive holder got in beside a shared one");
        release.countDown();
        second.get(10, TimeUnit.SECONDS);
        assertTrue(writer.get(10, TimeUnit.SECONDS));
        assertEquals("free", otherProcess(lock.file(), "try"));
    }

    @Test
    void anotherProcessHoldingItKeepsThisOneOut() throws Exception {
        Path f = dir.resolve("d.lock");
        Process holder = holder(f);
        try {
            assertNull(PathLock.of(f).tryExclusive());
        } finally {
            holder.getOutputStream().close(); // the holder exits when its stdin ends
            assertEquals(0, holder.waitFor());
        }
        PathLock.Held h = PathLock.of(f).tryExclusive();
        assertNotNull(h);
        assertEquals("locked", otherProcess(f, "try"));
        h.close();
    }

    @Test
    void aLockTakenByOtherMeansInThisJvmCounts() throws IOException {
        Path f = dir.resolve("e.img");
        Files.write(f, new byte[4096]);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock l = ch.lock()) {
            assertTrue(l.isValid());
            assertNull(PathLock.onExisting(f).tryExclusive());
        }
        try (PathLock.Held h = PathLock.onExisting(f).tryExclusive()) {
            assertNotNull(h);
        }
    }

    private static PathLock.Held tryExclusive(PathLock lock) {
        try {
            return lock.tryExclusive();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean holdShared(PathLock lock) {
        try (PathLock.Held h = lock.shared()) {
            return h != null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean holdExclusive(PathLock lock) {
        try (PathLock.Held h = lock.exclusive()) {
            return h != null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder child(Path f, String mode) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        PathLockChild.class.getName(),
                        f.toString(),
                        mode))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    /** Runs a child that tries the lock once and answers "free" or "locked". */
    private static String otherProcess(Path f, String mode) throws IOException, InterruptedException {
        Process p = child(f, mode).start();
        String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor());
        return answer;
    }

    /** Starts a child that holds the lock exclusively until its stdin closes; returns once it holds it. */
    private static Process holder(Path f) throws IOException {
        Process p = child(f, "hold").start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("held", r.readLine());
        return p;
    }
}
