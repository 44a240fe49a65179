package dev.hoist.cli;

import java.util.List;

/** The command tree of {@code hoist}. */
final class Commands {
    private Commands() {
    }

    static final CommandGroup TOP = new CommandGroup("hoist",
            "Build, store, serve, copy and run OCI and Docker images, without a daemon.",
            commands(),
            groups());

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
