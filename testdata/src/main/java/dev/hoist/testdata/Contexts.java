package dev.hoist.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Named build contexts (a Dockerfile and the files it uses) shipped as resources under
 * {@code dev/hoist/testdata/contexts/<name>/}, copied out for tests from the classes directory or the jar alike.
 * Copied files get mode 0644 and directories 0755 (resources carry no modes); set other modes in the test.
 * Stateless and thread-safe.
 *
 * <p>Contexts: {@code hello} (the Dockerfile of the hello-world image; {@link HelloWorld#writeContext} adds the
 * generated binary), {@code busybox-app} ({@code FROM busybox:local} with ARG, ENV, WORKDIR, COPY and RUN), and the
 * conformance contexts that the builder's tests build with hoist and, side by side, with Docker's classic builder:
 * {@code instructions} (every instruction and its flags, {@code ${V:-x}} and {@code ${V:+x}}, COPY's directory and
 * slash rules, {@code --chown} by name and number, ADD of a local tar, ONBUILD triggers recorded),
 * {@code onbuild-child} (built {@code FROM} the image of {@code instructions}: the triggers run, the ENTRYPOINT
 * resets the inherited CMD), {@code multistage} (stages by name and index, {@code --from}, build with
 * {@code --target final}), {@code dockerignore} ({@code **} and {@code !} exceptions), {@code cache} (steps for cache
 * hits and misses), {@code failing} (a RUN exiting 7), {@code interrupted} (a RUN sleeping until the build is
 * interrupted) and {@code buildkit-syntax} (here-documents,
 * {@code RUN --mount}, {@code COPY --chmod}: hoist only, Docker's classic builder lacks them). Contexts on the
 * busybox base start with {@code ARG BASE=busybox:local} so that a test may build them on another tag.
 */
public final class Contexts {

    static final String ROOT = "dev/hoist/testdata/contexts";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    private Contexts() {
    }

    /** The names of all contexts on the classpath, sorted. */
    public static List<String> names() throws IOException {
        return withRoot(root -> {
            try (Stream<Path> children = Files.list(root)) {
                return children.filter(Files::isDirectory)
                        .map(p -> stripSlash(p.getFileName().toString()))
                        .sorted()
                        .toList();
            }
        });
    }

    /**
     * The files of context {@code name}, as sorted relative paths with {@code /} separators.
     *
     * @throws IllegalArgumentException when there is no such context
     */
    public static List<String> files(String name) throws IOException {
        checkName(name);
        return withRoot(root -> {
            Path context = contextDir(root, name);
            try (Stream<Path> walk = Files.walk(context)) {
                List<String> files = new ArrayList<>();
                walk.filter(Files::isRegularFile).forEach(p -> files.add(relative(context, p)));
                files.sort(null);
                return List.copyOf(files);
            }
        });
    }

    /**
     * Reads one file of a context as UTF-8 text.
     *
     * @throws IllegalArgumentException when the context or file does not exist
     */
    public static String read(String name, String file) throws IOException {
        checkName(name);
        String resource = ROOT + "/" + name + "/" + file;
        try (InputStream in = Contexts.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no file " + file + " in test context " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Copies context {@code name} into {@code dir} (created if missing), replacing files of the same names.
     *
     * @return {@code dir}
     * @throws IllegalArgumentException when there is no such context
     */
    public static Path copyTo(String name, Path dir) throws IOException {
        checkName(name);
        Files.createDirectories(dir);
        withRoot(root -> {
            Path context = contextDir(root, name);
            try (Stream<Path> walk = Files.walk(context)) {
                for (Path source : (Iterable<Path>) walk::iterator) {
                    if (source.equals(context)) {
                        continue;
                    }
                    Path target = dir.resolve(relative(context, source));
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                        Files.setAttribute(target, "unix:mode", 0755);
                    } else {
                        Files.createDirectories(target.getParent());
                        try (InputStream in = Files.newInputStream(source)) {
                            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                        }
                        Files.setAttribute(target, "unix:mode", 0644);
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return null;
        });
        return dir;
    }

    private interface RootFunction<T> {
        T apply(Path root) throws IOException;
    }

    /** Runs {@code function} on the contexts root, in the classes directory or inside the jar holding this class. */
    private static <T> T withRoot(RootFunction<T> function) throws IOException {
        Path location = codeLocation();
        if (Files.isDirectory(location)) {
            return function.apply(requireRoot(location.resolve(ROOT), location));
        }
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return function.apply(requireRoot(jar.getPath("/" + ROOT), location));
        }
    }

    private static Path requireRoot(Path root, Path location) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("no test contexts under " + ROOT + " in " + location + "; rebuild the testdata module");
        }
        return root;
    }

    /** The classes directory or jar this class was loaded from, found through the URL of its own class file. */
    private static Path codeLocation() throws IOException {
        String classFile = Contexts.class.getName().replace('.', '/') + ".class";
        URL url = Contexts.class.getClassLoader().getResource(classFile);
        if (url == null) {
            throw new IOException("cannot find " + classFile + " on the class path, so cannot list the test "
                    + "contexts; put the testdata jar or classes directory on the class path");
        }
        try {
            String text = url.toString();
            if ("jar".equals(url.getProtocol())) {
                int bang = text.indexOf("!/");
                return Path.of(new URI(text.substring("jar:".length(), bang)));
            }
            if ("file".equals(url.getProtocol()) && text.endsWith(classFile)) {
                return Path.of(new URI(text.substring(0, text.length() - classFile.length())));
            }
        } catch (URISyntaxException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IOException("cannot list test contexts in " + url + ": " + e.getMessage(), e);
        }
        throw new IOException("cannot list test contexts in " + url + ": only directories and jar files are "
                + "supported");
    }

    private static Path contextDir(Path root, String name) throws IOException {
        Path context = root.resolve(name);
        if (!Files.isDirectory(context)) {
            throw new IllegalArgumentException("no test context named \"" + name + "\"; there are: "
                    + namesUnder(root));
        }
        return context;
    }

    private static List<String> namesUnder(Path root) throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.map(p -> stripSlash(p.getFileName().toString())).sorted().toList();
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid test context name \"" + name
                    + "\": expected lower-case letters, digits, '.', '_' or '-'");
        }
    }

    private static String relative(Path context, Path file) {
        List<String> parts = new ArrayList<>();
        for (Path part : context.relativize(file)) {
            parts.add(stripSlash(part.toString()));
        }
        return String.join("/", parts);
    }

    private static String stripSlash(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }
}
