package io.jvmm.image.rootfs;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Applies OCI layer tars, bottom first, to an in-memory tree ({@link Node}), with the image-spec's
 * whiteout rules: {@code .wh.NAME} removes NAME of the lower layers, {@code .wh..wh..opq} removes
 * every lower-layer entry of its directory; neither affects what the same layer adds, whatever the
 * order inside the tar. Everything read is counted against the build's {@link RootfsLimits}.
 */
final class LayerApplier {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";

    private static final String SCHILY_XATTR = "SCHILY.xattr.";
    private static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";
    /** Warnings kept in the result; a hostile layer could otherwise make one per xattr. */
    private static final int MAX_WARNINGS = 100;

    private final Node root;
    private final Spool spool;
    private final Budget budget;
    private final List<String> warnings;
    private final byte[] drain = new byte[8192];

    // Per layer.
    private int layerIndex;
    private Path layer;
    private String entryName;
    private int entryNumber;
    /** Directories already purged by an opaque whiteout of this layer: purging them again is a no-op. */
    private final Set<Node> purged = Collections.newSetFromMap(new IdentityHashMap<>());

    LayerApplier(Node root, Spool spool, RootfsLimits limits, List<String> warnings) {
        this.root = root;
        this.spool = spool;
        this.budget = new Budget(limits, this::exceeded);
        this.warnings = warnings;
    }

    void apply(int index, Path layerFile) throws IOException {
        this.layerIndex = index;
        this.layer = layerFile;
        this.entryName = null;
        this.entryNumber = 0;
        purged.clear();
        LayerCompression compression;
        try (InputStream file = new BufferedInputStream(Files.newInputStream(layerFile), 1 << 16)) {
            file.mark(16);
            byte[] head = file.readNBytes(8);
            file.reset();
            if (head.length == 0) throw error("the layer is empty (0 bytes): not a tar archive", null);
            compression = LayerCompression.detect(head, head.length);
            try (InputStream data = compression.decompress(file)) {
                InputStream metered = new MeteredInputStream(data, budget);
                TapInputStream tap = new TapInputStream(metered, budget);
                TarArchiveInputStream tar = new TarArchiveInputStream(tap, "UTF-8");
                while (true) {
                    entryNumber++;
                    tap.startRecording();
                    TarArchiveEntry e = tar.getNextEntry();
                    byte[] rawHeaders = tap.stopRecording();
                    if (e == null) break;
                    entryName = e.getName();
                    budget.entry();
                    applyEntry(e, tar, rawHeaders);
                    // Data the entry did not use (a symlink with a size) is read here, not skipped
                    // while recording the next entry's headers.
                    while (tar.read(drain) >= 0) {
                        // discard
                    }
                    entryName = null;
                }
                boolean noEntry = entryNumber == 1;
                if (noEntry && compression == LayerCompression.NONE && !allZero(head)) {
                    throw error("not a tar archive (nor gzip or zstd compressed)", null);
                }
                // Read to the end, so that gzip verifies its CRC and length trailer.
                entryNumber = -1;
                metered.transferTo(OutputStream.nullOutputStream());
            }
        } catch (RootfsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            RootfsException wrapped = causeOfType(e, RootfsException.class);
            if (wrapped != null) throw wrapped; // a limit hit inside the tar reader, which wrapped it
            String msg = e instanceof EOFException
                    ? "unexpected end of data"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String format = LayerCompression.detectQuietly(layerFile).label();
            throw error("corrupt or truncated layer (" + format + "): " + msg, e);
        }
    }

