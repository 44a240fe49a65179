package dev.hoist.cache;

import dev.hoist.oci.Urandom;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of temporary files under {@code tmp/} and the rule for when one is stale. A name is
 * {@code <purpose>.<boot>-<pidns>-<pid>.<random>.tmp}: the first 8 hex digits of the kernel's boot id, the
 * inode of the writer's PID namespace and its PID, so that a temp whose writer is gone can be told from one
 * being written slowly (see {@link #isStale}). Thread-safe.
 */
final class TempFiles {
    private static final String BOOT = bootId();
    private static final long PID_NS = pidNamespace();
    private static final long PID = pid();

    /** The name pattern, for {@link #isStale} only: compiling it is a cost every command would pay. */
    private static final class Names {
        static final Pattern NAME = Pattern.compile(
                "([a-z0-9][a-z0-9-]*)\\.([0-9a-f]{8}|0)-(\\d+)-(\\d+)\\.[0-9a-f]+\\.tmp");
    }

    private TempFiles() {
    }

    static void checkPurpose(String purpose) {
        if (!isPurpose(purpose)) {
            throw new IllegalArgumentException("a temp or lock name is 1 to 40 lowercase letters, digits and"
                    + " dashes, got \"" + purpose + "\"");
        }
    }

    /** [a-z0-9][a-z0-9-]{0,39} */
    private static boolean isPurpose(String s) {
        if (s == null || s.isEmpty() || s.length() > 40 || s.charAt(0) == '-') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static String newName(String purpose) {
        checkPurpose(purpose);
        return purpose + "." + BOOT + "-" + PID_NS + "-" + PID + "." + HexFormat.of().formatHex(Urandom.bytes(8)) + ".tmp";
    }

    /**
     * Whether the temp {@code path}, last modified at {@code modified}, may be removed at {@code now}: when
     * its name says it was made on this boot in this PID namespace, when its process is gone (whatever its
     * age: a live writer may be slow); otherwise when it is older than {@code grace}.
     */
    static boolean isStale(Path path, Instant modified, Instant now, Duration grace) {
        Matcher m = Names.NAME.matcher(path.getFileName().toString());
        boolean ownerKnown = m.matches() && !BOOT.equals("0") && PID_NS != 0
                && m.group(2).equals(BOOT) && Long.parseLong(m.group(3)) == PID_NS;
        if (!ownerKnown) {
            // another boot, another machine sharing the root, another PID namespace, or not named by us
            return !modified.plus(grace).isAfter(now);
        }
        long pid = Long.parseLong(m.group(4));
        if (pid == PID) {
            return false;
        }
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    /** The bytes in {@code path}, a file or a directory tree (links are not followed). */
    static long sizeOf(Path path) throws IOException {
        long[] total = {0};
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    private static String bootId() {
        try {
            String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim().replace("-", "");
            if (id.length() < 8) {
                return "0";
            }
            for (int i = 0; i < 8; i++) {
                char c = id.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return "0";
                }
            }
            return id.substring(0, 8);
        } catch (IOException | RuntimeException e) {
            return "0";
        }
    }

    private static long pidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // pid:[4026531836]
            return link.startsWith("pid:[") && link.endsWith("]") ? Long.parseLong(link, 5, link.length() - 1, 10) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** This process's PID: /proc/self names it (ProcessHandle's first use starts machinery this does not need). */
    private static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }
}
