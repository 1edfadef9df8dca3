package io.jvmm.core.jail;

import io.jvmm.kvm.sys.Landlock;

/** What a confined process may do beneath one path (a Landlock rule's rights, by intent). */
public enum FileAccess {
    /** Read files and list directories. */
    READ(Landlock.READ_FILE | Landlock.READ_DIR),
    /** Read, and run programs (the JVM's own files). */
    READ_EXECUTE(Landlock.READ_FILE | Landlock.READ_DIR | Landlock.EXECUTE),
    /** Read and write existing files (disk images that are not read-only). */
    READ_WRITE_FILES(Landlock.READ_FILE | Landlock.READ_DIR | Landlock.WRITE_FILE | Landlock.TRUNCATE),
    /** A device node to read, write and ioctl (/dev/kvm, /dev/net/tun). */
    DEVICE(Landlock.READ_FILE | Landlock.WRITE_FILE | Landlock.IOCTL_DEV),
    /** Everything on regular files, directories and sockets beneath (the process's own state). */
    OWN(Landlock.READ_FILE
            | Landlock.READ_DIR
            | Landlock.WRITE_FILE
            | Landlock.TRUNCATE
            | Landlock.REMOVE_DIR
            | Landlock.REMOVE_FILE
            | Landlock.MAKE_DIR
            | Landlock.MAKE_REG
            | Landlock.MAKE_SOCK
            | Landlock.MAKE_FIFO
            | Landlock.MAKE_SYM
            | Landlock.REFER),
    /**
     * A read-write virtio-fs share: what the guest's requests do beneath it (make and remove files,
     * directories, symlinks, FIFOs and sockets, rename and link across its directories, write,
     * truncate); device nodes are {@link FilesystemPolicy#allowShare}'s to add.
     */
    SHARE_READ_WRITE(OWN.rights);

    final long rights;

    FileAccess(long rights) {
        this.rights = rights;
    }
}
