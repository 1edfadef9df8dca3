package io.jvmm.runc;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code hooks} in config.json: programs the runtime runs at points of the container's life, each
 * given the container's state on stdin. {@code prestart} is deprecated by the spec but still sent.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciHooks(
        List<Hook> prestart,
        List<Hook> createRuntime,
        List<Hook> createContainer,
        List<Hook> startContainer,
        List<Hook> poststart,
        List<Hook> poststop) {

    /**
     * One hook.
     *
     * @param path    absolute, on the host (for createContainer and startContainer: in the container)
     * @param args    its argv, {@code args[0]} included
     * @param env     {@code KEY=VALUE}; null when not given (the hook then gets the runtime's environment, as
     *                runc gives it), which is not the same as an empty list
     * @param timeout seconds before it is aborted, null for none; greater than zero when set
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
        public Hook {
            args = OciLists.copy(args);
            env = env == null ? null : OciLists.copy(env);
        }
    }

    public static final OciHooks NONE = new OciHooks(null, null, null, null, null, null);

    public OciHooks {
        prestart = OciLists.copy(prestart);
        createRuntime = OciLists.copy(createRuntime);
        createContainer = OciLists.copy(createContainer);
        startContainer = OciLists.copy(startContainer);
        poststart = OciLists.copy(poststart);
        poststop = OciLists.copy(poststop);
    }

    /** Every kind of hook by its config.json name, in the order of the container's life. */
    public Map<String, List<Hook>> byName() {
        Map<String, List<Hook>> m = new LinkedHashMap<>();
        m.put("prestart", prestart);
        m.put("createRuntime", createRuntime);
        m.put("createContainer", createContainer);
        m.put("startContainer", startContainer);
        m.put("poststart", poststart);
        m.put("poststop", poststop);
        return m;
    }

    @JsonIgnore
    public boolean isEmpty() {
        return byName().values().stream().allMatch(List::isEmpty);
    }
}
