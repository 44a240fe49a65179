package dev.hoist.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A busybox base root filesystem made from the host's statically linked busybox (Debian's {@code busybox-static}):
 * the same contents as the {@code busybox:local} image of the peer setup, as a deterministic tar or a directory.
 * Nothing comes from the network. Thread-safe; the cached tar is shared by all tests of a user on this machine.
 *
 * <p>Layout: {@code bin/busybox} (0755) and every applet of {@code busybox --list} as a symlink to {@code busybox}
 * in {@code bin/}; {@code etc/passwd} and {@code etc/group} with root and nobody/nogroup; empty {@code dev/},
 * {@code proc/}, {@code root/}, {@code sys/}; {@code tmp/} with mode 1777. Tar entries are sorted, named without a
 * leading {@code ./}, with mtime 0, uid and gid 0 and no user or group names.
 */
public final class Busybox {

    /** Where Debian's {@code busybox-static} installs the binary. */
    public static final Path SYSTEM_BINARY = Path.of("/bin/busybox");

    /** What {@code /etc/passwd} holds in the rootfs. */
    public static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n";

    /** What {@code /etc/group} holds in the rootfs. */
    public static final String GROUP = "root:x:0:\nnogroup:x:65534:\n";

    /** Bump when the rootfs layout changes, so that stale cached tars are not reused. */
    static final int LAYOUT_VERSION = 1;

    private static final String INSTALL_HINT = "install it with: apt-get install busybox-static";

    private static volatile Busybox system;

    private final Path binary;
    private final String sha256;
    private volatile List<String> applets;

    private Busybox(Path binary, String sha256) {
        this.binary = binary;
        this.sha256 = sha256;
    }

    /**
     * The host's {@code /bin/busybox}, checked to be a statically linked ELF executable.
     *
     * @throws FixtureException when it is missing or dynamically linked; the message says to
     *                          {@code apt-get install busybox-static}
     */
    public static Busybox system() throws FixtureException {
        Busybox current = system;
        if (current == null) {
            synchronized (Busybox.class) {
                current = system;
                if (current == null) {
                    current = of(SYSTEM_BINARY);
                    system = current;
                }
            }
        }
        return current;
    }

    /**
     * A busybox binary at {@code binary}, checked to be a statically linked ELF executable (so that it runs inside
     * a rootfs with no C library).
     *
     * @throws FixtureException when it is missing, not an ELF executable or dynamically linked
     */
    public static Busybox of(Path binary) throws FixtureException {
        if (!Files.isRegularFile(binary)) {
            throw new FixtureException("no busybox at " + binary + "; " + INSTALL_HINT);
        }
        Elf.Info elf;
        try {
            elf = Elf.read(binary);
        } catch (IOException e) {
            throw new FixtureException("cannot use " + binary + " as busybox (" + e.getMessage() + "); "
                    + INSTALL_HINT, e);
        }
        if (!elf.isStatic()) {
            throw new FixtureException(binary + " is dynamically linked (it has an ELF interpreter) and would not "
                    + "run in a rootfs without a C library; " + INSTALL_HINT
                    + " (it replaces the dynamically linked busybox package)");
        }
        try {
            return new Busybox(binary, sha256(binary));
        } catch (IOException e) {
            throw new FixtureException("cannot read " + binary + ": " + e.getMessage(), e);
        }
    }

    /**
     * The cached rootfs tar of {@link #system()}: made once per busybox binary and user, then reused by every test
     * in every module. Do not modify the returned file; copy it if you need to.
     */
    public static Path rootfsTar() throws FixtureException {
        return system().cachedRootfsTar();
    }

    /** The busybox binary this rootfs is made from. */
    public Path binary() {
        return binary;
    }

    /** Lower-case hex SHA-256 of the busybox binary; the key of the cached tar. */
    public String sha256() {
        return sha256;
    }

    /**
     * The applets of {@code busybox --list}, sorted, without {@code busybox} itself. Runs busybox once per instance.
     *
     * @throws FixtureException when busybox cannot be run or lists nothing
     */
    public List<String> applets() throws FixtureException {
        List<String> result = applets;
        if (result == null) {
            result = listApplets(binary);
            applets = result;
        }
        return result;
    }

    /**
     * The rootfs as a tar in the per-user cache directory ({@link #cacheDirectory()}), named by the binary's SHA-256;
     * written on first use, atomically, so concurrent test JVMs may race safely.
     */
    public Path cachedRootfsTar() throws FixtureException {
        Path dir = cacheDirectory();
        Path cached = dir.resolve("busybox-rootfs-v" + LAYOUT_VERSION + "-" + sha256 + ".tar");
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        writeRootfsTar(cached);
        return cached;
    }

