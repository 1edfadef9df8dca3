/**
 * Confining a VM process (docs/sandbox.md): a Landlock file policy applied by a spawning thread,
 * a seccomp program from the measured allow list, and dropping to another uid.
 */
package io.jvmm.core.jail;