    private static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
        Throwable c = t.getCause();
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            if (type.isInstance(c)) return type.cast(c);
        }
        return null;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private RootfsException error(String msg, Throwable cause) {
        return new RootfsException(layerIndex, layer, entryName, msg, cause);
    }

    private UnsafeEntryException unsafe(String msg) {
        return new UnsafeEntryException(layerIndex, layer, entryName, msg);
    }

    private LimitExceededException exceeded(RootfsLimits.Limit limit, String msg) {
        // Between entries (reading headers, or after the last one) there is no name to give yet.
        String where = entryName != null
                ? ""
                : entryNumber < 0 ? "after the last entry: " : "reading the headers of entry " + entryNumber + ": ";
        return new LimitExceededException(layerIndex, layer, entryName, limit, where + msg);
    }

    private void warn(String warning) {
        if (warnings.size() < MAX_WARNINGS) warnings.add(warning);
        else if (warnings.size() == MAX_WARNINGS) warnings.add("further warnings were not recorded");
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * The path's components, without "." and empty ones; refuses absolute paths, "..", and paths
     * past the depth and length limits (checked while splitting, so a huge path is not split whole).
     */
    private List<String> components(String path, String what) throws IOException {
        if (path.isEmpty()) throw error(what + " is empty", null);
        if (path.indexOf('\0') >= 0) throw error(what + " contains a NUL byte", null);
        if (path.startsWith("/")) throw unsafe(what + " is an absolute path, outside the image root");
        List<String> out = new ArrayList<>();
        long bytes = 0;
        for (int start = 0, end; start <= path.length(); start = end + 1) {
            end = path.indexOf('/', start);
            if (end < 0) end = path.length();
            String c = path.substring(start, end);
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) throw unsafe(what + " escapes the image root ('..' component)");
            int length = c.getBytes(StandardCharsets.UTF_8).length;
            if (length > 255) throw error(what + " has a name longer than 255 bytes", null);
            bytes += (out.isEmpty() ? 0 : 1) + length;
            out.add(c);
            budget.path(out.size(), bytes);
        }
        return out;
    }

    /**
     * The directory holding {@code comps[0..n-1)}. With {@code create}, missing directories are made
     * (0755 root:root, as container runtimes do) and every directory on the way is marked as touched
     * by this layer; otherwise returns null when one is missing.
     */
    private Node parentDir(List<String> comps, boolean create) throws IOException {
        Node dir = root;
        for (int i = 0; i < comps.size() - 1; i++) {
            String c = comps.get(i);
            Node.Child child = dir.children.get(c);
            if (child == null) {
                if (!create) return null;
                budget.entry();
                Node d = new Node(Node.S_IFDIR | 0755);
                child = new Node.Child(d, layerIndex);
                dir.children.put(c, child);
            } else if (child.node.isSymlink()) {
                throw unsafe("the path goes through the symbolic link \"" + String.join("/", comps.subList(0, i + 1))
                        + "\" (-> " + new String(child.node.target, StandardCharsets.UTF_8)
                        + "), which could point outside the image root");
            } else if (!child.node.isDir()) {
                throw error("\"" + String.join("/", comps.subList(0, i + 1)) + "\" is not a directory", null);
            }
            if (create) child.layer = layerIndex;
            dir = child.node;
        }
        return dir;
    }

    private void applyEntry(TarArchiveEntry e, TarArchiveInputStream tar, byte[] rawHeaders) throws IOException {
        byte flag = e.getLinkFlag();
        if (e.isGlobalPaxHeader()
                || flag == TarConstants.LF_GNUTYPE_LONGNAME
                || flag == TarConstants.LF_GNUTYPE_LONGLINK
                || flag == TarConstants.LF_PAX_EXTENDED_HEADER_UC
                || flag == TarConstants.LF_PAX_EXTENDED_HEADER_LC) {
            return;
        }
        budget.metadata(utf8Length(e.getName()) + utf8Length(e.getLinkName()));
        List<String> comps = components(e.getName(), "the path");
        if (comps.isEmpty()) {
            // "./" — the root directory itself.
            if (!e.isDirectory()) throw error("the image root can only be a directory", null);
            setMetadata(root, e, rawHeaders);
            return;
        }
        String name = comps.get(comps.size() - 1);
        if (name.startsWith(WHITEOUT_PREFIX)) {
            whiteout(comps, name);
            return;
        }
        Node parent = parentDir(comps, true);
        Node.Child existing = parent.children.get(name);

        if (e.isLink()) {
            Node target = hardlinkTarget(e.getLinkName());
            if (existing != null && existing.node == target) {
                existing.layer = layerIndex;
                return;
            }
            parent.children.put(name, new Node.Child(target, layerIndex));
            return;
        }

        Node node;
        if (e.isDirectory()) {
            if (existing != null && existing.node.isDir()) {
                existing.layer = layerIndex;
                setMetadata(existing.node, e, rawHeaders);
                return;
            }
            node = new Node(Node.S_IFDIR);
        } else if (e.isSymbolicLink()) {
            node = new Node(Node.S_IFLNK);
            String target = e.getLinkName();
            if (target == null || target.isEmpty()) throw error("symbolic link with an empty target", null);
            node.target = target.getBytes(StandardCharsets.UTF_8);
            if (node.target.length > 4095) throw error("symbolic link target longer than 4095 bytes", null);
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            node = new Node(e.isCharacterDevice() ? Node.S_IFCHR : Node.S_IFBLK);
            node.devMajor = e.getDevMajor();
            node.devMinor = e.getDevMinor();
            if (node.devMajor < 0 || node.devMajor > 0xfff || node.devMinor < 0 || node.devMinor > 0xfffff) {
                throw error("device number " + node.devMajor + ":" + node.devMinor + " out of range", null);
            }
        } else if (e.isFIFO()) {
            node = new Node(Node.S_IFIFO);
        } else if (isRegular(e)) {
            node = new Node(Node.S_IFREG);
            long expected = e.isSparse() ? e.getRealSize() : e.getSize();
            budget.file(expected); // from the header, before any data is copied
            node.dataOffset = spool.size();
            long readBefore = budget.unpacked();
            long copied = spool.append(tar);
            if (copied != expected) {
                throw error("truncated layer: file data ends after " + copied + " of " + expected + " bytes", null);
            }
            budget.expanded(copied - (budget.unpacked() - readBefore));
            node.dataLength = copied;
        } else {
            throw error("unsupported tar entry type '" + (char) flag + "'", null);
        }
        setMetadata(node, e, rawHeaders);
        parent.children.put(name, new Node.Child(node, layerIndex));
    }

    private static long utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static boolean isRegular(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == TarConstants.LF_NORMAL
                || f == TarConstants.LF_OLDNORM
                || f == TarConstants.LF_CONTIG
                || f == TarConstants.LF_GNUTYPE_SPARSE
                || e.isSparse();
    }

    private Node hardlinkTarget(String linkName) throws IOException {
        if (linkName == null || linkName.isEmpty()) throw error("hard link with an empty target", null);
        List<String> comps;
        try {
            comps = components(linkName, "the hard link target \"" + RootfsException.printable(linkName) + "\"");
        } catch (UnsafeEntryException ex) {
            throw unsafe(
                    "the hard link target \"" + RootfsException.printable(linkName) + "\" is outside the image tree");
        }
        if (comps.isEmpty()) throw error("hard link to the root directory", null);
        Node parent;
        try {
            parent = parentDir(comps, false);
        } catch (UnsafeEntryException ex) {
            throw unsafe("the hard link target \"" + RootfsException.printable(linkName)
                    + "\" goes through a symbolic link, which could point outside the image tree");
        }
        Node.Child c = parent == null ? null : parent.children.get(comps.get(comps.size() - 1));
        if (c == null) {
            throw error("hard link target \"" + RootfsException.printable(linkName) + "\" does not exist", null);
        }
        if (c.node.isDir()) {
            throw error("hard link target \"" + RootfsException.printable(linkName) + "\" is a directory", null);
        }
        return c.node;
    }

    private void whiteout(List<String> comps, String name) throws IOException {
        if (name.equals(OPAQUE)) {
            // The directory exists in this layer (it holds the marker): make it if needed, then hide
            // everything the lower layers put in it.
            Node dir = comps.size() == 1 ? root : parentDir(comps, true);
            purgeLower(dir);
            return;
        }
        String victim = name.substring(WHITEOUT_PREFIX.length());
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
            throw unsafe("invalid whiteout name");
        }
        Node parent = parentDir(comps, false);
        if (parent == null) return; // nothing below to delete
        Node.Child c = parent.children.get(victim);
        if (c == null) return;
        if (c.layer < layerIndex) {
            parent.children.remove(victim);
        } else if (c.node.isDir()) {
            purgeLower(c.node); // re-created by this layer: drop only what lower layers had in it
        }
    }

    /**
     * Removes what lower layers put in {@code top} and in the directories below it that this layer
     * touched. A loop, not a recursion, so that no tree depth overflows the stack; directories
     * purged once in this layer are skipped (nothing can put lower-layer entries back), so many
     * opaque whiteouts cost no more than one.
     */
    private void purgeLower(Node top) {
        ArrayDeque<Node> pending = new ArrayDeque<>();
        pending.push(top);
        while (!pending.isEmpty()) {
            Node dir = pending.pop();
            if (!purged.add(dir)) continue;
            Iterator<Map.Entry<String, Node.Child>> it = dir.children.entrySet().iterator();
            while (it.hasNext()) {
                Node.Child c = it.next().getValue();
                if (c.layer < layerIndex) it.remove();
                else if (c.node.isDir()) pending.push(c.node);
            }
        }
    }

    private void setMetadata(Node n, TarArchiveEntry e, byte[] rawHeaders) throws IOException {
        n.mode = (n.mode & Node.S_IFMT) | (e.getMode() & 07777);
        long uid = e.getLongUserId();
        long gid = e.getLongGroupId();
        if (uid < 0 || uid > 0xffffffffL || gid < 0 || gid > 0xffffffffL) {
            throw error("owner " + uid + ":" + gid + " does not fit in 32 bits", null);
        }
        n.uid = uid;
        n.gid = gid;
        FileTime t = e.getLastModifiedTime();
        Instant i = t == null ? Instant.EPOCH : t.toInstant();
        n.mtimeSec = i.getEpochSecond();
        n.mtimeNsec = i.getNano();
        n.xattrs = xattrs(e, rawHeaders);
    }

    private TreeMap<String, byte[]> xattrs(TarArchiveEntry e, byte[] rawHeaders) throws IOException {
        Map<String, String> pax = e.getExtraPaxHeaders();
        if (pax == null || pax.isEmpty()) return null;
        TreeMap<String, byte[]> x = new TreeMap<>();
        Map<String, byte[]> raw = null;
        long entryBytes = 0;
        for (Map.Entry<String, String> h : pax.entrySet()) {
            String key = h.getKey();
            String name;
            byte[] value;
            if (key.startsWith(SCHILY_XATTR)) {
                name = key.substring(SCHILY_XATTR.length());
                value = h.getValue().getBytes(StandardCharsets.UTF_8);
                if (h.getValue().indexOf('\uFFFD') >= 0) {
                    // Not valid UTF-8 (a binary value): take the bytes from the raw header.
                    if (raw == null) raw = PaxRecords.parse(rawHeaders);
                    byte[] r = raw == null ? null : raw.get(key);
                    if (r == null) throw error("cannot read the binary value of xattr " + name, null);
                    value = r;
                }
            } else if (key.startsWith(LIBARCHIVE_XATTR)) {
                name = URLDecoder.decode(key.substring(LIBARCHIVE_XATTR.length()), StandardCharsets.UTF_8);
                try {
                    value = Base64.getDecoder().decode(h.getValue().trim());
                } catch (IllegalArgumentException ex) {
                    throw error("xattr " + name + ": bad base64 value", null);
                }
            } else {
                continue;
            }
            entryBytes += utf8Length(name) + value.length;
            budget.xattr(name, value.length, entryBytes);
            if (name.startsWith("trusted.overlay.")) {
                // overlayfs' own markers: the merged image is the overlay's lower layer, where these
                // would redirect or hide files.
                warn("layer " + (layerIndex + 1) + ", entry " + e.getName() + ": dropped xattr " + name);
                continue;
            }
            if (ErofsXattrs.index(name) < 0) {
                throw error("xattr " + name + " is in a namespace the image format cannot store", null);
            }
            if (value.length > 0xffff) throw error("xattr " + name + " value longer than 65535 bytes", null);
            x.put(name, value);
        }
        budget.metadata(entryBytes);
        return x.isEmpty() ? null : x;
    }
}
