package io.jvmm.cli;

import io.jvmm.image.ContentStore;
import io.jvmm.image.Credentials;
import io.jvmm.image.DiskUsage;
import io.jvmm.image.ImageException;
import io.jvmm.image.ImageImporter;
import io.jvmm.image.ImageInspection;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.ImageReference;
import io.jvmm.runtime.UserPaths;
import io.jvmm.runtime.image.ImageRootfs;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm image pull|ls|inspect|rm|prune|import}: OCI images in the local store ({@code data/images}), run
 * with {@code jvmm run IMAGE}. Register with {@link #commandLine}; {@link #pullAlias} is {@code jvmm pull}.
 */
@Command(
        name = "image",
        usageHelpAutoWidth = true,
        description = {"Manage OCI images: pulled from registries or imported, run with 'jvmm run IMAGE'."})
final class ImageCommand extends CliCommand {
    @Spec
    CommandSpec spec;

    private ImageCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** {@code jvmm image} with its subcommands, ready for {@code addSubcommand}. */
    static CommandLine commandLine(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new ImageCommand(out, in, err))
                .addSubcommand(new CommandLine(new Pull(out, in, err)))
                .addSubcommand(new CommandLine(new Ls(out, in, err)))
                .addSubcommand(new CommandLine(new Inspect(out, in, err)))
                .addSubcommand(new CommandLine(new Rm(out, in, err)))
                .addSubcommand(new CommandLine(new Prune(out, in, err)))
                .addSubcommand(new CommandLine(new Import(out, in, err)));
    }

    /** {@code jvmm pull}, the same as {@code jvmm image pull}. */
    static CommandLine pullAlias(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new Pull(out, in, err));
    }

    /** {@code jvmm image} alone: its usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return CliException.USAGE;
    }

    static StateDirs dirs() {
        return StateDirs.fromEnvironment();
    }

    @Command(
            name = "pull",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Pull an image from a registry into the local store.",
                "Short names are Docker Hub's: busybox = docker.io/library/busybox:latest. Loopback registries",
                "(localhost, 127.x, [::1]) are spoken to over plain HTTP, others over HTTPS unless --insecure.",
                "Credentials: --username with --password-stdin, else ~/.docker/config.json (auths)."
            })
    static final class Pull extends CliCommand {
        @Option(names = "--insecure", description = "Plain HTTP to this registry (no TLS).")
        boolean insecure;

        @Option(names = "--username", paramLabel = "USER", description = "Registry user name (with --password-stdin).")
        String username;

        @Option(names = "--password-stdin", description = "Read the password (or token) from stdin.")
        boolean passwordStdin;

        @Option(
                names = {"-q", "--quiet"},
                description = "Print only the image's name.")
        boolean quiet;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or NAME@sha256:DIGEST")
        String image;

        Pull(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws IOException {
            if (passwordStdin && username == null) throw CliException.usage("--password-stdin needs --username");
            if (username != null && !passwordStdin)
                throw CliException.usage("--username needs --password-stdin (passwords are not taken as arguments)");
            Credentials creds = null;
            if (username != null) {
                String pw = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
                if (pw.isEmpty()) throw CliException.usage("--password-stdin: nothing on stdin");
                creds = new Credentials(username, pw);
            }
            ImageReference ref = ImageReference.parse(image);
            ContentStore store = Images.store(dirs());
            Images.pull(store, ref, insecure, creds, out, PullProgress.modeFor(quiet, Jvmm.stdoutIsTerminal()));
            return 0;
        }
    }

    @Command(
            name = "ls",
            aliases = {"list", "images"},
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = "List images.")
    static final class Ls extends CliCommand {
        @Option(
                names = {"-q", "--quiet"},
                description = "Print only image ids.")
        boolean quiet;

        @Option(
                names = "--format",
                paramLabel = "table|json",
                description = "table (default) or json: one object per line.")
        String format = "table";

        @Option(names = "--no-trunc", description = "Full ids.")
        boolean noTrunc;

        Ls(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws IOException {
            if (!format.equals("table") && !format.equals("json"))
                throw CliException.usage("--format: expected table or json, got \"" + format + "\"");
            ContentStore store = Images.store(dirs());
            List<ImageRecord> all = store.list();
            Map<String, Long> sizes = new LinkedHashMap<>();
            for (DiskUsage.ImageUsage u : DiskUsage.of(store).images()) sizes.put(u.name(), u.size());
            Instant now = Instant.now();
            if (quiet) {
                Set<String> seen = new HashSet<>();
                for (ImageRecord r : all) {
                    String id = noTrunc ? r.id().toString() : r.id().shortHex();
                    if (seen.add(id)) out.println(id);
                }
            } else if (format.equals("json")) {
                for (ImageRecord r : all) {
                    String[] rt = Images.repositoryAndTag(r);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("Repository", rt[0]);
                    m.put("Tag", rt[1]);
                    m.put("ID", noTrunc ? r.id().toString() : r.id().shortHex());
                    m.put("Digest", r.manifestDigest().toString());
                    m.put("CreatedAt", r.created());
                    m.put("CreatedSince", since(r.created(), now));
                    m.put("Size", Images.humanSize(sizes.getOrDefault(r.name(), r.size())));
                    m.put("Name", r.name());
                    out.println(StateJson.mapper().writeValueAsString(m));
                }
            } else {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
                for (ImageRecord r : all) {
                    String[] rt = Images.repositoryAndTag(r);
                    rows.add(new String[] {
                        rt[0],
                        rt[1],
                        noTrunc ? r.id().toString() : r.id().shortHex(),
                        since(r.created(), now),
                        Images.humanSize(sizes.getOrDefault(r.name(), r.size()))
                    });
                }
                table(out, rows);
            }
            out.flush();
            return 0;
        }

        private static String since(String created, Instant now) {
            if (created == null) return "N/A";
            try {
                return PsCommand.ago(Instant.parse(created), now);
            } catch (DateTimeParseException e) {
                return created;
            }
        }
    }

    static void table(PrintStream out, List<String[]> rows) {
        int cols = rows.getFirst().length;
        int[] width = new int[cols];
        for (String[] row : rows) for (int i = 0; i < cols; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                line.append(row[i]);
                if (i < cols - 1) line.append(" ".repeat(width[i] - row[i].length() + 3));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    @Command(
            name = "inspect",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = "Show images as JSON (an array, one object per image): config, layers, digests.")
    static final class Inspect extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Name, id or unique id prefix.")
        List<String> images;

        Inspect(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            ContentStore store = Images.store(dirs());
            List<String> docs = new ArrayList<>();
            int status = 0;
            for (String ref : images) {
                try {
                    docs.add(ImageInspection.json(store, ref).strip().indent(2).stripTrailing());
                } catch (ImageException e) {
                    err.println("jvmm: " + e.getMessage());
                    status = CliException.RUNTIME;
                }
            }
            out.println(docs.isEmpty() ? "[]" : "[\n" + String.join(",\n", docs) + "\n]");
            out.flush();
            return status;
        }
    }

    @Command(
            name = "rm",
            aliases = "remove",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Remove images from the store (and their cached root images).",
                "An image a VM record was started from is kept unless -f (remove the VM with 'jvmm rm' first).",
                "Blobs no image uses any more are deleted by 'jvmm image prune'."
            })
    static final class Rm extends CliCommand {
        @Option(
                names = {"-f", "--force"},
                description = "Remove even if VMs were started from it.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Name, id or unique id prefix.")
        List<String> images;

        Rm(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            StateDirs dirs = dirs();
            ContentStore store = Images.store(dirs);
            VmStore vms = new VmStore(dirs);
            int status = 0;
            for (String ref : images) {
                try {
                    ImageRecord img = store.get(ref);
                    List<ImageRecord> sameId = store.list().stream()
                            .filter(o -> o.id().equals(img.id()) && !o.name().equals(img.name()))
                            .toList();
                    List<VmRecord> users = Images.users(vms, img);
                    if (!force && !users.isEmpty() && sameId.isEmpty()) {
                        VmRecord u = users.getFirst();
                        err.println("jvmm: image " + Images.familiar(img.name()) + " is in use by VM " + u.name() + " ("
                                + u.shortId() + ")"
                                + (users.size() > 1 ? " and " + (users.size() - 1) + " more" : "")
                                + "; remove the VM first or use 'jvmm image rm -f'");
                        status = CliException.RUNTIME;
                        continue;
                    }
                    store.remove(img.name());
                    out.println("Untagged: " + Images.familiar(img.name()));
                    List<ImageRecord> left = store.list();
                    if (left.stream().noneMatch(o -> o.id().equals(img.id()))) out.println("Deleted: " + img.id());
                    if (left.stream().noneMatch(o -> o.manifestDigest().equals(img.manifestDigest()))) {
                        ImageRootfs.remove(dirs, img.manifestDigest().hex());
                    }
                } catch (ImageException e) {
                    err.println("jvmm: " + e.getMessage());
                    status = Math.max(status, CliException.RUNTIME);
                }
            }
            out.flush();
            return status;
        }
    }

    @Command(
            name = "prune",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Delete blobs no image uses, partial downloads of pulls that died, and cached root images",
                "of removed images. With -a, first remove every image no VM record was started from.",
                "Asks for confirmation (reads y from stdin) unless -f."
            })
    static final class Prune extends CliCommand {
        @Option(
                names = {"-a", "--all"},
                description = "Also remove images no VM uses.")
        boolean all;

        @Option(
                names = {"-f", "--force"},
                description = "Do not prompt for confirmation.")
        boolean force;

        Prune(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws IOException {
            String warning = "This will remove "
                    + (all
                            ? "all images without at least one VM associated to them"
                            : "unused image data (blobs no image uses, partial downloads)")
                    + ".";
            if (!force && !Confirmation.ask(out, in, err, warning, "image prune")) return CliException.RUNTIME;
            StateDirs dirs = dirs();
            ContentStore store = Images.store(dirs);
            if (all) {
                Set<String> used = new VmStore(dirs)
                        .list().stream()
                                .map(VmRecord::imageId)
                                .filter(Objects::nonNull)
                                .collect(Collectors.toSet());
                for (ImageRecord r : store.list()) {
                    if (used.contains(r.id().toString())) continue;
                    store.remove(r.name());
                    out.println("Untagged: " + Images.familiar(r.name()));
                }
            }
            ContentStore.PruneResult p = store.prune();
            Set<String> live =
                    store.list().stream().map(r -> r.manifestDigest().hex()).collect(Collectors.toSet());
            ImageRootfs.Pruned rp = ImageRootfs.prune(dirs, live);
            out.println("Deleted blobs: " + p.blobsRemoved() + ", partial downloads: " + p.partialsRemoved()
                    + ", root images: " + rp.files());
            out.println("Total reclaimed space: " + Images.humanSize(p.bytesFreed() + rp.bytes()));
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "import",
            aliases = "load",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Import a 'docker save' archive, an OCI image layout directory or an OCI layout tarball",
                "(tar, tar.gz or tar.zst). NAME names the image when the archive does not (or overrides it)."
            })
    static final class Import extends CliCommand {
        @Parameters(index = "0", paramLabel = "FILE", description = "Archive or OCI layout directory.")
        String file;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "NAME[:TAG] for the image.")
        String name;

        Import(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            Path p = UserPaths.resolve(Path.of("").toAbsolutePath(), file);
            if (!Files.exists(p)) throw CliException.usage("import: " + file + ": no such file or directory");
            ContentStore store = Images.store(dirs());
            for (ImageRecord r : new ImageImporter(store).importPath(p, name)) {
                out.println("Loaded image: " + Images.familiar(r.name()));
            }
            out.flush();
            return 0;
        }
    }
}
