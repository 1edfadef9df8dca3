package io.jvmm.runc;

import io.jvmm.runtime.pod.Container;
import java.util.List;

/**
 * A container's hooks at the points of its life where the OCI runtime spec runs them, each with the
 * state it gets: create runs prestart, createRuntime and createContainer on the host (the runtime
 * environment is the booted VM with the container set up in it; the container's namespaces are in the
 * guest's kernel, out of the host's reach); start runs startContainer in the container, in the guest,
 * then poststart on the host; delete runs poststop on the host. A failure before the program runs is
 * the front-end's error; one after (poststart, poststop) is a warning and the lifecycle goes on.
 *
 * @param state the container's state; each point sets its status
 */
public record LifecycleHooks(OciHooks hooks, HookState state) {
    public LifecycleHooks {
        if (hooks == null) hooks = OciHooks.NONE;
    }

    /** At create, once the VM runs and the container is set up in it; the first failure is the exception. */
    public void create() throws InterruptedException {
        HookState creating = state.withStatus("creating");
        HookRunner.run("prestart", hooks.prestart(), creating);
        HookRunner.run("createRuntime", hooks.createRuntime(), creating);
        HookRunner.run("createContainer", hooks.createContainer(), creating);
    }

    /** At start, before the program: startContainer in {@code container}; the first failure is the exception. */
    public void beforeStart(Container container) throws InterruptedException {
        GuestHookRunner.run(container, "startContainer", hooks.startContainer(), state.withStatus("created"));
    }

    /** At start, once the program runs: poststart; returns the failures, as warnings. */
    public List<String> afterStart() throws InterruptedException {
        return HookRunner.runAll("poststart", hooks.poststart(), state.withStatus("running"));
    }

    /** At delete, once the container is gone: poststop, without a pid; returns the failures, as warnings. */
    public List<String> afterDelete() throws InterruptedException {
        HookState stopped = new HookState(state.id(), "stopped", 0, state.bundle(), state.annotations());
        return HookRunner.runAll("poststop", hooks.poststop(), stopped);
    }
}
