package dev.hoist.cache.archive;

import dev.hoist.cache.BlobStore;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Urandom;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes local images into an OCI image layout directory, creating it or adding to an existing one as skopeo's
 * {@code oci:DIR:TAG} does: an entry with the same ref name is replaced, other entries stay. Each entry of
 * {@code index.json} carries {@code org.opencontainers.image.ref.name} (the tag) and
 * {@code io.containerd.image.name} (the full name) when given. Blobs are hard-linked from the store when it is on
 * the same filesystem (so do not edit blob files of the layout in place), else copied and verified; blobs
 * already in the layout are kept. {@code index.json} is replaced atomically after every blob is in place.
 *
 * <p>A Docker image manifest is written as the equivalent OCI manifest (same config and layer blobs, OCI
 * media types), as skopeo writes {@code oci:} layouts, because OCI tools (skopeo 1.9 among them) only find OCI
 * manifests by ref name; {@link #preservingManifests()} writes the stored manifest unchanged instead. An index
 * (a multi-platform image) is written as stored, with the platforms the store holds.
 *
 * <p>Immutable; do not let two writers write the same directory at once.
 */
public final class OciLayoutWriter {
    private final LocalImages images;
    private final boolean preserveManifests;

    /** A writer of images from {@code images}. */
    public OciLayoutWriter(LocalImages images) {
        this(images, false);
    }

    private OciLayoutWriter(LocalImages images, boolean preserveManifests) {
        this.images = Objects.requireNonNull(images, "images");
        this.preserveManifests = preserveManifests;
    }

    /** A writer that writes Docker manifests as stored (same digest) instead of as OCI manifests. */
    public OciLayoutWriter preservingManifests() {
        return new OciLayoutWriter(images, true);
    }

    /** As {@link #write(Path, List)}. */
    public ImageIndex write(Path dir, LayoutEntry... entries) throws IOException {
        return write(dir, List.of(entries));
    }

    /**
     * Writes {@code entries} into the layout at {@code dir} (created when missing; an existing directory must be
     * empty or an OCI layout) and returns the new {@code index.json}.
     *
     * @throws ArchiveException when {@code dir} is something else than an OCI layout
     * @throws IOException      when a blob of an image is missing or damaged in the store, or the layout cannot
     *                          be written; {@code index.json} is then unchanged
     */
    public ImageIndex write(Path dir, List<LayoutEntry> entries) throws IOException {
        Objects.requireNonNull(dir, "dir");
        boolean fresh = prepare(dir);
        ImageIndex existing = fresh || !Files.exists(dir.resolve(LayoutIndex.INDEX_JSON)) ? null
                : LayoutIndex.parseIndex(Files.readAllBytes(dir.resolve(LayoutIndex.INDEX_JSON)), "the layout at " + dir);
        List<Descriptor> manifests = new ArrayList<>(existing == null ? List.of() : existing.manifests());

        Map<Digest, Descriptor> stored = new LinkedHashMap<>();
        Map<Digest, byte[]> written = new LinkedHashMap<>();
        List<Descriptor> added = new ArrayList<>();
        for (LayoutEntry entry : entries) {
            Image image = entry.image();
            ImageBlobs collected = new ImageBlobs(images);
            collected.add(image);
            Descriptor top = image.target();
            if (!preserveManifests && MediaTypes.DOCKER_MANIFEST.equals(top.mediaType())) {
                ImageManifest oci = toOci(image.manifest());
                collected.blobs().remove(top.digest());
                written.put(oci.digest(), oci.bytes());
                top = oci.descriptor();
            }
            collected.blobs().forEach(stored::putIfAbsent);
            added.add(new Descriptor(top.mediaType(), top.digest(), top.size()).withAnnotations(
                    LayoutIndex.annotations(Map.of(), entry.refName(), entry.imageName())));
        }

        Path blobsDir = dir.resolve(LayoutIndex.BLOBS);
        Files.createDirectories(blobsDir);
        for (Descriptor d : stored.values()) {
            placeBlob(blobsDir, d);
        }
        for (Map.Entry<Digest, byte[]> e : written.entrySet()) {
            Path target = blobPath(blobsDir, e.getKey());
            if (!Files.isRegularFile(target) || Files.size(target) != e.getValue().length) {
                Files.createDirectories(target.getParent());
                writeAtomically(target, e.getValue());
            }
        }
        if (!Files.exists(dir.resolve(LayoutIndex.OCI_LAYOUT))) {
            writeAtomically(dir.resolve(LayoutIndex.OCI_LAYOUT), LayoutIndex.OCI_LAYOUT_BYTES);
        }
        for (Descriptor d : added) {
            merge(manifests, d);
        }
        ImageIndex.Builder b = existing == null ? ImageIndex.builder() : existing.toBuilder();
        ImageIndex index = b.manifests(manifests).build();
        writeAtomically(dir.resolve(LayoutIndex.INDEX_JSON), index.bytes());
        return index;
    }

    /** The OCI manifest with the same content as a Docker one. */
    static ImageManifest toOci(ImageManifest docker) {
        List<Descriptor> layers = new ArrayList<>();
        for (Descriptor l : docker.layers()) {
            layers.add(l.withMediaType(ociLayerType(l.mediaType())));
        }
        return docker.toBuilder()
                .mediaType(MediaTypes.OCI_MANIFEST)
                .config(docker.config().withMediaType(MediaTypes.OCI_CONFIG))
                .layers(layers)
                .build();
    }

    private static String ociLayerType(String type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case MediaTypes.DOCKER_LAYER_FOREIGN_GZIP -> MediaTypes.OCI_LAYER_NONDIST_GZIP;
            case "application/vnd.docker.image.rootfs.diff.tar" -> MediaTypes.OCI_LAYER;
            default -> type;
        };
    }

    /**
     * Adds {@code d} to the entries: it replaces the entry with the same ref name (unless both carry different
     * image names: Docker writes {@code a:latest} and {@code b:latest} side by side), or an unnamed entry
     * of the same digest; otherwise it is appended.
     */
    static void merge(List<Descriptor> entries, Descriptor d) {
        String ref = d.annotation(LayoutIndex.REF_NAME);
        String name = d.annotation(LayoutIndex.IMAGE_NAME);
        for (int i = 0; i < entries.size(); i++) {
            Descriptor e = entries.get(i);
            String eRef = e.annotation(LayoutIndex.REF_NAME);
            String eName = e.annotation(LayoutIndex.IMAGE_NAME);
            boolean same = ref != null
                    ? ref.equals(eRef) && (name == null || eName == null || name.equals(eName))
                    : eRef == null && e.digest().equals(d.digest()) && Objects.equals(name, eName);
            if (same) {
                entries.set(i, d);
                return;
            }
        }
        entries.add(d);
    }

    /** Creates {@code dir} or checks it; true when it is new or empty. */
    private static boolean prepare(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            return true;
        }
        if (!Files.isDirectory(dir)) {
            throw new ArchiveException(dir + " exists and is not a directory; give a new or empty directory, or an OCI"
                    + " layout to add to");
        }
        Path layoutFile = dir.resolve(LayoutIndex.OCI_LAYOUT);
        if (Files.exists(layoutFile)) {
            LayoutIndex.checkLayoutFile(Files.readAllBytes(layoutFile), "the layout at " + dir);
            return false;
        }
        try (Stream<Path> children = Files.list(dir)) {
            if (children.findAny().isPresent()) {
                throw new ArchiveException(dir + " is not empty and not an OCI layout (it has no oci-layout file);"
                        + " give a new or empty directory, or an OCI layout to add to");
            }
        }
        return true;
    }

    private static Path blobPath(Path blobsDir, Digest d) {
        return blobsDir.resolve(d.algorithmName()).resolve(d.encoded());
    }

    /** Puts a stored blob into the layout: kept when there, else hard-linked, else copied and verified. */
    private void placeBlob(Path blobsDir, Descriptor d) throws IOException {
        Path target = blobPath(blobsDir, d.digest());
        BlobStore blobs = images.blobs();
        long size = blobs.stat(d.digest()).map(info -> info.size()).orElse(-1L);
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            return;
        }
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target); // the wrong size: damaged
        try {
            Files.createLink(target, blobs.path(d.digest()));
            return;
        } catch (FileAlreadyExistsException e) {
            return; // written meanwhile
        } catch (FileSystemException | UnsupportedOperationException e) {
            // another filesystem, or links not allowed: copy
        }
        Path temp = tempBeside(target);
        try {
            try (InputStream in = blobs.open(d.digest());
                 FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                in.transferTo(out);
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes {@code bytes} to a temp file beside {@code target}, syncs it and renames it into place. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = tempBeside(target);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (NoSuchFileException ignored) {
                // moved
            }
        }
    }

    private static Path tempBeside(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().formatHex(Urandom.bytes(6)) + ".tmp");
    }
}
