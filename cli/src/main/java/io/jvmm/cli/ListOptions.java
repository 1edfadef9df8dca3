package io.jvmm.cli;

import picocli.CommandLine.Option;

/** How {@code ps} and {@code pod ls} print: ids only, a table or JSON lines, ids truncated or not. A picocli mixin. */
final class ListOptions {
    @Option(
            names = {"-q", "--quiet"},
            description = "Print only ids.")
    boolean quiet;

    @Option(
            names = "--format",
            paramLabel = "table|json",
            description = "table (default) or json: one JSON object per line.")
    String format = "table";

    @Option(names = "--no-trunc", description = "Do not truncate ids (and commands).")
    boolean noTrunc;

    /** Whether the format is json; a usage error names any format but table and json. */
    boolean json() {
        if (!format.equals("table") && !format.equals("json"))
            throw CliException.usage("--format: expected table or json, got \"" + format + "\"");
        return format.equals("json");
    }
}
