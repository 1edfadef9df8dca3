package io.jvmm.loader.initramfs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes CpioArchive writes, decoded field by field. */
class CpioArchiveLayoutTest {
    @TempDir
    Path dir;

    /** One decoded newc record. */
    record Rec(
            int offset,
            String magic,
            long ino,
            long mode,
            long uid,
            long gid,
            long nlink,
            long mtime,
            long fileSize,
            long devMajor,
            long devMinor,
            long rdevMajor,
            long rdevMinor,
            long nameSize,
            long check,
            String name,
            int nameEnd,
            byte[] data,
            int end) {}

    /** Decodes records up to and including the trailer, checking the alignment rules on the way. */
    static List<Rec> parse(byte[] b) {
        List<Rec> out = new ArrayList<>();
        int p = 0;
        while (true) {
            assertEquals(0, p % 4, "record at " + p + " is 4-byte aligned");
            String h = new String(b, p, 110, StandardCharsets.US_ASCII);
            long[] f = new long[13];
            for (int i = 0; i < 13; i++) {
                String field = h.substring(6 + 8 * i, 14 + 8 * i);
                assertTrue(
                        field.matches("[0-9A-F]{8}"),
                        "field " + i + " at " + p + " is 8 upper-case hex digits: " + field);
                f[i] = Long.parseLong(field, 16);
            }
            int nameLen = (int) f[11];
            assertEquals(0, b[p + 110 + nameLen - 1], "name ends with NUL");
            String name = new String(b, p + 110, nameLen - 1, StandardCharsets.UTF_8);
            int nameEnd = p + 110 + nameLen;
            int dataStart = (nameEnd + 3) & ~3;
            for (int i = nameEnd; i < dataStart; i++) assertEquals(0, b[i], "name padding is zero");
            byte[] data = Arrays.copyOfRange(b, dataStart, dataStart + (int) f[6]);
            int dataEnd = dataStart + (int) f[6];
            int end = (dataEnd + 3) & ~3;
            for (int i = dataEnd; i < end; i++) assertEquals(0, b[i], "data padding is zero");
            out.add(new Rec(
                    p,
                    h.substring(0, 6),
                    f[0],
                    f[1],
                    f[2],
                    f[3],
                    f[4],
                    f[5],
                    f[6],
                    f[7],
                    f[8],
                    f[9],
                    f[10],
                    f[11],
                    f[12],
                    name,
                    nameEnd,
                    data,
                    end));
            p = end;
            if (name.equals("TRAILER!!!")) return out;
        }
    }

    @Test
    void regularFileHeaderNameAndDataArePadded() throws Exception {
        byte[] b = new CpioArchive().file("/a", 0644, new byte[] {1, 2, 3}).toByteArray();
        List<Rec> recs = parse(b);
        assertEquals(2, recs.size());
        Rec a = recs.getFirst();
        assertEquals("070701", a.magic());
        assertEquals(721, a.ino(), "gen_init_cpio's first inode");
        assertEquals(0100644, a.mode());
        assertEquals(0, a.uid());
        assertEquals(0, a.gid());
        assertEquals(1, a.nlink());
        assertEquals(0, a.mtime());
        assertEquals(3, a.fileSize());
        assertEquals(3, a.devMajor());
        assertEquals(1, a.devMinor());
        assertEquals(0, a.rdevMajor());
        assertEquals(0, a.rdevMinor());
        assertEquals(2, a.nameSize(), "c_namesize counts the NUL");
        assertEquals(0, a.check());
        assertEquals("a", a.name(), "leading '/' dropped, as gen_init_cpio does");
        // 110 + "a\0" = 112 is aligned, so data follows directly; 3 data bytes pad to 116.
        assertArrayEquals(new byte[] {1, 2, 3, 0}, Arrays.copyOfRange(b, 112, 116));
        assertEquals(116, recs.get(1).offset());
    }

