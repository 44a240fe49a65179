package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;
import dev.hoist.dockerfile.syntax.Node;
import dev.hoist.dockerfile.syntax.SyntaxParser;
import dev.hoist.dockerfile.syntax.SyntaxTree;
import dev.hoist.dockerfile.syntax.Warning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The entry point: a Dockerfile's bytes to a {@link Dockerfile} of typed instructions and stages, with the
 * same results and messages as BuildKit's frontend. Stateless and thread-safe.
 */
public final class DockerfileParser {

    private DockerfileParser() {
    }

    /** Reads and parses a Dockerfile from disk; errors name the file as given. */
    public static Dockerfile parse(Path file) throws IOException, DockerfileException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /** Reads a Dockerfile to its end (e.g. standard input for {@code -f -}) and parses it. */
    public static Dockerfile parse(String name, InputStream in) throws IOException, DockerfileException {
        return parse(name, in.readAllBytes());
    }

    /**
     * Parses a Dockerfile into stages of typed instructions. {@code name} is used in messages and source
     * ranges (e.g. {@code Dockerfile}).
     *
     * @throws DockerfileException with file, line and column for anything Docker would reject before building
     */
    public static Dockerfile parse(String name, byte[] content) throws DockerfileException {
        return fromSyntax(SyntaxParser.parse(name, content));
    }

    /** Only the line-level syntax tree, without checking what the instructions mean. */
    public static SyntaxTree parseSyntax(String name, byte[] content) throws DockerfileException {
        return SyntaxParser.parse(name, content);
    }

    /** Types the instructions of an already parsed tree and groups them into stages. */
    public static Dockerfile fromSyntax(SyntaxTree tree) throws DockerfileException {
        List<Instruction.Arg> globalArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        List<List<Instruction>> bodies = new ArrayList<>();
        List<Warning> warnings = new ArrayList<>(tree.warnings());
        Set<String> names = new HashSet<>();
        for (Node node : tree.nodes()) {
            Instruction in = InstructionParser.parse(node, tree.name());
            if (stages.isEmpty() && in instanceof Instruction.Arg arg) {
                globalArgs.add(arg);
                continue;
            }
            if (in instanceof Instruction.From from) {
                if (!from.stageName().isEmpty() && !names.add(from.stageName())) {
                    warnings.add(new Warning("Duplicate stage name " + GoStrings.quote(from.stageName())
                            + ", stage names should be unique", from.range().startLine()));
                }
                stages.add(new Stage(stages.size(), from.stageName(), from, List.of()));
                bodies.add(new ArrayList<>());
                continue;
            }
            if (stages.isEmpty()) {
                throw new DockerfileException("no build stage in current context").at(in.range());
            }
            bodies.get(bodies.size() - 1).add(in);
        }
        if (stages.isEmpty()) {
            throw new DockerfileException(tree.name(), 0, 0, "dockerfile contains no stages to build");
        }
        List<Stage> full = new ArrayList<>(stages.size());
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            full.add(new Stage(s.index(), s.name(), s.from(), bodies.get(i)));
        }
        return new Dockerfile(tree.name(), tree, globalArgs, full, warnings);
    }

}
