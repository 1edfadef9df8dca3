/**
 * Guest RAM mapped for KVM: anonymous or from a snapshot file (copy-on-write), registered as
 * memory slots.
 */
package io.jvmm.core.memory;
