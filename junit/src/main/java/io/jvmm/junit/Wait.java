package io.jvmm.junit;

import io.jvmm.agent.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Pattern;

/** The wait strategies: what makes a started sandbox ready. Each polls until it holds or its time is up. */
public final class Wait {
    private static final long POLL_MS = 100;

    private Wait() {}

    /** Ready as soon as the guest agent answered (what every start waits for anyway). */
    public static WaitStrategy forAgent() {
        return (sandbox, timeout) -> {};
    }

    /** Ready once the command printed {@code times} lines matching {@code regex} (a whole-line match). */
    public static WaitStrategy forLogMessage(String regex, int times) {
        Pattern p = Pattern.compile(regex);
        return (sandbox, timeout) -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            OutputLog log = sandbox.current().log();
            while (true) {
                long lines = log.lines();
                long matches =
                        log.text().lines().filter(l -> p.matcher(l).matches()).count();
                if (matches >= times) return;
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0)
                    throw timedOut(sandbox, timeout, times + " log line(s) matching " + regex + ", saw " + matches);
                failIfEnded(sandbox);
                log.awaitChange(lines, Math.min(left, 1000));
            }
        };
    }

    /**
     * Ready once every exposed port has a listener in the guest. Checked from the host: a connection
     * to the mapped port that the guest refuses is closed at once by the port forwarder, while one that
     * a listener accepted stays open (or answers).
     */
    public static WaitStrategy forListeningPort() {
        return (sandbox, timeout) -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int guest : sandbox.getMappedPorts().keySet()) {
                while (!listening(sandbox.getHost(), sandbox.getMappedPort(guest))) {
                    if (System.nanoTime() > deadline)
                        throw timedOut(sandbox, timeout, "a listener on guest port " + guest);
                    failIfEnded(sandbox);
                    Thread.sleep(POLL_MS);
                }
            }
        };
    }

    static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(300);
            try (InputStream in = s.getInputStream()) {
                return in.read() >= 0;
            } catch (SocketTimeoutException quietListener) {
                return true;
            }
        } catch (IOException refused) {
            return false;
        }
    }

    /** Ready once {@code argv} exits with 0 in the guest (run again every 100 ms until then). */
    public static WaitStrategy forSuccessfulCommand(String... argv) {
        String[] command = argv.clone();
        return (sandbox, timeout) -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            String last = "not run";
            while (true) {
                try {
                    ExecResult r = sandbox.execInContainer(command);
                    if (r.exitCode() == 0) return;
                    last = "exit " + r.exitCode() + (r.error() != null ? " (" + r.error() + ")" : "");
                } catch (IOException e) {
                    last = e.getMessage();
                }
                if (System.nanoTime() > deadline)
                    throw timedOut(sandbox, timeout, Arrays.toString(command) + " to succeed (last: " + last + ")");
                failIfEnded(sandbox);
                Thread.sleep(POLL_MS);
            }
        };
    }

    /** Ready once {@code GET path} on an exposed port answers 200 ({@link HttpWait} sets port and status). */
    public static HttpWait forHttp(String path) {
        return new HttpWait(path, -1, 200);
    }

    /** HTTP readiness: {@code GET path} on {@code port} (default: the first exposed one) answers {@code status}. */
    public record HttpWait(String path, int port, int status) implements WaitStrategy {
        public HttpWait {
            if (!path.startsWith("/")) throw new IllegalArgumentException("path must start with /: " + path);
        }

        public HttpWait forPort(int guestPort) {
            return new HttpWait(path, guestPort, status);
        }

        public HttpWait forStatusCode(int code) {
            return new HttpWait(path, port, code);
        }

        @Override
        public void waitUntilReady(JvmmSandbox sandbox, Duration timeout) throws InterruptedException {
            int guest = port > 0
                    ? port
                    : sandbox.getMappedPorts().keySet().stream()
                            .findFirst()
                            .orElseThrow(() -> new JvmmSandboxException(
                                    "sandbox " + sandbox.getName() + ": forHttp needs an exposed port"));
            URI uri = URI.create("http://" + sandbox.getHost() + ":" + sandbox.getMappedPort(guest) + path);
            long deadline = System.nanoTime() + timeout.toNanos();
            String last = "no answer";
            try (HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(1))
                    .build()) {
                while (true) {
                    try {
                        // A guest kernel that shares a busy host may take seconds to answer one request.
                        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                        HttpResponse<Void> r = client.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofMillis(Math.min(left, 10_000)))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == status) return;
                        last = "status " + r.statusCode();
                    } catch (IOException e) {
                        last = e.toString();
                    }
                    if (System.nanoTime() > deadline)
                        throw timedOut(
                                sandbox, timeout, "GET " + uri + " to answer " + status + " (last: " + last + ")");
                    failIfEnded(sandbox);
                    Thread.sleep(POLL_MS);
                }
            }
        }
    }

    private static JvmmSandboxException timedOut(JvmmSandbox sandbox, Duration timeout, String what) {
        return new JvmmSandboxException(
                "sandbox " + sandbox.getName() + ": not ready after " + timeout.toMillis() + " ms: waited for " + what);
    }

    private static void failIfEnded(JvmmSandbox sandbox) {
        sandbox.current().exit().ifPresent(e -> {
            throw new JvmmSandboxException(
                    "sandbox " + sandbox.getName() + ": the VM ended while waiting: " + e.describe());
        });
    }
}
