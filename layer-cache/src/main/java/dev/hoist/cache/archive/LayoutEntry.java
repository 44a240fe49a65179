package dev.hoist.cache.archive;

import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Reference;

import java.util.Objects;

/**
 * An image to write into an OCI layout and how the layout's {@code index.json} names it.
 *
 * @param image     the local image
 * @param refName   the {@code org.opencontainers.image.ref.name} annotation (what {@code oci:DIR:TAG} selects),
 *                  or null
 * @param imageName the {@code io.containerd.image.name} annotation (a full, normalised reference), or null
 */
public record LayoutEntry(Image image, String refName, String imageName) {

    public LayoutEntry {
        Objects.requireNonNull(image, "image");
        if (refName != null && !LayoutIndex.isValidRefName(refName)) {
            throw new IllegalArgumentException("\"" + refName + "\" is not a valid OCI ref name (letters, digits and"
                    + " -._:@+ separators, components joined by /)");
        }
    }

    /**
     * The image under a name such as {@code busybox:1.36}: the ref name is the tag ({@code 1.36}, as
     * {@code docker save} and skopeo's {@code oci:DIR:1.36} use it) and the image name the normalised reference
     * ({@code docker.io/library/busybox:1.36}). A name without a tag gets {@code latest}; a name with only a
     * digest gets no ref name.
     */
    public static LayoutEntry named(Image image, String name) {
        Reference ref = Reference.parse(name);
        return new LayoutEntry(image, ref.tag(), LocalImages.normaliseName(name));
    }

    /** The image under a ref name only, as {@code skopeo copy ... oci:DIR:refName} writes it. */
    public static LayoutEntry refName(Image image, String refName) {
        return new LayoutEntry(image, Objects.requireNonNull(refName, "refName"), null);
    }

    /** The image with no name: reachable by digest only. */
    public static LayoutEntry untagged(Image image) {
        return new LayoutEntry(image, null, null);
    }
}
