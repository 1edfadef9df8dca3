package io.jvmm.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds a synthetic bzImage: boot sector + setup header fields + setup sectors + payload. */
final class BzImageBuilder {
    int setupSects = 3, bootFlag = 0xaa55, magic = SetupHeader.HDRS_MAGIC, version = 0x020f;
    int loadflags = SetupHeader.LOADED_HIGH, xloadflags = SetupHeader.XLF_KERNEL_64 | 0x2, jumpOffset = 0x6a;
    int relocatable = 1, kernelAlignment = 0x200000, cmdlineSize = 2047, initrdAddrMax = 0x7fffffff;
    long prefAddress = 0x1000000, initSize = 0x400000;
    byte[] payload = TestFiles.random(7, 20000);

    int payloadOffset() {
        return ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
    }

    byte[] build() {
        ByteBuffer b = ByteBuffer.allocate(payloadOffset() + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.putShort(0x1fe, (short) bootFlag);
        b.put(0x200, (byte) 0xeb).put(0x201, (byte) jumpOffset);
        b.putInt(0x202, magic);
        b.putShort(0x206, (short) version);
        b.put(0x210, (byte) 0); // type_of_loader: the loader must set it
        b.put(0x211, (byte) loadflags);
        b.putInt(0x22c, initrdAddrMax);
        b.putInt(0x230, kernelAlignment);
        b.put(0x234, (byte) relocatable);
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, cmdlineSize);
        b.putLong(0x258, prefAddress);
        b.putInt(0x260, (int) initSize);
        b.position(payloadOffset());
        b.put(payload);
        return b.array();
    }
}
