package dev.hoist.cache;

import java.io.IOException;

/**
 * The root of the local store's checked exceptions: something under the hoist root could not be read or
 * written. Messages say what happened, where, and what the user can do about it.
 */
public class StoreException extends IOException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
