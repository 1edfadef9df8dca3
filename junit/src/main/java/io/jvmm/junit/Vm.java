package io.jvmm.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link JvmmSandbox} field that {@link JvmmTest} manages. A static field is started before the
 * class's first test and stopped after its last; an instance field is started and stopped around
 * every test.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Vm {
    /**
     * On a static field: boot once for the class, snapshot when ready, and give every test its own
     * copy restored from the snapshot (nothing one test changes is seen by the next; tests that run
     * in parallel get separate copies). The field's methods act on the copy of the calling test.
     */
    boolean restorePerTest() default false;
}
