/**
 * Puts a kernel into guest memory without KVM: ELF vmlinux (PVH note or 64-bit entry) and bzImage
 * loaders, initrd placement, the kernel command line, the Linux zero page ({@code struct boot_params}
 * with E820, Documentation/arch/x86/boot.rst and zero-page.rst), Xen's PVH {@code hvm_start_info},
 * and a newc cpio writer for tiny initramfs images.
 *
 * <p>Everything is a pure function over {@link io.jvmm.memory.GuestMemory}; the VMM calls it once,
 * from the thread that builds the VM, before any vCPU runs. Errors are {@link io.jvmm.loader.LoaderException}
 * with a {@link io.jvmm.loader.LoaderException.Reason}.
 */
package io.jvmm.loader;
