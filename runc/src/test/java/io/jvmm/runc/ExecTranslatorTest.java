package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jvmm.agent.ExecRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An exec's process spec as the agent's request, and what of it is not applied yet. */
class ExecTranslatorTest {
    private static OciProcess process(String json) {
        return BundleReader.parseProcess(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void argsEnvCwdAndUserWithStdin() {
        ExecRequest r = ExecTranslator.request(process("""
                {"args": ["sh", "-c", "id"], "env": ["PATH=/bin", "A=b"], "cwd": "/srv", "user": {"uid": 1000, "gid": 1001}}"""));
        assertEquals(List.of("sh", "-c", "id"), r.argv());
        assertEquals(List.of("PATH=/bin", "A=b"), r.env());
        assertEquals("/srv", r.cwd());
        assertEquals("1000:1001", r.user());
        assertEquals(true, r.stdin());
        assertEquals(false, r.tty());
        assertEquals(
                "0:0", ExecTranslator.request(process("{\"args\": [\"true\"]}")).user());
        assertEquals(List.of(), ExecTranslator.notApplied(process("{\"args\": [\"true\"]}")));
    }

    @Test
    void badValuesAreOneLineErrors() {
        assertEquals(
                "process spec: cwd \"srv\" must be an absolute path",
                assertThrows(
                                BundleException.class,
                                () -> ExecTranslator.request(process("{\"args\": [\"true\"], \"cwd\": \"srv\"}")))
                        .getMessage());
        assertEquals(
                "process spec: env entry must be KEY=VALUE: nope",
                assertThrows(
                                BundleException.class,
                                () -> ExecTranslator.request(process("{\"args\": [\"true\"], \"env\": [\"nope\"]}")))
                        .getMessage());
    }

    @Test
    void whatAnExecDoesNotApplyYetIsListed() {
        OciProcess p = process("""
                {"args": ["true"], "noNewPrivileges": true, "capabilities": {"bounding": ["CAP_KILL"]},
                 "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}],
                 "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [10]}}""");
        assertEquals(
                List.of("capabilities", "rlimits", "noNewPrivileges", "user.additionalGids", "user.umask"),
                ExecTranslator.notApplied(p));
    }
}
