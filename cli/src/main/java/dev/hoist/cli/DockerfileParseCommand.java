package dev.hoist.cli;

import dev.hoist.dockerfile.Dockerfile;
import dev.hoist.dockerfile.DockerfileParser;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code hoist dockerfile parse}: prints a Dockerfile's tree in BuildKit's s-expression notation, or its typed
 * instructions as JSON.
 */
final class DockerfileParseCommand implements Command {
    @Override
    public String name() {
        return "parse";
    }

    @Override
    public String usage() {
        return "[-]";
    }

    @Override
    public String summary() {
        return "Parse a Dockerfile and print its tree, one instruction per line (as BuildKit's parser dumps it)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("-f, --file", "FILE", "The Dockerfile to read, or - for standard input (default ./Dockerfile)"),
                OptionSpec.flag("--json", "Print the typed instructions and stages with their source ranges, as JSON"));
    }

    @Override
    public int[] arity() {
        return new int[] {0, 1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String file = args.value("file");
        if (!args.positionals().isEmpty()) {
            if (!args.positionals().get(0).equals("-") || file != null) {
                throw new UsageException("give the Dockerfile with -f FILE, or - alone for standard input");
            }
            file = "-";
        }
        if (file == null) {
            file = "Dockerfile";
        }
        Dockerfile dockerfile;
        if (file.equals("-")) {
            dockerfile = DockerfileParser.parse("Dockerfile", ctx.in);
        } else {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                throw new NoSuchFileException(file, null, "no such Dockerfile; give another with -f");
            }
            dockerfile = DockerfileParser.parse(path);
        }
        ctx.out.print(args.flag("json") ? dockerfile.toJson() + "\n" : dockerfile.dump());
        return Main.OK;
    }
}
