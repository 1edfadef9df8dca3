package io.jvmm.core.legacy;

/** One interrupt input of the in-kernel PIC/IOAPIC, as a device drives it. */
@FunctionalInterface
public interface IrqLine {
    /** Sets the line's level; devices call it only when the level changes. */
    void set(boolean high);
}
