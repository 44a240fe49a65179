package dev.hoist.cli;

import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Platform;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** {@code hoist import FILE|URL|- [REPOSITORY[:TAG]]}: an image from a root filesystem tar, like {@code docker import}. */
final class ImportCommand implements Command {
    @Override
    public String name() {
        return "import";
    }

    @Override
    public String usage() {
        return "file|URL|- [REPOSITORY[:TAG]]";
    }

    @Override
    public String summary() {
        return "Import the contents from a tarball to create a filesystem image";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.list("-c, --change", "INSTRUCTION", "Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)"),
                OptionSpec.value("-m, --message", "MESSAGE", "Set commit message for imported image"),
                OptionSpec.value("--platform", "OS/ARCH", "Set the platform of the image (default: this machine's)"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, 2};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String source = args.positionals().get(0);
        String name = args.positionals().size() > 1 ? args.positionals().get(1) : null;
        if (name != null) {
            dev.hoist.cache.image.LocalImages.normaliseName(name); // fail on a bad name before reading anything
        }
        ContainerConfig config = ConfigChanges.apply(ContainerConfig.EMPTY, args.values("change"));
        Platform platform = args.value("platform") == null ? Platform.current() : Platform.parse(args.value("platform"));
        String message = args.value("message");
        String comment = message != null ? message : "Imported from " + source;
        Instant created = sourceDateEpoch(ctx);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "hoist-import");
            t.setDaemon(true);
            return t;
        });
        try (InputStream in = open(ctx, source)) {
            ImageImporter importer = new ImageImporter(ctx.images(), pool, Runtime.getRuntime().availableProcessors());
            Image image = importer.importTar(in, new ImageImporter.Options(config, platform, created, comment));
            if (name != null) {
                ctx.images().tag(image, name);
            } else {
                ctx.images().keep(image);   // dangling, as docker import without a name leaves it
            }
            ctx.out.println(image.id());
            return Main.OK;
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code SOURCE_DATE_EPOCH} when set (for reproducible imports), else now. */
    private static Instant sourceDateEpoch(Context ctx) throws UsageException {
        String s = ctx.env.get("SOURCE_DATE_EPOCH");
        if (s == null || s.isEmpty()) {
            return ctx.now();
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            throw new UsageException("SOURCE_DATE_EPOCH must be seconds since 1970, got \"" + s + "\"");
        }
    }

    private static InputStream open(Context ctx, String source) throws Exception {
        if (source.equals("-")) {
            return ctx.in;
        }
        if (source.startsWith("http://") || source.startsWith("https://")) {
            dev.hoist.registry.client.ProxyEnvironment proxies = BuildCommand.proxies(ctx);
            HttpClient client = proxies.configure(HttpClient.newBuilder()).followRedirects(HttpClient.Redirect.NORMAL).build();
            URI uri = URI.create(source);
            HttpResponse<InputStream> r = client.send(proxies.authorize(HttpRequest.newBuilder(uri), uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new java.io.IOException("downloading " + source + " failed: HTTP " + r.statusCode());
            }
            return r.body();
        }
        try {
            return Files.newInputStream(Path.of(source));
        } catch (NoSuchFileException e) {
            throw new java.io.IOException("open " + source + ": no such file");
        }
    }
}
