/**
 * One class per kernel struct from {@code linux/kvm.h} and {@code asm/kvm.h} (x86-64), in
 * jextract's shape: a {@code LAYOUT}, static accessors named after the C members, and
 * {@code allocate}. LayoutAgreementTest compiles every layout against the host headers.
 */
package io.jvmm.kvm.struct;
