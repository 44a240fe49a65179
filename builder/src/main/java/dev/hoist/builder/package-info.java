/**
 * Builds images from Dockerfiles: {@link dev.hoist.builder.Builder} runs a {@link dev.hoist.builder.BuildRequest}
 * into a {@link dev.hoist.builder.BuildResult}, with a content-addressed {@link dev.hoist.builder.BuildCache}.
 */
package dev.hoist.builder;
