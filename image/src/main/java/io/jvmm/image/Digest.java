package io.jvmm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 lowercase hex>} (the only algorithm registries use in practice). */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern GENERIC = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    public Digest {
        if (!"sha256".equals(algorithm)) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT, "unsupported digest algorithm '" + algorithm + "' (only sha256)");
        }
        if (hex == null || !HEX64.matcher(hex).matches()) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "invalid sha256 digest '" + hex + "' (want 64 lowercase hex digits)");
        }
    }

    /** Parses {@code sha256:<hex>}. */
    public static Digest parse(String s) {
        if (s == null || !GENERIC.matcher(s).matches()) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT, "invalid digest '" + s + "' (want sha256:<64 hex digits>)");
        }
        int colon = s.indexOf(':');
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    public static Digest of(byte[] data) {
        MessageDigest md = newSha256();
        md.update(data);
        return fromSha256(md);
    }

    public static Digest of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return of(in);
        }
    }

    public static Digest of(InputStream in) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return fromSha256(md);
    }

    public static Digest fromSha256(MessageDigest md) {
        return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first 12 hex digits, as {@code docker images} shows ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
