/**
 * hoist's registry: the OCI Distribution API v1.1 (and what Docker clients expect of Registry v2) on Undertow.
 *
 * <ul>
 *   <li>{@link dev.hoist.registry.server.RegistryConfig} is what to run: {@code defaults(hoistRoot)},
 *       {@code load(yamlFile, hoistRoot)}, then {@code withOverrides(flags)} and {@code withEnvironment(env)}.</li>
 *   <li>{@link dev.hoist.registry.server.RegistryServer#start} serves it ({@code hoist registry serve}):
 *       {@code port()}, {@code uri()}, {@code gc(dryRun, deleteUntagged)} while serving, {@code close()}
 *       (graceful). Run it with {@link dev.hoist.registry.server.RegistryServer#JVM_OPTIONS}.</li>
 *   <li>{@link dev.hoist.registry.server.RegistryGc#run} collects garbage offline ({@code hoist registry gc})
 *       and returns a {@link dev.hoist.registry.server.GcReport}.</li>
 *   <li>{@link dev.hoist.registry.server.RegistryStorage} is the storage contract (filesystem today), with
 *       {@link dev.hoist.registry.server.RegistryException} for the spec's errors.</li>
 * </ul>
 */
package dev.hoist.registry.server;
