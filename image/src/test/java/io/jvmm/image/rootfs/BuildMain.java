package io.jvmm.image.rootfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A build in a child JVM (for a heap limit): {@code BuildMain OUTPUT LAYER...}; prints the result. */
public final class BuildMain {
    private BuildMain() {}

    public static void main(String[] args) throws Exception {
        List<Path> layers = new ArrayList<>();
        for (int i = 1; i < args.length; i++) layers.add(Path.of(args[i]));
        System.out.println(new RootfsBuilder().build(layers, Path.of(args[0])));
    }
}
