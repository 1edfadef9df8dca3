/**
 * The foreground boot of a kernel: hac.toml and overrides into a {@code VmConfig}, one VM run to its
 * exit on this thread, snapshots on a signal or a console marker, and the confined child of a sandboxed boot.
 */
package io.jvmm.runtime.boot;
