package io.jvmm.runc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * One entry of {@code mounts} in config.json.
 *
 * @param destination absolute, in the container
 * @param type        the file system type ({@code tmpfs}, {@code proc}, {@code bind}, ...); may be absent
 *                    for a bind mount
 * @param source      a host path for a bind mount (relative to the bundle or absolute), else the device
 *                    or a name ({@code tmpfs})
 * @param options     mount(8) options: flags ({@code ro}, {@code nosuid}, {@code rbind}) and file system
 *                    data ({@code mode=755})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciMount(String destination, String type, String source, List<String> options) {
    public OciMount {
        options = OciLists.copy(options);
    }

    /** A bind mount of a host path: type {@code bind}, or the option {@code bind} or {@code rbind}, as runc decides. */
    public boolean isBind() {
        return "bind".equals(type) || options.contains("bind") || options.contains("rbind");
    }

    /** Read-only: the last of {@code ro}/{@code rw} (or their recursive forms) wins, as in mount(8). */
    public boolean readOnly() {
        boolean ro = false;
        for (String o : options) {
            if (o == null) continue;
            if (o.equals("ro") || o.equals("rro")) ro = true;
            else if (o.equals("rw") || o.equals("rrw")) ro = false;
        }
        return ro;
    }
}
