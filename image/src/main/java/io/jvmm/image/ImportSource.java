package io.jvmm.image;

import java.io.IOException;
import java.io.InputStream;

/** The files of an image archive or OCI layout directory that {@link ImageImporter} reads, by relative path. */
interface ImportSource extends AutoCloseable {
    boolean has(String path);

    long size(String path) throws IOException;

    InputStream open(String path) throws IOException;

    Digest digest(String path) throws IOException;

    /** Verifies the file is {@code expected} and puts it into the store. */
    void commit(String path, Digest expected, ContentStore store, String where) throws IOException;

    default byte[] bytes(String path) throws IOException {
        if (size(path) > (64 << 20))
            throw new ImageException(ImageException.Kind.BAD_INPUT, path + " is implausibly large");
        try (InputStream in = open(path)) {
            return in.readAllBytes();
        }
    }

    @Override
    void close() throws IOException;

    /** An archive path without a leading {@code ./} or {@code /}. */
    static String clean(String p) {
        String s = p;
        while (s.startsWith("./")) s = s.substring(2);
        while (s.startsWith("/")) s = s.substring(1);
        return s;
    }
}
