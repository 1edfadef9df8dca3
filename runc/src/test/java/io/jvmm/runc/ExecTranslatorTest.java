package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ProcessSecurity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An exec's process spec as the agent's request, its security included. */
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
        assertTrue(ExecTranslator.request(process("{\"args\": [\"true\"]}"))
                .security()
                .changesNothing());
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
    void capabilitiesLimitsUmaskAndGroupsGoWithTheRequest() {
        OciProcess p = process("""
                {"args": ["true"], "noNewPrivileges": true,
                 "capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"], "effective": ["CAP_KILL"]},
                 "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}],
                 "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [10]}}""");
        ProcessSecurity sec = ExecTranslator.request(p).security();
        assertEquals(new ProcessSecurity.Capabilities(1L << 5, 1L << 5, 1L << 5, 0, 0), sec.capabilities());
        assertEquals(List.of(new ProcessSecurity.Rlimit(7, 1024, 1024)), sec.rlimits());
        assertTrue(sec.noNewPrivileges());
        assertEquals(18, sec.umask());
        assertEquals(List.of(10L), sec.additionalGids());
    }
}
