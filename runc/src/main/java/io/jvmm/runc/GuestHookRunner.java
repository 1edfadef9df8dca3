package io.jvmm.runc;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Runs {@code startContainer} hooks where the OCI runtime spec puts them: in the container's namespaces,
 * in its VM, after create and before its program. Each is an exec in the created container with the
 * state on stdin and killed once past its timeout. In the guest, {@code path} resolves in the container's
 * root; the program's {@code argv[0]} is its path (the agent has no separate one), the rest are
 * {@code args[1..]}; its environment is the container's with the hook's {@code env} over it.
 */
public final class GuestHookRunner {
    private GuestHookRunner() {}

    /** Runs {@code hooks} in {@code container} in order; the first that fails is the exception. */
    public static void run(Container container, String kind, List<OciHooks.Hook> hooks, HookState state)
            throws InterruptedException {
        for (int i = 0; i < hooks.size(); i++) runOne(container, kind, i, hooks.get(i), state);
    }

    private static void runOne(Container container, String kind, int index, OciHooks.Hook hook, HookState state)
            throws InterruptedException {
        String what = HookRunner.prefix(kind, index, hook);
        List<String> args = hook.args();
        String[] argv = new String[Math.max(1, args.size())];
        argv[0] = hook.path();
        for (int i = 1; i < args.size(); i++) argv[i] = args.get(i);
        ExecRequest req = ExecRequest.of(argv).withStdin(true);
        if (hook.env() != null) req = req.withEnv(hook.env());
        Head out = new Head(), err = new Head();
        try (ExecSession s = container.exec(req, out, err)) {
            feed(s, state.json());
            Optional<ExecResult> r = s.waitFor(HookRunner.timeLimit(hook));
            if (r.isEmpty()) {
                s.signal(9);
                throw new HookException(what + "ran past its timeout of " + hook.timeout() + "s"
                        + HookRunner.output(out.bytes(), err.bytes()));
            }
            ExecResult result = r.get();
            if (result.error() != null) throw new HookException(what + result.error());
            int status = result.signal() != 0 ? 128 + result.signal() : result.exitCode();
            if (status != 0)
                throw new HookException(what + HookRunner.ended(status) + HookRunner.output(out.bytes(), err.bytes()));
        } catch (IOException | EngineException e) {
            throw new HookException(what + e.getMessage());
        }
    }

    /** Writes the state to the hook's stdin and ends it; a hook that ended without reading it is no error. */
    private static void feed(ExecSession s, byte[] state) {
        try {
            s.stdin().write(state);
            s.stdin().close();
        } catch (IOException ended) {
            // its status says how it went
        }
    }

    /** The first bytes of a stream, enough to quote; the rest is counted off, not kept. */
    private static final class Head extends OutputStream {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (kept.size() <= HookRunner.QUOTED_BYTES) kept.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = HookRunner.QUOTED_BYTES + 1 - kept.size();
            if (room > 0) kept.write(b, off, Math.min(room, len));
        }

        synchronized byte[] bytes() {
            return kept.toByteArray();
        }
    }
}
