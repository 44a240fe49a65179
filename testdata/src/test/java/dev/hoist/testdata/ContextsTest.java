package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextsTest {

    private static final List<String> BUSYBOX_APP =
            List.of(".dockerignore", "Dockerfile", "config/app.conf", "greet.sh", "notes.tmp");

    @Test
    void listsTheContexts() throws IOException {
        List<String> names = Contexts.names();
        assertTrue(names.containsAll(List.of("busybox-app", "hello")), names.toString());
        assertEquals(names.stream().sorted().toList(), names);
        assertEquals(BUSYBOX_APP, Contexts.files("busybox-app"));
        assertEquals(List.of("Dockerfile"), Contexts.files("hello"));
    }

    @Test
    void copiesAContextFromTheClasspath(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("app");
        assertEquals(target, Contexts.copyTo("busybox-app", target));
        assertEquals(BUSYBOX_APP, listFiles(target));
        for (String file : BUSYBOX_APP) {
            assertEquals(Contexts.read("busybox-app", file), Files.readString(target.resolve(file)), file);
            assertEquals(0644, (int) Files.getAttribute(target.resolve(file), "unix:mode") & 07777, file);
        }
        assertEquals(0755, (int) Files.getAttribute(target.resolve("config"), "unix:mode") & 07777);
        String dockerfile = Files.readString(target.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("FROM busybox:local"), dockerfile);
        for (String instruction : List.of("ARG ", "ENV ", "RUN ", "COPY ", "WORKDIR ", "CMD ")) {
            assertTrue(dockerfile.contains("\n" + instruction), instruction);
        }
    }

    @Test
    void copyingTwiceReplacesFiles(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("Dockerfile"), "stale");
        Contexts.copyTo("hello", dir);
        Contexts.copyTo("hello", dir);
        assertEquals(Contexts.read("hello", "Dockerfile"), Files.readString(dir.resolve("Dockerfile")));
    }

    @Test
    void unknownAndInvalidNamesAreRejected(@TempDir Path dir) {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Contexts.copyTo("no-such-context", dir));
        assertTrue(unknown.getMessage().contains("busybox-app"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Contexts.copyTo("../contexts", dir));
        assertThrows(IllegalArgumentException.class, () -> Contexts.read("hello", "missing"));
    }

    /** Packs the compiled classes and resources into a jar without directory entries and copies a context from it. */
    @Test
    void copiesAContextFromAJar(@TempDir Path dir) throws Exception {
        Path classes = Path.of(Contexts.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("testdata.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                zip.putNextEntry(new JarEntry(classes.relativize(file).toString()));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        Path target = dir.resolve("from-jar");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> contexts = loader.loadClass(Contexts.class.getName());
            assertTrue(contexts.getProtectionDomain().getCodeSource().getLocation().toString().endsWith(".jar"));
            Method copyTo = contexts.getMethod("copyTo", String.class, Path.class);
            try {
                copyTo.invoke(null, "busybox-app", target);
            } catch (InvocationTargetException e) {
                throw new AssertionError("copy from the jar failed", e.getCause());
            }
            assertEquals(Contexts.names(), contexts.getMethod("names").invoke(null));
        }
        assertEquals(BUSYBOX_APP, listFiles(target));
        assertEquals(Contexts.read("busybox-app", "greet.sh"), Files.readString(target.resolve("greet.sh")));
    }

    private static List<String> listFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
