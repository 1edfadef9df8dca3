package io.jvmm.image;

import java.nio.file.Path;

/** A pull in its own JVM, for the test that kills a pull half-way: {@code PullMain STORE REF INSECURE_HOST}. */
public final class PullMain {
    private PullMain() {}

    public static void main(String[] args) {
        ContentStore store = ContentStore.open(Path.of(args[0]));
        RegistryClient c =
                RegistryClient.builder().insecure(args[2]).dockerConfig(null).build();
        System.out.println(
                "pulled " + c.pull(ImageReference.parse(args[1]), store).manifestDigest());
    }
}
