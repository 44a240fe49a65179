package dev.hoist.cache.archive;

import dev.hoist.oci.Descriptor;

import java.util.List;
import java.util.Objects;

/**
 * One image read from an archive or an OCI layout into the local store.
 *
 * @param target  the stored manifest or index
 * @param refName its {@code org.opencontainers.image.ref.name} in the layout, or null
 * @param names   normalised image names: those {@link ArchiveLoader} tagged it with, or those
 *                {@link OciLayoutReader} suggests (from {@code io.containerd.image.name}, else a ref name that
 *                is a full reference); empty for an untagged image
 */
public record LoadedImage(Descriptor target, String refName, List<String> names) {

    public LoadedImage {
        Objects.requireNonNull(target, "target");
        names = List.copyOf(names);
    }
}
