package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.runtime.HostBinds;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File binds placed for a pod of its own: bound on empty files in a directory of their own, and taken down. */
class FileBindShareTest {
    @TempDir
    Path tmp;

    private static ContainerBind bind(int index, Path source, String destination, boolean readOnly) {
        return new ContainerBind(
                index,
                source,
                Files.isDirectory(source) ? "/oci/mounts/" + index : null,
                destination,
                readOnly,
                List.of());
    }

    @Test
    void directoriesAloneNeedNoShare() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        assertNull(FileBindShare.place(List.of(bind(0, dir, "/data", false)), tmp.resolve("share")));
        assertFalse(Files.exists(tmp.resolve("share")));
    }

    @Test
    void filesAreBoundOnEmptyFilesAndTakenDown() throws Exception {
        assumeTrue(StateDirs.currentUid() == 0, "skipped: bind mounts need root");
        Path userdata = Files.createDirectories(tmp.resolve("userdata"));
        Path hosts = Files.writeString(userdata.resolve("hosts"), "127.0.0.1 c1\n");
        Path hostname = Files.writeString(userdata.resolve("hostname"), "c1\n");
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path dir = tmp.resolve("share");
        List<ContainerBind> binds = List.of(
                bind(2, hosts, "/etc/hosts", false),
                bind(3, data, "/data", false),
                bind(5, hostname, "/etc/hostname", true));
        FileBindShare share = FileBindShare.place(binds, dir);
        try {
            assertEquals("127.0.0.1 c1\n", Files.readString(dir.resolve("2")));
            assertEquals("c1\n", Files.readString(dir.resolve("5")));
            assertThrows(java.nio.file.FileSystemException.class, () -> Files.writeString(dir.resolve("5"), "x"));
            Files.writeString(dir.resolve("2"), "written through\n");
            assertEquals("written through\n", Files.readString(hosts));
            assertEquals(
                    List.of("2", "5"),
                    Files.list(dir)
                            .map(p -> p.getFileName().toString())
                            .sorted()
                            .toList());
            assertEquals(VmRecord.Mount.bind(dir.toString(), FileBindShare.IN_POD, false), share.podMount());
            assertEquals("/oci/files/2", share.placer().podPath(binds.get(0)));
            assertEquals("/oci/mounts/3", share.placer().podPath(binds.get(1)));
        } finally {
            FileBindShare.remove(dir);
        }
        assertFalse(Files.exists(dir));
        assertFalse(HostBinds.isMountPoint(dir.resolve("2")));
        assertEquals("written through\n", Files.readString(hosts), "the sources stay");
    }
}
