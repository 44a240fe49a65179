package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.registry.client.ProxyEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The remote sources of ADD: files downloaded over HTTP(S) (named after the URL's last path segment, mode 0600,
 * modified at the response's {@code Last-Modified} as Docker does, checked against {@code --checksum}), and git
 * repositories cloned with the {@code git} command ({@code URL#REF[:SUBDIR]}, without {@code .git} unless
 * {@code --keep-git-dir}; {@code --checksum} is then the commit). Thread-safe; one per build.
 */
final class RemoteSources {
    private final HoistRoot root;
    private final ProxyEnvironment proxies;
    private HttpClient http;

    RemoteSources(HoistRoot root, ProxyEnvironment proxies) {
        this.root = root;
        this.proxies = proxies;
    }

    /** The HTTP client, made on first download: making one sets up the JDK's TLS, which most builds never need. */
    private synchronized HttpClient http() {
        if (http == null) {
            http = proxies.configure(HttpClient.newBuilder()).followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30)).build();
        }
        return http;
    }

    /**
     * A downloaded file, or a cloned repository's directory: where it is, the URL it came from, its name in the image
     * (unused for a directory, whose contents are added), and its time (null if none).
     */
    record Download(Path file, String url, String name, Instant lastModified) {
    }

    /** The sources of an ADD split into the context's and the downloaded ones; close it to remove the downloads. */
    static final class Fetched implements AutoCloseable {
        final List<String> local = new ArrayList<>();
        final List<Download> downloads = new ArrayList<>();
        private final List<Path> temps = new ArrayList<>();

        @Override
        public void close() {
            temps.forEach(Build::deleteTree);
        }
    }

    /** Whether ADD reads {@code source} from the network rather than the context. */
    static boolean isRemote(String source) {
        return isUrl(source) || isGit(source);
    }

    private static boolean isUrl(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://");
    }

    /** BuildKit's test: a git transport, or an HTTP(S) URL ending in {@code .git} (optionally with a #fragment). */
    private static boolean isGit(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        if (l.startsWith("git://") || l.startsWith("git@") || l.startsWith("ssh://")) {
            return true;
        }
        int hash = l.indexOf('#');
        String base = hash < 0 ? l : l.substring(0, hash);
        return isUrl(l) && base.endsWith(".git");
    }

    /**
     * Downloads the remote sources of an ADD and keeps the others as they are.
     *
     * @param checksum {@code --checksum} ({@code sha256:...} or {@code sha512:...}), empty for none
     * @param keepGitDir {@code --keep-git-dir}
     * @param at       where the step is, for errors
     */
    Fetched fetch(List<String> sources, String checksum, boolean keepGitDir, String at) throws BuildException, IOException {
        Fetched f = new Fetched();
        try {
            for (String s : sources) {
                if (isGit(s)) {
                    f.downloads.add(cloneGit(s, checksum, keepGitDir, at, f));
                } else if (isUrl(s)) {
                    f.downloads.add(download(s, checksum, at, f));
                } else {
                    f.local.add(s);
                }
            }
            if (keepGitDir && f.downloads.stream().noneMatch(d -> Files.isDirectory(d.file()))) {
                throw new BuildException(at + ": --keep-git-dir needs a git repository as the source");
            }
            if (!checksum.isEmpty() && !f.local.isEmpty()) {
                throw new BuildException(at + ": --checksum can only be used with HTTP(S) sources, not \""
                        + f.local.get(0) + "\"");
            }
            return f;
        } catch (BuildException | IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private Download download(String url, String checksum, String at, Fetched f) throws BuildException, IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BuildException(at + ": " + url + " is not a valid URL: " + e.getMessage(), e);
        }
        MessageDigest md = checksumDigest(checksum, at);
        Path dir = root.createTempDirectory("build-download");
        f.temps.add(dir);
        Path file = dir.resolve("content");
        HttpResponse<InputStream> resp;
        try {
            resp = http().send(proxies.authorize(HttpRequest.newBuilder(uri), uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException(at + ": the download of " + url + " was interrupted", e);
        } catch (IOException e) {
            throw new BuildException(at + ": cannot download " + url + ": " + e, e);
        }
        try (InputStream in = resp.body()) {
            if (resp.statusCode() / 100 != 2) {
                throw new BuildException(at + ": cannot download " + url + ": the server answered "
                        + resp.statusCode());
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    if (md != null) {
                        md.update(buf, 0, n);
                    }
                }
            }
        }
        if (md != null) {
            String got = checksum.substring(0, checksum.indexOf(':') + 1) + HexFormat.of().formatHex(md.digest());
            if (!got.equalsIgnoreCase(checksum)) {
                throw new BuildException(at + ": the content of " + url + " does not match --checksum: expected "
                        + checksum + ", got " + got);
            }
        }
        String name = fileName(uri, resp);
        if (name.isEmpty()) {
            throw new BuildException(at + ": cannot tell the file name from the URL " + url
                    + "; give the destination's file name (without a trailing /)");
        }
        Instant modified = resp.headers().firstValue("Last-Modified").map(RemoteSources::httpDate).orElse(null);
        return new Download(file, url, name, modified);
    }

    private Download cloneGit(String source, String checksum, boolean keepGitDir, String at, Fetched f)
            throws BuildException, IOException {
        int hash = source.indexOf('#');
        String url = hash < 0 ? source : source.substring(0, hash);
        String fragment = hash < 0 ? "" : source.substring(hash + 1);
        String ref = fragment;
        String subdir = "";
        int colon = fragment.indexOf(':');
        if (colon >= 0) {
            ref = fragment.substring(0, colon);
            subdir = CopyTree.clean(fragment.substring(colon + 1));
        }
        Path dir = root.createTempDirectory("build-git");
        f.temps.add(dir);
        Path repo = dir.resolve("repo");
        git(at, source, dir, "clone", "--quiet", "--no-checkout", "--", url, repo.toString());
        String commit = git(at, source, repo, "rev-parse", "--verify", (ref.isEmpty() ? "HEAD" : ref) + "^{commit}").strip();
        if (!checksum.isEmpty() && !commit.startsWith(checksum.toLowerCase(Locale.ROOT))) {
            throw new BuildException(at + ": " + source + " is at commit " + commit + ", which does not match --checksum="
                    + checksum);
        }
        git(at, source, repo, "-c", "advice.detachedHead=false", "checkout", "--quiet", commit);
        if (!keepGitDir) {
            Build.deleteTree(repo.resolve(".git"));
        }
        Path content = subdir.isEmpty() ? repo : repo.resolve(subdir);
        if (!Files.isDirectory(content)) {
            throw new BuildException(at + ": " + source + ": the repository has no directory " + subdir);
        }
        return new Download(content, source, "", null);
    }

    private static String git(String at, String source, Path cwd, String... args) throws BuildException, IOException {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BuildException(at + ": ADD " + source + " needs the git command, which cannot be run: "
                    + e.getMessage(), e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new BuildException(at + ": git " + args[0] + " of " + source + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BuildException(at + ": git " + args[0] + " of " + source + " was interrupted", e);
        }
        return out;
    }

    private static MessageDigest checksumDigest(String checksum, String at) throws BuildException {
        if (checksum.isEmpty()) {
            return null;
        }
        int colon = checksum.indexOf(':');
        String algo = colon < 0 ? "" : checksum.substring(0, colon);
        String hex = colon < 0 ? "" : checksum.substring(colon + 1);
        int len = switch (algo) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
        if (len < 0 || hex.length() != len || !hex.matches("[0-9a-fA-F]+")) {
            throw new BuildException(at + ": --checksum=" + checksum + " is not a digest; give sha256:<64 hex digits>");
        }
        try {
            return MessageDigest.getInstance(algo.toUpperCase(Locale.ROOT).replace("SHA", "SHA-"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL path's last segment, else the {@code Content-Disposition} file name, else empty. */
    private static String fileName(URI uri, HttpResponse<?> resp) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (!last.isEmpty()) {
            return URLDecoder.decode(last, StandardCharsets.UTF_8);
        }
        Optional<String> cd = resp.headers().firstValue("Content-Disposition");
        if (cd.isPresent()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("filename=\"?([^\";]+)\"?").matcher(cd.get());
            if (m.find()) {
                String n = m.group(1);
                return n.substring(n.lastIndexOf('/') + 1);
            }
        }
        return "";
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
