package io.jvmm.image;

import org.junit.jupiter.api.Assumptions;

/** Skips a test (reason printed) when {@link LocalRegistry}'s tools are not installed. */
public final class RegistryAssumptions {
    private RegistryAssumptions() {}

    public static void assumeInstalled() {
        String missing = LocalRegistry.missingTools();
        String why = missing + " is not installed (apt-get install -y docker-registry skopeo)";
        if (missing != null) System.out.println("SKIPPED: " + why);
        Assumptions.assumeTrue(missing == null, why);
    }
}
