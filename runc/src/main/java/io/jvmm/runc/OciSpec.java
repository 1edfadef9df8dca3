package io.jvmm.runc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * A bundle's config.json: the part of the OCI runtime spec (1.0 to 1.2) that jvmm-runc reads. Fields
 * it does not know are ignored, as runc ignores them, so that newer callers still work. Absent objects
 * are null, absent lists and maps empty; {@link SpecValidator} says what must be present.
 *
 * @param ociVersion  the spec version the bundle follows ({@code 1.0.2-dev}); major version 1
 * @param process     the container's init process; required to create a container
 * @param root        the root file system
 * @param hostname    the container's hostname, null when not set
 * @param mounts      in order, after the root
 * @param hooks       programs run on the host around the container's life, null when none
 * @param annotations arbitrary metadata; {@code io.jvmm.*} keys configure the VM ({@link JvmmAnnotations})
 * @param linux       the Linux-specific part, null when absent
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciSpec(
        String ociVersion,
        OciProcess process,
        Root root,
        String hostname,
        List<OciMount> mounts,
        OciHooks hooks,
        Map<String, String> annotations,
        OciLinux linux) {

    /**
     * The container's root file system.
     *
     * @param path     relative to the bundle or absolute
     * @param readonly the root is mounted read-only
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Root(String path, boolean readonly) {}

    public OciSpec {
        mounts = OciLists.copy(mounts);
        annotations = OciLists.copy(annotations);
    }
}
