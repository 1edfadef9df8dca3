package io.jvmm.loader;

import java.util.Objects;

/**
 * A kernel, initrd, command line or boot structure that cannot be put into guest memory.
 *
 * <p>The message is one line naming the part of the input that was wrong; callers that need to
 * branch (and tests) use {@link #reason()} instead of the text, as rust-vmm linux-loader's error enum.
 */
public final class LoaderException extends RuntimeException {
    /** What was wrong, independent of the message wording. */
    public enum Reason {
        /** The file ends before a structure it declares. */
        TRUNCATED,
        /** ELF magic or the bzImage "HdrS" signature is missing. */
        BAD_MAGIC,
        /** Not ELFCLASS64. */
        UNSUPPORTED_CLASS,
        /** Not little endian. */
        UNSUPPORTED_ENDIANNESS,
        /** Not ET_EXEC. */
        UNSUPPORTED_TYPE,
        /** Not EM_X86_64. */
        UNSUPPORTED_MACHINE,
        /** Program header table entries of an unexpected size or count. */
        BAD_PROGRAM_HEADER,
        /** Section header table entries of an unexpected size, or a section link that names none. */
        BAD_SECTION_HEADER,
        /** A PT_LOAD segment does not lie inside one guest RAM region. */
        SEGMENT_OUTSIDE_RAM,
        /** Two PT_LOAD segments share guest-physical bytes. */
        SEGMENT_OVERLAP,
        /** The ELF has no non-empty PT_LOAD segment. */
        NO_LOAD_SEGMENTS,
        /** A PT_NOTE segment holds a note whose sizes run past the segment. */
        BAD_NOTE,
        /** The bzImage setup header is inconsistent (boot_flag, loadflags, alignment). */
        BAD_SETUP_HEADER,
        /** The bzImage boot protocol is older than 2.12 (no 64-bit entry fields). */
        PROTOCOL_TOO_OLD,
        /** The bzImage does not advertise XLF_KERNEL_64. */
        NOT_64BIT,
        /** The entry point is not inside any loaded segment. */
        NO_ENTRY,
        /** Something is larger than the space or the format allows. */
        TOO_LARGE,
        /** The command line is longer than allowed. */
        CMDLINE_TOO_LONG,
        /** The command line contains something the kernel cannot parse (NUL, bad key or quote). */
        BAD_CMDLINE,
        /** No page-aligned spot for the initrd between the kernel and initrd_addr_max. */
        INITRD_DOES_NOT_FIT,
        /** A boot structure (zero page, start info, command line) would lie outside guest RAM. */
        OUTSIDE_RAM,
        /** Guest RAM regions unusable for an x86 boot (low region missing or too small). */
        BAD_MEMORY_LAYOUT,
        /** Neither an ELF file nor a bzImage. */
        UNKNOWN_FORMAT,
        /** Reading the file failed. */
        IO_ERROR
    }

    private final Reason reason;

    public LoaderException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public LoaderException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why loading failed. */
    public Reason reason() {
        return reason;
    }
}
