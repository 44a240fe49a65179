package dev.hoist.dockerfile;

/** Expands variables in one word, e.g. a {@link ShellLexer} bound to an environment. */
@FunctionalInterface
public interface WordExpander {

    /** The word with its variables expanded and its quotes removed. */
    String expand(String word) throws DockerfileException;
}
