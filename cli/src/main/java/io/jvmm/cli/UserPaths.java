package io.jvmm.cli;

import java.nio.file.Path;

/** Path spelling shared by hac.toml values and command-line flags. */
final class UserPaths {
    private UserPaths() {}

    /** Expands a leading {@code ~} or {@code ~/} to the home directory, then resolves against {@code base}. */
    static Path resolve(Path base, String spelled) {
        String home = System.getProperty("user.home");
        String s = spelled;
        if (s.equals("~")) s = home;
        else if (s.startsWith("~/")) s = home + s.substring(1);
        Path p = Path.of(s);
        return (p.isAbsolute() ? p : base.resolve(p)).normalize();
    }
}
