package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.kvm.Kvm;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CLI is a front-end: it parses, prints and calls the engine ({@code io.jvmm.runtime}). Its compiled
 * classes may name nothing from kvm-bindings, virtio or vmm-core except vmm-core's public config types.
 * Read from the class files' constant pools, so a {@code var}, a fully qualified name or a signature
 * cannot slip past the way it could past a look at the import lines.
 */
class FrontEndDependenciesTest {
    private static final List<String> FORBIDDEN = List.of("io/jvmm/kvm/", "io/jvmm/virtio/", "io/jvmm/core/");
    /** vmm-core's configuration values: what a front-end fills in and the engine runs. */
    private static final Set<String> ALLOWED = Set.of(
            "io/jvmm/core/VmConfig",
            "io/jvmm/core/VmConfig$Builder",
            "io/jvmm/core/DriveConfig",
            "io/jvmm/core/NetConfig",
            "io/jvmm/core/VsockConfig",
            "io/jvmm/core/CpuTemplate",
            "io/jvmm/core/IrqChipMode",
            "io/jvmm/core/ConfigException");

    @Test
    void cliClassesNameOnlyTheEngineAndConfigTypes() throws IOException, URISyntaxException {
        Path classes = Path.of(
                Jvmm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // Only classes compiled from today's sources: an incremental build leaves the class files of a
        // source that moved away (to runtime, say) behind in target/classes.
        Path sources = Path.of(System.getProperty("basedir", "."), "src", "main", "java");
        List<String> found = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                if (!hasSource(classes.relativize(f), sources)) continue;
                scanned++;
                for (String name : forbiddenNames(f)) found.add(classes.relativize(f) + " -> " + name);
            }
        }
        assertTrue(scanned > 20, "too few class files under " + classes + ": " + scanned);
        assertEquals(List.of(), found, "cli reaches past the engine (move the code to runtime, or wrap it there)");
    }

    @Test
    void theScanSeesAForbiddenReference() throws IOException, URISyntaxException {
        // This test class itself names a vmm-core internal through a descriptor: the scan must catch it.
        Path self = Path.of(FrontEndDependenciesTest.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolve(Fixture.class.getName().replace('.', '/') + ".class");
        assertFalse(forbiddenNames(self).isEmpty(), "the scan missed " + self);
    }

    /** Whether {@code classFile} (relative to the class directory) has its top-level class's source. */
    private static boolean hasSource(Path classFile, Path sources) {
        if (!Files.isDirectory(sources)) return true;
        String name = classFile.toString();
        int nested = name.indexOf('$');
        String topLevel =
                nested >= 0 ? name.substring(0, nested) : name.substring(0, name.length() - ".class".length());
        return Files.exists(sources.resolve(topLevel + ".java"));
    }

    /** Names a kvm-bindings type in a field's descriptor, for the scan's own test. */
    static final class Fixture {
        Kvm kvm;
    }

    /** The forbidden class names in {@code classFile}'s constant pool (class entries and descriptors alike). */
    static Set<String> forbiddenNames(Path classFile) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String utf8 : utf8Constants(classFile)) {
            for (String prefix : FORBIDDEN) {
                int at = utf8.indexOf(prefix);
                while (at >= 0) {
                    int end = at;
                    while (end < utf8.length() && ";<>()[".indexOf(utf8.charAt(end)) < 0) end++;
                    String name = utf8.substring(at, end);
                    if (!ALLOWED.contains(name)) out.add(name);
                    at = utf8.indexOf(prefix, end);
                }
            }
        }
        return out;
    }

    /** The CONSTANT_Utf8 entries of a class file (JVMS 4.4). */
    private static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(classFile);
                DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != 0xCAFEBABE) throw new IOException(classFile + ": not a class file");
            d.readUnsignedShort();
            d.readUnsignedShort();
            int count = d.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = d.readUnsignedByte();
                switch (tag) {
                    case 1 -> out.add(d.readUTF());
                    case 7, 8, 16, 19, 20 -> d.readUnsignedShort();
                    case 15 -> {
                        d.readUnsignedByte();
                        d.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> d.readInt();
                    case 5, 6 -> {
                        d.readLong();
                        i++;
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag);
                }
            }
        }
        return out;
    }
}
