package dev.hoist.cache.archive;

import dev.hoist.cache.BlobNotFoundException;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Reference;
import dev.hoist.oci.TempPaths;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the tar of {@code hoist save} as Docker 25 writes {@code docker save}: an OCI image layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/…}) plus Docker's {@code manifest.json} and
 * {@code repositories}, so that {@code docker load} of any version since 1.10 and OCI tools read the same file.
 * Manifests, configs and layers go in exactly as stored (gzip layers stay compressed: {@code docker load}
 * decompresses them), so loading the tar back gives the same image IDs and manifest digests. Each image is
 * written once with all the names given to it, in {@code manifest.json} as {@code RepoTags} and in
 * {@code index.json} as one entry per name. The output is deterministic: entries sorted by name, time 0,
 * owner 0:0, no user or group names. Immutable and thread-safe.
 */
public final class DockerArchiveWriter {
    private static final String MANIFEST_JSON = "manifest.json";
    private static final String REPOSITORIES = "repositories";
    private static final int FILE_MODE = 0100644;
    private static final int DIR_MODE = 040755;

    private final LocalImages images;

    public DockerArchiveWriter(LocalImages images) {
        this.images = Objects.requireNonNull(images, "images");
    }

    /**
     * Writes {@code toSave} to {@code file} (through a temp file renamed into place, so that a failed save leaves
     * no partial tar).
     */
    public void write(List<Image> toSave, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = TempPaths.createFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
                write(toSave, out);
                out.flush();
                ch.force(true);
            }
            // createTempFile makes the file 0600; a saved image is an ordinary file, as `docker save -o` makes it.
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes {@code toSave} as a tar to {@code out} (not closed). Each image is saved with the names in
     * {@link Image#names()} that have a tag; an image given several times (by several names) is written once
     * with all of them. For an image that is a multi-platform index, the index is written with the platforms
     * the store holds, and {@code manifest.json} describes this machine's platform.
     *
     * @throws IOException when a blob is missing or damaged in the store, or writing fails
     */
    public void write(List<Image> toSave, OutputStream out) throws IOException {
        Map<Digest, Image> byTarget = new LinkedHashMap<>();
        Map<Digest, Set<String>> namesByTarget = new LinkedHashMap<>();
        for (Image image : toSave) {
            byTarget.putIfAbsent(image.target().digest(), image);
            Set<String> names = namesByTarget.computeIfAbsent(image.target().digest(), d -> new LinkedHashSet<>());
            for (String n : image.names()) {
                Reference ref = Reference.parse(n);
                if (ref.tag() != null && ref.digest() == null) {
                    names.add(ref.toString());
                }
            }
        }

        ImageBlobs collected = new ImageBlobs(images);
        List<Descriptor> indexEntries = new ArrayList<>();
        List<DockerManifestItem> items = new ArrayList<>();
        Map<String, Map<String, String>> repositories = new TreeMap<>();
        for (Map.Entry<Digest, Image> e : byTarget.entrySet()) {
            Image image = e.getValue();
            collected.add(image);
            Descriptor target = image.target();
            Descriptor plain = new Descriptor(target.mediaType(), target.digest(), target.size());
            List<String> repoTags = new ArrayList<>();
            List<Descriptor> layers = image.manifest().layers();
            for (String name : namesByTarget.get(e.getKey())) {
                Reference ref = Reference.parse(name);
                repoTags.add(ref.familiarString());
                indexEntries.add(plain.withAnnotations(LayoutIndex.annotations(Map.of(), ref.tag(), ref.toString())));
                if (!layers.isEmpty()) {
                    repositories.computeIfAbsent(ref.familiarName(), k -> new TreeMap<>())
                            .put(ref.tag(), layers.get(layers.size() - 1).digest().encoded());
                }
            }
            if (repoTags.isEmpty()) {
                indexEntries.add(plain);
            }
            List<String> layerPaths = new ArrayList<>();
            for (Descriptor layer : layers) {
                layerPaths.add(blobName(layer.digest()));
            }
            items.add(new DockerManifestItem(blobName(image.manifest().config().digest()), repoTags, layerPaths, null, null));
        }

        TreeMap<String, Object> entries = new TreeMap<>();
        for (Digest d : collected.blobs().keySet()) {
            entries.put(LayoutIndex.BLOBS + "/", null);
            entries.put(LayoutIndex.BLOBS + "/" + d.algorithmName() + "/", null);
            entries.put(blobName(d), d);
        }
        entries.put(LayoutIndex.OCI_LAYOUT, LayoutIndex.OCI_LAYOUT_BYTES);
        entries.put(LayoutIndex.INDEX_JSON, ImageIndex.builder().manifests(indexEntries).build().bytes());
        entries.put(MANIFEST_JSON, OciJson.write(items));
        if (!repositories.isEmpty()) {
            entries.put(REPOSITORIES, OciJson.write(repositories));
        }

        BlobStore blobs = images.blobs();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush(); // the caller's stream stays open
            }
        }, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            String name = e.getKey();
            Object content = e.getValue();
            if (content == null) {
                tar.putArchiveEntry(entry(name, DIR_MODE, 0));
            } else if (content instanceof byte[] bytes) {
                tar.putArchiveEntry(entry(name, FILE_MODE, bytes.length));
                tar.write(bytes);
            } else {
                Digest d = (Digest) content;
                long size = blobs.stat(d).orElseThrow(() -> new BlobNotFoundException(d,
                        images.root().blobsDir().toString())).size();
                tar.putArchiveEntry(entry(name, FILE_MODE, size));
                try (InputStream in = blobs.open(d)) {
                    in.transferTo(tar);
                }
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.close();
    }

    private static String blobName(Digest d) {
        return LayoutIndex.BLOBS + "/" + d.algorithmName() + "/" + d.encoded();
    }

    private static TarArchiveEntry entry(String name, int mode, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setSize(size);
        e.setIds(0, 0);
        e.setUserName("");
        e.setGroupName("");
        e.setModTime(0);
        return e;
    }
}
