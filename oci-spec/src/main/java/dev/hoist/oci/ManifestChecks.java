package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The checks shared by manifest and index parsing: kind detection, schema 1, schema version. Stateless. */
final class ManifestChecks {
    private ManifestChecks() {
    }

    /**
     * Whether {@code tree} is an index (true) or a manifest (false), by mediaType, else by its fields.
     *
     * @throws InvalidContentException for schema 1, unknown media types, and ambiguous or shapeless documents
     */
    static boolean isIndex(ObjectNode tree, String what) throws InvalidContentException {
        String mediaType = mediaType(tree, what);
        checkNotSchema1(tree, mediaType, what);
        boolean hasManifests = tree.has("manifests");
        boolean hasImageFields = tree.has("layers") || tree.has("config");
        if (hasManifests && hasImageFields) {
            throw InvalidContentException.malformed(what,
                    "the document has both \"manifests\" and \"layers\"/\"config\", so it is ambiguous between an index and a manifest");
        }
        if (mediaType != null) {
            if (MediaTypes.isManifest(mediaType)) {
                return false;
            }
            if (MediaTypes.isIndex(mediaType)) {
                return true;
            }
            throw InvalidContentException.unsupported(what, "unsupported manifest media type \"" + mediaType
                    + "\" (hoist reads " + MediaTypes.OCI_MANIFEST + ", " + MediaTypes.OCI_INDEX + ", "
                    + MediaTypes.DOCKER_MANIFEST + " and " + MediaTypes.DOCKER_MANIFEST_LIST + ")");
        }
        if (hasManifests) {
            return true;
        }
        if (hasImageFields) {
            return false;
        }
        throw InvalidContentException.malformed(what,
                "it has no mediaType and neither \"manifests\" (an index) nor \"config\" and \"layers\" (a manifest)");
    }

    /** The document's mediaType string, or null when absent or null. */
    static String mediaType(ObjectNode tree, String what) throws InvalidContentException {
        JsonNode mt = tree.get("mediaType");
        if (mt == null || mt.isNull()) {
            return null;
        }
        if (!mt.isTextual()) {
            throw InvalidContentException.malformed(what, "mediaType must be a string");
        }
        return mt.asText();
    }

    /** Refuses Docker image manifest schema 1 with a message that says what to do. */
    static void checkNotSchema1(ObjectNode tree, String mediaType, String what) throws InvalidContentException {
        JsonNode sv = tree.get("schemaVersion");
        boolean schema1 = MediaTypes.isSchema1(mediaType)
                || (sv != null && sv.isIntegralNumber() && sv.asLong() == 1)
                || (mediaType == null && tree.has("fsLayers"));
        if (schema1) {
            throw InvalidContentException.unsupported(what,
                    "Docker image manifest schema 1 is deprecated and not supported; ask the registry for "
                            + MediaTypes.DOCKER_MANIFEST + " or " + MediaTypes.OCI_MANIFEST
                            + ", or rebuild and push the image with a current Docker or hoist");
        }
    }

    /** Checks {@code schemaVersion} is present and 2. */
    static void checkSchemaVersion(Integer schemaVersion, String what) throws InvalidContentException {
        if (schemaVersion == null) {
            throw InvalidContentException.malformed(what, "schemaVersion is missing (it must be 2)");
        }
        if (schemaVersion != 2) {
            throw InvalidContentException.unsupported(what, "schemaVersion is " + schemaVersion + "; only 2 is supported");
        }
    }
}
