package io.jvmm.runtime.state;

import io.jvmm.runtime.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Test helper run as a separate JVM by {@link VmStoreTest}: waits for a start file, then tries to
 * create a VM named {@code args[1]} in JVMM_HOME {@code args[0]}. Prints "won ID" (exit 0) or the
 * error (exit 3).
 */
public final class VmStoreRaceMain {
    private VmStoreRaceMain() {}

    public static void main(String[] args) throws Exception {
        VmStore store = new VmStore(new StateDirs(Map.of("JVMM_HOME", args[0])));
        Path go = Path.of(args[2]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) Thread.onSpinWait();
        try {
            VmRecord r = store.create(VmRecord.draft("/img", List.of("true")).withName(args[1]));
            System.out.println("won " + r.id());
            System.exit(0);
        } catch (EngineException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
