package io.jvmm.files;

import java.io.IOException;
import java.nio.file.Path;

/** {@link PathLockTest}'s other process: {@code FILE try} answers free or locked; {@code FILE hold} holds it until stdin ends. */
public final class PathLockChild {
    private PathLockChild() {}

    public static void main(String[] args) throws IOException {
        PathLock lock = PathLock.of(Path.of(args[0]));
        if (args[1].equals("try")) {
            try (PathLock.Held h = lock.tryExclusive()) {
                System.out.println(h == null ? "locked" : "free");
            }
            return;
        }
        try (PathLock.Held h = lock.exclusive()) {
            System.out.println("held");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin
            }
        }
    }
}
