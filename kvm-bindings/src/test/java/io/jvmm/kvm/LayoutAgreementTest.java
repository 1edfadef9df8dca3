package io.jvmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.struct.Structs;
import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generates a C program from the Java layouts, ioctl numbers and constants, compiles it against
 * the host's {@code <linux/kvm.h>} and checks every offset, size and number it prints.
 */
class LayoutAgreementTest {
    /** Group names with this prefix stand for anonymous C unions: they add nothing to the C path. */
    private static final String ANONYMOUS = "$anon";

    /** C expression → value the Java side expects, in program order. */
    private static final Map<String, Long> expected = new LinkedHashMap<>();

    private static final StringBuilder program = new StringBuilder();
    private static Map<String, Long> actual;

    @TempDir
    static Path dir;

    @BeforeAll
    static void compileAndRun() throws Exception {
        assumeTrue(onPath("gcc"), "gcc not found on PATH");
        for (Class<?> c : Structs.ALL) addStruct(Structs.layoutOf(c));
        addStruct(Libc.SIGACTION);
        addStruct(Libc.IOVEC);
        for (Ioctl ioctl : Ioctl.values()) add("(unsigned long) " + ioctl.name(), ioctl.number());
        for (Class<?> c : List.of(
                Kvm.class, VmFd.class, VcpuExit.class, CpuidEntry.class, Libc.class, Errno.class, ChildProcess.class)) {
            addIntConstants(c);
        }
        add("sizeof(posix_spawn_file_actions_t)", ChildProcess.FILE_ACTIONS_SIZE);
        add("sizeof(posix_spawnattr_t)", ChildProcess.ATTR_SIZE);
        String source = """
                #define _GNU_SOURCE
                #include <stddef.h>
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <limits.h>
                #include <poll.h>
                #include <signal.h>
                #include <spawn.h>
                #include <sys/socket.h>
                #include <sys/file.h>
                #include <sys/uio.h>
                #include <unistd.h>
                #include <sys/mman.h>
                #include <sys/eventfd.h>
                #include <linux/kvm.h>
                int main(void) {
                """ + program + "    return 0;\n}\n";
        Path c = dir.resolve("layouts.c");
        Path exe = dir.resolve("layouts");
        Files.writeString(c, source);
        String compiler = run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), c.toString()));
        assertEquals("", compiler, "gcc output for " + c);
        System.out.println(
                "LayoutAgreementTest: " + expected.size() + " offsets, sizes, ioctl numbers and constants checked");
        actual = new LinkedHashMap<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            int tab = line.lastIndexOf('\t');
            actual.put(line.substring(0, tab), Long.parseUnsignedLong(line.substring(tab + 1)));
        }
    }

    @Test
    void everyOffsetSizeIoctlAndConstantMatchesTheKernelHeaders() {
        assertEquals(expected.keySet(), actual.keySet(), "the C program printed a different set of lines");
        List<String> mismatches = new ArrayList<>();
        expected.forEach((key, value) -> {
            if (!value.equals(actual.get(key))) mismatches.add(key + ": Java " + value + ", C " + actual.get(key));
        });
        assertEquals(List.of(), mismatches);
        assertTrue(expected.size() > 500, "expected hundreds of checks, got " + expected.size());
    }

    @Test
    void referenceValuesFromTheDesignNotes() {
        assertEquals(32, actual.get("sizeof(struct kvm_userspace_memory_region)"));
        assertEquals(144, actual.get("sizeof(struct kvm_regs)"));
        assertEquals(0x4020ae46L, Ioctl.KVM_SET_USER_MEMORY_REGION.number());
    }

    @Test
    void registryListsEveryStructClass() throws IOException, URISyntaxException {
        Path classes = Path.of(Structs.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolve("io/jvmm/kvm/struct");
        TreeSet<String> onDisk;
        try (Stream<Path> files = Files.list(classes)) {
            onDisk = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .map(n -> n.substring(0, n.length() - ".class".length()))
                    .filter(n -> !n.equals("Structs") && !n.equals("package-info"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        TreeSet<String> registered =
                Structs.ALL.stream().map(Class::getSimpleName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(onDisk, registered);
    }

    private static void addStruct(StructLayout layout) {
        String name = layout.name().orElseThrow(() -> new AssertionError("unnamed layout " + layout));
        String type = "struct " + name;
        add("sizeof(" + type + ")", layout.byteSize());
        walk(layout, type, layout, new ArrayList<>(), "");
    }

    /** Emits an offsetof and sizeof line for every named member below {@code group}. */
    private static void walk(StructLayout root, String type, GroupLayout group, List<PathElement> path, String cPath) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member instanceof PaddingLayout) continue;
            String name = member.name().orElseThrow(() -> new AssertionError(type + " has an unnamed member"));
            List<PathElement> memberPath = new ArrayList<>(path);
            memberPath.add(PathElement.groupElement(name));
            PathElement[] p = memberPath.toArray(PathElement[]::new);
            boolean anonymous = name.startsWith(ANONYMOUS);
            String memberC = anonymous ? cPath : (cPath.isEmpty() ? name : cPath + "." + name);
            if (!anonymous) {
                add("offsetof(" + type + ", " + memberC + ")", root.byteOffset(p));
                boolean flexible = member instanceof SequenceLayout s && s.elementCount() == 0;
                if (!flexible) add("sizeof(((" + type + " *) 0)->" + memberC + ")", member.byteSize());
            }
            if (member instanceof GroupLayout g) {
                walk(root, type, g, memberPath, memberC);
            } else if (member instanceof SequenceLayout s
                    && s.elementCount() > 0
                    && s.elementLayout() instanceof GroupLayout g) {
                // flexible arrays are not descended: their element struct is checked on its own
                memberPath.add(PathElement.sequenceElement(0));
                walk(root, type, g, memberPath, memberC + "[0]");
            }
        }
    }

    private static void addIntConstants(Class<?> c) throws IllegalAccessException {
        for (Field f : c.getFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m)
                    && Modifier.isFinal(m)
                    && f.getType() == int.class
                    && f.getName().equals(f.getName().toUpperCase())) {
                add("(long) (" + f.getName() + ")", f.getInt(null));
            }
        }
    }

    private static void add(String cExpression, long javaValue) {
        if (expected.put(cExpression, javaValue) != null) return; // a constant listed in two classes
        String format =
                cExpression.startsWith("(long)") ? "%ld" : cExpression.startsWith("(unsigned long)") ? "%lu" : "%zu";
        program.append("    printf(\"%s\\t")
                .append(format)
                .append("\\n\", \"")
                .append(cExpression)
                .append("\", ")
                .append(cExpression)
                .append(");\n");
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " timed out");
        assertEquals(0, process.exitValue(), command + " failed:\n" + out);
        return out;
    }
}
