package io.jvmm.core;

import java.nio.file.Path;

/**
 * A virtio-vsock device.
 *
 * @param guestCid  the guest's context id (3 or more)
 * @param udsPath   Firecracker-style hybrid vsock socket ({@code CONNECT <port>} to reach the guest;
 *                  guest connections to host port P go to {@code <udsPath>_P}), or null for the
 *                  in-process API only ({@link Vm#vsock()})
 */
public record VsockConfig(long guestCid, Path udsPath) {
    public static final long DEFAULT_CID = 3;
}
