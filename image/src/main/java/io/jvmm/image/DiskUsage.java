package io.jvmm.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The image store's disk usage: per image, and in total with every blob counted once; {@code unreferenced}
 * is what {@link ContentStore#prune()} would free (blobs no image uses, plus tmp/).
 */
public record DiskUsage(List<DiskUsage.ImageUsage> images, long total, long unreferenced) {
    /** Disk use of one image: {@code size} = all its blobs, {@code shared} = the part other images use too. */
    public record ImageUsage(String name, Digest id, long size, long shared) {
        public long unique() {
            return size - shared;
        }
    }

    /** Measures {@code store}. */
    public static DiskUsage of(ContentStore store) {
        List<ImageRecord> all = store.list();
        Path blobs = store.blobsDir(), tmp = store.tmpDir();
        Map<Digest, Integer> users = new HashMap<>();
        for (ImageRecord r : all) for (Digest d : new LinkedHashSet<>(r.blobs())) users.merge(d, 1, Integer::sum);
        Map<Digest, Long> sizes = new HashMap<>();
        List<ImageUsage> out = new ArrayList<>();
        for (ImageRecord r : all) {
            long size = 0, shared = 0;
            for (Digest d : new LinkedHashSet<>(r.blobs())) {
                long s = sizes.computeIfAbsent(d, x -> fileSize(store, x));
                size += s;
                if (users.get(d) > 1) shared += s;
            }
            out.add(new ImageUsage(r.name(), r.id(), size, shared));
        }
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        long unref = 0;
        try {
            for (Path dir : List.of(blobs, tmp)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path p : ds) {
                        String name = p.getFileName().toString();
                        boolean referenced = dir == blobs
                                && name.matches("[a-f0-9]{64}")
                                && users.containsKey(new Digest("sha256", name));
                        if (!referenced) unref += Files.size(p);
                    }
                }
            }
        } catch (IOException e) {
            throw ContentStore.io("cannot measure the image store", e);
        }
        return new DiskUsage(out, total, unref);
    }

    private static long fileSize(ContentStore store, Digest d) {
        try {
            return Files.size(store.blobPath(d));
        } catch (IOException e) {
            return 0;
        }
    }
}
