package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * The fields of x86-64 {@code struct stat} (asm/stat.h) a file server needs, decoded from the
 * 144 bytes {@link FileSyscalls#fstatat} fills.
 */
public record FileStat(
        long dev,
        long ino,
        long nlink,
        int mode,
        int uid,
        int gid,
        long rdev,
        long size,
        long blksize,
        long blocks,
        long atime,
        long atimeNsec,
        long mtime,
        long mtimeNsec,
        long ctime,
        long ctimeNsec) {
    /** sizeof(struct stat) on x86-64. */
    public static final long SIZE = 144;

    public static final int S_IFMT = 0170000,
            S_IFSOCK = 0140000,
            S_IFLNK = 0120000,
            S_IFREG = 0100000,
            S_IFBLK = 060000,
            S_IFDIR = 040000,
            S_IFCHR = 020000,
            S_IFIFO = 010000;
    public static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000, S_IXGRP = 010;

    /** Decodes a filled {@code struct stat}. */
    public static FileStat decode(MemorySegment s) {
        return new FileStat(
                s.get(JAVA_LONG, 0),
                s.get(JAVA_LONG, 8),
                s.get(JAVA_LONG, 16),
                s.get(JAVA_INT, 24),
                s.get(JAVA_INT, 28),
                s.get(JAVA_INT, 32),
                s.get(JAVA_LONG, 40),
                s.get(JAVA_LONG, 48),
                s.get(JAVA_LONG, 56),
                s.get(JAVA_LONG, 64),
                s.get(JAVA_LONG, 72),
                s.get(JAVA_LONG, 80),
                s.get(JAVA_LONG, 88),
                s.get(JAVA_LONG, 96),
                s.get(JAVA_LONG, 104),
                s.get(JAVA_LONG, 112));
    }

    /** The file type bits ({@code S_IFMT} part of the mode). */
    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isRegular() {
        return type() == S_IFREG;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }
}
