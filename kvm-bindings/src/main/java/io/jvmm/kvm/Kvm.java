package io.jvmm.kvm;

import io.jvmm.kvm.struct.KvmCpuid2;
import io.jvmm.kvm.struct.KvmCpuidEntry2;
import io.jvmm.kvm.struct.KvmMsrList;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open {@code /dev/kvm}: system-wide queries and VM creation. A {@link VmFd} made here stays
 * valid after this object is closed (the kernel keeps its own reference).
 */
public final class Kvm implements AutoCloseable {
    /** The only KVM API version there has ever been (KVM_API_VERSION, linux/kvm.h). */
    public static final int KVM_API_VERSION = 12;
    /** Capability numbers for {@link #checkExtension} (KVM_CAP_*, linux/kvm.h). */
    public static final int KVM_CAP_IRQCHIP = 0,
            KVM_CAP_HLT = 1,
            KVM_CAP_USER_MEMORY = 3,
            KVM_CAP_SET_TSS_ADDR = 4,
            KVM_CAP_EXT_CPUID = 7,
            KVM_CAP_NR_VCPUS = 9,
            KVM_CAP_NR_MEMSLOTS = 10,
            KVM_CAP_PIT = 11,
            KVM_CAP_MP_STATE = 14,
            KVM_CAP_IRQ_ROUTING = 25,
            KVM_CAP_IRQ_INJECT_STATUS = 26,
            KVM_CAP_SET_IDENTITY_MAP_ADDR = 37,
            KVM_CAP_IOEVENTFD = 36,
            KVM_CAP_ADJUST_CLOCK = 39,
            KVM_CAP_VCPU_EVENTS = 41,
            KVM_CAP_PIT2 = 33,
            KVM_CAP_IRQFD = 32,
            KVM_CAP_XSAVE = 55,
            KVM_CAP_XCRS = 56,
            KVM_CAP_MAX_VCPUS = 66,
            KVM_CAP_SIGNAL_MSI = 77,
            KVM_CAP_SPLIT_IRQCHIP = 121,
            KVM_CAP_IMMEDIATE_EXIT = 136;

    private static final String DEVICE = "/dev/kvm";
    private static final int MAX_CPUID_ENTRIES = 4096;

    private final int fd;
    private final String device;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Kvm(int fd, String device) {
        this.fd = fd;
        this.device = device;
    }

    /** Why KVM cannot be used here, probed once; null when it can. */
    private static final class Probe {
        static final String CAUSE = probe(DEVICE);
    }

    /** Why {@code device} cannot serve as /dev/kvm, or null when it can. */
    static String probe(String device) {
        if (!Files.exists(Path.of(device))) return device + " does not exist";
        try {
            open(device).close();
            return null;
        } catch (NativeException | LinkageError e) {
            return e.getMessage();
        }
    }

    /** True when /dev/kvm can be opened and speaks API version 12. */
    public static boolean isAvailable() {
        return Probe.CAUSE == null;
    }

    /** A one-line reason KVM is unavailable (e.g. {@code /dev/kvm does not exist}), or null. */
    public static String unavailabilityCause() {
        return Probe.CAUSE;
    }

    /** Opens /dev/kvm (O_RDWR|O_CLOEXEC) and checks the API version. */
    public static Kvm open() {
        return open(DEVICE);
    }

