package io.jvmm.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class whose {@link Vm} fields jvmm starts and stops: static ones once for the class,
 * instance ones for every test (Testcontainers' {@code @Testcontainers} and {@code @Container}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(JvmmExtension.class)
public @interface JvmmTest {}
