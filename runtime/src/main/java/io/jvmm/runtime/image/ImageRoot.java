package io.jvmm.runtime.image;

import io.jvmm.image.ContentStore;
import io.jvmm.image.Descriptor;
import io.jvmm.image.Digest;
import io.jvmm.image.ImageConfig;
import io.jvmm.image.ImageException;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.ImageReference;
import io.jvmm.image.PullListener;
import io.jvmm.image.RegistryClient;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.StateDirs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * An OCI image ready to boot: its stored record, its configuration and its root image file, for a
 * library user who names an image (the CLI shows its own pull progress and does the same steps). The
 * store, the pulls and the root image cache are the ones the CLI uses, shared across processes and
 * locked ({@link ContentStore}, {@link ImageRootfs}).
 */
public record ImageRoot(ImageRecord record, ImageConfig config, Path rootfs) {
    /**
     * The image {@code reference} names: from the store under {@code dirs}, else pulled (one line per
     * layer on {@code progress}; loopback registries over plain HTTP, as docker does); then its root
     * image, built on first use. Errors are one-line {@link EngineException}s naming the image.
     */
    public static ImageRoot resolve(StateDirs dirs, String reference, PrintStream progress) {
        try {
            dirs.ensureDataDir();
            ContentStore store = ContentStore.open(dirs.imagesDir());
            ImageRecord rec = store.find(reference).orElse(null);
            if (rec == null) {
                ImageReference ref = ImageReference.parse(reference);
                progress.println("jvmm: pulling " + ref.familiar());
                RegistryClient.Builder b = RegistryClient.builder().listener(new LinePerBlob(progress));
                if (ref.loopbackRegistry()) b.insecure(ref.registry());
                rec = b.build().pull(ref, store);
            }
            ImageConfig cfg = store.config(rec);
            if (cfg.os() != null && !cfg.os().equals("linux"))
                throw EngineException.usage("image " + reference + " is for " + cfg.os() + ", not linux");
            return new ImageRoot(rec, cfg, ImageRootfs.ensure(dirs, store, rec).file());
        } catch (ImageException e) {
            throw e.kind() == ImageException.Kind.BAD_INPUT
                    ? EngineException.usage("image " + reference + ": " + e.getMessage())
                    : EngineException.runtime("image " + reference + ": " + e.getMessage());
        }
    }

    /** Pull progress for a log or a test report: a line when a layer starts and when it is done. */
    private record LinePerBlob(PrintStream out) implements PullListener {
        @Override
        public void resolved(ImageReference ref, Digest manifest, List<Descriptor> blobs) {
            out.println("jvmm: " + ref.familiar() + ": " + blobs.size() + " blobs, manifest " + manifest);
        }

        @Override
        public void done(Descriptor blob) {
            out.println("jvmm: " + blob.digest() + ": " + blob.size() + " bytes");
        }
    }
}
