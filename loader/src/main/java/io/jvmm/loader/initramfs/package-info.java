/**
 * Builds the guest's initramfs in Java: {@link io.jvmm.loader.initramfs.CpioArchive} collects
 * directories, files, symlinks and device nodes and writes them as a "newc" cpio archive, the
 * format the kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * <p>The output is byte-for-byte what the kernel's own {@code usr/gen_init_cpio -t 0} emits for the
 * same entry list, so archives are reproducible and diffable against the reference tool.
 */
package io.jvmm.loader.initramfs;
