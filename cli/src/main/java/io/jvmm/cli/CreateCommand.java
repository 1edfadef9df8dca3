package io.jvmm.cli;

import java.io.InputStream;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/** {@code jvmm create}: {@code jvmm run}'s options, but the VM is only stored, created; {@code jvmm start} boots it. */
@Command(
        name = "create",
        sortOptions = false,
        description = "Create a microVM without starting it (run's options), like docker create; prints its id.")
final class CreateCommand extends RunCommand {
    CreateCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    boolean createOnly() {
        return true;
    }
}
