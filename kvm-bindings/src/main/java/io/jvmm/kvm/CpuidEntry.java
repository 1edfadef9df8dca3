package io.jvmm.kvm;

/**
 * One {@code kvm_cpuid_entry2}: the register values CPUID returns for ({@code function},
 * {@code index}). {@code flags} holds KVM_CPUID_FLAG_* bits.
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX (sic, asm/kvm.h): {@code index} selects a sub-leaf. */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    /** A copy with different register values, for editing a leaf. */
    public CpuidEntry withRegisters(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }

    @Override
    public String toString() {
        return String.format(
                "CpuidEntry[0x%08x.%d flags=%d eax=%08x ebx=%08x ecx=%08x edx=%08x]",
                function, index, flags, eax, ebx, ecx, edx);
    }
}
