package io.jvmm.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The agent's configuration ({@code /jvmm/agent.conf}), validated and rendered in the format of
 * PROTOCOL.md: {@code key value} lines, values escaped with {@code \\ \n \t}.
 * <pre>{@code
 * String conf = AgentConfig.builder().listenVsock(AgentProtocol.DEFAULT_PORT)
 *         .readyVsock(AgentProtocol.HOST_CID, AgentProtocol.READY_PORT)
 *         .rootDevice("/dev/vda", "auto").hostname("vm1").build().render();
 * }</pre>
 */
public final class AgentConfig {
    private static final Set<String> ROOT_FS = Set.of("auto", "ext4", "erofs", "squashfs");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6ISH = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern HOSTNAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");
    private static final int UNIX_PATH_MAX = 107;

    private final List<String[]> lines;

    private AgentConfig(List<String[]> lines) {
        this.lines = List.copyOf(lines);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The agent.conf text. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (String[] l : lines) {
            sb.append(l[0]).append(' ');
            // volume and share fields are separated by literal tabs; everything else is one escaped value
            for (int i = 1; i < l.length; i++) {
                if (i > 1) sb.append('\t');
                sb.append(escape(l[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** Escapes a value: backslash, newline and tab become {@code \\}, {@code \n}, {@code \t}. */
    public static String escape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    public static final class Builder {
        private String listen, ready, hostname, root, rootfs, scratch, ip, gateway;
        private int mtu;
        private boolean rootItself;
        private final List<String> live = new ArrayList<>();
        private final List<String[]> volumes = new ArrayList<>();
        private final List<String> dns = new ArrayList<>(), env = new ArrayList<>();

        private Builder() {}

        public Builder listenVsock(int port) {
            listen = "vsock:" + port(port);
            return this;
        }

        public Builder listenUnix(Path socket) {
            listen = "unix:" + unixPath("listenUnix", socket);
            return this;
        }

        public Builder readyVsock(int cid, int port) {
            if (cid < 0) throw new IllegalArgumentException("readyVsock: CID must not be negative: " + cid);
            ready = "vsock:" + cid + ":" + port(port);
            return this;
        }

        public Builder readyUnix(Path socket) {
            ready = "unix:" + unixPath("readyUnix", socket);
            return this;
        }

        public Builder hostname(String name) {
            check("hostname", name);
            if (name.length() > 64 || !HOSTNAME.matcher(name).matches())
                throw new IllegalArgumentException(
                        "hostname: expected 1-64 letters, digits, '-' and '.', got \"" + name + "\"");
            hostname = name;
            return this;
        }

        /** The image on a block device, mounted read-only; fsType is auto, ext4, erofs or squashfs. */
        public Builder rootDevice(String dev, String fsType) {
            absolute("rootDevice", dev);
            if (!ROOT_FS.contains(fsType))
                throw new IllegalArgumentException(
                        "rootDevice: file system type must be one of " + ROOT_FS + ", got " + fsType);
            root = dev;
            rootfs = fsType;
            return this;
        }

        /** Test mode: the image is a host directory, bind-mounted read-only. */
        public Builder rootDirectory(Path dir) {
            String d = dir.toAbsolutePath().normalize().toString();
            check("rootDirectory", d);
            root = "dir:" + d;
            rootfs = null;
            return this;
        }

        /** The image is the virtio-fs share {@code tag} (a host directory), mounted read-only like a device's. */
        public Builder rootShare(String tag) {
            checkTag("rootShare", tag);
            root = "virtiofs:" + tag;
            rootfs = null;
            return this;
        }

        /**
         * The root directory or share itself is {@code /}, read-write, with no overlay: what the workload
         * writes lands in it ({@code overlay no}). Needs {@link #rootDirectory} or {@link #rootShare}.
         */
        public Builder rootItself() {
            rootItself = true;
            return this;
        }

        /**
         * A directory of the root directory or share that the host changes while the guest runs: the
         * guest sees it through the root itself (read-only), not through the overlay, because overlayfs
         * forbids changes to its lower layer (a name removed and made again reads as ESTALE through it).
         */
        public Builder live(String path) {
            absolute("live", path);
            for (String part : path.substring(1).split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\n') >= 0)
                    throw new IllegalArgumentException(
                            "live: expected a path below / without empty, . or .. components, got \"" + path + "\"");
            }
            if (path.length() > 1024) throw new IllegalArgumentException("live: path longer than 1024 bytes");
            live.add(path);
            return this;
        }

        /** A writable ext4 drive for the overlay's upper layer (tmpfs otherwise). */
        public Builder scratch(String dev) {
            absolute("scratch", dev);
            scratch = dev;
            return this;
        }

        public Builder volume(String dev, String path, boolean readOnly) {
            absolute("volume device", dev);
            absolute("volume path", path);
            if (path.equals("/")) throw new IllegalArgumentException("volume path must not be /");
            volumes.add(readOnly ? new String[] {"volume", dev, path, "ro"} : new String[] {"volume", dev, path});
            return this;
        }

        /**
         * A virtio-fs share: the device with {@code tag} mounted at {@code path} ({@code mount -t
         * virtiofs TAG PATH}), read-only if asked; mounted with the volumes, before any program runs.
         */
        public Builder share(String tag, String path, boolean readOnly) {
            checkTag("share tag", tag);
            absolute("share path", path);
            if (path.equals("/")) throw new IllegalArgumentException("share path must not be /");
            volumes.add(readOnly ? new String[] {"share", tag, path, "ro"} : new String[] {"share", tag, path});
            return this;
        }

        /** eth0's address, {@code A.B.C.D/PREFIX}. */
        public Builder ip(String cidr) {
            check("ip", cidr);
            int slash = cidr.indexOf('/');
            String prefix = slash < 0 ? "" : cidr.substring(slash + 1);
            if (slash < 0
                    || !IPV4.matcher(cidr.substring(0, slash)).matches()
                    || !prefix.matches("\\d{1,2}")
                    || Integer.parseInt(prefix) > 32)
                throw new IllegalArgumentException(
                        "ip: expected IPv4 ADDR/PREFIX such as 10.0.0.2/24, got \"" + cidr + "\"");
            ip = cidr;
            return this;
        }

        public Builder gateway(String addr) {
            check("gateway", addr);
            if (!IPV4.matcher(addr).matches())
                throw new IllegalArgumentException("gateway: expected an IPv4 address, got \"" + addr + "\"");
            gateway = addr;
            return this;
        }

        /** eth0's MTU (68..65535), when its network's is not the device's 1500: a CNI overlay's 1450, say. */
        public Builder mtu(int mtu) {
            if (mtu < 68 || mtu > 65535) throw new IllegalArgumentException("mtu: expected 68..65535, got " + mtu);
            this.mtu = mtu;
            return this;
        }

        public Builder dns(String addr) {
            check("dns", addr);
            if (!IPV4.matcher(addr).matches() && !IPV6ISH.matcher(addr).matches())
                throw new IllegalArgumentException("dns: expected an IP address, got \"" + addr + "\"");
            dns.add(addr);
            return this;
        }

        /** A default environment entry for every exec, {@code KEY=VALUE}; EXEC's own env wins. */
        public Builder env(String kv) {
            check("env", kv);
            if (kv.indexOf('=') <= 0) throw new IllegalArgumentException("env: expected KEY=VALUE, got \"" + kv + "\"");
            env.add(kv);
            return this;
        }

        public AgentConfig build() {
            if (listen == null) throw new IllegalStateException("AgentConfig: listenVsock or listenUnix is required");
            if (gateway != null && ip == null) throw new IllegalStateException("AgentConfig: gateway needs ip");
            if (mtu != 0 && ip == null) throw new IllegalStateException("AgentConfig: mtu needs ip");
            if (rootItself && (root == null || !(root.startsWith("dir:") || root.startsWith("virtiofs:"))))
                throw new IllegalStateException("AgentConfig: rootItself needs rootDirectory or rootShare");
            if (!live.isEmpty()
                    && (rootItself || root == null || !(root.startsWith("dir:") || root.startsWith("virtiofs:"))))
                throw new IllegalStateException("AgentConfig: live needs rootDirectory or rootShare under an overlay");
            if (rootItself && scratch != null)
                throw new IllegalStateException("AgentConfig: rootItself has no overlay for a scratch drive");
            List<String[]> l = new ArrayList<>();
            l.add(new String[] {"listen", listen});
            if (ready != null) l.add(new String[] {"ready", ready});
            if (hostname != null) l.add(new String[] {"hostname", hostname});
            if (root != null) l.add(new String[] {"root", root});
            if (rootfs != null) l.add(new String[] {"rootfs", rootfs});
            if (rootItself) l.add(new String[] {"overlay", "no"});
            if (scratch != null) l.add(new String[] {"scratch", scratch});
            for (String d : live) l.add(new String[] {"live", d});
            l.addAll(volumes);
            if (ip != null) l.add(new String[] {"ip", ip});
            if (gateway != null) l.add(new String[] {"gateway", gateway});
            if (mtu != 0) l.add(new String[] {"mtu", Integer.toString(mtu)});
            for (String d : dns) l.add(new String[] {"dns", d});
            for (String e : env) l.add(new String[] {"env", e});
            return new AgentConfig(l);
        }

        private static void checkTag(String what, String tag) {
            check(what, tag);
            if (tag.getBytes(StandardCharsets.UTF_8).length > 36 || tag.indexOf('\t') >= 0)
                throw new IllegalArgumentException(what + " must be 1 to 36 bytes without a tab, got \"" + tag + "\"");
        }

        private static String port(int port) {
            if (port < 0) throw new IllegalArgumentException("vsock port must not be negative: " + port);
            return Integer.toString(port);
        }

        private static String unixPath(String what, Path p) {
            String s = p.toAbsolutePath().normalize().toString();
            check(what, s);
            if (s.getBytes(StandardCharsets.UTF_8).length > UNIX_PATH_MAX)
                throw new IllegalArgumentException(
                        what + ": socket path longer than " + UNIX_PATH_MAX + " bytes: " + s);
            return s;
        }

        private static void check(String what, String v) {
            if (v == null || v.isEmpty()) throw new IllegalArgumentException(what + " must not be empty");
            if (v.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL character");
        }

        private static void absolute(String what, String v) {
            check(what, v);
            if (!v.startsWith("/"))
                throw new IllegalArgumentException(what + " must be an absolute path, got \"" + v + "\"");
        }
    }
}
