package io.jvmm.virtio.net;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/** A 48-bit Ethernet address. */
public record MacAddress(byte[] bytes) {
    public MacAddress {
        if (bytes.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** {@code 02:00:5e:10:00:01}; throws IllegalArgumentException naming what is wrong. */
    public static MacAddress parse(String s) {
        String[] parts = s.split(":", -1);
        if (parts.length != 6)
            throw new IllegalArgumentException(
                    "'" + s + "' is not a MAC address (want six hex bytes like 02:00:00:00:00:01)");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2)
                throw new IllegalArgumentException(
                        "'" + s + "' is not a MAC address (want six hex bytes like 02:00:00:00:00:01)");
            try {
                b[i] = (byte) Integer.parseInt(parts[i], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + s + "' is not a MAC address (want six hex bytes like 02:00:00:00:00:01)");
            }
        }
        if ((b[0] & 1) != 0)
            throw new IllegalArgumentException("'" + s + "' is a multicast address; a NIC needs a unicast one");
        return new MacAddress(b);
    }

    /** A random locally administered unicast address (first byte x2, x6, xa or xe). */
    public static MacAddress random() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        b[0] = (byte) ((b[0] & 0xfc) | 0x02);
        return new MacAddress(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }
}
