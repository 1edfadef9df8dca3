package io.jvmm.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** A tar (maybe gzip/zstd-compressed) read once into tmp/ of the store, hashing every file on the way. */
final class TarArchiveSource implements ImportSource {
    private record FileEntry(Path tmp, Digest digest, long size) {}

    private final Map<String, FileEntry> files = new LinkedHashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final List<Path> tmps = new ArrayList<>();

    @SuppressWarnings("deprecation")
    static TarArchiveSource read(Path archive, ContentStore store) throws IOException {
        TarArchiveSource s = new TarArchiveSource();
        try (InputStream raw = Files.newInputStream(archive);
                InputStream in = LayerStreams.uncompressed(new BufferedInputStream(raw, 1 << 16));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            int entries = 0;
            while ((e = tar.getNextEntry()) != null) {
                entries++;
                String name = ImportSource.clean(e.getName());
                while (name.endsWith("/")) name = name.substring(0, name.length() - 1);
                if (e.isSymbolicLink()) {
                    String target = e.getLinkName();
                    String dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                    s.links.put(name, normalize(target.startsWith("/") ? ImportSource.clean(target) : dir + target));
                } else if (e.isLink()) {
                    s.links.put(name, normalize(ImportSource.clean(e.getLinkName())));
                } else if (e.isFile()) {
                    Path t = store.newTmpFile();
                    s.tmps.add(t);
                    MessageDigest md = Digest.newSha256();
                    long n = 0;
                    try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.WRITE)) {
                        byte[] buf = new byte[1 << 16];
                        for (int r; (r = tar.read(buf)) > 0; ) {
                            md.update(buf, 0, r);
                            out.write(buf, 0, r);
                            n += r;
                        }
                    }
                    if (n != e.getSize()) throw new IOException("entry " + name + " is truncated");
                    s.files.put(name, new FileEntry(t, Digest.fromSha256(md), n));
                }
            }
            if (entries == 0) throw new IOException("no tar entries");
        } catch (IOException | RuntimeException e) {
            s.close();
            if (e instanceof ImageException ie) throw ie;
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: " + archive + " is not a readable tar archive (truncated or corrupt?): "
                            + ImageException.describe(e),
                    e);
        }
        return s;
    }

    private static String normalize(String p) {
        List<String> parts = new ArrayList<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!parts.isEmpty()) parts.removeLast();
            } else parts.add(c);
        }
        return String.join("/", parts);
    }

    private FileEntry entry(String p) {
        String k = p;
        for (int hops = 0; hops < 16; hops++) {
            FileEntry f = files.get(k);
            if (f != null) return f;
            String next = links.get(k);
            if (next == null) return null;
            k = next;
        }
        return null;
    }

    private FileEntry need(String p) throws IOException {
        FileEntry f = entry(p);
        if (f == null) throw new NoSuchFileException(p);
        return f;
    }

    @Override
    public boolean has(String p) {
        return entry(p) != null;
    }

    @Override
    public long size(String p) throws IOException {
        return need(p).size;
    }

    @Override
    public InputStream open(String p) throws IOException {
        return Files.newInputStream(need(p).tmp, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public Digest digest(String p) throws IOException {
        return need(p).digest;
    }

    @Override
    public void commit(String p, Digest expected, ContentStore store, String where) throws IOException {
        FileEntry f = need(p);
        if (!f.digest.equals(expected)) throw ContentStore.mismatch("import: " + where, expected, f.digest);
        if (store.hasBlob(expected) || !Files.exists(f.tmp)) return;
        ContentStore.forceFile(f.tmp);
        store.commit(f.tmp, expected);
    }

    @Override
    public void close() {
        for (Path t : tmps) ContentStore.deleteQuietly(t);
    }
}
