package dev.hoist.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Resolves {@code --chown=user[:group]} to numeric IDs, by name in an image's /etc/passwd and /etc/group. Stateless. */
final class Owners {

    @FunctionalInterface
    interface RootSupplier {
        Path get() throws IOException;
    }

    private Owners() {
    }

    /**
     * The uid and gid {@code spec} names, or null when a name is unknown. Without a group the gid is the uid's
     * number, as Docker documents.
     */
    static int[] resolve(String spec, RootSupplier root) throws IOException {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? "" : spec.substring(colon + 1);
        Integer uid = user.matches("[0-9]+") ? Integer.valueOf(user) : lookup(root.get(), "etc/passwd", user);
        if (uid == null) {
            return null;
        }
        Integer gid;
        if (group.isEmpty()) {
            gid = uid;
        } else {
            gid = group.matches("[0-9]+") ? Integer.valueOf(group) : lookup(root.get(), "etc/group", group);
        }
        return gid == null ? null : new int[] {uid, gid};
    }

    private static Integer lookup(Path root, String file, String name) throws IOException {
        Path p = root.resolve(file);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(name) && f[2].matches("[0-9]+")) {
                return Integer.valueOf(f[2]);
            }
        }
        return null;
    }
}
