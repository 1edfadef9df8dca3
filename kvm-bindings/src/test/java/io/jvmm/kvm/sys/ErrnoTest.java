package io.jvmm.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesAndDescriptions() {
        assertEquals("EACCES", Errno.name(13));
        assertEquals("Permission denied", Errno.description(13));
        assertEquals("EEXIST (File exists)", Errno.describe(Errno.EEXIST));
        assertEquals("errno 200", Errno.name(200));
    }

    @Test
    void tableTextsMatchLibcStrerror() throws IllegalAccessException {
        for (Field f : Errno.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class) continue;
            int errno = f.getInt(null);
            assertEquals(f.getName(), Errno.name(errno));
            assertEquals(Libc.strerror(errno), Errno.description(errno), f.getName());
        }
    }

    @Test
    void failedOpenNamesPathAndErrno() {
        NativeException e = assertThrows(NativeException.class, () -> Libc.open("/nonexistent/jvmm", Libc.O_RDONLY));
        assertEquals("open(/nonexistent/jvmm)", e.call());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open(/nonexistent/jvmm) failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void eventfdReadWriteRoundTrip() {
        int fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        try (var arena = Arena.ofConfined()) {
            var buf = arena.allocate(8);
            buf.set(ValueLayout.JAVA_LONG, 0, 3);
            assertEquals(8, Libc.write(fd, buf));
            assertEquals(8, Libc.write(fd, buf));
            buf.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, Libc.read(fd, buf));
            assertEquals(6, buf.get(ValueLayout.JAVA_LONG, 0));
        } finally {
            Libc.close(fd);
        }
        assertEquals(
                Errno.EBADF,
                assertThrows(NativeException.class, () -> Libc.close(-1)).errno());
    }
}