    /**
     * Builds the rootfs tar afresh and writes it to {@code out} (replacing it atomically; parent directories are
     * created). The same binary always gives the same bytes.
     */
    public void writeRootfsTar(Path out) throws FixtureException {
        FsTree tree = tree();
        Path parent = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "." + out.getFileName() + ".", ".tmp");
            try {
                try (OutputStream os = Files.newOutputStream(tmp)) {
                    tree.writeTar(os);
                }
                Files.setAttribute(tmp, "unix:mode", 0644);
                moveIntoPlace(tmp, out);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new FixtureException("cannot write the busybox rootfs tar to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Writes the rootfs to {@code out}, as the bytes of {@link #writeRootfsTar}, without closing it. */
    public void writeRootfsTar(OutputStream out) throws FixtureException {
        try {
            tree().writeTar(out);
        } catch (IOException e) {
            throw new FixtureException("cannot write the busybox rootfs tar: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the rootfs as a directory tree under {@code dir} (created if missing), with the same modes as the tar,
     * including {@code tmp/} 1777. Files are owned by the current user.
     */
    public void extractRootfs(Path dir) throws FixtureException {
        FsTree tree = tree();
        try {
            tree.writeTo(dir);
        } catch (IOException e) {
            throw new FixtureException("cannot write the busybox rootfs into " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The per-user directory holding cached fixtures: {@code $java.io.tmpdir/hoist-testdata-$user}, or the system
     * property {@code hoist.testdata.cache} when set. Created with mode 0700 if missing.
     */
    public static Path cacheDirectory() throws FixtureException {
        String configured = System.getProperty("hoist.testdata.cache");
        Path dir = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"),
                        "hoist-testdata-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_"));
        try {
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException e) {
                    // created concurrently, or a non-directory: the check below tells
                }
            }
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new FixtureException("the fixture cache " + dir + " is not a writable directory; remove it or "
                        + "set -Dhoist.testdata.cache to another directory");
            }
            if (configured == null && !ownedByThisProcess(dir)) {
                throw new FixtureException("the fixture cache " + dir + " belongs to another user; remove it or "
                        + "set -Dhoist.testdata.cache to a directory of your own");
            }
            return dir;
        } catch (IOException e) {
            if (e instanceof FixtureException fe) {
                throw fe;
            }
            throw new FixtureException("cannot create the fixture cache " + dir + ": " + e.getMessage()
                    + "; set -Dhoist.testdata.cache to a writable directory", e);
        }
    }

    /** True unless the directory's owner is known to differ from this process's user (/proc/self tells it). */
    private static boolean ownedByThisProcess(Path dir) throws IOException {
        Path self = Path.of("/proc/self");
        if (!Files.exists(self)) {
            return true;
        }
        return Files.getAttribute(self, "unix:uid").equals(Files.getAttribute(dir, "unix:uid"));
    }

    FsTree tree() throws FixtureException {
        List<String> names = applets();
        FsTree tree = new FsTree();
        try {
            tree.directory("bin", 0755);
            tree.file("bin/busybox", 0755, binary);
        } catch (IOException e) {
            throw new FixtureException("cannot read " + binary + ": " + e.getMessage(), e);
        }
        for (String applet : names) {
            tree.symlink("bin/" + applet, "busybox");
        }
        tree.directory("dev", 0755)
                .directory("etc", 0755)
                .file("etc/group", 0644, GROUP.getBytes(StandardCharsets.UTF_8))
                .file("etc/passwd", 0644, PASSWD.getBytes(StandardCharsets.UTF_8))
                .directory("proc", 0755)
                .directory("root", 0755)
                .directory("sys", 0755)
                .directory("tmp", 01777);
        return tree;
    }

    private static List<String> listApplets(Path binary) throws FixtureException {
        Process process;
        try {
            process = new ProcessBuilder(binary.toString(), "--list").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new FixtureException("cannot run " + binary + " --list: " + e.getMessage() + "; " + INSTALL_HINT, e);
        }
        String output;
        int exit;
        try (InputStream in = process.getInputStream()) {
            process.getOutputStream().close();
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FixtureException(binary + " --list did not finish within 60 seconds");
            }
            exit = process.exitValue();
        } catch (IOException e) {
            process.destroyForcibly();
            throw new FixtureException("cannot read the output of " + binary + " --list: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FixtureException("interrupted while running " + binary + " --list", e);
        }
        if (exit != 0) {
            throw new FixtureException(binary + " --list exited with " + exit + ": " + output.strip());
        }
        List<String> names = new ArrayList<>();
        for (String line : output.split("\n")) {
            String name = line.strip();
            if (name.isEmpty() || name.equals("busybox")) {
                continue;
            }
            if (name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new FixtureException(binary + " --list printed an unexpected applet name: " + name);
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw new FixtureException(binary + " --list printed no applets; " + INSTALL_HINT);
        }
        names.sort(null);
        return List.copyOf(new java.util.LinkedHashSet<>(names));
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest()).toLowerCase(Locale.ROOT);
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
