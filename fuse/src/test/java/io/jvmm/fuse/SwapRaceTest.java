package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static io.jvmm.fuse.FuseClient.ok;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Races a host thread that keeps swapping a directory of the share with a symlink to the canary
 * (renameat2 RENAME_EXCHANGE, so the name is always one or the other) against a guest that keeps
 * looking the name up and opening, creating, writing, removing and changing things beneath it; and a
 * guest that renames a directory back and forth while another guest thread works inside it. Nothing
 * outside the share may change, whichever way each race goes.
 */
class SwapRaceTest {
    private static final int ROUNDS = 2_000;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void directorySwappedForASymlinkInALoop() throws Exception {
        Root.assume();
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path outside = Canary.create(tmp.resolve("outside"));
        String before = Canary.digest(outside);
        Files.createDirectory(share.resolve("d"));
        Files.writeString(share.resolve("d/canary-file"), "inside");
        Files.createSymbolicLink(share.resolve("swap"), outside.toAbsolutePath());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
            int dir = Libc.open(share.toString(), Libc.O_PATH | FileSyscalls.O_DIRECTORY | Libc.O_CLOEXEC);
            byte[] d = "d".getBytes(StandardCharsets.US_ASCII), s = "swap".getBytes(StandardCharsets.US_ASCII);
            while (!stop.get()) {
                FileSyscalls.check("renameat2", FileSyscalls.renameat2(dir, d, dir, s, FileSyscalls.RENAME_EXCHANGE));
                swaps.incrementAndGet();
            }
            FileSyscalls.close(dir);
        });
        int asDirectory = 0;
        try (FuseClient c =
                new FuseClient(FuseServer.open(share, ShareOptions.defaults().withBounds(64, 64)))) {
            ok(c.init());
            for (int i = 0; i < ROUNDS; i++) {
                FuseClient.Answer e = c.lookup(ROOT_ID, i % 2 == 0 ? "d" : "swap");
                if (e.error() != 0) continue;
                long n = e.node();
                if ((e.mode(40) & 0170000) == 040000) asDirectory++;
                FuseClient.Answer f = c.lookup(n, "canary-file");
                if (f.error() == 0) {
                    FuseClient.Answer o = c.open(f.node(), O_RDWR);
                    if (o.error() == 0) {
                        c.write(f.node(), o.fh(), 0, "guest".getBytes(StandardCharsets.US_ASCII));
                        c.release(f.node(), o.fh());
                    }
                    c.setattr(f.node(), FATTR_MODE | FATTR_SIZE | FATTR_UID, 0, 1, 0, 0777, 1234, 0);
                    c.forget(f.node(), 1);
                }
                FuseClient.Answer cr = c.create(n, "new-" + i, O_RDWR, 0600);
                if (cr.error() == 0) {
                    c.release(cr.node(), cr.u64(ENTRY_OUT));
                    c.unlink(n, "new-" + i);
                    c.forget(cr.node(), 1);
                }
                c.mkdir(n, "sub", 0755);
                c.rmdir(n, "sub");
                c.unlink(n, "passwd");
                c.symlink(n, "l" + i, "/etc/passwd");
                FuseClient.Answer dh = c.opendir(n);
                if (dh.error() == 0) {
                    c.readdir(READDIRPLUS, n, dh.fh(), 0, 4096);
                    c.releasedir(n, dh.fh());
                }
                c.forget(n, 1);
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertTrue(
                swaps.get() > 0 && asDirectory > 0,
                "the race ran: " + swaps.get() + " swaps, " + asDirectory + " directory lookups");
        assertEquals(before, Canary.digest(outside), "the canary outside the share changed");
    }

    @Test
    void guestRenamesRaceGuestWorkInside() throws Exception {
        Root.assume();
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path outside = Canary.create(tmp.resolve("outside"));
        String before = Canary.digest(outside);
        try (FuseClient mover =
                new FuseClient(FuseServer.open(share, ShareOptions.defaults().withBounds(16, 64)))) {
            ok(mover.init());
            long a = ok(mover.mkdir(ROOT_ID, "a", 0755)).node();
            long b = ok(mover.mkdir(ROOT_ID, "b", 0755)).node();
            long sub = ok(mover.mkdir(a, "sub", 0755)).node();
            FuseClient worker = new FuseClient(mover.server);
            AtomicBoolean stop = new AtomicBoolean();
            Thread t = Thread.ofPlatform().name("mover").start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    mover.rename2(i % 2 == 0 ? a : b, "sub", i % 2 == 0 ? b : a, "sub", 0);
                    mover.lookup(ROOT_ID, "fill" + (i % 64)); // churns the descriptor LRU
                    mover.mkdir(ROOT_ID, "fill" + (i % 64), 0755);
                }
            });
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    FuseClient.Answer cr = worker.create(sub, "f" + (i % 10), O_RDWR, 0600);
                    if (cr.error() == 0) worker.release(cr.node(), cr.u64(ENTRY_OUT));
                    worker.unlink(sub, "f" + ((i + 5) % 10));
                }
            } finally {
                stop.set(true);
                t.join();
            }
        }
        try (var files = Files.walk(share)) {
            assertTrue(files.allMatch(p -> p.startsWith(share)));
        }
        assertEquals(before, Canary.digest(outside), "the canary outside the share changed");
    }
}
