package io.jvmm.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A directory outside the share that the guest must never touch, and a digest of everything in it
 * (names, types, modes, owners, times, contents, xattr-free), taken without following symlinks.
 */
final class Canary {
    private Canary() {}

    /** Fills {@code dir} with a file, a subdirectory and a file named like one the tests use inside the share. */
    static Path create(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("canary-file"), "do not touch");
        Files.writeString(dir.resolve("sub/deep"), "deep");
        Files.writeString(dir.resolve("passwd"), "root:x:0:0");
        return dir;
    }

    static String digest(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<Path> paths = walk.sorted().toList();
            for (Path p : paths) {
                md.update(dir.relativize(p).toString().getBytes());
                var attrs = Files.readAttributes(
                        p, "unix:mode,uid,gid,size,lastModifiedTime,ctime,nlink", LinkOption.NOFOLLOW_LINKS);
                md.update(new TreeMap<>(attrs).toString().getBytes());
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) md.update(Files.readAllBytes(p));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
