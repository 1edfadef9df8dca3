package io.jvmm.loader;

import io.jvmm.memory.GuestMemory;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** The kernel file formats the loader understands, told apart by their signatures. */
public enum KernelImage {
    /** An ELF executable: vmlinux (PVH or 64-bit entry) or a probe guest. */
    ELF,
    /** A bzImage: boot sector + setup header with "HdrS" at 0x202 + compressed kernel. */
    BZIMAGE;

    private static final int HDRS_AT = 0x202;

    /** Which format {@code head} (the first bytes of a file, at least 0x206 for a bzImage) is. */
    public static KernelImage detect(byte[] head) {
        if (head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') return ELF;
        if (head.length >= HDRS_AT + 4
                && head[HDRS_AT] == 'H'
                && head[HDRS_AT + 1] == 'd'
                && head[HDRS_AT + 2] == 'r'
                && head[HDRS_AT + 3] == 'S') {
            return BZIMAGE;
        }
        throw new LoaderException(
                LoaderException.Reason.UNKNOWN_FORMAT,
                "not a kernel: neither an ELF file nor a bzImage (no HdrS signature)");
    }

    /** Reads the first bytes of {@code kernel} (positional; the channel position is unchanged). */
    public static KernelImage detect(FileChannel kernel) {
        return detect(ChannelReads.readAtMost(kernel, 0, HDRS_AT + 4, "kernel"));
    }

    public static KernelImage detect(Path kernel) {
        return ChannelReads.withChannel(kernel, KernelImage::detect);
    }

    /** Detects the format of {@code kernel} and loads it with the matching loader. */
    public static LoadedKernel load(GuestMemory mem, Path kernel) {
        return ChannelReads.withChannel(kernel, ch -> switch (detect(ch)) {
            case ELF -> ElfLoader.load(mem, ch);
            case BZIMAGE -> BzImageLoader.load(mem, ch);
        });
    }
}
