package io.jvmm.image;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;

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

    /**
     * Why {@code e} happened, in a few words for a message: the JDK's HTTP client reports timeouts, refused
     * connections and unknown hosts by class, often with no message, so those are named here.
     */
    static String describe(Throwable e) {
        if (e == null) return "unknown error";
        if (e instanceof HttpConnectTimeoutException) return "connection timed out";
        if (e instanceof HttpTimeoutException) return "no answer in time";
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            Throwable c = e;
            while (c != null) {
                if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) return "unknown host";
                c = c.getCause();
            }
            return "connection refused";
        }
        if (e instanceof UnknownHostException) return "unknown host";
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            return c != null && c != e ? describe(c) : e.getClass().getSimpleName();
        }
        return m;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
