package dev.hoist.dockerfile.syntax;

import dev.hoist.dockerfile.GoldenFiles;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * BuildKit's parser test corpus (moby/buildkit frontend/dockerfile/parser/testfiles, with ENV and LABEL in
 * today's triple form) plus hoist's own edge cases: each Dockerfile must dump to its {@code result} exactly.
 */
class SyntaxGoldenTest {

    @TestFactory
    Stream<DynamicTest> everyDockerfileDumpsToItsResult() {
        return GoldenFiles.cases("golden").stream().map(dir -> DynamicTest.dynamicTest(
                dir.getFileName().toString(), () -> {
                    SyntaxTree tree = SyntaxParser.parse("Dockerfile", GoldenFiles.bytes(dir.resolve("Dockerfile")));
                    assertEquals(GoldenFiles.read(dir.resolve("result")), tree.dump());
                }));
    }
}
