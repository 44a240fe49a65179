package dev.hoist.cli;

import java.util.List;

/** The command tree of {@code hoist}. */
final class Commands {
    private Commands() {
    }

    static final CommandGroup TOP = new CommandGroup("hoist",
            "Build, store, serve, copy and run OCI and Docker images, without a daemon.",
            List.of(),
            List.of());
}
