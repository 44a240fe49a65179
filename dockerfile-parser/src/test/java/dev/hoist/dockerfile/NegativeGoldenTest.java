package dev.hoist.dockerfile;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Inputs that must fail, each with the exact message (file:line:column: reason) Docker's parser gives. */
class NegativeGoldenTest {

    @TestFactory
    Stream<DynamicTest> everyNegativeCaseFailsWithItsMessage() {
        return GoldenFiles.cases("golden-negative").stream().map(dir -> DynamicTest.dynamicTest(
                dir.getFileName().toString(), () -> {
                    byte[] content = GoldenFiles.bytes(dir.resolve("Dockerfile"));
                    String expected = GoldenFiles.read(dir.resolve("error")).strip();
                    DockerfileException e = assertThrows(DockerfileException.class,
                            () -> DockerfileParser.parse("Dockerfile", content));
                    assertEquals(expected, e.getMessage());
                    assertEquals("Dockerfile", e.file());
                }));
    }

}
