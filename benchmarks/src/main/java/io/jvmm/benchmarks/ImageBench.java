package io.jvmm.benchmarks;

import io.jvmm.files.FileTrees;
import io.jvmm.image.ContentStore;
import io.jvmm.image.Descriptor;
import io.jvmm.image.ImageReference;
import io.jvmm.image.LocalRegistry;
import io.jvmm.image.PullListener;
import io.jvmm.image.RegistryClient;
import io.jvmm.runtime.image.ImageRootfs;
import io.jvmm.runtime.state.StateDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * OCI images: pull + convert time and disk use, a second pull sharing all but one layer, and
 * {@code jvmm run IMAGE} to agent ready with the image cached. Against Debian's {@code docker-registry}
 * on a free loopback port (temporary config and storage, stopped at the end), images built here
 * ({@link BenchImage}: busybox-static base + "package" layers) and pushed with {@code skopeo}.
 * <p>
 * What runs what: pulls are the real CLI ({@code jvmm image pull REF}, a fresh JVM each, {@code JVMM_HOME}
 * a fresh temporary directory, so every pull starts from an empty store), started with the JVM command line
 * {@code ./jvmm} execs (see {@link #snapshotCli}); the root image is built as
 * {@code jvmm run} builds it on first use (the runtime's {@code ImageRootfs.ensure}, which calls
 * {@code RootfsBuilder.build(layer blobs, data/images/rootfs/HEX.erofs)}), here by that same call in a
 * fresh JVM with the launcher's flags, timed as {@code ImageRootfs} reports it. Blob GETs
 * of the second pull are counted in the registry's access log (CLI) and by {@code RegistryClient.blobRequests()}
 * (the API, in this JVM). {@code jvmm run -d} is the real CLI, timed from process start to the id on stdout.
 *
 * <pre>java -cp benchmarks.jar io.jvmm.benchmarks.ImageBench [runs] [bootRuns]   (benchmarks/run.sh image)</pre>
 */
public final class ImageBench {
    private static final int MIB = 1 << 20;
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final Path LAUNCHER = REPO.resolve("jvmm");
    /** How the CLI is started: {@code ./jvmm}, or the same JVM command line on a private copy of its jars. */
    private static List<String> jvmm = List.of(LAUNCHER.toString());

    private ImageBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("convert")) {
            convert(Path.of(args[1]), args[2]);
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int bootRuns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String missing = LocalRegistry.missingTools();
        if (missing == null && !Files.isRegularFile(BUSYBOX)) missing = "busybox-static";
        if (missing != null) {
            System.err.println(
                    "image bench: needs " + missing + " (apt-get install -y docker-registry skopeo busybox-static)");
            System.exit(1);
        }
        if (!Files.isExecutable(LAUNCHER)) {
            System.err.println("image bench: run from the repository root (no ./jvmm in " + REPO + ")");
            System.exit(1);
        }
        Path work = Files.createTempDirectory("jvmm-imagebench-");
        LocalRegistry registry = null;
        List<Path> homes = new ArrayList<>();
        try {
            jvmm = System.getenv("JVMM_BENCH_LAUNCHER") != null ? List.of(LAUNCHER.toString()) : snapshotCli(work);

            // ------------------------------------------------------------- images
            byte[] bb = Files.readAllBytes(BUSYBOX);
            BenchImage.Layer base = BenchImage.base(bb);
            List<BenchImage.Layer> l3 = List.of(
                    base, BenchImage.pkg(301, "app3a", 6 * MIB, null), BenchImage.pkg(302, "app3b", 6 * MIB, "app3a"));
            List<BenchImage.Layer> l3b =
                    BenchImage.concat(l3.subList(0, 2), BenchImage.pkg(303, "app3b", 6 * MIB, "app3a"));
            List<BenchImage.Layer> l20 = new ArrayList<>(List.of(base));
            for (int i = 1; i < 20; i++)
                l20.add(BenchImage.pkg(2000 + i, "p" + i, 2 * MIB, i > 1 ? "p" + (i - 1) : null));
            List<BenchImage.Layer> l20b =
                    BenchImage.concat(l20.subList(0, 19), BenchImage.pkg(2100, "p19", 2 * MIB, "p18"));
            BenchImage.Built img3 = BenchImage.build(l3), img3b = BenchImage.build(l3b);
            BenchImage.Built img20 = BenchImage.build(l20), img20b = BenchImage.build(l20b);
            System.out.printf(
                    Locale.ROOT,
                    "images: 3-layer %s tar / %s gzip; 20-layer %s tar / %s gzip (busybox-static base + package layers)%n",
                    mib(img3.tarBytes()),
                    mib(img3.blobBytes()),
                    mib(img20.tarBytes()),
                    mib(img20.blobBytes()));

            registry = LocalRegistry.start(Files.createDirectories(work.resolve("registry")));
            String[][] pushes = {
                {"3a", "bench/img3:1"}, {"3b", "bench/img3:2"}, {"20a", "bench/img20:1"}, {"20b", "bench/img20:2"}
            };
            BenchImage.Built[] built = {img3, img3b, img20, img20b};
            for (int i = 0; i < pushes.length; i++) {
                registry.push(
                        BenchImage.ociLayout(work.resolve("layout-" + pushes[i][0]), built[i], "1"), "1", pushes[i][1]);
            }
            String ref3 = registry.host() + "/bench/img3:1", ref3b = registry.host() + "/bench/img3:2";
            String ref20 = registry.host() + "/bench/img20:1", ref20b = registry.host() + "/bench/img20:2";
            System.out.println("registry: docker-registry on " + registry.host()
                    + " (loopback, plain HTTP), images pushed with skopeo");

            // ------------------------------------------------------------- floor
            double[] version = new double[runs];
            for (int i = 0; i < runs; i++) version[i] = cli(work, null, "--version").ms;
            System.out.printf(Locale.ROOT, "./jvmm --version (launcher + JVM start floor): %s%n", stats(version));

            // ------------------------------------------------------------- 1. pull + convert
            pullConvert("3-layer", ref3, img3, runs, work, homes);
            pullConvert("20-layer", ref20, img20, runs, work, homes);

            // ------------------------------------------------------------- 2. second pull sharing layers
            secondPull("3-layer", ref3, ref3b, img3b, runs, registry, work, homes);
            secondPull("20-layer", ref20, ref20b, img20b, runs, registry, work, homes);
            apiPull("3-layer", registry, ref3, runs, work);
            apiPull("20-layer", registry, ref20, runs, work);
            apiSecondPull("3-layer", registry, ref3, ref3b, img3b, work);
            apiSecondPull("20-layer", registry, ref20, ref20b, img20b, work);

            // ------------------------------------------------------------- 3. run IMAGE to agent ready
            if (bootRuns > 0) runToReady(ref3, img3, bootRuns, work, homes);
        } finally {
            for (Path h : homes) {
                try {
                    Run ps = cli(work, h, "ps", "-aq");
                    for (String id : ps.out.strip().split("\\s+")) if (!id.isEmpty()) cli(work, h, "rm", "-f", id);
                    FileTrees.deleteQuietly(h);
                } catch (Exception e) {
                    System.err.println("cleanup of " + h + ": " + e);
                }
            }
            if (registry != null) registry.close();
            FileTrees.deleteQuietly(work);
        }
    }

    // ------------------------------------------------------------------ 1

    private static void pullConvert(
            String what, String ref, BenchImage.Built img, int runs, Path work, List<Path> homes) throws Exception {
        double[] pull = new double[runs],
                convert = new double[runs],
                total = new double[runs],
                convertWall = new double[runs];
        long[] blobsAlloc = new long[runs],
                rootAlloc = new long[runs],
                rootApparent = new long[runs],
                blobsApparent = new long[runs];
        for (int i = 0; i < runs; i++) {
            Path home = newHome(work, homes);
            Run p = cli(work, home, "image", "pull", ref);
            Convert c = convertInChild(home, ref, img);
            pull[i] = p.ms;
            convert[i] = c.buildMs;
            convertWall[i] = c.wallMs;
            total[i] = p.ms + c.buildMs;
            Path images = home.resolve("lib/images");
            blobsAlloc[i] = du(images.resolve("blobs"), false);
            blobsApparent[i] = du(images.resolve("blobs"), true);
            rootAlloc[i] = du(c.file, false);
            rootApparent[i] = du(c.file, true);
            removeHome(home, homes);
        }
        System.out.printf(
                Locale.ROOT, "%s pull (./jvmm image pull, empty store, JVM start included): %s%n", what, stats(pull));
        System.out.printf(
                Locale.ROOT,
                "%s convert (RootfsBuilder -> EROFS as jvmm run does, fresh JVM, build call): %s; child JVM wall %s%n",
                what,
                stats(convert),
                String.format(Locale.ROOT, "%.0f ms", median(convertWall)));
        System.out.printf(Locale.ROOT, "%s pull + convert: %s%n", what, stats(total));
        System.out.printf(
                Locale.ROOT,
                "%s disk (allocated, du -B1): blobs %s + rootfs %s = %s (apparent: blobs %s, rootfs %s; layers %s gzip, %s tar), n=%d%n",
                what,
                mib(medianL(blobsAlloc)),
                mib(medianL(rootAlloc)),
                mib(medianL(blobsAlloc) + medianL(rootAlloc)),
                mib(medianL(blobsApparent)),
                mib(medianL(rootApparent)),
                mib(img.blobBytes()),
                mib(img.tarBytes()),
                runs);
    }

    /** What a convert child reported. */
    private record Convert(double buildMs, double wallMs, Path file) {}

    /** Builds the root image of {@code ref} in {@code home}'s store, in a fresh JVM with the launcher's flags. */
    private static Convert convertInChild(Path home, String ref, BenchImage.Built img) throws Exception {
        Path out = home.resolve("lib/images/rootfs/" + img.manifestDigest().substring(7) + ".erofs");
        Files.createDirectories(out.getParent());
        String jar = Path.of(ImageBench.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:disable",
                "-Xlog:all=warning:stderr",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                jar,
                ImageBench.class.getName(),
                "convert",
                home.resolve("lib").toString(),
                ref);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e6;
        String line =
                text.lines().filter(l -> l.startsWith("BUILD ")).findFirst().orElse(null);
        if (rc != 0 || line == null)
            throw new IllegalStateException("convert of " + ref + " failed (" + rc + "): " + text);
        return new Convert(Double.parseDouble(line.split(" ")[1]), wall, out);
    }

    /** The child: the root image of {@code ref} in the state under {@code dataDir}, built as {@code jvmm run} builds it. */
    private static void convert(Path dataDir, String ref) {
        StateDirs dirs = new StateDirs(dataDir, dataDir.resolveSibling("run"));
        ContentStore store = ContentStore.open(dirs.imagesDir());
        ImageRootfs.Built built = ImageRootfs.ensure(dirs, store, store.get(ref));
        if (built.reused())
            throw new IllegalStateException("the root image of " + ref + " was already built: " + built.file());
        System.out.printf(Locale.ROOT, "BUILD %d%n", built.millis());
    }

    // ------------------------------------------------------------------ 2

    private static void secondPull(
            String what,
            String first,
            String second,
            BenchImage.Built img,
            int runs,
            LocalRegistry registry,
            Path work,
            List<Path> homes)
            throws Exception {
        double[] ms = new double[runs], convert = new double[runs], upToDate = new double[runs];
        int[] gets = new int[runs];
        long[] bytes = new long[runs], blobsGrew = new long[runs];
        for (int i = 0; i < runs; i++) {
            Path home = newHome(work, homes);
            cli(work, home, "image", "pull", first);
            long before = du(home.resolve("lib/images/blobs"), false);
            long mark = registry.mark();
            Run p = cli(work, home, "image", "pull", second);
            LocalRegistry.Gets g = registry.blobGetsSince(mark);
            ms[i] = p.ms;
            gets[i] = g.count();
            bytes[i] = g.bytes();
            blobsGrew[i] = du(home.resolve("lib/images/blobs"), false) - before;
            upToDate[i] = cli(work, home, "image", "pull", second).ms;
            convert[i] = convertInChild(home, second, img).buildMs;
            removeHome(home, homes);
        }
        long top = img.layers().getLast().blob().length;
        System.out.printf(
                Locale.ROOT,
                "%s second pull, all layers but the top one in the store (./jvmm image pull): %s; "
                        + "registry blob GETs %s, %s sent (new layer %s + config; the image is %s), store grew %s%n",
                what,
                stats(ms),
                Arrays.stream(gets).distinct().mapToObj(Integer::toString).collect(Collectors.joining("/")),
                mib(medianL(bytes)),
                mib(top),
                mib(img.blobBytes()),
                mib(medianL(blobsGrew)));
        System.out.printf(
                Locale.ROOT,
                "%s pull again, image up to date (manifest GET only; the CLI's fixed cost): %s%n",
                what,
                stats(upToDate));
        System.out.printf(
                Locale.ROOT,
                "%s second tag's root image (new manifest: rebuilt from all layers): %s%n",
                what,
                stats(convert));
    }

    /** A pull into an empty store through the API in this JVM (no JVM start; the first sample is cold). */
    private static void apiPull(String what, LocalRegistry registry, String ref, int runs, Path work) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            Path root = Files.createTempDirectory(work, "api-store-");
            try {
                long t0 = System.nanoTime();
                RegistryClient.builder()
                        .insecure(registry.host())
                        .build()
                        .pull(ImageReference.parse(ref), ContentStore.open(root));
                ms[i] = (System.nanoTime() - t0) / 1e6;
            } finally {
                FileTrees.deleteQuietly(root);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%s pull via the API (RegistryClient.pull in-process, empty store): %s%n",
                what,
                stats(ms));
    }

    /** The same through the API in this JVM: RegistryClient counters and the bytes of the blobs it downloaded. */
    private static void apiSecondPull(
            String what, LocalRegistry registry, String first, String second, BenchImage.Built img, Path work)
            throws Exception {
        Path root = Files.createTempDirectory(work, "api-store-");
        try {
            ContentStore store = ContentStore.open(root);
            RegistryClient.builder().insecure(registry.host()).build().pull(ImageReference.parse(first), store);
            AtomicInteger downloaded = new AtomicInteger(), cached = new AtomicInteger();
            AtomicLong bytes = new AtomicLong();
            PullListener l = new PullListener() {
                @Override
                public void cached(Descriptor blob) {
                    cached.incrementAndGet();
                }

                @Override
                public void done(Descriptor blob) {
                    downloaded.incrementAndGet();
                    bytes.addAndGet(blob.size());
                }
            };
            RegistryClient c = RegistryClient.builder()
                    .insecure(registry.host())
                    .listener(l)
                    .build();
            long t0 = System.nanoTime();
            c.pull(ImageReference.parse(second), store);
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "%s second pull via the API (RegistryClient in-process): %.0f ms; blobRequests()=%d, manifestRequests()=%d, "
                            + "%d blobs downloaded (%s), %d already in the store (%d layers in the image)%n",
                    what,
                    ms,
                    c.blobRequests(),
                    c.manifestRequests(),
                    downloaded.get(),
                    mib(bytes.get()),
                    cached.get(),
                    img.layers().size());
        } finally {
            FileTrees.deleteQuietly(root);
        }
    }

    // ------------------------------------------------------------------ 3

    private static void runToReady(String ref, BenchImage.Built img, int runs, Path work, List<Path> homes)
            throws Exception {
        if (System.getenv("JVMM_KERNEL_DIR") == null)
            System.out.println("(JVMM_KERNEL_DIR not set: ./jvmm finds or builds the project kernel)");
        Path home = newHome(work, homes);
        cli(work, home, "image", "pull", ref);
        Path erofs = convertInChild(home, ref, img).file;
        long mtime = Files.getLastModifiedTime(erofs).toMillis();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            List<String> cmd = new ArrayList<>(jvmm);
            cmd.addAll(List.of("run", "-d", ref, "--", "sleep", "1000"));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).directory(REPO.toFile()).redirectError(ProcessBuilder.Redirect.PIPE);
            pb.environment().put("JVMM_HOME", home.toString());
            long t0 = System.nanoTime();
            Process p = pb.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
            String id =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            double t = (System.nanoTime() - t0) / 1e6;
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String e = err.get(10, TimeUnit.SECONDS);
            if (!exited || p.exitValue() != 0 || id == null || id.isBlank()) {
                throw new IllegalStateException("./jvmm run -d " + ref + " failed: " + e);
            }
            if (rebuilt(e)) { // someone changed a module's sources: the launcher rebuilt the jars; not a sample
                System.out.println("(./jvmm rebuilt its jars during a run; repeated)");
                cli(work, home, "rm", "-f", id.strip());
                i--;
                continue;
            }
            ms[i] = t;
            if (i == 0) {
                Run check = cli(work, home, "exec", id.strip(), "--", "cat", "/etc/app3b/conf.d/1.conf");
                if (check.rc != 0 || check.out.isEmpty())
                    throw new IllegalStateException("exec in the image's VM failed: " + check.err);
                if (Files.exists(home.resolve(
                                "lib/images/rootfs/" + img.manifestDigest().substring(7) + ".erofs"))
                        && Files.getLastModifiedTime(erofs).toMillis() != mtime) {
                    throw new IllegalStateException("the root image was rebuilt: not a cached run");
                }
            }
            cli(work, home, "rm", "-f", id.strip());
        }
        System.out.printf(
                Locale.ROOT,
                "./jvmm run -d IMAGE -- sleep 1000 to agent ready (image and root image cached; 3-layer, 256 MiB, 1 vCPU): %s%n",
                stats(ms));
    }

    // ------------------------------------------------------------------ the CLI

    /**
     * The command {@code ./jvmm} execs (its JVM flags, {@code -Djvmm.home}, an AOT cache), on a copy of
     * {@code cli/target}'s jars taken under the launcher's build lock, with an AOT cache trained on the copy as the
     * launcher trains its own (booting the hello probe). Others edit this tree while benchmarks run: through
     * {@code ./jvmm} itself, an edit anywhere in {@code src/main} makes the next command rebuild the jars (or fail
     * to, mid-edit). {@code JVMM_BENCH_LAUNCHER=1} uses {@code ./jvmm} instead (a rebuild is then detected and the
     * sample repeated).
     */
    private static List<String> snapshotCli(Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("cli"));
        Path target = REPO.resolve("cli/target");
        String copy = "cp -p " + target + "/cli-*.jar " + target + "/lib/*.jar " + dir + "/";
        Process cp = new ProcessBuilder(
                        "flock", REPO.resolve(".jvmm-build/build.lock").toString(), "sh", "-c", copy)
                .redirectErrorStream(true)
                .start();
        String out = slurp(cp.getInputStream());
        if (cp.waitFor() != 0) throw new IllegalStateException(copy + ": " + out);
        List<String> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(Path::toString)
                    .filter(n -> n.endsWith(".jar"))
                    .sorted(Comparator.comparing((String n) ->
                                    !Path.of(n).getFileName().toString().startsWith("cli-"))
                            .thenComparing(Comparator.naturalOrder()))
                    .forEach(jars::add);
        }
        Path aot = dir.resolve("jvmm.aot");
        List<String> base = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xlog:disable",
                "-Xlog:all=warning:stderr",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1");
        List<String> tail = List.of("-Djvmm.home=" + REPO, "-cp", String.join(":", jars), "io.jvmm.cli.Jvmm");
        Path hello = REPO.resolve("probes/target/hello.elf");
        List<String> train = new ArrayList<>(base);
        train.add("-XX:AOTCacheOutput=" + aot);
        train.addAll(tail);
        train.addAll(
                Files.isRegularFile(hello) && Files.isWritable(Path.of("/dev/kvm"))
                        ? List.of("boot", "--kernel", hello.toString(), "--memory", "128")
                        : List.of("--version"));
        Process t = new ProcessBuilder(train)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .start();
        String tout = slurp(t.getInputStream());
        t.waitFor();
        List<String> cmd = new ArrayList<>(base);
        if (Files.isRegularFile(aot) && Files.size(aot) > 0) cmd.add("-XX:AOTCache=" + aot);
        else System.out.println("(no AOT cache for the CLI copy: " + tout.strip() + ")");
        cmd.addAll(tail);
        System.out.println("CLI: ./jvmm's JVM command on a copy of cli/target (" + jars.size() + " jars, newest "
                + newest(jars) + "), AOT cache trained on the copy: "
                + (cmd.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=")) ? "yes" : "no"));
        return List.copyOf(cmd);
    }

    private static FileTime newest(List<String> files) throws IOException {
        FileTime t = FileTime.fromMillis(0);
        for (String f : files) {
            FileTime m = Files.getLastModifiedTime(Path.of(f));
            if (m.compareTo(t) > 0) t = m;
        }
        return t;
    }

    // ------------------------------------------------------------------ helpers

    private record Run(int rc, String out, String err, double ms) {}

    private static boolean rebuilt(String err) {
        return err.contains("rebuilding jars") || err.contains("building jars (first run)");
    }

    /** {@code ./jvmm ARGS} with JVMM_HOME={@code home} (unset: none given), wall time; fails on a non-zero exit. Repeated if the launcher rebuilt the jars. */
    private static Run cli(Path work, Path home, String... args) throws Exception {
        for (int attempt = 0; ; attempt++) {
            List<String> cmd = new ArrayList<>(jvmm);
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(REPO.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (home != null) pb.environment().put("JVMM_HOME", home.toString());
            long t0 = System.nanoTime();
            Process p = pb.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
            String out = slurp(p.getInputStream());
            int rc = p.waitFor();
            double ms = (System.nanoTime() - t0) / 1e6;
            String e = err.get();
            if (rebuilt(e) && attempt < 2) {
                System.out.println("(./jvmm rebuilt its jars during a timed command; repeated)");
                continue;
            }
            if (rc != 0 && !(args.length > 0 && args[0].equals("rm"))) {
                throw new IllegalStateException("./jvmm " + String.join(" ", args) + " exited " + rc + ": " + e + out);
            }
            return new Run(rc, out, e, ms);
        }
    }

    private static String slurp(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static Path newHome(Path work, List<Path> homes) throws IOException {
        Path h = Files.createTempDirectory(Path.of("/tmp"), "jvmm-ib-");
        homes.add(h);
        return h;
    }

    private static void removeHome(Path home, List<Path> homes) throws IOException {
        homes.remove(home);
        FileTrees.deleteQuietly(home);
    }

    /** {@code du -sB1 [--apparent-size] PATH}. */
    private static long du(Path p, boolean apparent) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("du", "-sB1"));
        if (apparent) cmd.add("--apparent-size");
        cmd.add(p.toString());
        Process pr = new ProcessBuilder(cmd).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (pr.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed");
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static long medianL(long[] v) {
        return Math.round(median(Arrays.stream(v).asDoubleStream().toArray()));
    }

    private static String stats(double[] v) {
        return String.format(
                Locale.ROOT,
                "median %.0f ms (n=%d; runs: %s)",
                median(v),
                v.length,
                Arrays.stream(v)
                        .mapToObj(x -> String.format(Locale.ROOT, "%.0f", x))
                        .collect(Collectors.joining(" ")));
    }
}
