package io.jvmm.runtime.state;

import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The container records of pods, beside their VM records ({@code data/vms/POD_ID/containers/NAME.json}),
 * under the {@link VmStore}'s lock. Container names share one namespace with VM names, so that a name on
 * the command line means one thing.
 */
public final class ContainerStore {
    private static final String SUFFIX = ".json";

    private final VmStore vms;
    private final StateDirs dirs;

    public ContainerStore(VmStore vms) {
        this.vms = vms;
        this.dirs = vms.dirs();
    }

    /**
     * Stores a new container of the pod {@code podId}: a random id, a random name when the draft has none;
     * refuses a name that is invalid or used by a VM or another container.
     */
    public ContainerRecord create(String podId, ContainerRecord draft) {
        Objects.requireNonNull(draft, "draft");
        return vms.withLock(() -> {
            vms.get(podId); // the pod exists
            List<VmRecord> all = vms.list();
            String name = draft.name();
            if (name.isEmpty()) {
                name = VmStore.uniqueRandomName(vms.usedNames(all));
            } else {
                checkName(name);
                for (VmRecord r : all) {
                    if (r.name().equals(name))
                        throw EngineException.usage(
                                "the name \"" + name + "\" is already used by VM " + r.shortId() + "; choose another");
                }
                checkNotAContainer(vms, all, name);
            }
            ContainerRecord r = draft.withIdentity(VmStore.randomId(), name, podId, Instant.now());
            write(r);
            return r;
        });
    }

    /** Replaces the record with {@code change.apply(current)}, under the lock; returns what was stored. */
    public ContainerRecord update(String podId, String name, UnaryOperator<ContainerRecord> change) {
        return vms.withLock(() -> {
            ContainerRecord cur =
                    find(podId, name).orElseThrow(() -> EngineException.runtime("no such container: " + name));
            ContainerRecord next = Objects.requireNonNull(change.apply(cur), "update returned null");
            if (!next.id().equals(cur.id()) || !next.name().equals(cur.name()))
                throw new IllegalArgumentException("update must not change the id or name of container " + name);
            if (!next.equals(cur)) write(next);
            return next;
        });
    }

    public Optional<ContainerRecord> find(String podId, String name) {
        Path f = file(podId, name);
        try {
            return Optional.of(StateJson.mapper().readValue(Files.readAllBytes(f), ContainerRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot read " + f + ": " + StateDirs.describe(e), e);
        }
    }

    /** The containers of the pod {@code podId}, oldest first. */
    public List<ContainerRecord> list(String podId) {
        Path d = dirs.podContainersDir(podId);
        if (!Files.isDirectory(d)) return List.of();
        List<ContainerRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*" + SUFFIX)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                find(podId, n.substring(0, n.length() - SUFFIX.length())).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot list " + d + ": " + StateDirs.describe(e), e);
        }
        out.sort(Comparator.comparing(ContainerRecord::created).thenComparing(ContainerRecord::name));
        return out;
    }

    /** Removes the record (not what the container left in the pod's share). */
    public void remove(String podId, String name) {
        vms.withLock(() -> {
            try {
                Files.deleteIfExists(file(podId, name));
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot remove container " + name + ": " + StateDirs.describe(e), e);
            }
            return null;
        });
    }

    /**
     * The container {@code ref} names among every pod's containers: an exact name, else an exact id, else
     * the only id starting with {@code ref}; empty when none does.
     */
    public Optional<ContainerRecord> resolve(String ref) {
        if (ref == null || ref.isEmpty()) return Optional.empty();
        List<ContainerRecord> all = new ArrayList<>();
        for (VmRecord p : vms.list()) if (p.pod()) all.addAll(list(p.id()));
        for (ContainerRecord c : all) if (c.name().equals(ref)) return Optional.of(c);
        for (ContainerRecord c : all) if (c.id().equals(ref)) return Optional.of(c);
        List<ContainerRecord> matches =
                all.stream().filter(c -> c.id().startsWith(ref)).toList();
        if (matches.size() == 1) return Optional.of(matches.getFirst());
        if (matches.size() > 1)
            throw EngineException.runtime("ambiguous container id prefix \"" + ref + "\": matches "
                    + matches.stream().map(ContainerRecord::shortId).sorted().collect(Collectors.joining(", ")));
        return Optional.empty();
    }

    /** A container name: a VM name ({@link VmStore#checkVmName}) of at most {@value ContainerRecord#MAX_NAME} characters. */
    public static String checkName(String name) {
        VmStore.checkVmName(name);
        if (name.length() > ContainerRecord.MAX_NAME)
            throw EngineException.usage("container name \"" + name + "\" is longer than " + ContainerRecord.MAX_NAME
                    + " characters (it names the container in the guest)");
        return name;
    }

    /** Refuses {@code name} when a container of one of the pods among {@code all} has it. */
    static void checkNotAContainer(VmStore vms, List<VmRecord> all, String name) {
        if (name.length() > ContainerRecord.MAX_NAME) return; // no container can have it
        ContainerStore store = new ContainerStore(vms);
        for (VmRecord p : all) {
            if (!p.pod()) continue;
            if (store.find(p.id(), name).isPresent())
                throw EngineException.usage("the name \"" + name + "\" is already used by a container of pod "
                        + p.name() + "; choose another");
        }
    }

    private void write(ContainerRecord r) {
        Path d = dirs.podContainersDir(r.podId());
        byte[] json;
        try {
            Files.createDirectories(d);
            json = StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(r);
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot write " + d + ": " + StateDirs.describe(e), e);
        }
        VmStore.writeAtomically(file(r.podId(), r.name()), json);
    }

    private Path file(String podId, String name) {
        checkName(name);
        return dirs.podContainersDir(podId).resolve(name + SUFFIX);
    }
}
