package io.jvmm.core.jail;

import io.jvmm.kvm.sys.Seccomp;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM that confines itself as a VM process does and then goes on living: {@code seccomp NR} installs
 * the VM process's filter, works (threads, a file in DIR, GC) and makes system call NR ({@code seccomp NR DIR}); {@code drop UID GID FILE}
 * drops its ids and tries to read FILE. Prints what happened; run by {@link JailTest}.
 */
public final class ConfinedChild {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "seccomp" -> {
                // As in a VM process, NIO is in use before confinement (its libraries' set-up probes
                // sockets, which the list does not allow).
                Files.writeString(Path.of(args[2], "before.txt"), "x");
                Jail.confineSystemCalls(SyscallAllowList.vmProcess().program());
                System.out.println("installed");
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        List<byte[]> junk = new ArrayList<>();
                        for (int j = 0; j < 2000; j++) junk.add(new byte[4096]);
                    }));
                }
                for (Thread t : threads) t.join();
                System.gc();
                Path f = Path.of(args[2], "confined.txt");
                Files.writeString(f, "still alive");
                System.out.println(Files.readString(f));
                Files.delete(f);
                System.out.flush();
                System.out.println("call returned " + Seccomp.probe(Integer.parseInt(args[1])));
            }
            case "drop" -> {
                Jail.dropPrivileges(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                try {
                    Files.readString(Path.of(args[3]));
                    System.out.println("read it");
                } catch (AccessDeniedException e) {
                    System.out.println("denied");
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
