/**
 * jvmm as an OCI runtime, its translation layer: {@link io.jvmm.runc.BundleReader} reads and checks a
 * bundle's config.json ({@link io.jvmm.runc.OciSpec}), {@link io.jvmm.runc.BundleTranslator} turns it
 * into the engine's pod and container, and {@link io.jvmm.runc.SpecTemplate} and
 * {@link io.jvmm.runc.FeaturesDocument} are runc's {@code spec} and {@code features} output. Errors are
 * one-line {@link io.jvmm.runc.BundleException}s naming the field.
 */
package io.jvmm.runc;
