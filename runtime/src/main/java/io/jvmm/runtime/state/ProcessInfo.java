package io.jvmm.runtime.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Processes through {@code /proc}: start times (to tell a VM process from a later process that got
 * its pid), liveness, parents, and SIGKILL-and-wait.
 */
public final class ProcessInfo {
    private ProcessInfo() {}

    /** A process identified by pid and start time. */
    public record Id(long pid, long startTime) {}

    /**
     * Field 22 of {@code /proc/PID/stat} (start time in clock ticks since boot), or empty when there is
     * no such process.
     */
    public static OptionalLong startTime(long pid) {
        String[] f = statFields(pid);
        if (f == null) return OptionalLong.empty();
        return OptionalLong.of(Long.parseLong(f[22 - 3]));
    }

    /** This process's start time (what the VM process records about itself). */
    public static long selfStartTime() {
        return startTime(ProcessHandle.current().pid())
                .orElseThrow(() -> new IllegalStateException("no /proc/self/stat"));
    }

    /** This process as an {@link Id}. */
    public static Id self() {
        return new Id(ProcessHandle.current().pid(), selfStartTime());
    }

    /**
     * True when {@code pid} exists, started at {@code startTime}, and is not a zombie or has a thread
     * that is not. A pid of 0 or less is never alive.
     */
    public static boolean isAlive(long pid, long startTime) {
        if (pid <= 0) return false;
        String[] f = statFields(pid);
        if (f == null || Long.parseLong(f[22 - 3]) != startTime) return false;
        // A thread group's leader turns zombie before its other threads have exited (a vCPU leaving
        // KVM_RUN): until the last one has, the process still holds its files, a TAP among them.
        return !dead(f) || anyThreadLive(pid);
    }

    private static boolean dead(String[] statFields) {
        char state = statFields[0].isEmpty() ? '?' : statFields[0].charAt(0);
        return state == 'Z' || state == 'X' || state == 'x';
    }

    private static boolean anyThreadLive(long pid) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                String[] f = statFields(t.resolve("stat"));
                if (f != null && !dead(f)) return true;
            }
        } catch (IOException | DirectoryIteratorException e) {
            return false; // gone meanwhile
        }
        return false;
    }

    public static boolean isAlive(Id p) {
        return isAlive(p.pid(), p.startTime());
    }

    /**
     * The processes whose command line has {@code first} immediately followed by {@code second} as
     * arguments (read from {@code /proc/PID/cmdline}); those that end meanwhile are left out.
     */
    public static List<Id> withArguments(String first, String second) {
        List<Id> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                String[] args;
                try {
                    args = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
                } catch (IOException e) {
                    continue;
                }
                for (int i = 0; i + 1 < args.length; i++) {
                    if (!args[i].equals(first) || !args[i + 1].equals(second)) continue;
                    long pid = Long.parseLong(p.getFileName().toString());
                    startTime(pid).ifPresent(t -> found.add(new Id(pid, t)));
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
        return found;
    }

    /** The parent pid (field 4), or empty when there is no such process. */
    public static OptionalLong parent(long pid) {
        String[] f = statFields(pid);
        return f == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[4 - 3]));
    }

    /** Every live process whose parent is {@code pid}, with its start time. */
    public static List<Id> children(long pid) {
        List<Id> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.isEmpty() || !Character.isDigit(n.charAt(0))) continue;
                long child;
                try {
                    child = Long.parseLong(n);
                } catch (NumberFormatException e) {
                    continue;
                }
                String[] f = statFields(child);
                if (f != null && Long.parseLong(f[4 - 3]) == pid && f[0].charAt(0) != 'Z') {
                    out.add(new Id(child, Long.parseLong(f[22 - 3])));
                }
            }
        } catch (IOException e) {
            // no /proc: nothing we can find
        }
        return out;
    }

    /** {@code pid}'s descendants (children, their children, ...), with start times. */
    public static List<Id> descendants(long pid) {
        List<Id> out = new ArrayList<>();
        List<Long> frontier = new ArrayList<>(List.of(pid));
        while (!frontier.isEmpty() && out.size() < 10_000) {
            List<Long> next = new ArrayList<>();
            for (long p : frontier) {
                for (Id c : children(p)) {
                    out.add(c);
                    next.add(c.pid());
                }
            }
            frontier = next;
        }
        return out;
    }

    /** Waits up to {@code timeout} for {@code p} to be gone (or a zombie); true when it is. */
    public static boolean waitForExit(Id p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(p)) {
            if (System.nanoTime() - deadline > 0) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isAlive(p);
            }
        }
        return true;
    }

    /**
     * SIGKILLs {@code p} if it is still that process, then waits up to {@code timeout} for it to be gone
     * (or a zombie). Returns true when it is gone.
     */
    public static boolean killAndWait(Id p, Duration timeout) {
        if (isAlive(p)) {
            ProcessHandle.of(p.pid()).ifPresent(h -> {
                // The check above and this kill race with pid reuse only if p died in between *and* its
                // pid was recycled within microseconds; re-check right before the signal.
                if (isAlive(p)) h.destroyForcibly();
            });
        }
        return waitForExit(p, timeout);
    }

    /**
     * Kills {@code p} and everything below it: takes a snapshot of its descendants, SIGKILLs {@code p}
     * and waits for it, then SIGKILLs whatever of that snapshot is still alive (a child that outlived
     * its parent has been re-parented, so it is found through the snapshot) and any process that still
     * names {@code p} as parent. Returns true when {@code p} and all of them are gone.
     */
    public static boolean killTree(Id p, Duration timeout) {
        List<Id> before = isAlive(p) ? descendants(p.pid()) : List.of();
        boolean gone = killAndWait(p, timeout);
        List<Id> rest = new ArrayList<>(before);
        if (gone) rest.addAll(children(p.pid())); // raced in between snapshot and kill
        for (Id c : rest) gone &= killAndWait(c, timeout);
        return gone;
    }

    /**
     * What a process has used, from /proc/PID/stat: CPU time in clock ticks (user plus system; Linux
     * reports them in USER_HZ, 100 a second on every architecture jvmm runs on) and resident memory.
     */
    public record Usage(long cpuTicks, long rssBytes) {
        /** Clock ticks a second in /proc (USER_HZ). */
        public static final int TICKS_PER_SECOND = 100;
    }

    /** {@code p}'s usage now, or empty when it is gone (or the pid was reused). */
    public static Optional<Usage> usage(Id p) {
        String[] f = statFields(p.pid());
        if (f == null || !isAlive(p)) return Optional.empty();
        try {
            // Index 0 is field 3: utime is field 14, stime 15, rss 24 (in 4 KiB pages on x86-64).
            return Optional.of(new Usage(Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[21]) * 4096));
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /** Fields 3.. of /proc/PID/stat (index 0 = field 3, the state), or null when there is no such process. */
    private static String[] statFields(long pid) {
        if (pid <= 0) return null;
        return statFields(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** Fields 3.. of a {@code stat} file of /proc (a process's or a thread's), or null when it is gone. */
    private static String[] statFields(Path statFile) {
        String stat;
        try {
            stat = Files.readString(statFile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null;
        }
        // Field 2 (comm) is in parentheses and may contain spaces and ')': split after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) return null;
        String[] f = stat.substring(close + 1).trim().split(" +");
        return f.length >= 20 ? f : null;
    }
}
