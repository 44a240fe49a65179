package dev.hoist.cache.archive;

import com.fasterxml.jackson.core.type.TypeReference;
import com.github.luben.zstd.ZstdInputStream;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.DigestMismatchException;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Reference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Loads a tar of images into the local store and tags them, as {@code docker load} does. Reads the tar in one
 * pass, from a file or a pipe, in any entry order ({@code docker save} of Docker 20 puts {@code manifest.json}
 * last): every regular file goes into the blob store while it is hashed (layers that are gzip are decompressed
 * and hashed in the same pass for their diff IDs), the small metadata files are kept in memory, and at the end
 * the archive is interpreted:
 * <ul>
 *   <li>with {@code oci-layout} and {@code index.json} (hoist save, Docker 25+, OCI layout tars): each entry of
 *       the index is checked and stored as it is (same manifest digests), and tagged with its
 *       {@code io.containerd.image.name}, else its ref name when that is a full reference, plus the
 *       {@code RepoTags} that {@code manifest.json} gives its config;</li>
 *   <li>else with {@code manifest.json} (Docker 1.10 to 24): for each image a new OCI manifest is made of the
 *       config as it is (so the image ID is Docker's) and the layer files as they are
 *       ({@code …layer.v1.tar}, or {@code …tar+gzip}/{@code +zstd} by their magic bytes), and tagged with its
 *       {@code RepoTags}.</li>
 * </ul>
 * Input compressed with gzip, zstd or bzip2 ({@code docker save | gzip}) is read too. Every config's diff IDs
 * are checked against its layers. Bad input (no manifest, missing files, {@code ..} paths, a damaged or
 * truncated tar, wrong digests) is an {@link ArchiveException} and nothing is tagged; blobs already stored stay
 * until {@code hoist prune}. Immutable and thread-safe.
 */
public final class ArchiveLoader {
    private static final String MANIFEST_JSON = "manifest.json";
    private static final String REPOSITORIES = "repositories";
    private static final long MAX_METADATA = 32L * 1024 * 1024;

    private final LocalImages images;

    public ArchiveLoader(LocalImages images) {
        this.images = Objects.requireNonNull(images, "images");
    }

    /** Loads the archive {@code file}. */
    public List<LoadedImage> load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, "the archive " + file);
        }
    }

    /**
     * Loads the archive read from {@code in} (read to its end, not closed) and tags the images.
     *
     * @param name the input for messages, e.g. "the archive on standard input"
     * @return the images loaded, with the names they were tagged with
     * @throws ArchiveException when the input is not a usable image archive; nothing is tagged
     * @throws StoreException   when the store cannot be written
     */
    public List<LoadedImage> load(InputStream in, String name) throws IOException {
        Read read = new Read(name);
        read.readAll(in);
        List<Pending> pending = read.interpret();
        for (Pending p : pending) {
            for (String n : p.names) {
                images.tag(p.target, n);
            }
            if (p.names.isEmpty()) {
                images.store().keep(p.target);   // an image saved by ID loads dangling, as docker load leaves it
            }
        }
        return pending.stream().map(p -> new LoadedImage(p.target, p.refName, List.copyOf(p.names))).toList();
    }

    /** An image found in the archive, not yet tagged. */
    private static final class Pending {
        final Descriptor target;
        final String refName;
        final Set<String> names = new LinkedHashSet<>();
        final Set<Digest> configs;

        Pending(Descriptor target, String refName, Set<Digest> configs) {
            this.target = target;
            this.refName = refName;
            this.configs = configs;
        }
    }

    /** One reading of one archive. */
    private final class Read implements ManifestIngester.Source {
        private final String where;
        private final BlobStore blobs = images.blobs();
        private final Map<String, Ingest.Blob> files = new HashMap<>();
        private final Map<String, String> links = new HashMap<>();
        private final Map<String, byte[]> metadata = new HashMap<>();
        private final Map<Digest, Ingest.Blob> byDigest = new HashMap<>();
        private int entries;

        Read(String where) {
            this.where = where;
        }

        @Override
        public String where() {
            return where;
        }

        @Override
        public Ingest.Blob fetch(Descriptor d) {
            return byDigest.get(d.digest());
        }

        void readAll(InputStream input) throws IOException {
            BufferedInputStream buffered = new BufferedInputStream(input, 64 * 1024);
            InputStream in = decompress(buffered);
            TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8");
            while (true) {
                TarArchiveEntry e;
                try {
                    e = tar.getNextEntry();
                } catch (IOException | RuntimeException ex) {
                    throw new ArchiveException(where + " is not a valid tar archive" + (entries > 0 ? " (it is damaged"
                            + " or truncated after " + entries + " entries)" : "") + ": " + ex.getMessage(), ex);
                }
                if (e == null) {
                    break;
                }
                entries++;
                read(tar, e);
            }
            if (entries == 0) {
                throw new ArchiveException(where + " is empty or not a tar archive; expected the output of"
                        + " `hoist save` or `docker save`");
            }
            // Read what follows the end-of-archive records, so that a writer on a pipe is not cut off.
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the archive itself was complete
            }
        }

        private void read(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
            String entry = "the entry \"" + e.getName() + "\"";
            String what = entry + " of " + where;
            String name = TarPaths.normalise(e.getName(), where);
            if (name.isEmpty() || e.isDirectory()) {
                return;
            }
            if (e.isSymbolicLink()) {
                files.remove(name);
                links.put(name, TarPaths.linkTarget(name, e.getLinkName(), where));
                return;
            }
            if (e.isLink()) {
                files.remove(name);
                links.put(name, TarPaths.normalise(e.getLinkName(), what));
                return;
            }
            if (!e.isFile() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                return; // devices and fifos have no place in an image archive; nothing refers to them
            }
            links.remove(name);
            if (isMetadata(name)) {
                if (e.getSize() > MAX_METADATA) {
                    throw new ArchiveException(what + " has " + e.getSize() + " bytes; more than the "
                            + MAX_METADATA + " that a metadata file may have");
                }
                byte[] bytes = readFully(tar, e, entry);
                metadata.put(name, bytes);
                return;
            }
            if (isLegacyLayerMetadata(name)) {
                return; // v1 layer json and VERSION: nothing needs them (the tar reader skips them)
            }
            Digest expected = TarPaths.blobDigest(name);
            Ingest.Blob blob;
            try {
                blob = Ingest.put(blobs, tar, expected, e.getSize());
            } catch (DigestMismatchException ex) {
                if (ex.actualSize() < e.getSize()) {
                    throw truncated(entry, ex);
                }
                throw new ArchiveException(what + " does not hold the blob its name says: " + ex.getMessage(), ex);
            } catch (StoreException ex) {
                throw ex;
            } catch (IOException ex) {
                throw truncated(entry, ex);
            }
            files.put(name, blob);
            byDigest.put(blob.digest(), blob);
        }

        private byte[] readFully(TarArchiveInputStream tar, TarArchiveEntry e, String entry) throws ArchiveException {
            byte[] bytes;
            try {
                bytes = tar.readNBytes((int) e.getSize());
            } catch (IOException ex) {
                throw truncated(entry, ex);
            }
            if (bytes.length != e.getSize()) {
                throw truncated(entry, null);
            }
            return bytes;
        }

        private ArchiveException truncated(String entry, Exception cause) {
            return new ArchiveException(where + " ends in the middle of " + entry
                    + "; it is truncated or damaged" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
        }

        private InputStream decompress(BufferedInputStream in) throws IOException {
            in.mark(16);
            byte[] head = in.readNBytes(4);
            in.reset();
            if (head.length == 0) {
                throw new ArchiveException(where + " is empty; expected the output of `hoist save` or `docker save`");
            }
            try {
                return switch (Ingest.compressionOf(head, head.length)) {
                    case GZIP -> new GZIPInputStream(in, 64 * 1024);
                    case ZSTD -> new ZstdInputStream(in);
                    case NONE -> head.length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h'
                            ? new BZip2CompressorInputStream(in, true) : in;
                };
            } catch (IOException e) {
                throw new ArchiveException(where + " looks compressed but cannot be decompressed: " + e.getMessage(), e);
            }
        }

        /** Makes the list of images from what was read; stores new manifests for Docker-format images. */
        List<Pending> interpret() throws IOException {
            byte[] layoutFile = metadata.get(LayoutIndex.OCI_LAYOUT);
            byte[] indexJson = metadata.get(LayoutIndex.INDEX_JSON);
            byte[] manifestJson = metadata.get(MANIFEST_JSON);
            boolean layout = layoutFile != null && indexJson != null;
            if (!layout && manifestJson == null) {
                if (indexJson != null) {
                    throw new ArchiveException(where + " has an index.json but no oci-layout file, and no manifest.json;"
                            + " it is neither an OCI image layout nor a docker save archive");
                }
                throw new ArchiveException(where + " has no manifest.json and no index.json: it is not an image"
                        + " archive from `docker save`, `hoist save` or an OCI tool"
                        + (metadata.containsKey(REPOSITORIES) ? " (archives of Docker before 1.10 are not supported)" : ""));
            }
            ManifestIngester importer = new ManifestIngester(images, this);
            Map<Digest, Pending> byTarget = new LinkedHashMap<>();
            if (layout) {
                LayoutIndex.checkLayoutFile(layoutFile, where);
                ImageIndex index = LayoutIndex.parseIndex(indexJson, where);
                List<Descriptor> entries = index.manifests();
                for (int i = 0; i < entries.size(); i++) {
                    Descriptor d = entries.get(i);
                    if (!OciLayoutReader.isImage(d)) {
                        continue;
                    }
                    String ref = d.annotation(LayoutIndex.REF_NAME);
                    ManifestIngester.Imported imported = importer.importTarget(d,
                            "index.json entry " + (i + 1) + (ref == null ? "" : " (" + ref + ")"));
                    Descriptor target = new Descriptor(d.mediaType(), d.digest(), d.size());
                    Pending p = byTarget.computeIfAbsent(d.digest(), k -> new Pending(target, ref, imported.configs()));
                    p.names.addAll(LayoutIndex.suggestedNames(d, where));
                }
            }
            if (manifestJson != null) {
                List<DockerManifestItem> items = parseManifestJson(manifestJson);
                for (int i = 0; i < items.size(); i++) {
                    DockerManifestItem item = items.get(i);
                    String what = "image " + (i + 1) + " of manifest.json"
                            + (item.repoTags().isEmpty() ? "" : " (" + item.repoTags().get(0) + ")");
                    List<String> tags = repoTags(item, what);
                    if (item.config() == null || item.config().isEmpty()) {
                        throw new ArchiveException(what + " in " + where + " has no Config");
                    }
                    Ingest.Blob config = resolve(item.config(), "the config of " + what);
                    boolean matched = false;
                    for (Pending p : byTarget.values()) {
                        if (p.configs.contains(config.digest())) {
                            p.names.addAll(tags);
                            matched = true;
                        }
                    }
                    if (!matched) {
                        Image image = commitDockerImage(importer, item, config, what);
                        Pending p = byTarget.computeIfAbsent(image.target().digest(),
                                k -> new Pending(image.target(), null, Set.of(config.digest())));
                        p.names.addAll(tags);
                    }
                }
            }
            if (byTarget.isEmpty()) {
                throw new ArchiveException(where + " holds no image (its index.json and manifest.json list none)");
            }
            return new ArrayList<>(byTarget.values());
        }

        private List<DockerManifestItem> parseManifestJson(byte[] bytes) throws ArchiveException {
            String prefix = "the manifest.json of " + where + " is not valid: ";
            com.fasterxml.jackson.databind.JsonNode tree;
            try {
                tree = OciJson.mapper().readTree(bytes);
            } catch (IOException e) {
                throw new ArchiveException(prefix + "not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
            }
            if (tree == null || !tree.isArray()) {
                throw new ArchiveException(prefix + "expected a JSON list of images, as docker save writes");
            }
            try {
                return OciJson.mapper().convertValue(tree, new TypeReference<List<DockerManifestItem>>() {
                });
            } catch (IllegalArgumentException e) {
                throw new ArchiveException(prefix + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }

        private List<String> repoTags(DockerManifestItem item, String what) throws ArchiveException {
            List<String> out = new ArrayList<>();
            for (String tag : item.repoTags()) {
                try {
                    Reference ref = Reference.parse(tag);
                    if (ref.digest() != null) {
                        throw new ArchiveException(what + " in " + where + " has the RepoTag \"" + tag
                                + "\" with a digest; a RepoTag is name:tag");
                    }
                    out.add(ref.toString());
                } catch (InvalidReferenceException e) {
                    throw new ArchiveException(what + " in " + where + " has the RepoTag \"" + tag
                            + "\", which is not a valid image name: " + e.getMessage(), e);
                }
            }
            return out;
        }

        /** Builds, checks and stores an OCI manifest for an image described only by manifest.json. */
        private Image commitDockerImage(ManifestIngester importer, DockerManifestItem item, Ingest.Blob configBlob,
                                        String what) throws IOException {
            ImageConfig config;
            try {
                config = ImageConfig.parse(blobs.readAllBytes(configBlob.digest()));
            } catch (InvalidContentException e) {
                throw new ArchiveException("the config " + item.config() + " of " + what + " in " + where
                        + " is not a valid image config: " + e.getMessage(), e);
            }
            List<Descriptor> layers = new ArrayList<>();
            List<Ingest.Blob> stored = new ArrayList<>();
            for (int i = 0; i < item.layers().size(); i++) {
                Ingest.Blob b = resolve(item.layers().get(i), "layer " + (i + 1) + " of " + what);
                layers.add(new Descriptor(b.compression().ociLayerMediaType(), b.digest(), b.size()));
                stored.add(b);
            }
            importer.checkDiffIds(config, layers, stored, what);
            return images.commit(config, layers, false);
        }

        /** The file at {@code path} (named by manifest.json), following links inside the archive. */
        private Ingest.Blob resolve(String path, String what) throws ArchiveException {
            String p = TarPaths.normalise(path, "manifest.json of " + where + " (" + what + ")");
            for (int hop = 0; hop <= TarPaths.maxLinkHops(); hop++) {
                Ingest.Blob b = files.get(p);
                if (b != null) {
                    return b;
                }
                String next = links.get(p);
                if (next == null) {
                    throw new ArchiveException("manifest.json of " + where + " names \"" + path + "\" for " + what
                            + ", but the archive has no such file; it is incomplete or damaged");
                }
                p = next;
            }
            throw new ArchiveException("manifest.json of " + where + " names \"" + path + "\" for " + what
                    + ", which is a chain of more than " + TarPaths.maxLinkHops() + " links");
        }
    }

    private static boolean isMetadata(String name) {
        return name.equals(MANIFEST_JSON) || name.equals(LayoutIndex.INDEX_JSON) || name.equals(LayoutIndex.OCI_LAYOUT)
                || name.equals(REPOSITORIES);
    }

    private static boolean isLegacyLayerMetadata(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0 || name.indexOf('/', slash + 1) >= 0) {
            return false;
        }
        String file = name.substring(slash + 1);
        return file.equals("json") || file.equals("VERSION");
    }
}
