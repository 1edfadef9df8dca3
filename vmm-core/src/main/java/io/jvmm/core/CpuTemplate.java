package io.jvmm.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which CPU features the guest is shown, on top of what KVM_GET_SUPPORTED_CPUID reports.
 *
 * <p>{@link #PVM} hides the features that the kvm_pvm software hypervisor reports but cannot run
 * (see docs/kvm-pvm.md); {@link #AUTO} picks it when the host runs kvm_pvm and {@link #HOST} otherwise.
 */
public enum CpuTemplate {
    /** {@link #PVM} on a kvm_pvm host, {@link #HOST} elsewhere. */
    AUTO,
    /** Everything KVM supports, as reported (with per-vCPU topology fixed up). */
    HOST,
    /** HOST minus the features kvm_pvm cannot run. */
    PVM;

    private static final Path KVM_PVM_MODULE = Path.of("/sys/module/kvm_pvm");

    /** True when /dev/kvm is served by the kvm_pvm module (software nested virtualization). */
    public static boolean hostIsPvm() {
        return Files.isDirectory(KVM_PVM_MODULE);
    }

    /** The concrete template: AUTO resolved against this host. */
    public CpuTemplate resolve() {
        if (this != AUTO) return this;
        return hostIsPvm() ? PVM : HOST;
    }

    /** Parses "auto", "host" or "pvm" (case-insensitive); throws IllegalArgumentException naming the choices. */
    public static CpuTemplate parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown cpu_template \"" + s + "\" (expected auto, host or pvm)");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
