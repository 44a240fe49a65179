package dev.hoist.cache.archive;

import dev.hoist.oci.Digest;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paths inside an image tar: entry names and the paths {@code manifest.json} and links refer to, normalised to
 * {@code a/b/c} (no leading {@code ./}, no empty or {@code .} components) and refused when they are absolute or
 * climb with {@code ..}, as a hostile archive would. Stateless.
 */
final class TarPaths {
    private static final Pattern BLOB = Pattern.compile("blobs/([a-z0-9]+)/([a-f0-9]+)");
    private static final int MAX_LINK_HOPS = 16;

    private TarPaths() {
    }

    /**
     * The normalised form of {@code raw}, an entry name or a path named in {@code manifest.json}.
     *
     * @param what what names the path, for the message ("an entry of the archive x.tar")
     * @throws ArchiveException when it is absolute or has a {@code ..} component
     */
    static String normalise(String raw, String what) throws ArchiveException {
        if (raw.startsWith("/")) {
            throw new ArchiveException(what + " has the absolute path \"" + raw + "\"; refusing it (the archive is"
                    + " broken or hostile)");
        }
        StringBuilder sb = new StringBuilder();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new ArchiveException(what + " has the path \"" + raw + "\", which climbs out with \"..\"; refusing"
                        + " it (the archive is broken or hostile)");
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    /**
     * Where the symbolic link {@code entry} (normalised) pointing at {@code target} leads, inside the archive;
     * {@code ..} may climb within the archive (Docker 25 links {@code <id>/layer.tar} to
     * {@code ../blobs/sha256/<hex>}) but not out of it.
     */
    static String linkTarget(String entry, String target, String what) throws ArchiveException {
        if (target.startsWith("/")) {
            throw new ArchiveException(what + ": the link " + entry + " points at the absolute path \"" + target
                    + "\"; refusing it (the archive is broken or hostile)");
        }
        Deque<String> parts = new ArrayDeque<>();
        int slash = entry.lastIndexOf('/');
        if (slash > 0) {
            for (String p : entry.substring(0, slash).split("/")) {
                parts.addLast(p);
            }
        }
        for (String p : target.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new ArchiveException(what + ": the link " + entry + " points at \"" + target
                            + "\", outside the archive; refusing it (the archive is broken or hostile)");
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        return String.join("/", parts);
    }

    /** The digest that a path {@code blobs/<alg>/<hex>} names, or null for any other path. */
    static Digest blobDigest(String path) {
        Matcher m = BLOB.matcher(path);
        if (!m.matches()) {
            return null;
        }
        String text = m.group(1) + ":" + m.group(2);
        return Digest.isDigest(text) ? Digest.parse(text) : null;
    }

    static int maxLinkHops() {
        return MAX_LINK_HOPS;
    }
}
