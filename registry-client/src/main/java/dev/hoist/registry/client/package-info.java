/**
 * The registry client: pull, push and copy images over the distribution API, with Docker's credentials and
 * auth flows, retries and resumable transfers.
 *
 * <ul>
 *   <li>{@link dev.hoist.registry.client.RegistryClient} (built with
 *       {@link dev.hoist.registry.client.RegistryClient#builder}) pulls into and pushes from a
 *       {@link dev.hoist.cache.image.LocalImages} store, copies between registries, reads manifests and tags, and
 *       logs in. Failures are {@link dev.hoist.registry.client.RegistryException}s with the registry's error
 *       code, the HTTP status and advice.</li>
 *   <li>{@link dev.hoist.registry.client.Transports} parses skopeo's transport strings and copies between
 *       registries, OCI layouts and archives, Docker archives and the local store.</li>
 *   <li>{@link dev.hoist.registry.client.DockerConfig} reads and writes {@code ~/.docker/config.json} and runs
 *       credential helpers; any {@link dev.hoist.registry.client.CredentialsProvider} can replace it.</li>
 *   <li>{@link dev.hoist.registry.client.ProgressListener} hears per-blob progress;
 *       {@link dev.hoist.registry.client.RetryPolicy} and {@link dev.hoist.registry.client.Sleeper} shape
 *       retries.</li>
 * </ul>
 */
package dev.hoist.registry.client;
