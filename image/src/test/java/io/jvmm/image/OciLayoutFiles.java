package io.jvmm.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * OCI image layouts on disk (image-spec image-layout.md) for the tests and benchmarks that build
 * their own images: whatever their image model, they hand over blobs and the top descriptor.
 */
public final class OciLayoutFiles {
    private OciLayoutFiles() {}

    /**
     * Writes {@code blobs} under {@code dir/blobs/sha256} (named by their digests; duplicates once),
     * {@code oci-layout}, and {@code index.json} whose one entry is {@code top} (a manifest or index
     * descriptor), annotated {@code org.opencontainers.image.ref.name = refName}. Returns {@code dir}.
     */
    public static Path write(Path dir, Collection<byte[]> blobs, ObjectNode top, String refName) throws IOException {
        Path blobDir = Files.createDirectories(dir.resolve("blobs/sha256"));
        for (byte[] b : blobs) Files.write(blobDir.resolve(Digest.of(b).hex()), b);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        top.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.putArray("manifests").add(top);
        Files.write(dir.resolve("index.json"), Json.bytes(index));
        return dir;
    }

    /** A tarball of a directory tree (files only, names relative to {@code dir}, sorted). */
    public static Path tar(Path dir, Path tarFile) throws IOException {
        try (OutputStream fo = Files.newOutputStream(tarFile);
                TarArchiveOutputStream out = new TarArchiveOutputStream(fo)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            List<Path> files = new ArrayList<>();
            try (var s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
            for (Path f : files) {
                TarArchiveEntry e = new TarArchiveEntry(dir.relativize(f).toString());
                e.setSize(Files.size(f));
                out.putArchiveEntry(e);
                Files.copy(f, out);
                out.closeArchiveEntry();
            }
        }
        return tarFile;
    }
}
