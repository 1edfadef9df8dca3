package io.jvmm.kvm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.jvmm.kvm.struct.KvmCpuid2;
import io.jvmm.kvm.struct.KvmCpuidEntry2;
import io.jvmm.kvm.struct.KvmFpu;
import io.jvmm.kvm.struct.KvmLapicState;
import io.jvmm.kvm.struct.KvmMpState;
import io.jvmm.kvm.struct.KvmMsrEntry;
import io.jvmm.kvm.struct.KvmMsrs;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmRun;
import io.jvmm.kvm.struct.KvmSregs;
import io.jvmm.kvm.struct.KvmVcpuEvents;
import io.jvmm.kvm.struct.KvmXcrs;
import io.jvmm.kvm.struct.KvmXsave;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.KickSignal;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A vCPU file descriptor and its mmap'd {@code kvm_run}, both owned by a shared arena that
 * {@link #close()} releases.
 *
 * <p>Threading: one thread (the vCPU thread) calls {@link #bindToCurrentThread()} once, then
 * {@link #run()} in a loop; {@link #kick()} may be called from any thread to make the current or
 * next {@code run()} return {@link VcpuExit.Interrupted}. Close only after the vCPU thread has
 * left {@code run()}: the kvm_run mapping goes away with the arena.
 */
public final class VcpuFd implements AutoCloseable {
    private static final VarHandle BYTE = JAVA_BYTE.varHandle();
    private static final int MAX_CPUID_ENTRIES = 4096;

    private final int id;
    private final int fd;
    private final Arena arena;
    private final MemorySegment kvmRun;
    private final ExitDecoder decoder;

    private final Object lock = new Object();
    private boolean closed; // guarded by lock
    private Thread boundThread; // guarded by lock
    private int boundTid; // guarded by lock; kernel thread id

    VcpuFd(int id, int fd, int mmapSize) {
        if (mmapSize < KvmRun.LAYOUT.byteSize()) {
            throw new KvmException(
                    Ioctl.KVM_GET_VCPU_MMAP_SIZE,
                    "vCPU mmap size " + mmapSize + " is smaller than kvm_run (" + KvmRun.LAYOUT.byteSize() + " bytes)");
        }
        this.id = id;
        this.fd = fd;
        this.arena = Arena.ofShared();
        try {
            MemorySegment address =
                    Libc.mmap(MemorySegment.NULL, mmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            // The arena owns the mapping: closing it unmaps kvm_run.
            this.kvmRun = address.reinterpret(mmapSize, arena, segment -> Libc.munmap(segment, mmapSize));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.decoder = new ExitDecoder(kvmRun);
    }

    /** The vCPU id given to KVM_CREATE_VCPU. */
    public int id() {
        return id;
    }

    /** The vCPU file descriptor. */
    public int fd() {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("vCPU " + id + " is closed");
        }
        return fd;
    }

    /** The whole kvm_run mapping (shaped by {@link KvmRun} at offset 0; PIO data lives further in). */
    public MemorySegment kvmRun() {
        return kvmRun;
    }

    /**
     * One KVM_RUN, decoded. EINTR/EAGAIN (a kick or another signal) give {@link VcpuExit.Interrupted};
     * any other errno is a {@link KvmException}.
     */
    public VcpuExit run() {
        int rc = Libc.ioctl(fd, Ioctl.KVM_RUN.number(), 0L);
        if (rc < 0) {
            int errno = Libc.lastErrno();
            if (errno == Errno.EINTR || errno == Errno.EAGAIN) return ExitDecoder.INTERRUPTED;
            throw new KvmException(Ioctl.KVM_RUN, errno);
        }
        return decoder.decode();
    }

    /**
     * Records the calling thread as this vCPU's runner so {@link #kick()} can signal it, and
     * unblocks the kick signal on it. Call on the vCPU thread before its first {@link #run()}.
     */
    public void bindToCurrentThread() {
        KickSignal.unblockForCurrentThread();
        synchronized (lock) {
            boundThread = Thread.currentThread();
            boundTid = Libc.gettid();
        }
    }

    /**
     * Forgets the bound thread if it is the caller. The vCPU thread calls this before it ends (in a
     * finally block), so a later kick never signals a thread that no longer exists.
     */
    public void unbindThread() {
        synchronized (lock) {
            // Only the bound thread may unbind: a late unbind from a previous runner must not
            // silently disarm the kick for the thread that has bound since.
            if (boundThread == Thread.currentThread()) {
                boundThread = null;
                boundTid = 0;
            }
        }
    }

    /**
     * Makes the vCPU leave KVM_RUN promptly, from any thread. immediate_exit covers a vCPU thread
     * that is about to enter KVM_RUN; the signal covers one already inside. Stays in effect until
     * {@link #clearKick()}.
     */
    public void kick() {
        synchronized (lock) {
            if (closed) return;
            BYTE.setVolatile(kvmRun, KvmRun.IMMEDIATE_EXIT_OFFSET, (byte) 1);
            // A thread kicking itself is not inside KVM_RUN: immediate_exit alone stops it.
            if (boundThread != null && boundThread != Thread.currentThread() && boundThread.isAlive()) {
                KickSignal.ensureInstalled();
                try {
                    Libc.tgkill(boundTid, KickSignal.number());
                } catch (NativeException e) {
                    if (e.errno() != Errno.ESRCH) throw e; // the thread just ended: nothing left to kick
                }
            }
        }
    }

    /** Clears immediate_exit so the next {@link #run()} enters the guest again. */
    public void clearKick() {
        BYTE.setVolatile(kvmRun, KvmRun.IMMEDIATE_EXIT_OFFSET, (byte) 0);
    }

    /** KVM_GET_REGS into {@code regs} ({@link KvmRegs}). */
    public void getRegs(MemorySegment regs) {
        struct(Ioctl.KVM_GET_REGS, regs, KvmRegs.LAYOUT);
    }

    /** KVM_SET_REGS from {@code regs} ({@link KvmRegs}). */
    public void setRegs(MemorySegment regs) {
        struct(Ioctl.KVM_SET_REGS, regs, KvmRegs.LAYOUT);
    }

    /** KVM_GET_SREGS into {@code sregs} ({@link KvmSregs}). */
    public void getSregs(MemorySegment sregs) {
        struct(Ioctl.KVM_GET_SREGS, sregs, KvmSregs.LAYOUT);
    }

    /** KVM_SET_SREGS from {@code sregs} ({@link KvmSregs}). */
    public void setSregs(MemorySegment sregs) {
        struct(Ioctl.KVM_SET_SREGS, sregs, KvmSregs.LAYOUT);
    }

    /** KVM_GET_FPU into {@code fpu} ({@link KvmFpu}). */
    public void getFpu(MemorySegment fpu) {
        struct(Ioctl.KVM_GET_FPU, fpu, KvmFpu.LAYOUT);
    }

    /** KVM_SET_FPU from {@code fpu} ({@link KvmFpu}). */
    public void setFpu(MemorySegment fpu) {
        struct(Ioctl.KVM_SET_FPU, fpu, KvmFpu.LAYOUT);
    }

    /** KVM_GET_LAPIC into {@code lapic} ({@link KvmLapicState}). */
    public void getLapic(MemorySegment lapic) {
        struct(Ioctl.KVM_GET_LAPIC, lapic, KvmLapicState.LAYOUT);
    }

    /** KVM_SET_LAPIC from {@code lapic} ({@link KvmLapicState}). */
    public void setLapic(MemorySegment lapic) {
        struct(Ioctl.KVM_SET_LAPIC, lapic, KvmLapicState.LAYOUT);
    }

    /** KVM_GET_VCPU_EVENTS into {@code events} ({@link KvmVcpuEvents}). */
    public void getVcpuEvents(MemorySegment events) {
        struct(Ioctl.KVM_GET_VCPU_EVENTS, events, KvmVcpuEvents.LAYOUT);
    }

    /** KVM_SET_VCPU_EVENTS from {@code events} ({@link KvmVcpuEvents}). */
    public void setVcpuEvents(MemorySegment events) {
        struct(Ioctl.KVM_SET_VCPU_EVENTS, events, KvmVcpuEvents.LAYOUT);
    }

    /** KVM_GET_XSAVE into {@code xsave} ({@link KvmXsave}, 4096 bytes). */
    public void getXsave(MemorySegment xsave) {
        struct(Ioctl.KVM_GET_XSAVE, xsave, KvmXsave.LAYOUT);
    }

    /** KVM_SET_XSAVE from {@code xsave} ({@link KvmXsave}). */
    public void setXsave(MemorySegment xsave) {
        struct(Ioctl.KVM_SET_XSAVE, xsave, KvmXsave.LAYOUT);
    }

    /** KVM_GET_XCRS into {@code xcrs} ({@link KvmXcrs}). */
    public void getXcrs(MemorySegment xcrs) {
        struct(Ioctl.KVM_GET_XCRS, xcrs, KvmXcrs.LAYOUT);
    }

    /** KVM_SET_XCRS from {@code xcrs} ({@link KvmXcrs}). */
    public void setXcrs(MemorySegment xcrs) {
        struct(Ioctl.KVM_SET_XCRS, xcrs, KvmXcrs.LAYOUT);
    }

    /** KVM_GET_MP_STATE: one of KVM_MP_STATE_* (0 runnable, 1 uninitialized, 3 halted, ...). */
    public int getMpState() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = KvmMpState.allocate(call);
            IoctlCall.call(fd(), Ioctl.KVM_GET_MP_STATE, state);
            return KvmMpState.mp_state(state);
        }
    }

    /** KVM_SET_MP_STATE. */
    public void setMpState(int mpState) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = KvmMpState.allocate(call);
            KvmMpState.mp_state(state, mpState);
            IoctlCall.call(fd(), Ioctl.KVM_SET_MP_STATE, state);
        }
    }

    /** KVM_SET_CPUID2: what CPUID reports inside the guest. */
    public void setCpuid(CpuidEntry[] entries) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment cpuid = KvmCpuid2.allocate(call, entries.length);
            KvmCpuid2.nent(cpuid, entries.length);
            for (int i = 0; i < entries.length; i++) {
                CpuidEntry entry = entries[i];
                MemorySegment e = KvmCpuid2.entries(cpuid, i);
                KvmCpuidEntry2.function(e, entry.function());
                KvmCpuidEntry2.index(e, entry.index());
                KvmCpuidEntry2.flags(e, entry.flags());
                KvmCpuidEntry2.eax(e, entry.eax());
                KvmCpuidEntry2.ebx(e, entry.ebx());
                KvmCpuidEntry2.ecx(e, entry.ecx());
                KvmCpuidEntry2.edx(e, entry.edx());
            }
            IoctlCall.call(fd(), Ioctl.KVM_SET_CPUID2, cpuid);
        }
    }

    /** KVM_GET_CPUID2: the CPUID table last set, growing the buffer while the kernel answers E2BIG. */
    public CpuidEntry[] getCpuid() {
        for (int capacity = 64; ; capacity *= 2) {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment cpuid = KvmCpuid2.allocate(call, capacity);
                KvmCpuid2.nent(cpuid, capacity);
                if (IoctlCall.raw(fd(), Ioctl.KVM_GET_CPUID2, cpuid) < 0) {
                    int errno = Libc.lastErrno();
                    if (errno == Errno.E2BIG && capacity < MAX_CPUID_ENTRIES) continue;
                    throw new KvmException(Ioctl.KVM_GET_CPUID2, errno);
                }
                return Kvm.readCpuid(cpuid);
            }
        }
    }

    /** KVM_SET_MSRS; fails naming the first MSR the kernel did not accept. */
    public void setMsrs(long[] indices, long[] values) {
        if (indices.length != values.length) {
            throw new IllegalArgumentException(
                    "setMsrs: " + indices.length + " indices but " + values.length + " values");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment msrs = msrs(call, indices);
            for (int i = 0; i < values.length; i++) KvmMsrEntry.data(KvmMsrs.entries(msrs, i), values[i]);
            int set = IoctlCall.call(fd(), Ioctl.KVM_SET_MSRS, msrs);
            if (set < indices.length) throw notAll(Ioctl.KVM_SET_MSRS, set, indices);
        }
    }

    /** KVM_SET_MSRS with 32-bit indices. */
    public void setMsrs(int[] indices, long[] values) {
        setMsrs(widen(indices), values);
    }

    /** KVM_GET_MSRS: the values of {@code indices}, in order; fails naming the first MSR not read. */
    public long[] getMsrs(long[] indices) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment msrs = msrs(call, indices);
            int read = IoctlCall.call(fd(), Ioctl.KVM_GET_MSRS, msrs);
            if (read < indices.length) throw notAll(Ioctl.KVM_GET_MSRS, read, indices);
            long[] values = new long[indices.length];
            for (int i = 0; i < values.length; i++) values[i] = KvmMsrEntry.data(KvmMsrs.entries(msrs, i));
            return values;
        }
    }

    /** KVM_GET_MSRS with 32-bit indices. */
    public long[] getMsrs(int[] indices) {
        return getMsrs(widen(indices));
    }

    private static MemorySegment msrs(Arena call, long[] indices) {
        MemorySegment msrs = KvmMsrs.allocate(call, indices.length);
        KvmMsrs.nmsrs(msrs, indices.length);
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(
                        "MSR index 0x" + Long.toHexString(indices[i]) + " does not fit 32 bits");
            }
            KvmMsrEntry.index(KvmMsrs.entries(msrs, i), (int) indices[i]);
        }
        return msrs;
    }

    private static KvmException notAll(Ioctl request, int done, long[] indices) {
        return new KvmException(
                request,
                String.format(
                        "only %d of %d MSRs processed, first rejected MSR 0x%x", done, indices.length, indices[done]));
    }

    private static long[] widen(int[] indices) {
        long[] wide = new long[indices.length];
        for (int i = 0; i < indices.length; i++) wide[i] = Integer.toUnsignedLong(indices[i]);
        return wide;
    }

    private void struct(Ioctl request, MemorySegment segment, MemoryLayout layout) {
        IoctlCall.call(fd(), request, IoctlCall.checkStruct(segment, layout, request));
    }

    /** Unmaps kvm_run and closes the vCPU fd; later calls are no-ops. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            boundThread = null;
            try {
                arena.close();
            } finally {
                Libc.close(fd);
            }
        }
    }
}
