/**
 * Moving images between the local store and files, readable by Docker and by OCI tools such as skopeo.
 *
 * <ul>
 *   <li>{@link dev.hoist.cache.archive.OciLayoutWriter} writes local images into an OCI image layout directory
 *       (what skopeo calls {@code oci:DIR:TAG}); {@link dev.hoist.cache.archive.OciLayoutReader} reads one into
 *       the store, verifying every blob.</li>
 *   <li>{@link dev.hoist.cache.archive.DockerArchiveWriter} writes the tar of {@code hoist save}: an OCI layout
 *       plus Docker's {@code manifest.json} and {@code repositories}, as Docker 25 writes it, so that
 *       {@code docker load} (also Docker 20) and OCI tools both read it.</li>
 *   <li>{@link dev.hoist.cache.archive.ArchiveLoader} reads such a tar, a {@code docker save} tar of any Docker
 *       version or an OCI layout tar, in one pass from a file or a pipe, and tags what it loaded
 *       ({@code hoist load}).</li>
 * </ul>
 *
 * Bad input is an {@link dev.hoist.cache.archive.ArchiveException}; nothing is tagged then.
 */
package dev.hoist.cache.archive;
