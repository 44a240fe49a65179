package dev.hoist.dockerfile;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every Dockerfile of the syntax corpus also goes through the instruction layer: it either types cleanly or,
 * for the cases that only exercise the line parser, fails with the message BuildKit gives.
 */
class GoldenTypedTest {

    private static final Map<String, String> REJECTED = Map.of(
            "flags", "Dockerfile:3:1: unknown flag: --user; COPY accepts --chmod, --chown, --exclude, --from, "
                    + "--link, --parents",
            "health", "Dockerfile:4:1: HEALTHCHECK requires at least one argument",
            "hoist-onbuild", "Dockerfile:5:1: ONBUILD requires at least one argument",
            "hoist-unknown-and-empty", "Dockerfile:2:1: unknown instruction: FOO (did you mean FROM?)",
            "json", "Dockerfile:1:1: no build stage in current context",
            "jeztah-invalid-json-json-inside-string", "Dockerfile:1:1: no build stage in current context",
            "jeztah-invalid-json-json-inside-string-double", "Dockerfile:1:1: no build stage in current context",
            "jeztah-invalid-json-single-quotes", "Dockerfile:1:1: no build stage in current context",
            "jeztah-invalid-json-unterminated-bracket", "Dockerfile:1:1: no build stage in current context",
            "jeztah-invalid-json-unterminated-string", "Dockerfile:1:1: no build stage in current context");

    @TestFactory
    Stream<DynamicTest> everyGoldenDockerfileTypesOrFailsAsBuildKitDoes() {
        return GoldenFiles.cases("golden").stream().map(dir -> DynamicTest.dynamicTest(
                dir.getFileName().toString(), () -> {
                    byte[] content = GoldenFiles.bytes(dir.resolve("Dockerfile"));
                    String expected = REJECTED.get(dir.getFileName().toString());
                    if (expected == null) {
                        Dockerfile df = DockerfileParser.parse("Dockerfile", content);
                        assertFalse(df.stages().isEmpty());
                        assertEquals(GoldenFiles.read(dir.resolve("result")), df.dump());
                    } else {
                        DockerfileException e = assertThrows(DockerfileException.class,
                                () -> DockerfileParser.parse("Dockerfile", content));
                        assertEquals(expected, e.getMessage());
                    }
                }));
    }
}
