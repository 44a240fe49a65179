package dev.hoist.cli;

import java.util.List;

/** The command tree of {@code hoist}. */
final class Commands {
    private Commands() {
    }

    /** The whole tree, made on first use: making it loads every command's classes (~4 ms of a start). */
    static CommandGroup top() {
        return Top.TREE;
    }

    private static final class Top {
        static final CommandGroup TREE = new CommandGroup("hoist",
                "Build, store, serve, copy and run OCI and Docker images, without a daemon.",
                commands(),
                groups());
    }

    /**
     * The top-level command called {@code word}, made alone, without the rest of the tree; null for a group or an
     * unknown word (see {@link #top()}). Each case makes the class that {@link #commands()} lists under that name.
     */
    static Command direct(String word) {
        return switch (word) {
            case "build" -> new BuildCommand();
            case "history" -> new HistoryCommand();
            case "images" -> new ImagesCommand();
            case "import" -> new ImportCommand();
            case "inspect" -> new InspectCommand();
            case "load" -> new LoadCommand();
            case "prune" -> new PruneCommand();
            case "rmi" -> new RmiCommand();
            case "run" -> new RunCommand();
            case "save" -> new SaveCommand();
            case "tag" -> new TagCommand();
            case "copy" -> new RegistryClientCommands.Copy();
            case "login" -> new RegistryClientCommands.Login();
            case "logout" -> new RegistryClientCommands.Logout();
            case "pull" -> new RegistryClientCommands.Pull();
            case "push" -> new RegistryClientCommands.Push();
            case "tags" -> new RegistryClientCommands.Tags();
            case "ps" -> new ContainerCommands.Ps();
            case "logs" -> new ContainerCommands.Logs();
            case "stop" -> new ContainerCommands.Stop();
            case "kill" -> new ContainerCommands.Kill();
            case "rm" -> new ContainerCommands.Rm();
            case "exec" -> new ContainerCommands.Exec();
            default -> null;
        };
    }

    private static List<Command> commands() {
        List<Command> all = new java.util.ArrayList<>(List.of(
                    new BuildCommand(),
                    new HistoryCommand(),
                    new ImagesCommand(),
                    new ImportCommand(),
                    new InspectCommand(),
                    new LoadCommand(),
                    new PruneCommand(),
                    new RmiCommand(),
                    new RunCommand(),
                    new SaveCommand(),
                    new TagCommand()));
        all.addAll(RegistryClientCommands.commands());
        all.addAll(ContainerCommands.commands());
        all.sort(java.util.Comparator.comparing(Command::name));
        return all;
    }

    private static List<CommandGroup> groups() {
        return List.of(new CommandGroup("dockerfile", "Work with Dockerfiles without building them",
                    List.of(new DockerfileParseCommand()), List.of()),
                    new CommandGroup("oci", "Read and write OCI image layout directories",
                            List.of(new OciExportCommand(), new OciImportCommand()), List.of()),
                    new CommandGroup("manifest", "Inspect manifests in registries",
                            List.of(new RegistryClientCommands.ManifestInspect()), List.of()),
                    RegistryCommands.group());
    }
}
