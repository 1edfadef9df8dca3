package io.jvmm.core.arch.x86;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.CpuTemplate;
import io.jvmm.kvm.CpuidEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuidTest {
    private static final List<CpuidEntry> SUPPORTED = List.of(
            new CpuidEntry(
                    0x1, 0, 0, 0x000906ea, 0x00000800, 0xfffab223 | Cpuid.L1_ECX_XSAVE | Cpuid.L1_ECX_CX16, 0x0f8bfbff),
            new CpuidEntry(0x7, 0, 1, 0, 0xffffffff, 0xffffffff, 0xffffffff),
            new CpuidEntry(0x7, 1, 1, 0xffffffff, 0, 0, 0),
            new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
            new CpuidEntry(0xb, 1, 1, 4, 8, 0x201, 7),
            new CpuidEntry(0xd, 0, 1, 7, 0x340, 0x340, 0),
            new CpuidEntry(0xd, 1, 1, 0xf, 0, 0, 0));

    private static CpuidEntry find(List<CpuidEntry> l, int fn, int idx) {
        return l.stream()
                .filter(e -> e.function() == fn && e.index() == idx)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void apicIdAndCountsFollowTheVcpu() {
        List<CpuidEntry> t = Cpuid.forVcpu(SUPPORTED, 3, 4, CpuTemplate.HOST);
        CpuidEntry l1 = find(t, 1, 0);
        assertEquals(3, l1.ebx() >>> 24);
        assertEquals(4, (l1.ebx() >>> 16) & 0xff);
        assertNotEquals(0, l1.edx() & Cpuid.L1_EDX_HTT);
        assertNotEquals(0, l1.ecx() & Cpuid.L1_ECX_HYPERVISOR);
        assertEquals(3, find(t, 0xb, 0).edx());
        assertEquals(3, find(t, 0xb, 1).edx());
        assertEquals(2, find(t, 0xb, 1).eax()); // 4 vCPUs need 2 bits of APIC id
        assertEquals(4, find(t, 0xb, 1).ebx());
    }

    @Test
    void singleVcpuHasNoHyperThreadingBit() {
        assertEquals(
                0, find(Cpuid.forVcpu(SUPPORTED, 0, 1, CpuTemplate.HOST), 1, 0).edx() & Cpuid.L1_EDX_HTT);
    }

    @Test
    void hostTemplateKeepsFeatures() {
        List<CpuidEntry> t = Cpuid.forVcpu(SUPPORTED, 0, 1, CpuTemplate.HOST);
        assertNotEquals(0, find(t, 1, 0).ecx() & Cpuid.L1_ECX_XSAVE);
        assertEquals(0xffffffff, find(t, 7, 0).ebx());
        assertEquals(7, find(t, 0xd, 0).eax());
    }

    @Test
    void pvmTemplateHidesWhatKvmPvmCannotRun() {
        List<CpuidEntry> t = Cpuid.forVcpu(SUPPORTED, 0, 1, CpuTemplate.PVM);
        int ecx1 = find(t, 1, 0).ecx();
        for (int bit : new int[] {
            Cpuid.L1_ECX_XSAVE,
            Cpuid.L1_ECX_OSXSAVE,
            Cpuid.L1_ECX_CX16,
            Cpuid.L1_ECX_POPCNT,
            Cpuid.L1_ECX_PCID,
            Cpuid.L1_ECX_RDRAND,
            Cpuid.L1_ECX_AVX
        }) {
            assertEquals(0, ecx1 & bit, "leaf 1 ecx bit " + Integer.numberOfTrailingZeros(bit));
        }
        CpuidEntry l7 = find(t, 7, 0);
        for (int bit : new int[] {
            Cpuid.L7_EBX_SMAP,
            Cpuid.L7_EBX_SMEP,
            Cpuid.L7_EBX_FSGSBASE,
            Cpuid.L7_EBX_INVPCID,
            Cpuid.L7_EBX_RDSEED,
            Cpuid.L7_EBX_ERMS
        }) {
            assertEquals(0, l7.ebx() & bit, "leaf 7 ebx bit " + Integer.numberOfTrailingZeros(bit));
        }
        for (int bit : new int[] {Cpuid.L7_ECX_UMIP, Cpuid.L7_ECX_PKU, Cpuid.L7_ECX_RDPID}) {
            assertEquals(0, l7.ecx() & bit, "leaf 7 ecx bit " + Integer.numberOfTrailingZeros(bit));
        }
        assertEquals(0, l7.edx() & Cpuid.L7_EDX_ARCH_CAPABILITIES);
        assertEquals(0, l7.edx() & Cpuid.L7_EDX_FSRM);
        assertEquals(0, find(t, 0xd, 0).eax());
        assertEquals(0, find(t, 0xd, 1).eax()); // xsaveopt/xsavec/xgetbv1/xsaves
        // Features the template does not name survive, e.g. SSE4.2 (leaf 1 ecx bit 20).
        assertNotEquals(0, ecx1 & (1 << 20));
    }

    @Test
    void autoMustBeResolved() {
        assertThrows(IllegalArgumentException.class, () -> Cpuid.forVcpu(SUPPORTED, 0, 1, CpuTemplate.AUTO));
    }
}
