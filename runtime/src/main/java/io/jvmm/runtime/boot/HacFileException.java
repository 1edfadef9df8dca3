package io.jvmm.runtime.boot;

import io.jvmm.runtime.EngineException;
import java.nio.file.Path;

/**
 * A hac.toml that cannot be used. The message is one line for the user, {@code FILE: KEY: problem}
 * (or {@code FILE: problem} when no single key is at fault); {@link #key()} is the dotted hac.toml key.
 * A usage error: the file must change.
 */
public final class HacFileException extends EngineException {
    private final transient Path file;
    private final String key;

    public HacFileException(Path file, String key, String problem) {
        super(USAGE, file + ": " + (key == null ? "" : key + ": ") + problem);
        this.file = file;
        this.key = key;
    }

    /** The file as the user named it. */
    public Path file() {
        return file;
    }

    /** The dotted key at fault ({@code hardware.memory}, or a section name), or null for file-level problems. */
    public String key() {
        return key;
    }
}
