package dev.hoist.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a user's container is beyond its {@link ContainerSpec}, kept in its state under the hoist root for {@code ps}
 * and {@code inspect}, as Docker keeps a container's configuration. A container started with one is listed,
 * named, and reachable from other processes ({@code exec}, {@code stop}, {@code kill}) while it runs.
 *
 * @param name          the name, unique among the containers of the root; empty to have one generated
 * @param image         the image as the user named it
 * @param imageId       the image's id ({@code sha256:…}), or empty
 * @param entrypoint    the entrypoint the command was made of, null for none
 * @param cmd           the command after the entrypoint, null for none
 * @param labels        the image's labels
 * @param autoRemove    whether the container is removed once it has exited ({@code --rm})
 * @param writableLayer a directory of the caller's (its upper and work directories) removed with the container, or null
 */
public record ContainerInfo(String name, String image, String imageId, List<String> entrypoint, List<String> cmd,
                            Map<String, String> labels, boolean autoRemove, Path writableLayer) {

    public ContainerInfo {
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        imageId = imageId == null ? "" : imageId;
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
