package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jvmm.agent.ExecResult;
import io.jvmm.junit.JvmmSandbox;
import io.jvmm.junit.JvmmTest;
import io.jvmm.junit.Vm;
import io.jvmm.junit.Wait;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A web server image, one VM booted for the class and a restored copy for every test. */
@JvmmTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebAppTest {
    static final String IMAGE = System.getProperty("consumer.image", "");

    @Vm(restorePerTest = true)
    static JvmmSandbox web = JvmmSandbox.fromImage(IMAGE.isEmpty() ? "set -Dconsumer.image" : IMAGE)
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/index.html"));

    @Test
    @Order(1)
    void servesOnTheMappedPort() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://" + web.getHost() + ":" + web.getMappedPort(8080) + "/index.html"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("hello from the image\n", r.body());
        }
    }

    @Test
    @Order(2)
    void execRunsInTheGuestWithTheImagesEnvironment() throws Exception {
        ExecResult r = web.execInContainer("sh", "-c", "echo $GREETING; touch /tmp/dirty");
        assertEquals(0, r.exitCode(), r.stderrText());
        assertEquals("from the image\n", r.stdoutText());
    }

    @Test
    @Order(3)
    void eachTestStartsFromTheSnapshot() throws Exception {
        assertFalse(web.execInContainer("test", "-e", "/tmp/dirty").exitCode() == 0, "/tmp/dirty leaked");
    }
}
