import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Merges the launcher's class path (hoist.jar, then its libraries, in class-path order) into one jar, run by
 * cds-archive.sh at package time: {@code java MergeJars.java OUT.jar IN.jar...}.
 *
 * <p>Why: every jar on the class path costs a command's start about half a millisecond the first time a class
 * comes from it (its manifest parsed, a code source, a protection domain, its packages defined), even with
 * the classes in the CDS archive; `hoist run` touches six. One jar with a two-line manifest saves ~4 ms of it.
 *
 * <p>What: the first of entries with the same name wins, as on the class path; {@code META-INF/services/} files
 * of the same name are joined; every jar's manifest, signature files and {@code module-info.class} are left
 * out (the jars are plain class-path entries, as before); {@code META-INF/versions/} entries are kept and the
 * merged jar is multi-release, so each JDK still picks the classes meant for it. Entries get a fixed time, so
 * the same inputs give the same bytes.
 */
public final class MergeJars {
    private static final long FIXED_TIME = 315_532_800_000L; // 1980-01-01T00:00:00Z, the earliest a zip can say

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java MergeJars.java OUT.jar IN.jar...");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Map<String, ByteArrayOutputStream> services = new LinkedHashMap<>();
        Set<String> written = new LinkedHashSet<>();
        int skipped = 0;
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
            zip.setLevel(Deflater.BEST_SPEED);
            put(zip, "META-INF/", null);
            put(zip, "META-INF/MANIFEST.MF", ("Manifest-Version: 1.0\r\nMulti-Release: true\r\n"
                    + "Created-By: hoist cli/src/build/MergeJars.java\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            written.add("META-INF/");
            written.add("META-INF/MANIFEST.MF");
            for (int i = 1; i < args.length; i++) {
                try (ZipFile jar = new ZipFile(args[i])) {
                    List<? extends ZipEntry> entries = list(jar);
                    for (ZipEntry e : entries) {
                        String name = e.getName();
                        if (leftOut(name)) {
                            continue;
                        }
                        if (name.startsWith("META-INF/services/") && !e.isDirectory()) {
                            ByteArrayOutputStream joined = services.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                            try (InputStream in = jar.getInputStream(e)) {
                                in.transferTo(joined);
                            }
                            joined.write('\n');
                            continue;
                        }
                        if (!written.add(name)) {
                            skipped += e.isDirectory() ? 0 : 1;
                            continue;
                        }
                        if (e.isDirectory()) {
                            put(zip, name, null);
                        } else {
                            try (InputStream in = jar.getInputStream(e)) {
                                put(zip, name, in.readAllBytes());
                            }
                        }
                    }
                }
            }
            for (Map.Entry<String, ByteArrayOutputStream> s : services.entrySet()) {
                put(zip, s.getKey(), s.getValue().toByteArray());
            }
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("merged " + (args.length - 1) + " jars into " + out + ": " + written.size() + " entries, "
                + services.size() + " service files joined, " + skipped + " later duplicates left out");
    }

    private static List<? extends ZipEntry> list(ZipFile jar) {
        List<ZipEntry> all = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = jar.entries(); en.hasMoreElements(); ) {
            all.add(en.nextElement());
        }
        return all;
    }

    /** The jars' own manifests and signatures, and module descriptors: the merged jar is not a module. */
    static boolean leftOut(String name) {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        if (upper.equals("META-INF/MANIFEST.MF") || upper.equals("META-INF/INDEX.LIST") || name.equals("META-INF/")) {
            return true;
        }
        if (upper.startsWith("META-INF/") && upper.indexOf('/', 9) < 0
                && (upper.endsWith(".SF") || upper.endsWith(".RSA") || upper.endsWith(".DSA") || upper.endsWith(".EC"))) {
            return true;
        }
        return name.equals("module-info.class") || name.startsWith("META-INF/versions/") && name.endsWith("/module-info.class");
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(FIXED_TIME);
        zip.putNextEntry(e);
        if (content != null) {
            zip.write(content);
        }
        zip.closeEntry();
    }

    private MergeJars() {
    }
}
