package io.jvmm.runtime;

import java.nio.file.Path;

/** Path spelling shared by hac.toml values and command-line flags. */
public final class UserPaths {
    private UserPaths() {}

    /** Expands a leading {@code ~} or {@code ~/} to the home directory, then resolves against {@code base}. */
    public static Path resolve(Path base, String spelled) {
        String home = System.getProperty("user.home");
        String s = spelled;
        if (s.equals("~")) s = home;
        else if (s.startsWith("~/")) s = home + s.substring(1);
        Path p = Path.of(s);
        return (p.isAbsolute() ? p : base.resolve(p)).normalize();
    }

    /** {@code value} with a leading {@code ~} expanded; a usage error naming {@code flag} when it is blank. */
    public static String nonEmpty(String flag, String value) {
        if (value.isBlank()) throw EngineException.usage(flag + ": is empty");
        return value.startsWith("~") ? resolve(Path.of(""), value).toString() : value;
    }
}
