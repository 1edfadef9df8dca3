package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.files.FileTrees;
import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceFailures;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.fs.FsDevice;
import io.jvmm.virtio.fs.FsRequestHandler;
import io.jvmm.virtio.mmio.MmioDriver;
import io.jvmm.virtio.mmio.MmioRegisters;
import io.jvmm.virtio.mmio.MmioTransport;
import io.jvmm.virtio.queue.DriverQueue;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * A hostile guest driver against the virtio-fs device and the FUSE server behind it: random FUSE
 * headers (lengths shorter and longer than the buffers, any opcode, forged node ids and handles),
 * names with '/', NUL and '..', random argument bytes, chains split anywhere (direct and indirect),
 * reply buffers too small for a header, and now and then descriptor soup. After every try: no
 * device thread died of anything but a guest protocol error, every chain was answered (or the
 * device asked for a reset), and every reply header is consistent. After all tries: the canary
 * directory beside the share is unchanged.
 */
class HostileDriverPropertyTest {
    private static final int RAM = 4 << 20;
    /** The request queue's rings and buffers below HIPRIO, the hiprio queue's above: they never overlap. */
    private static final long REQUESTS = 0x1000, HIPRIO = 2 << 20, HEAP_LIMIT = 1 << 20;

    private static final String[] NAMES = {
        "a",
        "b",
        "d",
        "l",
        "new",
        "..",
        ".",
        "a/b",
        "../outside",
        "/etc/passwd",
        "x\0y",
        "",
        "canary-file",
        "x".repeat(300),
        "passwd"
    };
    private static final int[] OPCODES = {
        LOOKUP,
        FORGET,
        GETATTR,
        SETATTR,
        READLINK,
        SYMLINK,
        MKNOD,
        MKDIR,
        UNLINK,
        RMDIR,
        RENAME,
        LINK,
        OPEN,
        READ,
        WRITE,
        STATFS,
        RELEASE,
        FSYNC,
        SETXATTR,
        GETXATTR,
        LISTXATTR,
        REMOVEXATTR,
        FLUSH,
        INIT,
        OPENDIR,
        READDIR,
        RELEASEDIR,
        FSYNCDIR,
        ACCESS,
        CREATE,
        INTERRUPT,
        DESTROY,
        BATCH_FORGET,
        FALLOCATE,
        READDIRPLUS,
        RENAME2,
        LSEEK,
        COPY_FILE_RANGE,
        GETLK,
        IOCTL,
        SETUPMAPPING,
        0,
        99,
        4096
    };

    /** Server bugs: FuseServer answers EIO and logs when an operation throws; a guest must never cause one. */
    private static final List<String> SERVER_BUGS = new CopyOnWriteArrayList<>();

    private static final Logger SERVER_LOG = Logger.getLogger(FuseServer.class.getName());
    private static final Logger DEVICE_LOG = Logger.getLogger(FsDevice.class.getName());

