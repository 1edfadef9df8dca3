/**
 * jvmm in JUnit 5 tests, in Testcontainers' style: {@link io.jvmm.junit.JvmmTest} with
 * {@link io.jvmm.junit.Vm} fields of type {@link io.jvmm.junit.JvmmSandbox}, wait strategies
 * ({@link io.jvmm.junit.Wait}), and a VM restored from a snapshot for every test.
 */
package io.jvmm.junit;
