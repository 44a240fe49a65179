/**
 * BuildKit's line parser: directives, comments, continuations, heredocs, flags and per-instruction argument
 * splitting, producing a {@link dev.hoist.dockerfile.syntax.SyntaxTree} whose {@code dump()} matches BuildKit's
 * parser dumper line for line. Knows nothing of what instructions mean.
 */
package dev.hoist.dockerfile.syntax;
