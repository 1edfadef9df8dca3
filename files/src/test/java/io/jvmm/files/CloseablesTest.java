package io.jvmm.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloseablesTest {
    @Test
    void failingCloseIsSwallowedAndTheRestAreClosed() {
        List<String> closed = new ArrayList<>();
        AutoCloseable failing = () -> {
            closed.add("failing");
            throw new IOException("boom");
        };
        AutoCloseable ok = () -> closed.add("ok");
        Closeables.closeQuietly(failing, null, ok);
        assertEquals(List.of("failing", "ok"), closed);
    }

    @Test
    void failureGoesToTheHandler() {
        IOException boom = new IOException("boom");
        List<Exception> seen = new ArrayList<>();
        Closeables.closeQuietly(
                () -> {
                    throw boom;
                },
                seen::add);
        Closeables.closeQuietly(null, seen::add);
        assertEquals(1, seen.size());
        assertSame(boom, seen.get(0));
    }
}
