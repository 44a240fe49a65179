package dev.hoist.cli;

/** The command line is wrong: the message says how; the command exits with status 2 and a pointer to help. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
