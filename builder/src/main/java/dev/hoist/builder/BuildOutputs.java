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
 * {@code type=oci} (an OCI image layout: a tar, or a directory with {@code tar=false}), {@code type=docker} (a tar
 * for {@code docker load}), {@code type=local,dest=DIR} (the final root filesystem), {@code type=image} (the local
 * store only; {@code push=true} asks the caller to push, as {@code type=registry} does). A tar goes to standard
 * output with {@code dest=-} (the default for {@code type=oci}, as in buildx). Thread-safe.
 */
public final class BuildOutputs {
    /** The output types. */
    public enum Type { IMAGE, REGISTRY, OCI, DOCKER, LOCAL }

    private final LocalImages images;

    public BuildOutputs(LocalImages images) {
        this.images = Objects.requireNonNull(images, "images");
    }

    /**
     * One {@code --output}. Immutable.
     *
     * @param type  the output type
     * @param dest  the file or directory to write; null for the store and registry types, and for a tar written to
     *              standard output
     * @param tar   whether an OCI layout is written as a tar ({@code tar=}, true unless set false)
     * @param push  whether the image is to be pushed ({@code type=registry}, or {@code push=true})
     * @param names the names the archive gives the image ({@code name=}; empty for the build's tags), or, for the
     *              store and registry types, names the image gets (and is pushed to) besides the build's tags
     */
    public record Output(Type type, Path dest, boolean tar, boolean push, List<String> names) {

        public Output {
            Objects.requireNonNull(type, "type");
            names = List.copyOf(names);
        }

        /**
         * Parses {@code type=oci,dest=out.tar} (keys as buildx reads them; a bare path means
         * {@code type=local,dest=PATH}). An attribute the type does not take (buildx's {@code compression=},
         * {@code oci-mediatypes=}, ...) is refused rather than ignored.
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
            String tarAttr = attrs.remove("tar");
            String pushAttr = attrs.remove("push");
            String name = attrs.remove("name");
            if (!attrs.isEmpty()) {
                String key = attrs.keySet().iterator().next();
                throw new IllegalArgumentException("--output type=" + t + " does not support " + key + "=; "
                        + accepted(type));
            }
            if ((tarAttr != null && type != Type.OCI && type != Type.DOCKER)
                    || (pushAttr != null && type != Type.IMAGE && type != Type.REGISTRY)
                    || (name != null && type == Type.LOCAL)) {
                String key = tarAttr != null ? "tar" : pushAttr != null ? "push" : "name";
                throw new IllegalArgumentException("--output type=" + t + " does not support " + key + "=; "
                        + accepted(type));
            }
            boolean tar = tarAttr == null || bool("tar", tarAttr);
            boolean push = pushAttr == null ? type == Type.REGISTRY : bool("push", pushAttr);
            if (type == Type.REGISTRY && !push) {
                throw new IllegalArgumentException("--output type=registry always pushes; use type=image for the local"
                        + " store only");
            }
            if (type == Type.DOCKER && !tar) {
                throw new IllegalArgumentException("--output type=docker,tar=false is not supported; use"
                        + " type=oci,tar=false for an OCI layout directory");
            }
            if (dest != null && dest.isEmpty()) {
                dest = null;
            }
            switch (type) {
                case IMAGE, REGISTRY -> {
                    if (dest != null) {
                        throw new IllegalArgumentException("--output type=" + t + " does not support dest=; "
                                + accepted(type));
                    }
                }
                case LOCAL, OCI, DOCKER -> {
                    boolean directory = type == Type.LOCAL || !tar;
                    if (dest == null && (directory || type == Type.DOCKER)) {
                        throw new IllegalArgumentException("--output type=" + t + " needs dest=" + (directory
                                ? "DIR" : "FILE (or dest=- for standard output)"));
                    }
                    if ("-".equals(dest) && directory) {
                        throw new IllegalArgumentException("--output type=" + t + (type == Type.LOCAL ? "" : ",tar=false")
                                + " writes a directory; dest cannot be standard output");
                    }
                    if (dest != null && !"-".equals(dest)) {
                        Path p = Path.of(dest);
                        if (directory && Files.exists(p) && !Files.isDirectory(p)) {
                            throw new IllegalArgumentException("--output type=" + t + " writes a directory; dest="
                                    + dest + " is a file");
                        }
                        if (!directory && Files.isDirectory(p)) {
                            throw new IllegalArgumentException("--output type=" + t + " writes a tar file; dest="
                                    + dest + " is a directory (add tar=false for an OCI layout directory)");
                        }
                    }
                }
                default -> throw new IllegalStateException(type.toString());
            }
            List<String> names = name == null || name.isEmpty() ? List.of() : List.of(name.split(","));
            return new Output(type, dest == null || "-".equals(dest) ? null : Path.of(dest), tar, push, names);
        }

        private static String accepted(Type type) {
            return switch (type) {
                case IMAGE -> "it takes name= and push=true|false (or name the image with -t)";
                case REGISTRY -> "it takes name= and push=true (or name the image with -t)";
                case OCI -> "it takes dest=, tar=true|false and name=";
                case DOCKER -> "it takes dest= and name=";
                case LOCAL -> "it takes dest=";
            };
        }

        private static boolean bool(String key, String value) {
            if ("true".equalsIgnoreCase(value)) {
                return true;
            }
            if ("false".equalsIgnoreCase(value)) {
                return false;
            }
            throw new IllegalArgumentException("--output " + key + "=" + value + ": use true or false");
        }

        /** Whether the output is a tar written to standard output ({@code dest=-}). */
        public boolean toStandardOutput() {
            return dest == null && (type == Type.OCI || type == Type.DOCKER);
        }

