package io.jvmm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** An OCI layout directory: paths are confined to it, symlinks included. */
final class DirectorySource implements ImportSource {
    private final Path dir;

    DirectorySource(Path dir) throws IOException {
        this.dir = dir.toRealPath();
    }

    private Path file(String p) throws IOException {
        Path f = dir.resolve(p).normalize();
        if (!f.startsWith(dir))
            throw new ImageException(ImageException.Kind.BAD_INPUT, "import: path '" + p + "' escapes " + dir);
        if (Files.exists(f) && !f.toRealPath().startsWith(dir)) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: path '" + p + "' leads out of " + dir + " through a symlink");
        }
        return f;
    }

    @Override
    public boolean has(String p) {
        try {
            return Files.isRegularFile(file(p));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public long size(String p) throws IOException {
        return Files.size(file(p));
    }

    @Override
    public InputStream open(String p) throws IOException {
        return Files.newInputStream(file(p));
    }

    @Override
    public Digest digest(String p) throws IOException {
        return Digest.of(file(p));
    }

    @Override
    public void commit(String p, Digest expected, ContentStore store, String where) throws IOException {
        try (InputStream in = open(p)) {
            try {
                store.putBlob(in, expected, size(p));
            } catch (ImageException e) {
                if (e.kind() == ImageException.Kind.DIGEST_MISMATCH) {
                    throw new ImageException(e.kind(), "import: " + where + ": " + e.getMessage(), e);
                }
                throw e;
            }
        }
    }

    @Override
    public void close() {}
}
