package io.jvmm.loader.initramfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One archive member as added by the caller; {@code mode} holds the permission bits only. */
sealed interface Entry {
    int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000, S_IFCHR = 0020000;

    /** The full c_mode: file type and permission bits. */
    int typeAndMode();

    /** c_filesize: the number of data bytes that follow the name. */
    long dataSize();

    record Directory(int mode) implements Entry {
        public int typeAndMode() {
            return S_IFDIR | mode;
        }

        public long dataSize() {
            return 0;
        }
    }

    record BytesFile(int mode, byte[] data) implements Entry {
        public int typeAndMode() {
            return S_IFREG | mode;
        }

        public long dataSize() {
            return data.length;
        }
    }

    /** A file read from the host when the archive is written; {@code size} is fixed when it is added. */
    record HostFile(int mode, Path source, long size) implements Entry {
        public int typeAndMode() {
            return S_IFREG | mode;
        }

        public long dataSize() {
            return size;
        }
    }

    /**
     * The target is stored with a terminating NUL, as gen_init_cpio does; the kernel and GNU cpio
     * both read the target up to the first NUL, so the NUL only keeps the output identical.
     */
    record Symlink(String target) implements Entry {
        public int typeAndMode() {
            return S_IFLNK | 0777;
        }

        public long dataSize() {
            return targetBytes().length;
        }

        byte[] targetBytes() {
            byte[] t = target.getBytes(StandardCharsets.UTF_8);
            byte[] withNul = new byte[t.length + 1];
            System.arraycopy(t, 0, withNul, 0, t.length);
            return withNul;
        }
    }

    record CharDevice(int mode, int major, int minor) implements Entry {
        public int typeAndMode() {
            return S_IFCHR | mode;
        }

        public long dataSize() {
            return 0;
        }
    }
}