    @Test
    void nameIsPaddedSoDataStartsAligned() throws Exception {
        // 110 + "ab\0" = 113 -> 3 padding bytes; data at 116.
        byte[] b = new CpioArchive().file("ab", 0600, new byte[] {9}).toByteArray();
        assertEquals("ab", new String(b, 110, 2, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {0, 0, 0, 0}, Arrays.copyOfRange(b, 112, 116), "NUL + 3 bytes padding");
        assertEquals(9, b[116]);
        assertEquals(
                "070701",
                new String(b, 120, 6, StandardCharsets.US_ASCII),
                "next header after 1 data byte + 3 padding");
    }

    @Test
    void trailerEndsTheArchiveWhichIsPaddedTo512() throws Exception {
        CpioArchive archive = new CpioArchive().directory("d", 0755);
        byte[] b = archive.toByteArray();
        List<Rec> recs = parse(b);
        Rec t = recs.getLast();
        assertEquals("TRAILER!!!", t.name());
        assertEquals(0, t.ino());
        assertEquals(0, t.mode());
        assertEquals(1, t.nlink());
        assertEquals(11, t.nameSize());
        assertEquals(0, t.fileSize());
        assertEquals(0, b.length % 512);
        for (int i = t.end(); i < b.length; i++) assertEquals(0, b[i], "end padding is zero");
        assertEquals(b.length, archive.size());
        assertEquals(512, new CpioArchive().toByteArray().length, "an empty archive is just the trailer");
    }

    @Test
    void eachEntryKindHasItsTypeAndFields() throws Exception {
        byte[] b = new CpioArchive()
                .directory("tmp", 01777)
                .symlink("sh", "busybox")
                .charDevice("console", 0600, 5, 1)
                .toByteArray();
        List<Rec> recs = parse(b);
        Rec tmp = recs.get(0), sh = recs.get(1), console = recs.get(2);
        assertEquals(041777, tmp.mode(), "directory with sticky bit");
        assertEquals(2, tmp.nlink(), "directories have nlink 2");
        assertEquals(0, tmp.fileSize());

        assertEquals(0120777, sh.mode());
        assertEquals(8, sh.fileSize(), "target plus NUL, as gen_init_cpio stores it");
        assertArrayEquals("busybox\0".getBytes(StandardCharsets.US_ASCII), sh.data());

        assertEquals(0020600, console.mode());
        assertEquals(5, console.rdevMajor());
        assertEquals(1, console.rdevMinor());
        assertEquals(0, console.fileSize());

        assertEquals(
                List.of(721L, 722L, 723L),
                recs.subList(0, 3).stream().map(Rec::ino).toList(),
                "inodes unique and increasing");
    }

    @Test
    void missingParentsAreCreatedInOrderBeforeTheirChild() throws Exception {
        List<Rec> recs = parse(new CpioArchive()
                .file("usr/share/doc/x", 0644, new byte[0])
                .file("usr/bin/y", 0755, new byte[0])
                .toByteArray());
        assertEquals(
                List.of("usr", "usr/share", "usr/share/doc", "usr/share/doc/x", "usr/bin", "usr/bin/y", "TRAILER!!!"),
                recs.stream().map(Rec::name).toList());
        assertEquals(040755, recs.get(0).mode());
    }

    @Test
    void explicitDirectoryAfterItsChildKeepsItsPlaceAndTakesTheMode() throws Exception {
        List<Rec> recs = parse(new CpioArchive()
                .file("root/.profile", 0644, new byte[0])
                .directory("root", 0700)
                .toByteArray());
        assertEquals("root", recs.get(0).name());
        assertEquals(040700, recs.get(0).mode());
        assertEquals("root/.profile", recs.get(1).name());
    }

    @Test
    void sizeMatchesTheBytesWrittenAndOutputIsReproducible() throws Exception {
        Path host = Files.write(dir.resolve("host"), new byte[] {1, 2, 3, 4, 5});
        CpioArchive a = new CpioArchive()
                .directory("x", 0755)
                .file("x/f", 0644, new byte[] {7, 7})
                .file("x/host", 0600, host)
                .symlink("x/l", "f")
                .charDevice("x/null", 0666, 1, 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        a.writeTo(out);
        byte[] first = a.toByteArray();
        assertArrayEquals(first, out.toByteArray());
        assertEquals(first.length, a.size());
        assertArrayEquals(first, a.toByteArray(), "writing twice gives the same bytes");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, parse(first).get(2).data(), "host file streamed");
    }

    @Test
    void duplicatesAreRejected() {
        CpioArchive a = new CpioArchive().file("etc/passwd", 0644, new byte[0]).directory("etc", 0755);
        var e = assertThrows(IllegalArgumentException.class, () -> a.file("/etc/passwd", 0600, new byte[0]));
        assertEquals("cpio: duplicate entry etc/passwd", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.directory("etc", 0755), "explicit directory twice");
        assertThrows(IllegalArgumentException.class, () -> a.symlink("etc/passwd", "x"));

        CpioArchive b = new CpioArchive().file("bin/sh", 0755, new byte[0]);
        var implicit = assertThrows(IllegalArgumentException.class, () -> b.file("bin", 0644, new byte[0]));
        assertTrue(implicit.getMessage().contains("parent directory"), implicit.getMessage());
    }

    @Test
    void badNamesAreRejected() {
        CpioArchive a = new CpioArchive();
        for (String bad : List.of(
                "",
                "/",
                "a//b",
                "a/",
                "//a",
                "../x",
                "a/../b",
                "a/..",
                "./a",
                "a/./b",
                "a\0b",
                "TRAILER!!!",
                "/TRAILER!!!")) {
            var e = assertThrows(IllegalArgumentException.class, () -> a.file(bad, 0644, new byte[0]), bad);
            assertTrue(e.getMessage().startsWith("cpio: "), e.getMessage());
            assertFalse(e.getMessage().contains("\0"), "message is printable: " + e.getMessage());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> a.file("x".repeat(4096), 0644, new byte[0]),
                "name + NUL > PATH_MAX");
        a.file("y".repeat(4095), 0644, new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> a.file("a", 0644, (byte[]) null));
        assertEquals(1, parse(assertDoesNotThrow(a::toByteArray)).size() - 1);
    }

    @Test
    void badModesTargetsAndDevicesAreRejected() {
        CpioArchive a = new CpioArchive();
        var mode = assertThrows(IllegalArgumentException.class, () -> a.directory("d", 040755));
        assertEquals("cpio: mode 040755 of d has bits beyond 07777 (pass permission bits only)", mode.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.file("f", -1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> a.symlink("l", ""));
        assertThrows(IllegalArgumentException.class, () -> a.symlink("l", "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> a.symlink("l", "t".repeat(4096)));
        assertThrows(IllegalArgumentException.class, () -> a.charDevice("c", 0600, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> a.charDevice("c", 0600, 4096, 0));
        assertThrows(IllegalArgumentException.class, () -> a.charDevice("c", 0600, 0, 1 << 20));
        a.charDevice("c", 0600, 4095, (1 << 20) - 1);
    }

    @Test
    void aChildOfAFileIsRejected() {
        CpioArchive a = new CpioArchive().file("f", 0644, new byte[0]).symlink("l", "f");
        var e = assertThrows(IllegalArgumentException.class, () -> a.file("f/x", 0644, new byte[0]));
        assertEquals("cpio: cannot add f/x: parent f is not a directory", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.directory("l/d", 0755));
        assertFalse(a.contains("f/x"), "a rejected entry leaves nothing behind");
    }

    @Test
    void filesOf4GiBOrMoreAreRejected() throws IOException {
        Path huge = dir.resolve("huge");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 32); // sparse: no disk space used
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new CpioArchive().file("huge", 0644, huge));
        assertTrue(e.getMessage().contains("4294967296 bytes"), e.getMessage());
    }

    @Test
    void aHostFileThatChangedSizeFailsTheWrite() throws IOException {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        CpioArchive a = new CpioArchive().file("f", 0644, f);
        Files.write(f, new byte[11]);
        var e = assertThrows(IOException.class, a::toByteArray);
        assertTrue(e.getMessage().contains("changed size"), e.getMessage());
        Files.write(f, new byte[9]);
        assertThrows(IOException.class, a::toByteArray);
    }
}
