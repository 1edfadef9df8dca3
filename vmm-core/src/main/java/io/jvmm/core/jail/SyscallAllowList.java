package io.jvmm.core.jail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The x86-64 system calls a VM process may make once it is confined: {@code seccomp-x86_64.txt}
 * beside this class, one {@code name number} per line. The list is measured, not guessed: how it is
 * made and regenerated is in docs/sandbox.md ({@code scripts/seccomp-profile.sh}).
 */
public final class SyscallAllowList {
    static final String RESOURCE = "seccomp-x86_64.txt";
    /** Tested before the tree: KVM_RUN and the device workers' eventfd and futex traffic. */
    private static final String[] HOT = {"ioctl", "futex", "read", "write", "ppoll", "poll", "epoll_wait"};

    private final Map<String, Integer> numbers;

    private SyscallAllowList(Map<String, Integer> numbers) {
        this.numbers = Collections.unmodifiableMap(numbers);
    }

    /** The VM process's list. */
    public static SyscallAllowList vmProcess() {
        try (InputStream in = SyscallAllowList.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the class path");
            return parse(in, RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code name number} lines; {@code #} starts a comment. */
    static SyscallAllowList parse(InputStream in, String source) throws IOException {
        Map<String, Integer> m = new LinkedHashMap<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) continue;
            String[] f = text.split("\\s+");
            if (f.length != 2 || !f[1].matches("\\d{1,4}")) {
                throw new IllegalStateException(source + ":" + n + ": expected 'name number', got '" + text + "'");
            }
            if (m.put(f[0], Integer.parseInt(f[1])) != null)
                throw new IllegalStateException(source + ":" + n + ": " + f[0] + " listed twice");
        }
        return new SyscallAllowList(m);
    }

    /** Name to number. */
    public Map<String, Integer> numbers() {
        return numbers;
    }

    /** The filter: these calls allowed, any other kills the whole process. */
    public SeccompProgram program() {
        return program(SeccompProgram.RET_KILL_PROCESS);
    }

    /** The filter with {@code defaultAction} for calls not on the list. */
    public SeccompProgram program(int defaultAction) {
        int[] hot = Arrays.stream(HOT)
                .filter(numbers::containsKey)
                .mapToInt(numbers::get)
                .toArray();
        return new SeccompProgram(
                numbers.values().stream().mapToInt(Integer::intValue).toArray(), hot, defaultAction);
    }
}
