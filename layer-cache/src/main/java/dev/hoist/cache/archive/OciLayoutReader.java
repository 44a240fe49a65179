package dev.hoist.cache.archive;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.DigestMismatchException;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads an OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/<alg>/<hex>}) into
 * the local store: {@code index.json} → manifests or nested indexes → configs and layers, each blob verified
 * against its digest and size as it is stored, each image's diff IDs checked. Blobs the store already holds
 * are not copied again. It does not tag: it returns the images with their ref names and suggested names, for
 * the caller to tag. Selecting by ref name works as skopeo's {@code oci:DIR:REF}. Immutable once opened;
 * importing is safe from several threads (the store is).
 */
public final class OciLayoutReader {
    private final Path dir;
    private final ImageIndex index;

    private OciLayoutReader(Path dir, ImageIndex index) {
        this.dir = dir;
        this.index = index;
    }

    /**
     * Opens the layout at {@code dir}, reading its {@code oci-layout} and {@code index.json}.
     *
     * @throws ArchiveException when {@code dir} is not an OCI image layout
     */
    public static OciLayoutReader open(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        String where = where(dir);
        if (!Files.isDirectory(dir)) {
            throw new ArchiveException(where + " is not a directory" + (Files.exists(dir) ? "" : " (it does not exist)"));
        }
        try {
            LayoutIndex.checkLayoutFile(Files.readAllBytes(dir.resolve(LayoutIndex.OCI_LAYOUT)), where);
        } catch (NoSuchFileException e) {
            throw new ArchiveException(where + " has no oci-layout file; it is not an OCI image layout", e);
        }
        byte[] indexBytes;
        try {
            indexBytes = Files.readAllBytes(dir.resolve(LayoutIndex.INDEX_JSON));
        } catch (NoSuchFileException e) {
            throw new ArchiveException(where + " has no index.json; it is not a complete OCI image layout", e);
        }
        return new OciLayoutReader(dir, LayoutIndex.parseIndex(indexBytes, where));
    }

    /** The layout's directory. */
    public Path directory() {
        return dir;
    }

    /** The layout's {@code index.json}. */
    public ImageIndex index() {
        return index;
    }

    /** The ref names in {@code index.json}, in its order, without repeats. */
    public List<String> refNames() {
        List<String> names = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            String name = d.annotation(LayoutIndex.REF_NAME);
            if (name != null && !names.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /**
     * Imports every image of the layout (the entries of {@code index.json} that are manifests or indexes).
     *
     * @throws ArchiveException when a blob is missing or damaged, a manifest is invalid or diff IDs do not match
     */
    public List<LoadedImage> importAll(LocalImages images) throws IOException {
        List<LoadedImage> out = new ArrayList<>();
        ManifestIngester importer = new ManifestIngester(images, new DirectorySource(images.blobs()));
        List<Descriptor> entries = index.manifests();
        for (int i = 0; i < entries.size(); i++) {
            Descriptor d = entries.get(i);
            if (isImage(d)) {
                out.add(importEntry(importer, d, i));
            }
        }
        if (out.isEmpty()) {
            throw new ArchiveException(where(dir) + " holds no image (its index.json lists no manifest or index)");
        }
        return out;
    }

    /**
     * Imports the image called {@code refName}, as {@code oci:DIR:refName} selects it: the first entry of
     * {@code index.json} with that {@code org.opencontainers.image.ref.name}. With a null or empty ref name, the
     * layout must hold exactly one image.
     *
     * @throws ArchiveException when no image has that name (the message lists the names there are), or as
     *                          {@link #importAll}
     */
    public LoadedImage importRef(LocalImages images, String refName) throws IOException {
        ManifestIngester importer = new ManifestIngester(images, new DirectorySource(images.blobs()));
        List<Descriptor> entries = index.manifests();
        if (refName == null || refName.isEmpty()) {
            List<Integer> imagesAt = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                if (isImage(entries.get(i))) {
                    imagesAt.add(i);
                }
            }
            if (imagesAt.size() != 1) {
                throw new ArchiveException(where(dir) + " holds " + imagesAt.size() + " images; choose one by its ref"
                        + " name (DIR:NAME)" + namesHint());
            }
            return importEntry(importer, entries.get(imagesAt.get(0)), imagesAt.get(0));
        }
        for (int i = 0; i < entries.size(); i++) {
            Descriptor d = entries.get(i);
            if (refName.equals(d.annotation(LayoutIndex.REF_NAME)) && isImage(d)) {
                return importEntry(importer, d, i);
            }
        }
        throw new ArchiveException(where(dir) + " has no image with the ref name \"" + refName + "\"" + namesHint());
    }

    /** The entry of {@code index.json} that {@code refName} selects, if any. */
    public Optional<Descriptor> find(String refName) {
        // A loop, not a stream: `copy oci:DIR:TAG ...` comes here first thing, where a stream's first use links
        // several lambda call sites (about 2 ms of a cold start).
        for (Descriptor d : index.manifests()) {
            if (refName.equals(d.annotation(LayoutIndex.REF_NAME)) && isImage(d)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private LoadedImage importEntry(ManifestIngester importer, Descriptor d, int position) throws IOException {
        String ref = d.annotation(LayoutIndex.REF_NAME);
        String what = "index.json entry " + (position + 1) + (ref == null ? "" : " (" + ref + ")");
        importer.importTarget(d, what);
        Descriptor target = new Descriptor(d.mediaType(), d.digest(), d.size());
        return new LoadedImage(target, ref, LayoutIndex.suggestedNames(d, where(dir)));
    }

    private String namesHint() {
        List<String> names = refNames();
        return names.isEmpty() ? " (it has no ref names)" : " (it has " + String.join(", ", names) + ")";
    }

    static boolean isImage(Descriptor d) {
        return MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType());
    }

    private static String where(Path dir) {
        return "the layout at " + dir;
    }

    /** Blobs from {@code blobs/<alg>/<hex>} of the layout. */
    private final class DirectorySource implements ManifestIngester.Source {
        private final BlobStore blobs;

        DirectorySource(BlobStore blobs) {
            this.blobs = blobs;
        }

        @Override
        public Ingest.Blob fetch(Descriptor d) throws IOException {
            Optional<BlobInfo> stored = blobs.stat(d.digest());
            if (stored.isPresent() && stored.get().size() == d.size()) {
                return new Ingest.Blob(d.digest(), d.size(), null, null, null);
            }
            Path file = dir.resolve(LayoutIndex.BLOBS).resolve(d.digest().algorithmName()).resolve(d.digest().encoded());
            if (!Files.isRegularFile(file)) {
                return null;
            }
            try (InputStream in = Files.newInputStream(file)) {
                return Ingest.put(blobs, in, d.digest(), d.size());
            } catch (DigestMismatchException e) {
                throw new ArchiveException("the blob " + file + " is damaged: " + e.getMessage(), e);
            }
        }

        @Override
        public String where() {
            return OciLayoutReader.where(dir);
        }
    }
}
