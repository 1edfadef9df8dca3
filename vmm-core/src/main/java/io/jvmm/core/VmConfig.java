package io.jvmm.core;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything needed to create a VM, validated once by {@link Builder#build()}: each error names the
 * setting that is wrong. Immutable. File formats (hac.toml) live in the CLI, not here.
 *
 * @param name           a label for logs and thread names
 * @param vcpus          number of vCPUs, 1..{@link #MAX_VCPUS}
 * @param memoryMib      guest RAM in MiB
 * @param kernel         ELF vmlinux (PVH or 64-bit entry) or bzImage
 * @param initrd         initramfs, or null
 * @param cmdline        appended to jvmm's own kernel command line (console, reboot=k, devices...)
 * @param cpuTemplate    CPUID filtering
 * @param consoleOutput  where the guest's UART output goes (null: discarded)
 * @param consoleInput   bytes fed to the guest's UART (null: none)
 */
public record VmConfig(String name, int vcpus, long memoryMib, Path kernel, Path initrd, String cmdline,
                       CpuTemplate cpuTemplate, OutputStream consoleOutput, InputStream consoleInput) {
    public static final int MAX_VCPUS = 64;
    /** 1 MiB of RAM cannot hold a kernel; below 16 MiB nothing useful boots. */
    public static final long MIN_MEMORY_MIB = 16;
    /** KVM's and x86-64's practical ceiling for one guest here: 1 TiB. */
    public static final long MAX_MEMORY_MIB = 1L << 20;

    public VmConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cpuTemplate, "cpuTemplate");
        name = name == null || name.isBlank() ? "vm" : name;
        cmdline = cmdline == null ? "" : cmdline.trim();
    }

    public static Builder builder() { return new Builder(); }

    public long memoryBytes() { return memoryMib << 20; }

    /** Validating builder; {@link #build()} throws {@link ConfigException} naming the bad setting. */
    public static final class Builder {
        private String name = "vm";
        private int vcpus = 1;
        private long memoryMib = 256;
        private Path kernel;
        private Path initrd;
        private String cmdline = "";
        private CpuTemplate cpuTemplate = CpuTemplate.AUTO;
        private OutputStream consoleOutput = System.out;
        private InputStream consoleInput;

        public Builder name(String v) { name = v; return this; }
        public Builder vcpus(int v) { vcpus = v; return this; }
        public Builder memoryMib(long v) { memoryMib = v; return this; }
        public Builder kernel(Path v) { kernel = v; return this; }
        public Builder initrd(Path v) { initrd = v; return this; }
        public Builder cmdline(String v) { cmdline = v; return this; }
        public Builder cpuTemplate(CpuTemplate v) { cpuTemplate = v; return this; }
        public Builder consoleOutput(OutputStream v) { consoleOutput = v; return this; }
        public Builder consoleInput(InputStream v) { consoleInput = v; return this; }

        public VmConfig build() {
            if (vcpus < 1 || vcpus > MAX_VCPUS) {
                throw new ConfigException("vcpus", "must be between 1 and " + MAX_VCPUS + ", got " + vcpus);
            }
            if (memoryMib < MIN_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB) {
                throw new ConfigException("memory", "must be between " + MIN_MEMORY_MIB + " and " + MAX_MEMORY_MIB
                        + " MiB, got " + memoryMib);
            }
            long hostMib = HostInfo.totalMemoryMib();
            if (hostMib > 0 && memoryMib > hostMib) {
                throw new ConfigException("memory", memoryMib + " MiB is more than this host has (" + hostMib + " MiB)");
            }
            if (kernel == null) throw new ConfigException("kernel", "is required");
            requireReadableFile("kernel", kernel);
            if (initrd != null) requireReadableFile("initrd", initrd);
            if (cmdline != null && cmdline.length() > 2048) {
                throw new ConfigException("cmdline", "is " + cmdline.length() + " characters; at most 2048 fit");
            }
            if (cpuTemplate == null) throw new ConfigException("cpu_template", "is required");
            return new VmConfig(name, vcpus, memoryMib, kernel, initrd, cmdline, cpuTemplate, consoleOutput, consoleInput);
        }

        private static void requireReadableFile(String key, Path p) {
            if (!Files.exists(p)) throw new ConfigException(key, p + " does not exist");
            if (!Files.isRegularFile(p)) throw new ConfigException(key, p + " is not a regular file");
            if (!Files.isReadable(p)) throw new ConfigException(key, p + " is not readable");
        }
    }
}
