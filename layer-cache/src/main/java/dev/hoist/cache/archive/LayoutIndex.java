package dev.hoist.cache.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.OciJson;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of an OCI image layout ({@code oci-layout}, {@code index.json}) and the annotations that name
 * images in it. Stateless.
 */
final class LayoutIndex {
    static final String OCI_LAYOUT = "oci-layout";
    static final String INDEX_JSON = "index.json";
    static final String BLOBS = "blobs";
    /** The one layout version of the image spec. */
    static final String LAYOUT_VERSION = "1.0.0";
    static final byte[] OCI_LAYOUT_BYTES = ("{\"imageLayoutVersion\":\"" + LAYOUT_VERSION + "\"}")
            .getBytes(StandardCharsets.UTF_8);

    /** The image spec's annotation for the name of a reference in a layout (skopeo's {@code oci:DIR:NAME}). */
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** containerd's (and Docker 25's) annotation for the full image name. */
    static final String IMAGE_NAME = "io.containerd.image.name";

    private LayoutIndex() {
    }

    /**
     * Whether {@code name} is a valid ref name: {@code ref ::= component ("/" component)*}, {@code component ::=
     * alphanum (separator alphanum)*}, {@code alphanum ::= [A-Za-z0-9]+}, {@code separator ::= [-._:@+] | "--"}.
     * Checked by hand: the pattern this was, compiled when the class loaded, cost every command that opened a
     * layout milliseconds of start-up (regex compilation links lambda forms).
     */
    static boolean isValidRefName(String name) {
        if (name == null) {
            return false;
        }
        int n = name.length();
        int i = 0;
        while (true) {
            int run = i;
            while (i < n && isAlphanumeric(name.charAt(i))) {
                i++;
            }
            if (i == run) {
                return false; // a component, or what follows a separator, starts with a letter or digit
            }
            if (i == n) {
                return true;
            }
            char c = name.charAt(i);
            if (c == '-' && i + 1 < n && name.charAt(i + 1) == '-') {
                i += 2;
            } else if (c == '/' || "-._:@+".indexOf(c) >= 0) {
                i++;
            } else {
                return false;
            }
        }
    }

    private static boolean isAlphanumeric(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /**
     * Checks an {@code oci-layout} file.
     *
     * @param where for messages, e.g. "the layout at /tmp/x"
     */
    static void checkLayoutFile(byte[] bytes, String where) throws ArchiveException {
        ObjectNode node;
        try {
            node = OciJson.readObject(bytes, "oci-layout file");
        } catch (InvalidContentException e) {
            throw new ArchiveException("the oci-layout file of " + where + " is not valid: " + e.getMessage(), e);
        }
        JsonNode version = node.get("imageLayoutVersion");
        if (version == null || !version.isTextual()) {
            throw new ArchiveException("the oci-layout file of " + where + " has no imageLayoutVersion; it is not an"
                    + " OCI image layout");
        }
        if (!version.asText().startsWith("1.")) {
            throw new ArchiveException(where + " is an OCI image layout version " + version.asText()
                    + "; this hoist reads version " + LAYOUT_VERSION);
        }
    }

    /** Parses an {@code index.json}. */
    static ImageIndex parseIndex(byte[] bytes, String where) throws ArchiveException {
        try {
            return ImageIndex.parse(bytes);
        } catch (InvalidContentException e) {
            throw new ArchiveException("the index.json of " + where + " is not a valid image index: " + e.getMessage(), e);
        }
    }

    /**
     * The names an entry of {@code index.json} gives its image, normalised: {@code io.containerd.image.name}, else
     * the ref name when it is a full reference (has a {@code /} or {@code :}, as {@code busybox:1.36} or
     * {@code example.com/app}); a bare ref name such as {@code latest} names nothing.
     */
    static List<String> suggestedNames(Descriptor entry, String where) throws ArchiveException {
        List<String> names = new ArrayList<>();
        String imageName = entry.annotation(IMAGE_NAME);
        if (imageName != null && !imageName.isEmpty()) {
            try {
                names.add(LocalImages.normaliseName(imageName));
            } catch (InvalidReferenceException e) {
                throw new ArchiveException("index.json of " + where + " names " + entry.digest() + " \"" + imageName
                        + "\", which is not a valid image reference: " + e.getMessage(), e);
            }
            return names;
        }
        String ref = entry.annotation(REF_NAME);
        if (ref != null && (ref.indexOf('/') >= 0 || ref.indexOf(':') >= 0)) {
            try {
                names.add(LocalImages.normaliseName(ref));
            } catch (InvalidReferenceException e) {
                // a ref name that is not a reference (e.g. "v1:debug") names nothing
            }
        }
        return names;
    }

    /** Annotations for an entry: the ref name and the image name when given, after {@code base}. */
    static Map<String, String> annotations(Map<String, String> base, String refName, String imageName) {
        Map<String, String> a = new LinkedHashMap<>(base);
        if (imageName != null) {
            a.put(IMAGE_NAME, imageName);
        }
        if (refName != null) {
            a.put(REF_NAME, refName);
        }
        return a;
    }
}
