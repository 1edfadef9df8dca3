/**
 * The {@code jvmm} command line: hac.toml (Hypercore's Hardware-as-Code format, parsed with
 * jackson-dataformat-toml) and flags become a {@link io.jvmm.core.VmConfig}; {@code jvmm boot} runs it
 * on the main thread with the guest console on stdio. Everything here runs on the main thread except
 * the shutdown hook that stops the VM on a signal.
 */
package io.jvmm.cli;
