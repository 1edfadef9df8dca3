package io.jvmm.image;

import java.util.List;

/**
 * Progress of a pull, for a progress bar. Called from the download threads (several at once): implementations
 * must be thread-safe and quick. All methods default to doing nothing.
 */
public interface PullListener {
    PullListener NONE = new PullListener() {};

    /** The manifest is known: these blobs (config first, then layers) make the image. */
    default void resolved(ImageReference ref, Digest manifestDigest, List<Descriptor> blobs) {}

    /** A blob is already in the store: nothing to download. */
    default void cached(Descriptor blob) {}

    /** A download starts; {@code resumedAt} bytes are already there from an earlier, interrupted pull. */
    default void started(Descriptor blob, long resumedAt) {}

    /** {@code bytesDone} of {@code blob.size()} are on disk. */
    default void progress(Descriptor blob, long bytesDone) {}

    /** The blob is downloaded and its digest verified. */
    default void done(Descriptor blob) {}

    /** A transient failure; the download is retried (resuming) as attempt {@code attempt}. */
    default void retrying(Descriptor blob, int attempt, String why) {}
}
