package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void flagsAreRecognizedAndTheRestIsFileSystemData() {
        assertEquals(
                new MountOptions(List.of("nosuid", "noexec"), "newinstance,ptmxmode=0666"),
                MountOptions.of(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666")));
        assertEquals(
                new MountOptions(List.of("rro", "rbind", "rprivate"), ""),
                MountOptions.of(List.of("rro", "rbind", "", "rbind", "rprivate")));
        assertEquals(new MountOptions(List.of(), ""), MountOptions.of(List.of()));
    }
}
