package dev.hoist.cache.image;

import dev.hoist.cache.StoreException;

/** No image in the local store answers to a name or ID. */
public final class ImageNotFoundException extends StoreException {
    public ImageNotFoundException(String what) {
        super("No such image: " + what + " (see `hoist images`; pull, load or import it first)");
    }
}
