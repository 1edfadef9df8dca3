package io.jvmm.loader.initramfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds a "newc" (070701) cpio archive, the format the kernel unpacks as initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * <pre>{@code
 * byte[] initramfs = new CpioArchive()
 *         .file("init", 0755, initBinary)          // "/init" is the same entry
 *         .symlink("bin/sh", "busybox")            // creates bin/ (0755) first
 *         .charDevice("dev/console", 0600, 5, 1)
 *         .toByteArray();
 * }</pre>
 *
 * <p>Entries are written in the order they were added, each missing parent directory (mode 0755)
 * just before its first child, because the kernel creates each entry as it reads it and cannot
 * create a file in a directory that does not exist yet. Owner root:root and mtime 0 everywhere, so
 * the same calls give the same bytes. The encoding matches {@code gen_init_cpio -t 0}: inodes count
 * up from 721, c_devmajor:c_devminor is 3:1, directories have nlink 2, symlink targets carry a
 * NUL, and the archive is zero-padded to 512 bytes after the trailer.
 *
 * <p>Not thread-safe. Byte arrays passed in are not copied: do not change them before writing.
 */
public final class CpioArchive {
    /** gen_init_cpio's first inode number; the kernel only compares inodes of hard links. */
    static final int FIRST_INODE = 721;
    /** gen_init_cpio's fixed c_devmajor:c_devminor (the device the files notionally live on). */
    static final int DEV_MAJOR = 3, DEV_MINOR = 1;

    static final int PARENT_MODE = 0755;
    /** The kernel's dev_t holds a 12-bit major and a 20-bit minor (MKDEV, MINORBITS). */
    private static final int MAX_MAJOR = (1 << 12) - 1, MAX_MINOR = (1 << 20) - 1;

    private static final long MAX_FILE_SIZE = 0xffff_ffffL;

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Directories made only because a child needed them; an explicit directory() may still set their mode. */
    private final Set<String> implicitDirectories = new HashSet<>();

    /** A directory; {@code mode} is the permission bits (e.g. 0755, 01777). */
    public CpioArchive directory(String path, int mode) {
        String name = ArchivePath.normalize(path);
        checkMode(mode, name);
        if (implicitDirectories.remove(name)) {
            entries.put(name, new Entry.Directory(mode)); // keeps its place before its children
            return this;
        }
        return add(name, new Entry.Directory(mode));
    }

    /** A regular file holding {@code data}. */
    public CpioArchive file(String path, int mode, byte[] data) {
        String name = ArchivePath.normalize(path);
        checkMode(mode, name);
        if (data == null) throw new IllegalArgumentException("cpio: data of " + name + " is null");
        return add(name, new Entry.BytesFile(mode, data));
    }

    /**
     * A regular file whose contents are streamed from {@code source} when the archive is written,
     * so large binaries need not sit in memory twice. Its size is taken now; writing fails if it changed.
     */
    public CpioArchive file(String path, int mode, Path source) throws IOException {
        String name = ArchivePath.normalize(path);
        checkMode(mode, name);
        if (!Files.isRegularFile(source))
            throw new IllegalArgumentException("cpio: source of " + name + " is not a regular file: " + source);
        long size = Files.size(source);
        if (size > MAX_FILE_SIZE) {
            throw new IllegalArgumentException(
                    "cpio: " + source + " is " + size + " bytes; newc's 32-bit c_filesize holds less than 4 GiB");
        }
        return add(name, new Entry.HostFile(mode, source, size));
    }

    /** A symbolic link; {@code target} is stored as given (relative or absolute) and not checked to exist. */
    public CpioArchive symlink(String path, String target) {
        String name = ArchivePath.normalize(path);
        if (target == null || target.isEmpty())
            throw new IllegalArgumentException("cpio: symlink " + name + " has an empty target");
        if (target.indexOf('\0') >= 0)
            throw new IllegalArgumentException("cpio: target of symlink " + name + " contains NUL");
        if (ArchivePath.encodedLength(target) + 1 > ArchivePath.PATH_MAX) {
            throw new IllegalArgumentException("cpio: target of symlink " + name + " is longer than PATH_MAX ("
                    + ArchivePath.PATH_MAX + " bytes with its NUL)");
        }
        return add(name, new Entry.Symlink(target));
    }

