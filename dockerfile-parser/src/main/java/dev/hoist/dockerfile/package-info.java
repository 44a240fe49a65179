/**
 * The Dockerfile language as BuildKit's frontend reads it, in three layers: {@link
 * dev.hoist.dockerfile.syntax} turns bytes into a tree of instruction lines (and prints BuildKit's
 * s-expression dump); {@link dev.hoist.dockerfile.DockerfileParser} turns that tree into typed
 * {@link dev.hoist.dockerfile.Instruction}s grouped into {@link dev.hoist.dockerfile.Stage}s; variables are
 * expanded late, per stage, with {@link dev.hoist.dockerfile.ShellLexer}, {@link dev.hoist.dockerfile.ArgScope}
 * and {@link dev.hoist.dockerfile.StageScope}. {@link dev.hoist.dockerfile.DockerIgnore} reads
 * {@code .dockerignore}. Nothing here knows how to build; every error is a
 * {@link dev.hoist.dockerfile.DockerfileException} with its file, line and column.
 */
package dev.hoist.dockerfile;
