package dev.hoist.dockerfile.syntax;

/** Something the parser accepted but Docker warns about, with its 1-based line. Immutable. */
public record Warning(String message, int line) {
}
