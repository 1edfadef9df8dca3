package io.jvmm.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Misuse of {@link JvmmTest} and {@link Vm} fails the class with a message naming the field (no KVM needed). */
class JvmmExtensionTest {
    @JvmmTest
    static class RestorePerTestOnAnInstanceField {
        @Vm(restorePerTest = true)
        JvmmSandbox vm = JvmmSandbox.fromRootfs(Path.of("/nonexistent.ext4"));

        @Test
        void test() {}
    }

    @JvmmTest
    static class NullField {
        @Vm
        static JvmmSandbox vm;

        @Test
        void test() {}
    }

    @JvmmTest
    static class WrongType {
        @Vm
        static String vm = "not a sandbox";

        @Test
        void test() {}
    }

    private static void failsWith(Class<?> testClass, String text) {
        EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(testClass))
                .execute()
                .allEvents()
                .assertThatEvents()
                .haveExactly(
                        1, finishedWithFailure(instanceOf(JvmmSandboxException.class), message(m -> m.contains(text))));
    }

    @Test
    void restorePerTestNeedsAStaticField() {
        failsWith(RestorePerTestOnAnInstanceField.class, "RestorePerTestOnAnInstanceField.vm must be static");
    }

    @Test
    void aNullFieldIsNamed() {
        failsWith(NullField.class, "@Vm field NullField.vm is null");
    }

    @Test
    void aFieldOfAnotherTypeIsNamed() {
        failsWith(WrongType.class, "@Vm field WrongType.vm must be a JvmmSandbox, not String");
    }
}
