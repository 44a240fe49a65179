package dev.hoist.dockerfile.syntax;

/** A parser directive at the top of a Dockerfile ({@code # syntax=}, {@code # escape=}, {@code # check=}). Immutable. */
public record Directive(String name, String value, int line) {
}