        /** The names the output gives the image: its {@code name=} attribute, else the build's tags. */
        public List<String> names(List<String> tags) {
            return names.isEmpty() ? tags : names;
        }
    }

    /**
     * Writes {@code image} to {@code output}; nothing for the store and registry types (the image is in the store;
     * pushing is the caller's, with its registry client).
     *
     * @param tags   the build's tags, which name the image in archives unless the output has a {@code name}
     * @param stdout where a tar for {@code dest=-} goes (not closed)
     */
    public void write(Output output, Image image, List<String> tags, OutputStream stdout)
            throws IOException, BuildException {
        List<String> names = output.names(tags);
        switch (output.type()) {
            case IMAGE, REGISTRY -> {
                // the image is in the local store already
            }
            case DOCKER -> {
                DockerArchiveWriter writer = new DockerArchiveWriter(images);
                if (output.toStandardOutput()) {
                    writer.write(List.of(image.withNames(names)), stdout);
                } else {
                    Files.createDirectories(output.dest().toAbsolutePath().getParent());
                    writer.write(List.of(image.withNames(names)), output.dest());
                }
            }
            case OCI -> {
                List<LayoutEntry> entries = new ArrayList<>();
                for (String n : names) {
                    entries.add(LayoutEntry.named(image, n));
                }
                if (entries.isEmpty()) {
                    entries.add(LayoutEntry.untagged(image));
                }
                if (!output.tar()) {
                    new OciLayoutWriter(images).write(output.dest(), entries);
                    return;
                }
                Path tmp = images.root().createTempDirectory("build-output");
                try {
                    Path layout = tmp.resolve("layout");
                    new OciLayoutWriter(images).write(layout, entries);
                    if (output.toStandardOutput()) {
                        tarDirectory(layout, stdout);
                        return;
                    }
                    Files.createDirectories(output.dest().toAbsolutePath().getParent());
                    Path part = tmp.resolve("layout.tar");
                    try (OutputStream out = Files.newOutputStream(part)) {
                        tarDirectory(layout, out);
                    }
                    Files.move(part, output.dest(), StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Build.deleteTree(tmp);
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

    /**
     * A tar of the files under {@code dir} to {@code out} (not closed), sorted, with plain headers (an OCI layout has
     * only files and dirs).
     */
    private static void tarDirectory(Path dir, OutputStream out) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.filter(p -> !p.equals(dir)).sorted().toList();
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
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
        tar.finish();
        tar.flush();
    }
}
