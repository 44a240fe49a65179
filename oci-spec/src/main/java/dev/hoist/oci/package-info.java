/**
 * The OCI image and Docker image formats as plain Java values; no I/O.
 *
 * <ul>
 *   <li>{@link dev.hoist.oci.Manifest#parse(byte[])} reads what a registry serves for a manifest reference and
 *       returns an {@link dev.hoist.oci.ImageManifest} or an {@link dev.hoist.oci.ImageIndex};
 *       {@link dev.hoist.oci.ImageConfig#parse(byte[])} reads an image config. All three keep the exact bytes
 *       (their {@code digest()} is over those bytes) and write back unknown fields when changed through
 *       {@code toBuilder()}. Bad input is an {@link dev.hoist.oci.InvalidContentException}.</li>
 *   <li>{@link dev.hoist.oci.Reference#parse(String)} parses image references as the Docker CLI does;
 *       {@link dev.hoist.oci.RegistryHosts} has Docker Hub's host names and the loopback rule.</li>
 *   <li>Manifests, indexes, image configs and their parts are read and written by hand-written codecs
 *       (one package-private {@code *Json} class per type) over JSON trees, which a hand-written reader and
 *       writer read and write, so quick commands make neither an {@code ObjectMapper} nor a
 *       {@code JsonFactory}. {@link dev.hoist.oci.OciJson} reads and writes JSON trees the same way
 *       ({@code readTree}, {@code write}); its {@code mapper()} is the
 *       shared data-binding mapper for everything else, made on first use: strict on input, compact and
 *       deterministic on output.</li>
 *   <li>{@link dev.hoist.oci.Digest}, {@link dev.hoist.oci.Descriptor}, {@link dev.hoist.oci.Platform} and
 *       {@link dev.hoist.oci.MediaTypes} are the building blocks.</li>
 * </ul>
 */
package dev.hoist.oci;
