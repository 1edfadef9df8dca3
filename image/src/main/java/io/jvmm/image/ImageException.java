package io.jvmm.image;

/**
 * Every failure of the image module: a one-line message meant to be printed as is
 * ({@code jvmm: <message>}), and a {@link Kind} the command line maps to an exit status.
 */
public class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, coarsely. */
    public enum Kind {
        /** A malformed image reference, digest, archive or manifest given by the user or a registry. */
        BAD_INPUT,
        /** The registry has no such repository, tag or blob; or the store has no such image. */
        NOT_FOUND,
        /** The registry could not be reached (DNS, refused, TLS, timeout). */
        UNREACHABLE,
        /** The registry refused our credentials or wants some we do not have. */
        AUTH,
        /** Content did not match its digest or its declared size. Nothing was stored. */
        DIGEST_MISMATCH,
        /** An index/manifest list has no entry for the wanted platform. */
        PLATFORM,
        /** The registry answered something we do not understand (unexpected status, media type). */
        PROTOCOL,
        /** Local I/O: disk full, permissions, a store file we cannot read. */
        IO,
        /** The operation was interrupted (thread interrupt, cancel). */
        INTERRUPTED
    }

    private final Kind kind;

    public ImageException(Kind kind, String message) {
        super(oneLine(message));
        this.kind = kind;
    }

    public ImageException(Kind kind, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
