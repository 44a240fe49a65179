package dev.hoist.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Resolves {@code --chown=user[:group]}, and the USER a WORKDIR's directories belong to, to numeric IDs, by name in
 * an image's /etc/passwd and /etc/group. Stateless.
 */
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

    /**
     * The uid and gid that own what a step makes as {@code user} (the image's USER: {@code user[:group]}), as
     * BuildKit resolves it for a WORKDIR's directories ({@code llb.WithUser}, the file op's {@code readUser}): a
     * number, or {@code root}, is that id for both uid and gid; a name is its uid and gid in /etc/passwd; a group
     * number or name (in /etc/group) then sets the gid. A name the files do not have leaves 0, as BuildKit does.
     */
    static int[] ofUser(String user, RootSupplier root) throws IOException {
        int colon = user.indexOf(':');
        String name = colon < 0 ? user : user.substring(0, colon);
        int[] ids = {0, 0};
        Integer id = numericId(name);
        if (id != null) {
            ids[0] = id;
            ids[1] = id;
        } else {
            String[] entry = entry(root.get(), "etc/passwd", name, 4);
            if (entry != null) {
                ids[0] = Integer.parseInt(entry[2]);
                ids[1] = Integer.parseInt(entry[3]);
            }
        }
        if (colon >= 0) {
            String group = user.substring(colon + 1);
            Integer gid = numericId(group);
            if (gid == null) {
                String[] entry = entry(root.get(), "etc/group", group, 3);
                gid = entry == null ? null : Integer.valueOf(entry[2]);
            }
            if (gid != null) {
                ids[1] = gid;
            }
        }
        return ids;
    }

    /** {@code s} as an id when it is one: {@code root} or a number (BuildKit's {@code parseUID}); else null. */
    private static Integer numericId(String s) {
        if (s.equals("root")) {
            return 0;
        }
        return isId(s) ? Integer.valueOf(s) : null;
    }

    /** Whether {@code s} is a number that fits an id; by hand, as a regex costs a fresh JVM milliseconds. */
    private static boolean isId(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return Long.parseLong(s) <= Integer.MAX_VALUE;
    }

    /**
     * The first line of {@code file} under {@code root} for {@code name}, split at ':', whose fields 2 up to
     * {@code fields - 1} are numbers; null when there is none (or no such file).
     */
    private static String[] entry(Path root, String file, String name, int fields) throws IOException {
        Path p = root.resolve(file);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            String[] f = line.split(":", -1);
            if (f.length >= fields && f[0].equals(name)) {
                boolean numbers = true;
                for (int i = 2; i < fields; i++) {
                    numbers &= isId(f[i]);
                }
                if (numbers) {
                    return f;
                }
            }
        }
        return null;
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
