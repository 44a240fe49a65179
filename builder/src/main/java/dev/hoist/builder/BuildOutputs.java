package dev.hoist.builder;

import dev.hoist.cache.archive.DockerArchiveWriter;
import dev.hoist.cache.archive.LayoutEntry;
import dev.hoist.cache.archive.OciLayoutWriter;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.layer.LayerApplier;
import dev.hoist.cache.layer.LayerException;
import dev.hoist.oci.Descriptor;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Where a build's image goes besides the local store, as {@code docker buildx build --output} says it:
 * {@code type=oci,dest=DIR|FILE.tar} (an OCI image layout), {@code type=docker,dest=FILE.tar} (a tar for
 * {@code docker load}), {@code type=local,dest=DIR} (the final root filesystem), {@code type=image} (the local
 * store only; {@code push=true} asks the caller to push, as {@code type=registry} does). Thread-safe.
 */
public final class BuildOutputs {
    /** The output types. */
    public enum Type { IMAGE, REGISTRY, OCI, DOCKER, LOCAL }

    private final LocalImages images;

    public BuildOutputs(LocalImages images) {
        this.images = Objects.requireNonNull(images, "images");
    }

    /**
     * One {@code --output}: its type, its destination (null for the store and registry types), whether to push,
     * and the other attributes as given. Immutable.
     */
    public record Output(Type type, Path dest, boolean push, Map<String, String> attributes) {

        public Output {
            Objects.requireNonNull(type, "type");
            attributes = Map.copyOf(attributes);
        }

        /**
         * Parses {@code type=oci,dest=out.tar} (keys as buildx reads them; a bare path means
         * {@code type=local,dest=PATH}).
         *
         * @throws IllegalArgumentException saying what is wrong and what is accepted
         */
        public static Output parse(String spec) {
            Map<String, String> attrs = new LinkedHashMap<>();
            if (!spec.contains("=") && !spec.contains(",")) {
                attrs.put("type", "local");
                attrs.put("dest", spec);
            } else {
                for (String field : spec.split(",")) {
                    int eq = field.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("invalid --output field \"" + field + "\": use key=value");
                    }
                    attrs.put(field.substring(0, eq).trim().toLowerCase(Locale.ROOT), field.substring(eq + 1).trim());
                }
            }
            String t = attrs.remove("type");
            if (t == null) {
                throw new IllegalArgumentException("--output " + spec + " needs a type: image, registry, oci, docker or local");
            }
            Type type;
            try {
                type = Type.valueOf(t.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--output type=" + t + " is not supported; use image, registry, oci,"
                        + " docker or local");
            }
            String dest = attrs.remove("dest");
            boolean push = type == Type.REGISTRY || "true".equalsIgnoreCase(attrs.remove("push"));
            if ((type == Type.OCI || type == Type.DOCKER || type == Type.LOCAL) && (dest == null || dest.isEmpty())) {
                throw new IllegalArgumentException("--output type=" + t + " needs dest=PATH");
            }
            if (type == Type.DOCKER && Files.isDirectory(Path.of(dest))) {
                throw new IllegalArgumentException("--output type=docker writes a tar file; dest=" + dest + " is a directory");
            }
            if ("-".equals(dest)) {
                throw new IllegalArgumentException("--output to standard output is not supported; give dest=FILE");
            }
            return new Output(type, dest == null ? null : Path.of(dest), push, attrs);
        }

        /** The names the output gives the image: its {@code name=} attribute, else the build's tags. */
        public List<String> names(List<String> tags) {
            String n = attributes.get("name");
            return n == null || n.isEmpty() ? tags : List.of(n.split(","));
        }
    }

    /**
     * Writes {@code image} to {@code output}; nothing for the store and registry types (the image is in the store;
     * pushing is the caller's, with its registry client).
     *
     * @param tags the build's tags, which name the image in archives unless the output has a {@code name}
     */
    public void write(Output output, Image image, List<String> tags) throws IOException, BuildException {
        List<String> names = output.names(tags);
        switch (output.type()) {
            case IMAGE, REGISTRY -> {
                // the image is in the local store already
            }
            case DOCKER -> {
                Path parent = output.dest().toAbsolutePath().getParent();
                Files.createDirectories(parent);
                new DockerArchiveWriter(images).write(List.of(image.withNames(names)), output.dest());
            }
            case OCI -> {
                List<LayoutEntry> entries = new ArrayList<>();
                for (String n : names) {
                    entries.add(LayoutEntry.named(image, n));
                }
                if (entries.isEmpty()) {
                    entries.add(LayoutEntry.untagged(image));
                }
                if (output.dest().getFileName().toString().endsWith(".tar")) {
                    Path tmp = images.root().createTempDirectory("build-output");
                    try {
                        Path layout = tmp.resolve("layout");
                        new OciLayoutWriter(images).write(layout, entries);
                        Files.createDirectories(output.dest().toAbsolutePath().getParent());
                        Path part = tmp.resolve("layout.tar");
                        try (OutputStream out = Files.newOutputStream(part)) {
                            tarDirectory(layout, out);
                        }
                        Files.move(part, output.dest(), StandardCopyOption.REPLACE_EXISTING);
                    } finally {
                        Build.deleteTree(tmp);
                    }
                } else {
                    new OciLayoutWriter(images).write(output.dest(), entries);
                }
            }
            case LOCAL -> {
                Path dest = output.dest();
                if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> s = Files.list(dest)) {
                        if (s.findAny().isPresent()) {
                            throw new BuildException("--output type=local: " + dest + " is not empty; give a new or"
                                    + " empty directory");
                        }
                    }
                }
                Files.createDirectories(dest);
                List<InputStream> layers = new ArrayList<>();
                try {
                    for (Descriptor d : image.manifest().layers()) {
                        layers.add(images.blobs().open(d.digest()));
                    }
                    LayerApplier.create().applyAll(layers, dest);
                } catch (LayerException e) {
                    throw new BuildException("--output type=local: cannot unpack the image into " + dest + ": "
                            + e.getMessage(), e);
                } finally {
                    for (InputStream in : layers) {
                        in.close();
                    }
                }
            }
            default -> throw new IllegalStateException(output.type().toString());
        }
    }

    /** A tar of the files under {@code dir}, sorted, with plain headers (an OCI layout has only files and dirs). */
    private static void tarDirectory(Path dir, OutputStream out) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.filter(p -> !p.equals(dir)).sorted().toList();
        }
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : all) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                boolean isDir = Files.isDirectory(p);
                TarArchiveEntry e = new TarArchiveEntry(isDir ? name + "/" : name);
                e.setModTime(0);
                e.setMode(isDir ? 040755 : 0100644);
                if (!isDir) {
                    e.setSize(Files.size(p));
                }
                tar.putArchiveEntry(e);
                if (!isDir) {
                    Files.copy(p, tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }
}
