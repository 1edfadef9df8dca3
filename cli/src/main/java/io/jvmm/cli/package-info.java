/**
 * The {@code jvmm} command line, a front-end over the engine ({@code io.jvmm.runtime}): picocli commands
 * parse flags into the engine's values, call it and print. {@code jvmm boot} runs its VM on the main
 * thread with the guest console on stdio.
 */
package io.jvmm.cli;
