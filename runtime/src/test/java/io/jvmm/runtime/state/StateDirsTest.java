package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirsTest {
    @TempDir
    Path tmp;

    @Test
    void jvmmHomeWins() {
        StateDirs d = new StateDirs(Map.of("JVMM_HOME", tmp.toString(), "XDG_DATA_HOME", "/x"), 1000);
        assertEquals(tmp.resolve("lib"), d.dataDir());
        assertEquals(tmp.resolve("run"), d.runtimeDir());
        String id = "a".repeat(64);
        assertEquals(tmp.resolve("lib/vms/" + id), d.vmDataDir(id));
        assertEquals(tmp.resolve("lib/vms/" + id + "/vm.json"), d.vmRecordFile(id));
        assertEquals(tmp.resolve("lib/vms/" + id + "/workload.log"), d.workloadLog(id));
        assertEquals(tmp.resolve("lib/vms/" + id + "/console.log"), d.consoleLog(id));
        assertEquals(
                tmp.resolve("run/vms/" + id.substring(0, 12) + "/ctl.sock"),
                d.controlSocket(id),
                "short: socket paths are limited");
        assertEquals(tmp.resolve("run/tmp/" + id.substring(0, 12)), d.vmTempDir(id));
        assertEquals(tmp.resolve("lib/volumes/data/volume.ext4"), d.volumeImage("data"));
        assertEquals(tmp.resolve("lib/volumes/data/volume.json"), d.volumeRecordFile("data"));
        assertEquals(tmp.resolve("lib/.lock"), d.lockFile());
    }

    @Test
    void rootUsesSystemDirs() {
        StateDirs d = new StateDirs(Map.of(), 0);
        assertEquals(Path.of("/var/lib/jvmm"), d.dataDir());
        assertEquals(Path.of("/run/jvmm"), d.runtimeDir());
    }

    @Test
    void userUsesXdgDirs() {
        StateDirs d = new StateDirs(Map.of("XDG_DATA_HOME", "/home/u/data", "XDG_RUNTIME_DIR", "/run/user/1000"), 1000);
        assertEquals(Path.of("/home/u/data/jvmm"), d.dataDir());
        assertEquals(Path.of("/run/user/1000/jvmm"), d.runtimeDir());
    }

    @Test
    void userDefaults() {
        StateDirs d = new StateDirs(Map.of("HOME", "/home/u"), 1000);
        assertEquals(Path.of("/home/u/.local/share/jvmm"), d.dataDir());
        assertEquals(Path.of("/tmp/jvmm-1000"), d.runtimeDir());
    }

    @Test
    void systemPropertyOverridesEnvironment() {
        String old = System.getProperty(StateDirs.HOME_PROPERTY);
        System.setProperty(StateDirs.HOME_PROPERTY, tmp.toString());
        try {
            assertEquals(tmp.resolve("lib"), StateDirs.fromEnvironment().dataDir());
        } finally {
            if (old == null) System.clearProperty(StateDirs.HOME_PROPERTY);
            else System.setProperty(StateDirs.HOME_PROPERTY, old);
        }
    }

    @Test
    void theEnginesOwnDirectoriesReachAChildJvmOverAnyHome() {
        StateDirs engine = new StateDirs(tmp.resolve("d"), tmp.resolve("r"));
        List<String> options = engine.asJvmOptions();
        assertEquals(
                List.of("-Djvmm.state.data=" + tmp.resolve("d"), "-Djvmm.state.runtime=" + tmp.resolve("r")), options);
        String oldHome = System.getProperty(StateDirs.HOME_PROPERTY);
        System.setProperty(StateDirs.HOME_PROPERTY, tmp.resolve("home").toString());
        // What the child's main sees with those options.
        System.setProperty(StateDirs.DATA_PROPERTY, engine.dataDir().toString());
        System.setProperty(StateDirs.RUNTIME_PROPERTY, engine.runtimeDir().toString());
        try {
            StateDirs child = StateDirs.fromEnvironment();
            assertEquals(engine.dataDir(), child.dataDir());
            assertEquals(engine.runtimeDir(), child.runtimeDir());
        } finally {
            System.clearProperty(StateDirs.DATA_PROPERTY);
            System.clearProperty(StateDirs.RUNTIME_PROPERTY);
            if (oldHome == null) System.clearProperty(StateDirs.HOME_PROPERTY);
            else System.setProperty(StateDirs.HOME_PROPERTY, oldHome);
        }
    }

    @Test
    void vmRunDirIsPrivate() throws Exception {
        StateDirs d = new StateDirs(Map.of("JVMM_HOME", tmp.toString()));
        String id = "b".repeat(64);
        Path run = d.ensureVmRunDir(id);
        assertTrue(Files.isDirectory(run));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    }

    @Test
    void badIdsAndNamesAreRejected() {
        StateDirs d = new StateDirs(Map.of("JVMM_HOME", tmp.toString()));
        assertThrows(IllegalArgumentException.class, () -> d.vmDataDir("../etc"));
        assertThrows(EngineException.class, () -> d.volumeDir("../x"));
    }
}
