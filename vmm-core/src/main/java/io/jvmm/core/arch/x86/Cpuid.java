package io.jvmm.core.arch.x86;

import io.jvmm.core.CpuTemplate;
import io.jvmm.kvm.CpuidEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPUID table one vCPU is given: KVM_GET_SUPPORTED_CPUID, with the topology made true for this
 * VM (APIC id, logical processor counts) and a {@link CpuTemplate} applied.
 *
 * <p>Pure function of its inputs, so the template is tested without KVM.
 */
public final class Cpuid {
    private Cpuid() {}

    // Leaf 1 ECX
    static final int L1_ECX_FMA = 1 << 12,
            L1_ECX_CX16 = 1 << 13,
            L1_ECX_PCID = 1 << 17,
            L1_ECX_POPCNT = 1 << 23,
            L1_ECX_XSAVE = 1 << 26,
            L1_ECX_OSXSAVE = 1 << 27,
            L1_ECX_AVX = 1 << 28,
            L1_ECX_F16C = 1 << 29,
            L1_ECX_RDRAND = 1 << 30,
            L1_ECX_HYPERVISOR = 1 << 31;
    static final int L1_EDX_HTT = 1 << 28;
    // Leaf 7 subleaf 0
    static final int L7_EBX_FSGSBASE = 1,
            L7_EBX_AVX2 = 1 << 5,
            L7_EBX_SMEP = 1 << 7,
            L7_EBX_ERMS = 1 << 9,
            L7_EBX_INVPCID = 1 << 10,
            L7_EBX_RDSEED = 1 << 18,
            L7_EBX_SMAP = 1 << 20;
    /** AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL: they need XSAVE state. */
    static final int L7_EBX_AVX512 =
            (1 << 16) | (1 << 17) | (1 << 21) | (1 << 26) | (1 << 27) | (1 << 28) | (1 << 30) | (1 << 31);

    static final int L7_ECX_UMIP = 1 << 2, L7_ECX_PKU = 1 << 3, L7_ECX_OSPKE = 1 << 4, L7_ECX_RDPID = 1 << 22;
    /** AVX-512 VBMI, VBMI2, VAES, VPCLMULQDQ, VNNI, BITALG, VPOPCNTDQ: XSAVE state again. */
    static final int L7_ECX_AVX_FAMILY = (1 << 1) | (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 14);
    /** AVX512 4VNNIW/4FMAPS, AMX-BF16/TILE/INT8, AVX512-FP16; ARCH_CAPABILITIES (MSR 0x10a). */
    static final int L7_EDX_AVX_FAMILY = (1 << 2) | (1 << 3) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 25);

    static final int L7_EDX_FSRM = 1 << 4, L7_EDX_ARCH_CAPABILITIES = 1 << 29;
    static final int L7_1_EAX_AVX = (1 << 4) | (1 << 5);

    /**
     * The table for vCPU {@code apicId} of {@code vcpus}. {@code template} must be resolved
     * ({@link CpuTemplate#resolve()}).
     */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId, int vcpus, CpuTemplate template) {
        if (template == CpuTemplate.AUTO) throw new IllegalArgumentException("resolve the CPU template first");
        boolean pvm = template == CpuTemplate.PVM;
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            int eax = e.eax(), ebx = e.ebx(), ecx = e.ecx(), edx = e.edx();
            switch (e.function()) {
                case 0x1 -> {
                    // APIC id in EBX[31:24], logical processors per package in EBX[23:16].
                    ebx = (ebx & 0x0000_ffff) | (apicId << 24) | (Math.min(vcpus, 255) << 16);
                    ecx |= L1_ECX_HYPERVISOR;
                    if (vcpus > 1) edx |= L1_EDX_HTT;
                    else edx &= ~L1_EDX_HTT;
                    if (pvm)
                        ecx &= ~(L1_ECX_CX16
                                | L1_ECX_PCID
                                | L1_ECX_POPCNT
                                | L1_ECX_XSAVE
                                | L1_ECX_OSXSAVE
                                | L1_ECX_AVX
                                | L1_ECX_FMA
                                | L1_ECX_F16C
                                | L1_ECX_RDRAND);
                }
                case 0x4 -> {
                    // Deterministic cache parameters: cores per package - 1 in EAX[31:26]; each cache shared by one
                    // vCPU.
                    if ((eax & 0x1f) != 0) eax = (eax & 0x0000_3fff) | ((Math.min(vcpus, 64) - 1) << 26);
                }
                case 0x7 -> {
                    if (pvm && e.index() == 0) {
                        ebx &= ~(L7_EBX_FSGSBASE
                                | L7_EBX_SMEP
                                | L7_EBX_ERMS
                                | L7_EBX_INVPCID
                                | L7_EBX_RDSEED
                                | L7_EBX_SMAP
                                | L7_EBX_AVX2
                                | L7_EBX_AVX512);
                        ecx &= ~(L7_ECX_UMIP | L7_ECX_PKU | L7_ECX_OSPKE | L7_ECX_RDPID | L7_ECX_AVX_FAMILY);
                        // ERMS/FSRM: the emulator steps `rep stosb` a byte at a time, so Linux's page
                        // clearing and copying are cheaper with the quad-word string forms.
                        edx &= ~(L7_EDX_AVX_FAMILY | L7_EDX_FSRM | L7_EDX_ARCH_CAPABILITIES);
                    } else if (pvm && e.index() == 1) {
                        eax &= ~L7_1_EAX_AVX;
                    }
                }
                case 0xb, 0x1f -> {
                    // Extended topology: level 0 = SMT (1 thread per core), level 1 = core (all vCPUs).
                    int shift = 32 - Integer.numberOfLeadingZeros(Math.max(vcpus - 1, 0));
                    edx = apicId;
                    switch (e.index()) {
                        case 0 -> {
                            eax = 0;
                            ebx = 1;
                            ecx = (1 << 8);
                        }
                        case 1 -> {
                            eax = shift;
                            ebx = vcpus;
                            ecx = (2 << 8) | 1;
                        }
                        default -> {
                            eax = 0;
                            ebx = 0;
                            ecx = e.index();
                        }
                    }
                }
                case 0xd -> {
                    // No XSAVE under PVM: the leaf describes state the guest must not use.
                    if (pvm) {
                        eax = 0;
                        ebx = 0;
                        ecx = 0;
                        edx = 0;
                    }
                }
                default -> {}
            }
            out.add(new CpuidEntry(e.function(), e.index(), e.flags(), eax, ebx, ecx, edx));
        }
        return out;
    }
}
