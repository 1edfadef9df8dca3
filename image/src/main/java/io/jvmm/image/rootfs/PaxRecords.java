package io.jvmm.image.rootfs;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Finds the PAX extended header ('x') in the raw header bytes of one tar entry and parses it as bytes. */
final class PaxRecords {
    private PaxRecords() {}

    /** Records of the last 'x' header in {@code raw}, keys as UTF-8 strings and values as raw bytes; null if none. */
    static Map<String, byte[]> parse(byte[] raw) {
        if (raw == null) return null;
        Map<String, byte[]> result = null;
        for (int p = 0; p + 512 <= raw.length; p++) {
            if (raw[p + 156] != 'x' || !validHeader(raw, p)) continue;
            long size = octal(raw, p + 124, 12);
            if (size < 0 || p + 512 + size > raw.length) continue;
            Map<String, byte[]> records = records(raw, p + 512, (int) size);
            if (records != null) {
                result = records;
                p += 511 + (int) size;
            }
        }
        return result;
    }

    private static boolean validHeader(byte[] b, int p) {
        long stored = octal(b, p + 148, 8);
        if (stored < 0) return false;
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (b[p + i] & 0xff);
        }
        return sum == stored;
    }

    private static long octal(byte[] b, int off, int len) {
        long v = 0;
        boolean digits = false;
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c == 0 || c == ' ') {
                if (digits) break;
                continue;
            }
            if (c < '0' || c > '7') return -1;
            v = v * 8 + (c - '0');
            digits = true;
        }
        return digits ? v : -1;
    }

    /** "%d %s=%s\n" records; null when malformed. */
    private static Map<String, byte[]> records(byte[] b, int off, int size) {
        Map<String, byte[]> m = new HashMap<>();
        int p = off;
        int end = off + size;
        while (p < end) {
            if (b[p] == 0) break; // padding
            int sp = p;
            long len = 0;
            while (sp < end && b[sp] >= '0' && b[sp] <= '9') len = len * 10 + (b[sp++] - '0');
            if (sp >= end || b[sp] != ' ' || len <= 0 || p + len > end) return null;
            int recEnd = (int) (p + len); // exclusive; b[recEnd - 1] == '\n'
            if (b[recEnd - 1] != '\n') return null;
            int eq = sp + 1;
            while (eq < recEnd && b[eq] != '=') eq++;
            if (eq >= recEnd) return null;
            String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = new byte[recEnd - 1 - (eq + 1)];
            System.arraycopy(b, eq + 1, value, 0, value.length);
            m.put(key, value);
            p = recEnd;
        }
        return m;
    }
}
