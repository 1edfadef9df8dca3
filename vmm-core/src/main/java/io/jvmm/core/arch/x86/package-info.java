/**
 * x86-64 machine set-up a guest finds at boot: the memory layout, GDT, page tables, CPUID
 * filtering, MP table and the vCPUs' initial register state.
 */
package io.jvmm.core.arch.x86;