    /** A character device node, e.g. {@code charDevice("dev/console", 0600, 5, 1)}. */
    public CpioArchive charDevice(String path, int mode, int major, int minor) {
        String name = ArchivePath.normalize(path);
        checkMode(mode, name);
        if (major < 0 || major > MAX_MAJOR)
            throw new IllegalArgumentException(
                    "cpio: major " + major + " of device " + name + " is outside 0.." + MAX_MAJOR);
        if (minor < 0 || minor > MAX_MINOR)
            throw new IllegalArgumentException(
                    "cpio: minor " + minor + " of device " + name + " is outside 0.." + MAX_MINOR);
        return add(name, new Entry.CharDevice(mode, major, minor));
    }

    /** Whether an entry (explicit or an implicit parent) has this path. */
    public boolean contains(String path) {
        return entries.containsKey(ArchivePath.normalize(path));
    }

    /** The exact number of bytes {@link #writeTo} produces, trailer and end padding included. */
    public long size() {
        long total = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet())
            total += NewcWriter.entrySize(e.getKey(), e.getValue().dataSize());
        total += NewcWriter.entrySize(ArchivePath.TRAILER, 0);
        return NewcWriter.align(total, NewcWriter.END_ALIGNMENT);
    }

    /** Writes the whole archive, trailer included, and flushes; the stream stays open. */
    public void writeTo(OutputStream out) throws IOException {
        NewcWriter w = new NewcWriter(out);
        long ino = FIRST_INODE;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry entry = e.getValue();
            int nlink = entry instanceof Entry.Directory ? 2 : 1;
            long rdevMajor = entry instanceof Entry.CharDevice d ? d.major() : 0;
            long rdevMinor = entry instanceof Entry.CharDevice d ? d.minor() : 0;
            w.header(
                    e.getKey(),
                    new NewcWriter.Header(
                            ino++,
                            entry.typeAndMode(),
                            nlink,
                            entry.dataSize(),
                            DEV_MAJOR,
                            DEV_MINOR,
                            rdevMajor,
                            rdevMinor));
            switch (entry) {
                case Entry.BytesFile f -> w.data(f.data(), 0, f.data().length);
                case Entry.Symlink s -> {
                    byte[] t = s.targetBytes();
                    w.data(t, 0, t.length);
                }
                case Entry.HostFile f -> copy(f, w);
                case Entry.Directory d -> {}
                case Entry.CharDevice d -> {}
            }
            w.pad(4);
        }
        w.header(ArchivePath.TRAILER, new NewcWriter.Header(0, 0, 1, 0, 0, 0, 0, 0));
        w.pad(NewcWriter.END_ALIGNMENT);
        out.flush();
    }

    /** The archive in memory; fails for archives a Java array cannot hold (use {@link #writeTo}). */
    public byte[] toByteArray() throws IOException {
        long size = size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(
                    "cpio: archive is " + size + " bytes, too large for a byte array; use writeTo");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        writeTo(out);
        return out.toByteArray();
    }

    private CpioArchive add(String name, Entry entry) {
        if (implicitDirectories.contains(name)) {
            throw new IllegalArgumentException(
                    "cpio: duplicate entry " + name + " (already created as the parent directory of an earlier entry)");
        }
        if (entries.containsKey(name)) throw new IllegalArgumentException("cpio: duplicate entry " + name);
        for (String parent : ArchivePath.parents(name)) {
            Entry existing = entries.get(parent);
            if (existing == null) {
                entries.put(parent, new Entry.Directory(PARENT_MODE));
                implicitDirectories.add(parent);
            } else if (!(existing instanceof Entry.Directory)) {
                throw new IllegalArgumentException(
                        "cpio: cannot add " + name + ": parent " + parent + " is not a directory");
            }
        }
        entries.put(name, entry);
        return this;
    }

    private static void copy(Entry.HostFile f, NewcWriter w) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = f.size();
        try (InputStream in = Files.newInputStream(f.source())) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) break;
                w.data(buf, 0, n);
                left -= n;
            }
            // Fewer or more bytes than the header announced would misalign every later entry.
            if (left > 0 || in.read() >= 0) {
                throw new IOException(
                        "cpio: " + f.source() + " changed size since it was added (was " + f.size() + " bytes)");
            }
        }
    }

    private static void checkMode(int mode, String name) {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException(String.format(
                    "cpio: mode 0%o of %s has bits beyond 07777 (pass permission bits only)", mode, name));
        }
    }
}
