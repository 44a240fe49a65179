package dev.hoist.oci.distribution;

/** The HTTP header names the distribution spec and Docker Registry v2 define. */
public final class Headers {
    private Headers() {
    }

    public static final String API_VERSION = "Docker-Distribution-API-Version";
    /** The value of {@link #API_VERSION}. */
    public static final String API_VERSION_VALUE = "registry/2.0";
    public static final String CONTENT_DIGEST = "Docker-Content-Digest";
    public static final String UPLOAD_UUID = "Docker-Upload-UUID";
    public static final String OCI_SUBJECT = "OCI-Subject";
    public static final String OCI_FILTERS_APPLIED = "OCI-Filters-Applied";
    /** The minimum chunk size a registry accepts for chunked uploads (OCI 1.1). */
    public static final String OCI_CHUNK_MIN_LENGTH = "OCI-Chunk-Min-Length";
}
