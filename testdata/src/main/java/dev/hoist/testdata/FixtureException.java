package dev.hoist.testdata;

import java.io.IOException;

/**
 * A fixture could not be made: a host tool is missing or unusable, or writing the fixture failed. The message
 * says what to do (for example which Debian package to install). An {@link IOException} so that tests which
 * already declare {@code throws IOException} need nothing more.
 */
public final class FixtureException extends IOException {

    private static final long serialVersionUID = 1L;

    public FixtureException(String message) {
        super(message);
    }

    public FixtureException(String message, Throwable cause) {
        super(message, cause);
    }
}