    static {
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                SERVER_BUGS.add(MessageFormat.format(r.getMessage(), r.getParameters()));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        SERVER_LOG.addHandler(h);
        DEVICE_LOG.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage().contains("request failed") || r.getMessage().contains("handler reported"))
                    h.publish(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    private Path tmp, share, outside;
    private String canary;
    private GuestMemory mem;
    private MmioTransport transport;
    private MmioDriver driver;
    private DriverQueue hiprio, requests;
    private boolean indirect;
    private int failures;

    @BeforeProperty
    void setUp() throws Exception {
        tmp = Files.createTempDirectory("fuse-hostile");
        share = Files.createDirectories(tmp.resolve("share"));
        outside = Canary.create(tmp.resolve("outside"));
        canary = Canary.digest(outside);
        Files.writeString(share.resolve("a"), "alpha");
        Files.writeString(share.resolve("b"), "beta");
        Files.createDirectories(share.resolve("d/e"));
        Files.createSymbolicLink(share.resolve("l"), outside.toAbsolutePath());
        Files.createSymbolicLink(
                share.resolve("canary-file"), outside.resolve("canary-file").toAbsolutePath());
        FuseServer server = FuseServer.open(share, ShareOptions.defaults().withBounds(32, 16));
        FsRequestHandler handler = new FsRequestHandler() {
            @Override
            public int handle(List<MemorySegment> in, List<MemorySegment> out) {
                return server.handle(in, out);
            }

            @Override
            public void close() {
                server.close();
            }
        };
        mem = TestMemory.of(RAM);
        transport = new MmioTransport(
                new FsDevice("hostile", 1, handler),
                mem,
                List.of(new SimpleQueueEvent(), new SimpleQueueEvent()),
                () -> {});
        driver = new MmioDriver(transport);
        failures = DeviceFailures.mark();
    }

    @AfterProperty
    void tearDown() {
        transport.close();
        String after = Canary.digest(outside);
        FileTrees.deleteQuietly(tmp);
        assertEquals(canary, after, "a file outside the share changed");
        assertEquals(
                List.of(),
                DeviceFailures.since(failures),
                "device threads failed on something other than a guest protocol error");
    }

    /** Resets the device and starts it on fresh rings (after NEEDS_RESET, or when the buffer space is used up). */
    private void restart(Random r) {
        mem.fill(0, RAM, (byte) 0);
        indirect = r.nextBoolean();
        long features = VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX)
                | (indirect ? VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC) : 0);
        requests = new DriverQueue(mem, REQUESTS, 64);
        hiprio = new DriverQueue(mem, HIPRIO, 16);
        driver.start(features, hiprio, requests); // writes status 0 first: a reset
    }

    private static boolean exhausted(DriverQueue q, long base) {
        return q.alloc(0) - base > HEAP_LIMIT;
    }

    @Property(tries = 10_000)
    void aHostileDriverNeverEscapesNorBreaksTheDevice(@ForAll long seed) {
        Random r = new Random(seed);
        if (requests == null
                || exhausted(requests, REQUESTS)
                || exhausted(hiprio, HIPRIO)
                || (driver.read(MmioRegisters.STATUS) & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
            restart(r);
        }
        int queue = r.nextInt(8) == 0 ? 0 : 1;
        DriverQueue q = queue == 0 ? hiprio : requests;
        List<List<DriverQueue.Buf>> sent = new ArrayList<>();
        if (r.nextInt(3) == 0) sent.add(chain(q, r, initRequest(), 64, indirect));
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(25) == 0) {
                soup(q, r);
                sent.add(null);
            } else {
                sent.add(chain(q, r, request(r), replySize(r), indirect && r.nextBoolean()));
            }
        }
        driver.notifyQueue(queue);
        List<DriverQueue.Used> used = awaitAnswers(q, sent.size());
        assertEquals(List.of(), DeviceFailures.since(failures), "device thread failed (seed " + seed + ")");
        assertEquals(List.of(), SERVER_BUGS, "the server failed on guest input (seed " + seed + ")");
        if (used == null) return; // the device asked for a reset: an allowed answer to a broken ring
        if (sent.contains(null)) return; // soup may have rewritten the other chains' descriptors too
        for (DriverQueue.Used u : used) checkReply(q, sent, u, seed);
    }

    /** Waits for {@code count} used entries, or NEEDS_RESET (null). A hung device fails the test. */
    private List<DriverQueue.Used> awaitAnswers(DriverQueue q, int count) {
        List<DriverQueue.Used> used = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (used.size() < count) {
            DriverQueue.Used u = q.nextUsed();
            if (u != null) {
                used.add(u);
                continue;
            }
            if ((driver.read(MmioRegisters.STATUS) & DeviceStatus.DEVICE_NEEDS_RESET) != 0) return null;
            assertTrue(System.nanoTime() < deadline, "the device neither answered nor asked for a reset");
            Thread.onSpinWait();
        }
        return used;
    }

    /** A reply is either nothing or a header whose length is what was used, with a sane error. */
    private static void checkReply(DriverQueue q, List<List<DriverQueue.Buf>> sent, DriverQueue.Used u, long seed) {
        if (u.length() == 0) return;
        assertTrue(u.length() >= OUT_HEADER, "a partial header (seed " + seed + ")");
        List<DriverQueue.Buf> chain = null;
        for (List<DriverQueue.Buf> c : sent) {
            if (c != null && c.get(0).address() == headAddress(q, u.id())) chain = c;
        }
        if (chain == null) return; // an indirect chain or soup: its buffers are not at a known head
        List<DriverQueue.Buf> writable =
                chain.stream().filter(DriverQueue.Buf::writable).toList();
        byte[] header = new byte[OUT_HEADER];
        int at = 0;
        for (DriverQueue.Buf b : writable) {
            byte[] bytes = q.read(b);
            int k = Math.min(bytes.length, OUT_HEADER - at);
            System.arraycopy(bytes, 0, header, at, k);
            at += k;
            if (at == OUT_HEADER) break;
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(u.length(), h.getInt(), "header length is the used length (seed " + seed + ")");
        int error = h.getInt();
        assertTrue(error <= 0 && error > -4096, "error " + error + " (seed " + seed + ")");
    }

    private static long headAddress(DriverQueue q, int id) {
        return q.memory().readLong(q.config().descTable() + 16L * id);
    }

    /** Adds {@code request} split into random readable pieces and a random writable part. */
    private static List<DriverQueue.Buf> chain(DriverQueue q, Random r, byte[] request, int reply, boolean indirect) {
        List<DriverQueue.Buf> bufs = new ArrayList<>();
        int at = 0;
        while (at < request.length) {
            int k = r.nextInt(3) == 0 ? 1 + r.nextInt(request.length - at) : request.length - at;
            bufs.add(q.out(Arrays.copyOfRange(request, at, at + k)));
            at += k;
        }
        int left = reply;
        while (left > 0) {
            int k = r.nextInt(3) == 0 ? 1 + r.nextInt(left) : left;
            bufs.add(q.in(k));
            left -= k;
        }
        if (bufs.isEmpty()) bufs.add(q.in(0));
        DriverQueue.Buf[] a = bufs.toArray(DriverQueue.Buf[]::new);
        if (indirect) q.addIndirect(a);
        else q.add(a);
        return bufs;
    }

    private static int replySize(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt(OUT_HEADER + 1);
            case 1 -> OUT_HEADER;
            case 2 -> 64 * 1024 + OUT_HEADER;
            default -> OUT_HEADER + r.nextInt(512);
        };
    }

    /** Random descriptors at random places in the table, then a random head published. */
    private static void soup(DriverQueue q, Random r) {
        for (int i = 0; i < 1 + r.nextInt(4); i++) {
            long addr = r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(RAM);
            q.writeDesc(
                    r.nextInt(64),
                    addr,
                    r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(4096),
                    r.nextInt(8),
                    r.nextInt(70));
        }
        q.publish(r.nextInt(64));
    }

    private static byte[] initRequest() {
        ByteBuffer b = ByteBuffer.allocate(IN_HEADER + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(IN_HEADER + 64)
                .putInt(INIT)
                .putLong(1)
                .putLong(0)
                .putInt(0)
                .putInt(0)
                .putInt(1)
                .putInt(0);
        b.putInt(7).putInt(37).putInt(1 << 17).putInt(-1);
        return b.array();
    }

    /** A hostile request: a plausible opcode and body, then lies in its header or bytes. */
    private static byte[] request(Random r) {
        int opcode = OPCODES[r.nextInt(OPCODES.length)];
        byte[] body = body(r, opcode);
        int len = IN_HEADER + body.length;
        switch (r.nextInt(8)) {
            case 0 -> len = r.nextInt(IN_HEADER + body.length + 64); // shorter or longer than sent
            case 1 -> len = r.nextInt();
            case 2 -> body = Arrays.copyOf(body, r.nextInt(body.length + 1));
            default -> {}
        }
        long node = switch (r.nextInt(5)) {
            case 0 -> r.nextLong();
            case 1 -> 0;
            default -> 1 + r.nextInt(12);
        };
        ByteBuffer b = ByteBuffer.allocate(IN_HEADER + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(len)
                .putInt(opcode)
                .putLong(r.nextLong())
                .putLong(node)
                .putInt(r.nextInt(3) == 0 ? r.nextInt() : 0)
                .putInt(0)
                .putInt(r.nextInt())
                .putInt(r.nextInt(8) == 0 ? r.nextInt() : 0);
        b.put(body);
        return b.array();
    }

    private static byte[] body(Random r, int opcode) {
        ByteBuffer b = ByteBuffer.allocate(70_000).order(ByteOrder.LITTLE_ENDIAN);
        int fixed = switch (opcode) {
            case GETATTR, MKNOD, FSYNC, FSYNCDIR, LSEEK -> 16;
            case SETATTR -> 88;
            case READ, WRITE, READDIR, READDIRPLUS -> 40;
            case RELEASE, RELEASEDIR, FLUSH, RENAME2, LSEEK + 100 -> 24;
            case COPY_FILE_RANGE -> 56;
            case FALLOCATE -> 32;
            case MKDIR,
                    OPEN,
                    OPENDIR,
                    ACCESS,
                    GETXATTR,
                    LISTXATTR,
                    SETXATTR,
                    FORGET,
                    RENAME,
                    LINK,
                    INTERRUPT,
                    BATCH_FORGET -> 8;
            case CREATE -> 16;
            case INIT -> 64;
            default -> r.nextInt(4) * 8;
        };
        for (int i = 0; i < fixed / 8; i++) {
            long v = switch (r.nextInt(6)) {
                case 0 -> r.nextLong();
                case 1 -> 0;
                case 2 -> 1 + r.nextInt(16); // a plausible node id, handle, size or count
                case 3 -> r.nextInt(1 << 20);
                case 4 -> -1;
                default -> (long) r.nextInt(0200000) << (r.nextBoolean() ? 0 : 32); // a mode or flags
            };
            b.putLong(v);
        }
        if (opcode == WRITE && r.nextBoolean()) {
            int size = r.nextInt(8192);
            b.putInt(16, size); // write_in.size, then that many bytes (or not)
            b.put(new byte[r.nextInt(4) == 0 ? r.nextInt(8192) : size]);
        }
        int names = switch (opcode) {
            case LOOKUP, MKNOD, MKDIR, UNLINK, RMDIR, LINK, CREATE, GETXATTR, SETXATTR, REMOVEXATTR -> 1;
            case SYMLINK, RENAME, RENAME2 -> 2;
            default -> r.nextInt(6) == 0 ? 1 : 0;
        };
        for (int i = 0; i < names; i++) {
            String name = r.nextInt(4) == 0 ? "user." + NAMES[r.nextInt(NAMES.length)] : NAMES[r.nextInt(NAMES.length)];
            b.put(name.getBytes(StandardCharsets.UTF_8));
            if (r.nextInt(10) != 0) b.put((byte) 0);
        }
        if (opcode == SETXATTR) b.put(new byte[r.nextInt(64)]);
        if (r.nextInt(10) == 0) {
            byte[] junk = new byte[r.nextInt(64)];
            r.nextBytes(junk);
            b.put(junk);
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
