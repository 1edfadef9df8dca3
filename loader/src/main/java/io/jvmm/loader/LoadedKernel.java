package io.jvmm.loader;

/**
 * Where a kernel landed in guest memory and how to enter it.
 *
 * @param mode           how the vCPU must enter the kernel
 * @param entry          guest-physical entry point
 * @param lowestAddress  first guest-physical byte the image occupies
 * @param highestAddress end (exclusive) of the memory the image needs: p_memsz (bss included) for an
 *                       ELF; for a bzImage also the kernel's {@code init_size} from its runtime start,
 *                       since the decompressor writes there before it reads the memory map
 * @param header         the bzImage setup header to copy into {@code boot_params}, or null for ELF
 */
public record LoadedKernel(BootMode mode, long entry, long lowestAddress, long highestAddress, SetupHeader header) {
    public LoadedKernel {
        if (mode == null) throw new IllegalArgumentException("mode is null");
        if (Long.compareUnsigned(lowestAddress, highestAddress) > 0) {
            throw new IllegalArgumentException("lowestAddress above highestAddress");
        }
    }
}
