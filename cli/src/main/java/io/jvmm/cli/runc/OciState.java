package io.jvmm.cli.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateJson;
import java.time.Instant;
import java.util.Map;

/**
 * A container's state as {@code runc state} prints it (runtime-spec's state, with runc's additions
 * {@code rootfs}, {@code created} and {@code owner}).
 *
 * @param pid the process that lives as long as the container's init (its waiter), 0 when stopped
 */
record OciState(
        String id,
        String status,
        long pid,
        String bundle,
        String rootfs,
        Instant created,
        String owner,
        Map<String, String> annotations) {
    OciState {
        annotations = Map.copyOf(annotations);
    }

    /**
     * runc's status of a container from the engine's view: a pod that does not run holds nothing that
     * runs (stopped); in a running pod the container's own state, paused when its VM's vCPUs are (runc
     * pauses created containers too).
     */
    static String status(boolean podRunning, boolean paused, ContainerRecord.Status container) {
        if (!podRunning) return "stopped";
        return switch (container) {
            case CREATED -> paused ? "paused" : "created";
            case RUNNING -> paused ? "paused" : "running";
            case EXITED -> "stopped";
        };
    }

    /** The object, with runc's field names and order ({@code annotations} left out when empty). */
    ObjectNode json() {
        ObjectNode o = StateJson.mapper().createObjectNode();
        o.put("ociVersion", SpecTemplate.OCI_VERSION);
        o.put("id", id);
        o.put("pid", pid);
        o.put("status", status);
        o.put("bundle", bundle);
        o.put("rootfs", rootfs);
        o.put("created", created == null ? null : created.toString());
        if (!annotations.isEmpty()) {
            ObjectNode a = o.putObject("annotations");
            annotations.forEach(a::put);
        }
        o.put("owner", owner);
        return o;
    }

    /** The text {@code runc state} prints: the object, indented by two spaces. */
    String text() {
        try {
            return StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
