package io.jvmm.runtime;

import java.util.Objects;

/**
 * The front-end's main class, which the engine starts again for the processes it needs (a detached VM
 * process, a confined boot) with the current class path. Its {@code main} must hand
 * {@code VM_PROCESS ID [options]} to {@code VmRun.detached}; the CLI's is
 * {@code Jvmm} ({@code jvmm __vm-process ID}).
 *
 * @param mainClass the binary name of the class whose {@code main} the child JVM runs
 */
public record EntryPoint(String mainClass) {
    /** The first argument that makes the entry point run a detached VM process: {@code VM_PROCESS ID}. */
    public static final String VM_PROCESS = "__vm-process";

    public EntryPoint {
        Objects.requireNonNull(mainClass, "mainClass");
    }

    /** The entry point whose main is {@code mainClass}'s. */
    public static EntryPoint of(Class<?> mainClass) {
        return new EntryPoint(mainClass.getName());
    }
}
