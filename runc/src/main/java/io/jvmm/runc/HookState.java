package io.jvmm.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The container's state as the OCI runtime spec gives it to a hook on stdin: ociVersion, id, status,
 * pid (left out when 0, as runc's Go encoding leaves it), bundle and annotations (left out when none).
 *
 * @param status {@code creating} for prestart, createRuntime and createContainer; {@code created} for
 *               startContainer; {@code running} for poststart; {@code stopped} for poststop ({@link LifecycleHooks})
 * @param pid    the host process that stands for the container's init (jvmm-runc's waiter), 0 for none
 */
public record HookState(String id, String status, long pid, String bundle, Map<String, String> annotations) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public HookState {
        annotations = Map.copyOf(annotations);
    }

    /** This state with another status (and the same everything else). */
    public HookState withStatus(String s) {
        return new HookState(id, s, pid, bundle, annotations);
    }

    /** The JSON object, UTF-8. */
    public byte[] json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("ociVersion", SpecTemplate.OCI_VERSION);
        o.put("id", id);
        o.put("status", status);
        if (pid != 0) o.put("pid", pid);
        o.put("bundle", bundle);
        if (!annotations.isEmpty()) {
            ObjectNode a = o.putObject("annotations");
            annotations.forEach(a::put);
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
