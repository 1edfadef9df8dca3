package io.jvmm.loader.initramfs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Validates entry names and turns them into the form stored in the archive. */
final class ArchivePath {
    /**
     * The kernel drops an entry whose name (with its NUL) is longer than PATH_MAX
     * (init/initramfs.c, do_header), and a symlink whose target is; failing here is clearer.
     */
    static final int PATH_MAX = 4096;

    static final String TRAILER = "TRAILER!!!";

    private ArchivePath() {}

    /**
     * The stored name: one leading '/' is dropped, as gen_init_cpio does, so "/etc" and "etc" are
     * the same entry. Rejects what would be unpacked somewhere else than the caller meant.
     */
    static String normalize(String path) {
        if (path == null) throw new IllegalArgumentException("cpio: path is null");
        String shown = printable(path);
        if (path.indexOf('\0') >= 0) throw new IllegalArgumentException("cpio: path \"" + shown + "\" contains NUL");
        String name = path.startsWith("/") ? path.substring(1) : path;
        if (name.isEmpty())
            throw new IllegalArgumentException("cpio: path \"" + shown + "\" names no entry (the root is implicit)");
        for (String part : name.split("/", -1)) {
            if (part.isEmpty())
                throw new IllegalArgumentException("cpio: path \"" + shown + "\" has an empty component");
            if (part.equals("..")) throw new IllegalArgumentException("cpio: path \"" + shown + "\" contains '..'");
            // "." would make "a/./b" and "a/b" two entries for one file.
            if (part.equals(".")) throw new IllegalArgumentException("cpio: path \"" + shown + "\" contains '.'");
        }
        if (name.equals(TRAILER))
            throw new IllegalArgumentException("cpio: " + TRAILER + " is reserved for the end-of-archive marker");
        if (encodedLength(name) + 1 > PATH_MAX) {
            throw new IllegalArgumentException("cpio: path \"" + shown.substring(0, 40)
                    + "...\" is longer than PATH_MAX (" + PATH_MAX + " bytes with its NUL)");
        }
        return name;
    }

    /** The ancestors of a normalized name, outermost first: "a/b/c" gives [a, a/b]. */
    static List<String> parents(String name) {
        List<String> out = new ArrayList<>();
        for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) out.add(name.substring(0, i));
        return out;
    }

    static int encodedLength(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }
}
