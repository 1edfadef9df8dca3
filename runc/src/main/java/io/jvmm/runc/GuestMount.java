package io.jvmm.runc;

import java.util.List;

/**
 * A mount made inside the guest for the container (tmpfs, proc, sysfs, devpts, mqueue, cgroup), as
 * config.json gives it. A tmpfs is made in the container (except on /dev); the others are not: the
 * agent gives every container its own /proc, /dev, /dev/pts, /dev/shm and /sys.
 *
 * @param destination absolute, in the container
 * @param source      the name the mount shows ({@code tmpfs}, {@code shm}), may be null
 * @param options     flags and file system data, as given
 */
public record GuestMount(String destination, String type, String source, List<String> options) {
    public GuestMount {
        options = List.copyOf(options);
    }

    /** The options as flags and file system data. */
    public MountOptions split() {
        return MountOptions.of(options);
    }
}
