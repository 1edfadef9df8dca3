package io.jvmm.cli;

import io.jvmm.image.ContentStore;
import io.jvmm.image.Credentials;
import io.jvmm.image.ImageException;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.ImageReference;
import io.jvmm.image.RegistryClient;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** What the image commands and {@code jvmm run IMAGE} share: the store, registry clients, pulls, exit statuses. */
final class Images {
    private Images() {}

    /** The image store under the state data dir ({@code data/images}). */
    static ContentStore store(StateDirs dirs) {
        dirs.ensureDataDir();
        return ContentStore.open(dirs.imagesDir());
    }

    /** A client for pulling {@code ref}: plain HTTP when asked or for loopback registries; explicit credentials win. */
    static RegistryClient client(ImageReference ref, boolean insecure, Credentials credentials, PullProgress progress) {
        RegistryClient.Builder b = RegistryClient.builder();
        if (insecure || ref.loopbackRegistry()) b.insecure(ref.registry());
        if (credentials != null) b.credentials(ref.registry(), credentials);
        if (progress != null) b.listener(progress);
        return b.build();
    }

    /** Pulls {@code ref} with the progress shown on {@code out} as {@code mode} says; returns the stored image. */
    static ImageRecord pull(
            ContentStore store,
            ImageReference ref,
            boolean insecure,
            Credentials credentials,
            PrintStream out,
            PullProgress.Mode mode) {
        PullProgress progress = new PullProgress(out, mode);
        progress.begin(ref);
        ImageRecord r;
        try {
            r = client(ref, insecure, credentials, progress).pull(ref, store);
        } finally {
            progress.finish();
        }
        progress.summary(r);
        return r;
    }

    /** The exit status of an image error: 2 for bad input (reference, archive), 1 for the rest. */
    static int status(ImageException e) {
        return e.kind() == ImageException.Kind.BAD_INPUT ? CliException.USAGE : CliException.RUNTIME;
    }

    /** The VM records started from this image (by id, as docker counts containers of an image). */
    static List<VmRecord> users(VmStore vms, ImageRecord img) {
        String id = img.id().toString();
        return vms.list().stream().filter(r -> id.equals(r.imageId())).toList();
    }

    /** {@code REPOSITORY} and {@code TAG} as docker images shows them ({@code busybox}, {@code latest}). */
    static String[] repositoryAndTag(ImageRecord r) {
        ImageReference ref;
        try {
            ref = r.reference();
        } catch (ImageException e) {
            return new String[] {r.name(), "<none>"};
        }
        String repo = ref.registry().equals(ImageReference.DOCKER_HUB)
                ? (ref.repository().startsWith("library/") ? ref.repository().substring(8) : ref.repository())
                : ref.name();
        return new String[] {repo, ref.tag() != null ? ref.tag() : "<none>"};
    }

    /** The reference as docker prints it: {@code busybox:latest}, {@code host:5000/app:1}. */
    static String familiar(String canonical) {
        if (canonical == null) return null;
        try {
            return ImageReference.parse(canonical).familiar();
        } catch (ImageException e) {
            return canonical;
        }
    }

    /** "1.2MB" as docker shows sizes (powers of 1000). */
    static String humanSize(long bytes) {
        if (bytes < 1000) return bytes + "B";
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int i = -1;
        while (v >= 1000 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return (v < 10
                        ? String.format(Locale.ROOT, "%.2f", v)
                        : v < 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v))
                + units[i];
    }
}
