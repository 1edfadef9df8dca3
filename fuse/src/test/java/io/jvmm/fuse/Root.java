package io.jvmm.fuse;

import io.jvmm.kvm.sys.ProcessSyscalls;
import org.junit.jupiter.api.Assumptions;

/**
 * The server tests run the server as root, as the identity mapping expects: they create files for
 * other users, device nodes and set-id bits. As anyone else they are skipped (CI runs them as root).
 */
final class Root {
    private Root() {}

    static void assume() {
        Assumptions.assumeTrue(
                ProcessSyscalls.geteuid() == 0, "needs root: the identity mapping gives files to other users");
    }
}