    static Kvm open(String device) {
        int fd = Libc.open(device, Libc.O_RDWR | Libc.O_CLOEXEC);
        Kvm kvm = new Kvm(fd, device);
        try {
            int version = kvm.apiVersion();
            if (version != KVM_API_VERSION) {
                throw new KvmException(
                        Ioctl.KVM_GET_API_VERSION, "KVM API version " + version + ", expected " + KVM_API_VERSION);
            }
            return kvm;
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    /** The /dev/kvm file descriptor. */
    public int fd() {
        ensureOpen();
        return fd;
    }

    /** KVM_GET_API_VERSION. */
    public int apiVersion() {
        return IoctlCall.call(fd(), Ioctl.KVM_GET_API_VERSION, 0L);
    }

    /** KVM_CHECK_EXTENSION on the system fd: 0 when unsupported, else 1 or a capability-specific value. */
    public int checkExtension(int cap) {
        return IoctlCall.call(fd(), Ioctl.KVM_CHECK_EXTENSION, cap);
    }

    /** KVM_GET_VCPU_MMAP_SIZE: the size of each vCPU's kvm_run mapping. */
    public int vcpuMmapSize() {
        return IoctlCall.call(fd(), Ioctl.KVM_GET_VCPU_MMAP_SIZE, 0L);
    }

    /**
     * KVM_GET_SUPPORTED_CPUID. The answer is a property of the loaded KVM module, so it is asked
     * once per device and process (0.45 ms a call on kvm_pvm, a tenth of an embedded boot).
     */
    public CpuidEntry[] supportedCpuid() {
        ensureOpen();
        return SUPPORTED_CPUID
                .computeIfAbsent(device, d -> querySupportedCpuid())
                .clone();
    }

    private static final ConcurrentHashMap<String, CpuidEntry[]> SUPPORTED_CPUID = new ConcurrentHashMap<>();

    /** KVM_GET_SUPPORTED_CPUID, growing the buffer while the kernel answers E2BIG. */
    private CpuidEntry[] querySupportedCpuid() {
        for (int capacity = 64; ; capacity *= 2) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cpuid = KvmCpuid2.allocate(arena, capacity);
                KvmCpuid2.nent(cpuid, capacity);
                int rc = IoctlCall.raw(fd(), Ioctl.KVM_GET_SUPPORTED_CPUID, cpuid);
                if (rc < 0) {
                    int errno = Libc.lastErrno();
                    if (errno == Errno.E2BIG && capacity < MAX_CPUID_ENTRIES) continue;
                    throw new KvmException(Ioctl.KVM_GET_SUPPORTED_CPUID, errno);
                }
                return readCpuid(cpuid);
            }
        }
    }

    /** Decodes a filled kvm_cpuid2 (nent entries). */
    static CpuidEntry[] readCpuid(MemorySegment cpuid) {
        CpuidEntry[] entries = new CpuidEntry[KvmCpuid2.nent(cpuid)];
        for (int i = 0; i < entries.length; i++) {
            MemorySegment e = KvmCpuid2.entries(cpuid, i);
            entries[i] = new CpuidEntry(
                    KvmCpuidEntry2.function(e),
                    KvmCpuidEntry2.index(e),
                    KvmCpuidEntry2.flags(e),
                    KvmCpuidEntry2.eax(e),
                    KvmCpuidEntry2.ebx(e),
                    KvmCpuidEntry2.ecx(e),
                    KvmCpuidEntry2.edx(e));
        }
        return entries;
    }

    /** KVM_GET_MSR_INDEX_LIST: the MSRs KVM can save and restore. */
    public int[] msrIndexList() {
        int capacity = 0; // the first call reports the real count through E2BIG
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = KvmMsrList.allocate(arena, capacity);
                KvmMsrList.nmsrs(list, capacity);
                int rc = IoctlCall.raw(fd(), Ioctl.KVM_GET_MSR_INDEX_LIST, list);
                if (rc < 0) {
                    int errno = Libc.lastErrno();
                    int needed = KvmMsrList.nmsrs(list);
                    if (errno == Errno.E2BIG && needed > capacity) {
                        capacity = needed;
                        continue;
                    }
                    throw new KvmException(Ioctl.KVM_GET_MSR_INDEX_LIST, errno);
                }
                int[] indices = new int[KvmMsrList.nmsrs(list)];
                for (int i = 0; i < indices.length; i++) indices[i] = KvmMsrList.indices(list, i);
                return indices;
            }
        }
    }

    /** KVM_CREATE_VM (default machine type). */
    public VmFd createVm() {
        int mmapSize = vcpuMmapSize();
        int vmFd = IoctlCall.call(fd(), Ioctl.KVM_CREATE_VM, 0L);
        return new VmFd(vmFd, mmapSize);
    }

    private void ensureOpen() {
        if (closed.get()) throw new IllegalStateException("Kvm (/dev/kvm) is closed");
    }

    /** Closes /dev/kvm; later calls are no-ops. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Libc.close(fd);
    }
}
