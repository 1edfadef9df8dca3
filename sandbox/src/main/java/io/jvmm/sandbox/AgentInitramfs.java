package io.jvmm.sandbox;

import io.jvmm.agent.AgentConfig;
import io.jvmm.loader.initramfs.CpioArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The guest's initramfs: the agent as {@code /init} and its configuration. Everything else the
 * guest runs comes from the root image, so this stays a few hundred KiB and is written in Java at
 * each start (no cpio, no root privileges).
 */
public final class AgentInitramfs {
    /** Where the guest-agent module's build puts the static binary inside its jar. */
    static final String AGENT_RESOURCE = "/io/jvmm/agent/jvmm-agent";

    private static byte[] agent;

    private AgentInitramfs() {}

    /** The static agent binary shipped in the guest-agent jar. */
    public static synchronized byte[] agentBinary() {
        if (agent != null) return agent;
        try (InputStream in = AgentInitramfs.class.getResourceAsStream(AGENT_RESOURCE)) {
            if (in == null)
                throw new IllegalStateException("the guest agent binary " + AGENT_RESOURCE
                        + " is not on the classpath (build the guest-agent module)");
            agent = in.readAllBytes();
            return agent;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest agent binary: " + e.getMessage(), e);
        }
    }

    /** A newc archive: /init (the agent), /jvmm/agent.conf, /dev/console and the mount points. */
    public static byte[] build(AgentConfig config) throws IOException {
        CpioArchive a = new CpioArchive();
        // The kernel opens /dev/console for init's stdin/out/err before devtmpfs is mounted.
        a.directory("dev", 0755);
        a.charDevice("dev/console", 0600, 5, 1);
        for (String d : new String[] {"proc", "sys", "run", "tmp"}) a.directory(d, 0755);
        a.file("init", 0755, agentBinary());
        a.directory("jvmm", 0755);
        a.file("jvmm/agent.conf", 0644, config.render().getBytes(StandardCharsets.UTF_8));
        return a.toByteArray();
    }
}
