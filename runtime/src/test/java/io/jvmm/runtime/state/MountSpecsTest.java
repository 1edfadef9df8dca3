package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class MountSpecsTest {
    @TempDir
    Path home;

    Path cwd, img, dir;
    MountSpecs specs;

    @BeforeEach
    void setUp() throws Exception {
        StateDirs dirs = new StateDirs(Map.of("JVMM_HOME", home.resolve("state").toString()));
        // A named volume as VolumeStore finds it (its image file), without running mkfs.
        Files.createDirectories(dirs.volumeDir("data"));
        Files.write(dirs.volumeDir("data").resolve("volume.ext4"), new byte[4096]);
        cwd = Files.createDirectories(home.resolve("work"));
        img = Files.write(cwd.resolve("disk.img"), new byte[4096]);
        dir = Files.createDirectories(cwd.resolve("src"));
        specs = new MountSpecs(new VolumeStore(dirs, new VmStore(dirs)), cwd);
    }

    @Test
    void volumeFlagFollowsDockersRule() {
        assertEquals(VmRecord.Mount.volume("data", "/data", false), specs.volumeFlag("data:/data"));
        assertEquals(VmRecord.Mount.volume("data", "/srv/d", true), specs.volumeFlag("data:/srv//d/:ro"));
        assertEquals(VmRecord.Mount.file(img.toString(), "/x", false), specs.volumeFlag(img + ":/x:rw"));
        assertEquals(VmRecord.Mount.file(img.toString(), "/x", true), specs.volumeFlag("./disk.img:/x:ro"));
        assertEquals(VmRecord.Mount.bind(dir.toString(), "/src", false), specs.volumeFlag("./src:/src"));
        assertEquals(VmRecord.Mount.bind(dir.toString(), "/src", true), specs.volumeFlag(dir + ":/src:ro"));
        assertEquals(VmRecord.Mount.bind(cwd.toString(), "/w", false), specs.volumeFlag(".:/w"));
        assertEquals(VmRecord.Mount.bind(cwd.toString(), "/w", false), specs.volumeFlag("src/..:/w"));
        assertEquals(VmRecord.Mount.bind(home.toString(), "/h", false), specs.volumeFlag("../:/h"));
        String userHome = System.getProperty("user.home");
        assertEquals(VmRecord.Mount.bind(Path.of(userHome).toString(), "/h", true), specs.volumeFlag("~/:/h:ro"));
    }

    @Test
    void mountFlagTakesDockersKeysAndAliases() {
        assertEquals(
                VmRecord.Mount.bind(dir.toString(), "/src", false),
                specs.mountFlag("type=bind,source=./src,target=/src"));
        assertEquals(
                VmRecord.Mount.bind(dir.toString(), "/src", true),
                specs.mountFlag("type=bind,src=" + dir + ",dst=/src,readonly"));
        assertEquals(
                VmRecord.Mount.bind(dir.toString(), "/s", true),
                specs.mountFlag("type=bind,src=src,destination=/s,ro=1"));
        assertEquals(
                VmRecord.Mount.bind(dir.toString(), "/s", false),
                specs.mountFlag("type=bind,src=src,target=/s,readonly=false"));
        assertEquals(VmRecord.Mount.volume("data", "/d", false), specs.mountFlag("type=volume,source=data,target=/d"));
        assertEquals(VmRecord.Mount.volume("data", "/d", true), specs.mountFlag("src=data,dst=/d,ro"));
    }

    @Test
    void badVolumeSpecsAreOneLineUsageErrors() {
        String[][] cases = {
            {"nope:/data", "no such volume: nope (create it with 'jvmm volume create nope')"},
            {"data", "invalid volume spec \"data\": expected NAME:/guest/path[:ro] or HOST_PATH:/guest/path[:ro]"},
            {"a:b:c:d", "invalid volume spec \"a:b:c:d\": expected"},
            {"data:mnt", "invalid volume spec \"data:mnt\": the guest path \"mnt\" must be absolute"},
            {"./src:src", "invalid volume spec \"./src:src\": the guest path \"src\" must be absolute"},
            {"data:/a/../b", "invalid volume spec \"data:/a/../b\": the guest path \"/a/../b\" must not contain \"..\""
            },
            {"data:/", "invalid volume spec \"data:/\": the guest path \"/\" cannot be the guest's root"},
            {"data:", "invalid volume spec \"data:\": the guest path is empty"},
            {"data:/x:rx", "invalid volume spec \"data:/x:rx\": unknown option \"rx\" (expected ro or rw)"},
            {":/x", "invalid volume spec \":/x\": the source is empty"},
            {"a b:/x", "invalid volume spec \"a b:/x\": \"a b\" is not a volume name"},
            {"/no/such.img:/x", "invalid volume spec \"/no/such.img:/x\": /no/such.img does not exist"},
            {"./gone:/x", "invalid volume spec \"./gone:/x\": " + cwd.resolve("gone") + " does not exist"},
        };
        for (String[] c : cases) assertUsage(c[1], () -> specs.volumeFlag(c[0]));
    }

    @Test
    void badMountSpecsAreOneLineUsageErrors() {
        String[][] cases = {
            {"type=bind,source=./gone,target=/x", "bind source " + cwd.resolve("gone") + " does not exist"},
            {"type=bind,source=./disk.img,target=/x", "bind source " + img + " is not a directory"},
            {"type=bind,source=./src,target=x", "the guest path \"x\" must be absolute"},
            {"type=bind,source=./src", "target is missing"},
            {"type=bind,target=/x", "source is missing (source=DIR)"},
            {"type=tmpfs,target=/x,source=a", "type \"tmpfs\" is not supported (expected bind or volume)"},
            {"type=bind,source=./src,target=/x,bind-propagation=rshared", "unknown key \"bind-propagation\""},
            {"type=bind,src=./src,source=./src,target=/x", "source is given twice"},
            {"type=bind,source=./src,target=/x,readonly=maybe", "readonly=maybe: expected true or false"},
            {"type=bind,source,target=/x", "source needs a value"},
            {"type=volume,source=nope,target=/x", "no such volume: nope"},
        };
        for (String[] c : cases) assertUsage(c[1], () -> specs.mountFlag(c[0]));
    }

    @Test
    void twoMountsOnOneGuestPathAreRefused() {
        MountSpecs.checkDistinctTargets(
                List.of(specs.volumeFlag("./src:/a"), specs.volumeFlag("data:/b"), specs.volumeFlag("./src:/a/b")));
        assertUsage(
                "duplicate mount point: /a",
                () -> MountSpecs.checkDistinctTargets(
                        List.of(specs.volumeFlag("./src:/a"), specs.mountFlag("type=volume,src=data,dst=/a/"))));
    }

    private static void assertUsage(String expected, Executable e) {
        EngineException x = assertThrows(EngineException.class, e, expected);
        assertTrue(x.getMessage().startsWith(expected) || x.getMessage().contains(expected), x.getMessage());
        assertEquals(1, x.getMessage().lines().count(), x.getMessage());
        assertEquals(EngineException.USAGE, x.status(), x.getMessage());
    }
}
