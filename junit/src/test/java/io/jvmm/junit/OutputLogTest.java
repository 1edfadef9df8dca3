package io.jvmm.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputLogTest {
    private static void write(OutputStream s, String text) throws Exception {
        s.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void linesSplitAcrossWritesAndStreamsComeOutWhole() throws Exception {
        OutputLog log = new OutputLog();
        List<String> followed = new ArrayList<>();
        log.follow(followed::add);
        OutputStream out = log.stdout(), err = log.stderr();
        write(out, "hel");
        write(err, "warn");
        write(out, "lo\nwor");
        write(err, "ing\n");
        write(out, "ld");
        out.close(); // the end of the stream completes a last line without a newline
        assertEquals(List.of("hello", "warning", "world"), followed);
        assertEquals("hello\nwarning\nworld\n", log.text());
        assertEquals(3, log.lines());
    }

    @Test
    void aRestoredCopyStartsWithTheTemplatesLogButFollowersSeeOnlyNewLines() throws Exception {
        OutputLog log = new OutputLog();
        log.seed("one\ntwo\n");
        List<String> followed = new ArrayList<>();
        log.follow(followed::add);
        write(log.stdout(), "three\n");
        assertEquals("one\ntwo\nthree\n", log.text());
        assertEquals(List.of("three"), followed);
        assertEquals(3, log.lines());
    }

    @Test
    void aChattyCommandKeepsTheNewestHalfWithinTheCap() throws Exception {
        OutputLog log = new OutputLog();
        String line = "x".repeat(1023) + "\n";
        OutputStream out = log.stdout();
        for (int i = 0; i < 3 * OutputLog.MAX_CHARS / 1024; i++) write(out, line);
        write(out, "last\n");
        assertTrue(
                log.text().length() <= OutputLog.MAX_CHARS, "kept " + log.text().length());
        assertTrue(log.text().endsWith("last\n"));
        assertEquals(3L * OutputLog.MAX_CHARS / 1024 + 1, log.lines());
    }
}
