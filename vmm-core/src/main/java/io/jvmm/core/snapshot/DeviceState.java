package io.jvmm.core.snapshot;

import io.jvmm.virtio.mmio.MmioTransport;
import java.util.ArrayList;
import java.util.List;

/**
 * One virtio device: its kind and name (a restoring VM must have the same devices in the same
 * order) and its transport's register file and ring positions.
 *
 * @param vsockCid the guest CID of a vsock device (0 for the others): the guest keeps its address
 */
public record DeviceState(int deviceType, String name, MmioTransport.State transport, long vsockCid) {
    /** More than fit on the IOAPIC; anything beyond is not a jvmm snapshot. */
    static final int MAX_DEVICES = 32;

    static final int MAX_QUEUES = 64;

    void write(SnapshotWriter w) {
        MmioTransport.State t = transport;
        w.i32(deviceType).string(name).i64(vsockCid);
        w.i32(t.status())
                .i64(t.driverFeatures())
                .i32(t.deviceFeaturesSel())
                .i32(t.driverFeaturesSel())
                .i32(t.queueSel())
                .i32(t.interruptStatus())
                .i32(t.configGeneration())
                .i32(t.queues().size());
        for (MmioTransport.QueueState q : t.queues()) {
            w.i32(q.num())
                    .bool(q.ready())
                    .i64(q.desc())
                    .i64(q.driver())
                    .i64(q.device())
                    .i32(q.nextAvail())
                    .i32(q.nextUsed());
        }
    }

    static DeviceState read(SnapshotReader r) {
        int type = r.i32();
        String name = r.string();
        long cid = r.i64();
        int status = r.i32();
        long features = r.i64();
        int dfs = r.i32(), drfs = r.i32(), qsel = r.i32(), isr = r.i32(), gen = r.i32(), nq = r.i32();
        if (nq < 0 || nq > MAX_QUEUES) throw r.corrupt(nq + " queues");
        List<MmioTransport.QueueState> qs = new ArrayList<>();
        for (int q = 0; q < nq; q++) {
            qs.add(new MmioTransport.QueueState(r.i32(), r.bool(), r.i64(), r.i64(), r.i64(), r.i32(), r.i32()));
        }
        return new DeviceState(
                type, name, new MmioTransport.State(status, features, dfs, drfs, qsel, isr, gen, qs), cid);
    }
}
