package dev.hoist.dockerfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Finds the golden-file cases under a test-resources directory: one sub-directory per case. */
public final class GoldenFiles {

    private GoldenFiles() {
    }

    public static List<Path> cases(String resourceDir) {
        try {
            Path root = Path.of(GoldenFiles.class.getResource("/" + resourceDir).toURI());
            try (Stream<Path> dirs = Files.list(root)) {
                return dirs.filter(Files::isDirectory).sorted().collect(Collectors.toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
