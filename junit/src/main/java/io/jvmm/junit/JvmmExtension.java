package io.jvmm.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The extension behind {@link JvmmTest}: starts the {@link Vm} fields of the test class (static
 * ones before all tests, instance ones before each), restores a copy per test for
 * {@code restorePerTest}, stops them all afterwards, and adds the last console lines of the sandboxes
 * of a failed test to its failure.
 */
public final class JvmmExtension
        implements BeforeAllCallback,
                AfterAllCallback,
                BeforeEachCallback,
                AfterEachCallback,
                TestExecutionExceptionHandler {
    private static final int CONSOLE_LINES = 15;

    @Override
    public void beforeAll(ExtensionContext context) {
        for (Field f : fields(context.getRequiredTestClass(), true)) {
            JvmmSandbox s = value(f, null);
            if (f.getAnnotation(Vm.class).restorePerTest()) s.withRestorePerTest();
            s.beforeAll(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RuntimeException first = null;
        for (Field f : fields(context.getRequiredTestClass(), true)) {
            try {
                JvmmSandbox s = value(f, null);
                s.afterAll(context);
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        for (JvmmSandbox s : sandboxes(context)) s.beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (JvmmSandbox s : sandboxes(context)) s.afterEach(context);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        for (JvmmSandbox s : sandboxes(context)) {
            try {
                String exit = s.current()
                        .exit()
                        .map(e -> "the VM ended: " + e.describe() + "; ")
                        .orElse("");
                failure.addSuppressed(new JvmmSandboxException("sandbox " + s.getName() + ": " + exit
                        + "last console lines:\n" + s.consoleTail(CONSOLE_LINES)));
            } catch (IllegalStateException notRunning) {
                // Nothing to report for a sandbox that is not running in this test.
            }
        }
        throw failure;
    }

    /** The sandboxes a test works with: the class's static ones, then the instance's. */
    private static List<JvmmSandbox> sandboxes(ExtensionContext context) {
        List<JvmmSandbox> all = new ArrayList<>();
        for (Field f : fields(context.getRequiredTestClass(), true)) all.add(value(f, null));
        Object instance = context.getRequiredTestInstance();
        for (Field f : fields(context.getRequiredTestClass(), false)) all.add(value(f, instance));
        return all;
    }

    /** The {@link Vm} fields of {@code type} and its superclasses, static or not. */
    private static List<Field> fields(Class<?> type, boolean statics) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!f.isAnnotationPresent(Vm.class) || Modifier.isStatic(f.getModifiers()) != statics) continue;
                if (!JvmmSandbox.class.isAssignableFrom(f.getType()))
                    throw new JvmmSandboxException("@Vm field " + c.getSimpleName() + "." + f.getName()
                            + " must be a JvmmSandbox, not " + f.getType().getSimpleName());
                if (!statics && f.getAnnotation(Vm.class).restorePerTest())
                    throw new JvmmSandboxException("@Vm(restorePerTest = true) field " + c.getSimpleName() + "."
                            + f.getName() + " must be static: the template is booted once per class");
                out.add(f);
            }
        }
        return out;
    }

    private static JvmmSandbox value(Field f, Object instance) {
        try {
            f.setAccessible(true);
            Object v = f.get(instance);
            if (v == null)
                throw new JvmmSandboxException(
                        "@Vm field " + f.getDeclaringClass().getSimpleName() + "." + f.getName()
                                + " is null: assign it a JvmmSandbox (JvmmSandbox.fromImage(...) or fromRootfs(...))");
            return (JvmmSandbox) v;
        } catch (IllegalAccessException e) {
            throw new JvmmSandboxException("@Vm field " + f.getName() + " cannot be read: " + e.getMessage(), e);
        }
    }
}
