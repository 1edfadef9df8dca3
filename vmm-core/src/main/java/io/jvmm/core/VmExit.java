package io.jvmm.core;

/** Why a VM ended. {@link #exitStatus()} is what {@code jvmm boot} exits with. */
public sealed interface VmExit {
    /** A process exit status for this ending (0-255). */
    int exitStatus();

    /** One line for the user. */
    String describe();

    /** The guest reset the machine (i8042 0xFE with reboot=k, or a KVM reset system event): a clean end. */
    record Reset(String how) implements VmExit {
        public int exitStatus() {
            return 0;
        }

        public String describe() {
            return "guest reset the VM (" + how + ")";
        }
    }

    /** The guest powered off (KVM shutdown system event, ACPI-less poweroff). */
    record PowerOff() implements VmExit {
        public int exitStatus() {
            return 0;
        }

        public String describe() {
            return "guest powered off";
        }
    }

    /** The guest wrote {@code code} to the debug-exit port 0xf4 (QEMU's isa-debug-exit): probes end this way. */
    record DebugExit(int code) implements VmExit {
        public int exitStatus() {
            return code & 0xff;
        }

        public String describe() {
            return "guest exited with code " + code + " (debug-exit port)";
        }
    }

    /** The guest triple-faulted (KVM_EXIT_SHUTDOWN); {@code registers} is a dump of the vCPU that did. */
    record TripleFault(int vcpu, String registers) implements VmExit {
        public int exitStatus() {
            return 3;
        }

        public String describe() {
            return "vCPU " + vcpu + " triple-faulted\n" + registers;
        }
    }

    /** KVM could not run the guest (internal error, failed entry, emulation failure) or a vCPU thread failed. */
    record Crashed(int vcpu, String reason, String registers) implements VmExit {
        public int exitStatus() {
            return 4;
        }

        public String describe() {
            return "vCPU " + vcpu + ": " + reason + (registers.isEmpty() ? "" : "\n" + registers);
        }
    }

    /** The host stopped the VM (close(), a signal, a timeout). */
    record Stopped(String why) implements VmExit {
        public int exitStatus() {
            return 5;
        }

        public String describe() {
            return "VM stopped by the host: " + why;
        }
    }
}
