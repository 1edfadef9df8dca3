package io.jvmm.loader;

import static io.jvmm.loader.BootParamsTest.assertReason;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CmdlineTest {
    @Test
    void buildsAndWritesNulTerminated() {
        Cmdline c = new Cmdline()
                .append("  console=ttyS0 reboot=k ")
                .add("panic", "1")
                .add("quiet")
                .add("init", "/bin/sh -c x");
        assertEquals("console=ttyS0 reboot=k panic=1 quiet init=\"/bin/sh -c x\"", c.toString());
        assertEquals(c.toString().length() + 1, c.sizeWithNul());
        GuestMemory mem = TestFiles.ram(1 << 20);
        TestFiles.poison(mem, (byte) 'Z');
        assertEquals(c.sizeWithNul(), c.writeTo(mem, 0x20000));
        byte[] got = new byte[c.sizeWithNul()];
        mem.read(0x20000, got);
        assertEquals(c.toString(), new String(got, 0, got.length - 1));
        assertEquals(0, got[got.length - 1]);
        assertEquals('Z', mem.readByte(0x20000 + got.length));
        assertEquals("", new Cmdline().append("   ").toString());
        assertEquals(1, new Cmdline().sizeWithNul());
    }

    @Test
    void rejectsNulBadKeysAndQuotes() {
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().append("a\0b"));
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().add("a", "b\0"));
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().add("a b"));
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().add(""));
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().add("a=b", "c"));
        assertReason(LoaderException.Reason.BAD_CMDLINE, () -> new Cmdline().add("a", "say \"hi\""));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM, () -> new Cmdline().add("x").writeTo(TestFiles.ram(4096), 4095));
    }

    @Test
    void lengthLimitCountsTheNulAndLeavesBuilderUnchanged() {
        Cmdline c = new Cmdline(10);
        c.add("abcd").add("efgh"); // 9 bytes + NUL = 10: exactly full
        assertEquals(10, c.sizeWithNul());
        assertReason(LoaderException.Reason.CMDLINE_TOO_LONG, () -> c.add("x"));
        assertEquals("abcd efgh", c.toString(), "failed append leaves the builder unchanged");
        assertReason(LoaderException.Reason.CMDLINE_TOO_LONG, () -> new Cmdline(4).add("é", "ab")); // 5 UTF-8 bytes
        assertThrows(IllegalArgumentException.class, () -> new Cmdline(0));
    }

    @Test
    void randomAppendsNeverExceedTheLimit() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            int max = 1 + rnd.nextInt(300);
            Cmdline c = new Cmdline(max);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                String key = "k" + rnd.nextInt(1000);
                String value = Integer.toString(rnd.nextInt(1 << 20), 36);
                String token = key + "=" + value;
                int newLen = expected.length() + (expected.length() == 0 ? 0 : 1) + token.length();
                if (newLen + 1 > max) {
                    assertThrows(LoaderException.class, () -> c.add(key, value));
                } else {
                    c.add(key, value);
                    if (expected.length() > 0) expected.append(' ');
                    expected.append(token);
                }
                assertEquals(expected.toString(), c.toString());
                assertTrue(c.sizeWithNul() <= max);
                assertEquals(c.toBytesWithNul().length, c.sizeWithNul());
            }
        }
    }
}
