package dev.hoist.registry.client;

import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.archive.ArchiveLoader;
import dev.hoist.cache.archive.DockerArchiveWriter;
import dev.hoist.cache.archive.LayoutEntry;
import dev.hoist.cache.archive.LoadedImage;
import dev.hoist.cache.archive.OciLayoutReader;
import dev.hoist.cache.archive.OciLayoutWriter;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;
import dev.hoist.oci.TempPaths;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * skopeo-style image locations and copies between them: {@code docker://REF}, {@code oci:PATH[:TAG]},
 * {@code oci-archive:FILE[:TAG]}, {@code docker-archive:FILE[:REF]}, and {@code hoist:NAME} (the local store).
 * Stateless and thread-safe.
 */
public final class Transports {
    private Transports() {
    }

    /** Where an image is. */
    public sealed interface Location permits Registry, OciLayout, OciArchive, DockerArchive, Store {
    }

    /** An image in a registry. */
    public record Registry(Reference ref) implements Location {
        public Registry {
            Objects.requireNonNull(ref, "ref");
        }
    }

    /** An image in an OCI layout directory, selected by ref name (null: the only image there). */
    public record OciLayout(Path dir, String tag) implements Location {
        public OciLayout {
            Objects.requireNonNull(dir, "dir");
        }
    }

    /** An image in a tar of an OCI layout. */
    public record OciArchive(Path file, String tag) implements Location {
        public OciArchive {
            Objects.requireNonNull(file, "file");
        }
    }

    /** An image in a {@code docker save} tar, selected by name (null: the only image there). */
    public record DockerArchive(Path file, Reference ref) implements Location {
        public DockerArchive {
            Objects.requireNonNull(file, "file");
        }
    }

    /** An image in the local store, by name or ID. */
    public record Store(String name) implements Location {
        public Store {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * Parses a transport string.
     *
     * @throws IllegalArgumentException naming the transports there are
     */
    public static Location parse(String text) {
        int colon = text.indexOf(':');
        String transport = colon < 0 ? "" : text.substring(0, colon);
        String rest = colon < 0 ? text : text.substring(colon + 1);
        switch (transport) {
            case "docker" -> {
                if (!rest.startsWith("//")) {
                    throw new IllegalArgumentException("\"" + text + "\": write docker://REFERENCE");
                }
                return new Registry(Reference.parse(rest.substring(2)));
            }
            case "oci" -> {
                PathAndTag p = split(rest);
                return new OciLayout(Path.of(p.path), p.tag);
            }
            case "oci-archive" -> {
                PathAndTag p = split(rest);
                return new OciArchive(Path.of(p.path), p.tag);
            }
            case "docker-archive" -> {
                PathAndTag p = split(rest);
                return new DockerArchive(Path.of(p.path), p.tag == null ? null : Reference.parse(p.tag));
            }
            case "hoist", "containers-storage" -> {
                return new Store(rest);
            }
            default -> throw new IllegalArgumentException("\"" + text + "\" names no transport; use docker://REF, "
                    + "oci:PATH[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or hoist:NAME");
        }
    }

    private record PathAndTag(String path, String tag) {
    }

    /** Splits {@code PATH[:TAG]} at the first colon, as skopeo does (paths with colons are not supported). */
    private static PathAndTag split(String rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("a path is missing");
        }
        int c = rest.indexOf(':');
        if (c < 0) {
            return new PathAndTag(rest, null);
        }
        String tag = rest.substring(c + 1);
        return new PathAndTag(rest.substring(0, c), tag.isEmpty() ? null : tag);
    }

    /**
     * Copies the image at {@code src} to {@code dst} through {@code client}'s local store, keeping every blob
     * (and, between registries and from OCI layouts to registries, every manifest) byte for byte. Of a
     * multi-platform index, as skopeo: with {@code all}, the index as it is with every platform; else the image
     * for the one platform in {@code platforms} (this machine's when empty); between registries, several
     * {@code platforms} copy an index of those. Returns the descriptor of what was written.
     *
     * @throws IllegalArgumentException for {@code all} with {@code platforms}, or several platforms where only
     *                                  one can be copied
     */
    public static Descriptor copy(RegistryClient client, Location src, Location dst, List<Platform> platforms,
                                  boolean all) throws IOException {
        if (all && !platforms.isEmpty()) {
            throw new IllegalArgumentException("--all copies every platform and --platform chooses some: give one of them");
        }
        LocalImages images = client.images();
        if (dst instanceof Registry d) {
            client.prepare(d.ref()); // while the source is read
        }
        if (src instanceof Registry s && dst instanceof Registry d) {
            return client.copy(s.ref(), d.ref(), all ? List.of() : platforms.isEmpty() ? List.of(Platform.current()) : platforms);
        }
        if (platforms.size() > 1) {
            throw new IllegalArgumentException("only a copy between registries can choose several platforms; "
                    + "give one --platform, or --all for every one");
        }
        // null: every platform
        Platform platform = all ? null : platforms.isEmpty() ? Platform.current() : platforms.get(0);
        if (src instanceof OciLayout s && dst instanceof Registry d) {
            OciLayoutReader reader = OciLayoutReader.open(s.dir());
            Descriptor entry;
            if (s.tag() == null) {
                entry = single(reader, s.dir());
            } else {
                Optional<Descriptor> found = reader.find(s.tag()); // not orElseThrow(lambda): linking it costs a start
                if (found.isEmpty()) {
                    throw new IOException(s.dir() + " has no image with the ref name \"" + s.tag() + "\"; it has "
                            + reader.refNames());
                }
                entry = found.get();
            }
            Transfers.BlobSource layout = layoutSource(s.dir());
            return client.pushFrom(layout, platform == null ? entry : platformOf(layout, entry, platform, s.dir()), d.ref());
        }
        if (src instanceof Registry s && dst instanceof OciLayout d) {
            return client.pullToLayout(s.ref(), platform, d.dir(), d.tag());
        }
        if (platform == null && !(dst instanceof Registry)) {
            throw new IllegalArgumentException("--all copies into a registry or an OCI layout (oci:DIR) only; "
                    + "choose one platform with --platform");
        }
        Image image;
        if (src instanceof Registry s) {
            image = client.pull(s.ref(), platform);
        } else if (src instanceof OciLayout s) {
            image = load(images, OciLayoutReader.open(s.dir()).importRef(images, s.tag()));
        } else if (src instanceof OciArchive s) {
            image = load(images, pick(new ArchiveLoader(images).load(s.file()), s.tag(), s.file()));
        } else if (src instanceof DockerArchive s) {
            image = load(images, pick(new ArchiveLoader(images).load(s.file()),
                    s.ref() == null ? null : s.ref().toString(), s.file()));
        } else {
            image = images.resolve(((Store) src).name());
        }
        if (dst instanceof Registry d) {
            return client.push(image.target(), d.ref(), platform);
        }
        if (dst instanceof OciLayout d) {
            new OciLayoutWriter(images).write(d.dir(), d.tag() == null ? LayoutEntry.untagged(image)
                    : LayoutEntry.refName(image, d.tag()));
        } else if (dst instanceof OciArchive d) {
            Path tmp = images.root().createTempDirectory("oci-archive");
            try {
                new OciLayoutWriter(images).write(tmp, d.tag() == null ? LayoutEntry.untagged(image)
                        : LayoutEntry.refName(image, d.tag()));
                tar(tmp, d.file());
            } finally {
                dev.hoist.cache.FileTrees.delete(tmp);
            }
        } else if (dst instanceof DockerArchive d) {
            List<String> names = d.ref() == null ? List.of() : List.of(d.ref().toString());
            new DockerArchiveWriter(images).write(List.of(image.withNames(names)), d.file());
        } else {
            images.tag(image, ((Store) dst).name());
        }
        return image.target();
    }

    /** Of the layout's entry {@code entry}, when it is an index, the manifest for {@code platform}. */
    private static Descriptor platformOf(Transfers.BlobSource layout, Descriptor entry, Platform platform, Path dir)
            throws IOException {
        Manifest m;
        try {
            m = Manifest.parse(layout.manifest(entry.digest()));
        } catch (InvalidContentException e) {
            throw new IOException("the manifest " + entry.digest() + " in " + dir + " cannot be read: " + e.getMessage(), e);
        }
        if (!(m instanceof ImageIndex index)) {
            return entry;
        }
        Optional<Descriptor> selected = index.select(platform);
        if (selected.isEmpty()) {
            List<String> has = new ArrayList<>();
            for (Descriptor d : index.manifests()) {
                has.add(String.valueOf(d.platform()));
            }
            throw new IOException(dir + " has no image for " + platform + "; it has " + has
                    + ": choose one with --platform, or copy them all with --all");
        }
        return selected.get();
    }

    private static Descriptor single(OciLayoutReader reader, Path dir) throws IOException {
        List<Descriptor> entries = reader.index().manifests();
        if (entries.size() != 1) {
            throw new IOException(dir + " holds " + entries.size() + " images; choose one by its ref name (oci:DIR:NAME)");
        }
        return entries.get(0);
    }

    private static Image load(LocalImages images, LoadedImage loaded) throws IOException {
        return images.load(loaded.target(), loaded.names());
    }

    private static LoadedImage pick(List<LoadedImage> loaded, String name, Path file) throws IOException {
        if (name == null) {
            if (loaded.size() != 1) {
                throw new IOException(file + " holds " + loaded.size() + " images; name one (FILE:NAME)");
            }
            return loaded.get(0);
        }
        for (LoadedImage l : loaded) {
            if (name.equals(l.refName()) || l.names().contains(name)
                    || l.names().stream().anyMatch(n -> safeNormalise(name).equals(n))) {
                return l;
            }
        }
        throw new IOException(file + " has no image called " + name);
    }

    private static String safeNormalise(String name) {
        try {
            return LocalImages.normaliseName(name);
        } catch (RuntimeException e) {
            return name;
        }
    }

    /** Reads manifests and blobs straight from an OCI layout directory. */
    static Transfers.BlobSource layoutSource(Path dir) {
        return new Transfers.BlobSource() {
            private Path file(Digest d) {
                return dir.resolve("blobs").resolve(d.algorithm().toString().toLowerCase()).resolve(d.encoded());
            }

            @Override
            public Path path(Descriptor blob) throws IOException {
                Path f = file(blob.digest());
                if (!Files.isRegularFile(f)) {
                    f = dir.resolve("blobs").resolve(blobAlgorithmDir(blob.digest())).resolve(blob.digest().encoded());
                }
                if (!Files.isRegularFile(f)) {
                    throw new IOException("the OCI layout " + dir + " lacks the blob " + blob.digest());
                }
                return f;
            }

            @Override
            public byte[] manifest(Digest digest) throws IOException {
                byte[] bytes = Files.readAllBytes(path(new Descriptor("application/octet-stream", digest, 0)));
                dev.hoist.oci.Digester dg = new dev.hoist.oci.Digester(digest.algorithm());
                dg.update(bytes, 0, bytes.length);
                if (!dg.digest().equals(digest)) {
                    throw new IOException("the blob " + digest + " in " + dir + " is damaged (it hashes to " + dg.digest() + ")");
                }
                return bytes;
            }

            @Override
            public boolean has(Digest digest) {
                return Files.isRegularFile(file(digest)) || Files.isRegularFile(
                        dir.resolve("blobs").resolve(blobAlgorithmDir(digest)).resolve(digest.encoded()));
            }
        };
    }

    private static String blobAlgorithmDir(Digest d) {
        String s = d.toString();
        return s.substring(0, s.indexOf(':'));
    }

    private static void tar(Path dir, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Path tmp = TempPaths.createFile(parent, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                List<Path> all;
                try (Stream<Path> s = Files.walk(dir)) {
                    all = new ArrayList<>(s.filter(p -> !p.equals(dir)).sorted().toList());
                }
                for (Path p : all) {
                    String name = dir.relativize(p).toString().replace('\\', '/');
                    TarArchiveEntry e = new TarArchiveEntry(p.toFile(), Files.isDirectory(p) ? name + "/" : name);
                    e.setModTime(0);
                    e.setIds(0, 0);
                    e.setUserName("");
                    e.setGroupName("");
                    tar.putArchiveEntry(e);
                    if (Files.isRegularFile(p)) {
                        Files.copy(p, tar);
                    }
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

}
