package dev.hoist.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds the slirp4netns program that gives {@link NetworkMode#PRIVATE} containers their network. */
final class Slirp4netns {

    static final String INSTALL_HINT = "the private network needs slirp4netns, which is not installed: install it "
            + "(apt-get install slirp4netns) or use --network none or --network host";

    private Slirp4netns() {
    }

    /** slirp4netns on the PATH, else in /usr/bin, /usr/local/bin or /bin; empty when it is nowhere. */
    static Optional<Path> find() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, "slirp4netns");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
