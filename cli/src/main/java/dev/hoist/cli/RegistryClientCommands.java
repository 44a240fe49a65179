package dev.hoist.cli;

import dev.hoist.cache.image.Image;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;
import dev.hoist.oci.RegistryHosts;
import dev.hoist.registry.client.ProgressListener;
import dev.hoist.registry.client.RawManifest;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.registry.client.Transports;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The commands that talk to registries: pull, push, copy, login, logout, tags, manifest inspect. */
final class RegistryClientCommands {
    private RegistryClientCommands() {
    }

    /** skopeo's {@code --tls-verify}, for the commands that talk to one registry. */
    static final OptionSpec TLS_VERIFY = OptionSpec.flag("--tls-verify", "Require HTTPS and verify the registry's "
            + "certificate (default true; =false: HTTPS without verification, or plain HTTP if the registry does not "
            + "speak TLS)");

    /**
     * A client with the user's Docker credentials and environment; registries named in
     * {@code HOIST_INSECURE_REGISTRIES} (comma-separated) are spoken to as loopback ones are: in plain HTTP, or in
     * HTTPS without verification when they speak TLS.
     */
    static RegistryClient client(Context ctx, ProgressListener progress) {
        return client(ctx, progress, Set.of());
    }

    /**
     * As {@link #client(Context, ProgressListener)}; the {@code unverified} registries (--tls-verify=false) are spoken
     * to in HTTPS without verification, or in plain HTTP when that fails.
     */
    static RegistryClient client(Context ctx, ProgressListener progress, Set<String> unverified) {
        Set<String> insecure = new LinkedHashSet<>();
        String env = ctx.env.get("HOIST_INSECURE_REGISTRIES");
        if (env != null) {
            for (String s : env.split(",")) {
                if (!s.isBlank()) {
                    insecure.add(s.trim());
                }
            }
        }
        return RegistryClient.builder(ctx.images()).environment(ctx.env).insecureRegistries(insecure)
                .unverifiedRegistries(unverified).progress(progress).build();
    }

    /**
     * {@code registry} alone when {@code args} turn TLS verification off with the first of {@code flags} given
     * ({@code tls-verify=false}), else none.
     */
    static Set<String> unverified(Args args, String registry, String... flags) {
        for (String flag : flags) {
            String v = args.value(flag);
            if (v != null) {
                return v.equals("false") ? Set.of(registry) : Set.of();
            }
        }
        return Set.of();
    }

    static final class Pull implements Command {
        @Override
        public String name() {
            return "pull";
        }

        @Override
        public String usage() {
            return "NAME[:TAG|@DIGEST]";
        }

        @Override
        public String summary() {
            return "Download an image from a registry into the local store";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("--platform", "OS/ARCH", "The platform to pull from a multi-platform image (default: this machine's)"),
                    OptionSpec.flag("-q, --quiet", "Suppress verbose output"),
                    TLS_VERIFY);
        }

        @Override
        public int[] arity() {
            return new int[] {1, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Reference ref = Reference.parse(args.positionals().get(0));
            Platform platform = args.value("platform") == null ? Platform.current() : Platform.parse(args.value("platform"));
            boolean quiet = args.flag("quiet");
            if (!quiet) {
                ctx.out.println((ref.tag() != null ? ref.tag() : ref.digest().toString()) + ": Pulling from " + ref.familiarName());
            }
            ProgressPrinter progress = new ProgressPrinter(ctx.out, "Pull complete", ctx.terminal);
            try (RegistryClient client = client(ctx, quiet ? ProgressListener.NONE : progress,
                    unverified(args, ref.domain(), "tls-verify"))) {
                Image image = client.pull(ref, platform);
                if (!quiet) {
                    ctx.out.println("Digest: " + image.target().digest());
                    ctx.out.println("Status: " + (progress.transferred() > 0 ? "Downloaded newer image for " : "Image is up to date for ")
                            + ref.familiarString());
                }
                ctx.out.println(ref);
            }
            return Main.OK;
        }
    }

    static final class Push implements Command {
        @Override
        public String name() {
            return "push";
        }

        @Override
        public String usage() {
            return "NAME[:TAG]";
        }

        @Override
        public String summary() {
            return "Upload a local image to the registry its name points at";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("--platform", "OS/ARCH", "Push only this platform's manifest of a multi-platform image "
                            + "(default: the whole image, which must be stored with every platform)"),
                    OptionSpec.flag("-q, --quiet", "Suppress verbose output"),
                    TLS_VERIFY);
        }

        @Override
        public int[] arity() {
            return new int[] {1, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            String name = args.positionals().get(0);
            Platform platform = args.value("platform") == null ? null : Platform.parse(args.value("platform"));
            Reference ref = Reference.parse(name);
            // not orElseThrow(lambda): the first lambda of a process costs ~5 ms, which the registry client's
            // preparation pays off the main thread
            Optional<Image> found = ctx.images().findByName(name);
            if (found.isEmpty()) {
                throw new dev.hoist.cache.image.ImageNotFoundException(
                        name + " (tag an image with that name first: hoist tag IMAGE " + name + ")");
            }
            Image image = found.get();
            boolean quiet = args.flag("quiet");
            if (!quiet) {
                ctx.out.println("The push refers to repository [" + ref.fullName() + "]");
            }
            try (RegistryClient client = client(ctx, quiet ? ProgressListener.NONE : new ProgressPrinter(ctx.out, "Pushed", ctx.terminal),
                    unverified(args, ref.domain(), "tls-verify"))) {
                client.prepare(ref); // while the image's manifest and the blobs' known places are read
                Descriptor pushed = client.push(image.target(), ref, platform);
                ctx.out.println((ref.tag() == null ? "" : ref.tag() + ": ") + "digest: " + pushed.digest() + " size: " + pushed.size());
            }
            return Main.OK;
        }
    }

    static final class Copy implements Command {
        @Override
        public String name() {
            return "copy";
        }

        @Override
        public String usage() {
            return "SOURCE DESTINATION";
        }

        @Override
        public String summary() {
            return "Copy an image between registries, OCI layouts, archives and the local store without recompressing "
                    + "(docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], hoist:NAME)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.flag("-a, --all", "Copy every platform of a multi-platform image, and the index itself "
                            + "(default: only this machine's platform, as skopeo)"),
                    OptionSpec.list("--platform", "OS/ARCH", "Copy this platform of a multi-platform image instead of "
                            + "this machine's (between registries, several make an index of those)"),
                    OptionSpec.flag("-q, --quiet", "Suppress verbose output"),
                    OptionSpec.flag("--src-tls-verify", "Require HTTPS and verify the source registry's certificate "
                            + "(default true; =false: HTTPS without verification, or plain HTTP)"),
                    OptionSpec.flag("--dest-tls-verify", "Require HTTPS and verify the destination registry's "
                            + "certificate (default true; =false: HTTPS without verification, or plain HTTP)"),
                    OptionSpec.flag("--tls-verify", "Both of the above, where not given"));
        }

        @Override
        public int[] arity() {
            return new int[] {2, 2};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Transports.Location src = Transports.parse(args.positionals().get(0));
            Transports.Location dst = Transports.parse(args.positionals().get(1));
            List<Platform> platforms = new ArrayList<>();
            for (String p : args.values("platform")) {
                platforms.add(Platform.parse(p));
            }
            boolean all = args.flag("all");
            if (all && !platforms.isEmpty()) {
                throw new UsageException("--all copies every platform and --platform chooses some: give one of them");
            }
            boolean quiet = args.flag("quiet");
            Set<String> unverified = new LinkedHashSet<>();
            if (src instanceof Transports.Registry r) {
                unverified.addAll(unverified(args, r.ref().domain(), "src-tls-verify", "tls-verify"));
            }
            if (dst instanceof Transports.Registry r) {
                unverified.addAll(unverified(args, r.ref().domain(), "dest-tls-verify", "tls-verify"));
            }
            try (RegistryClient client = client(ctx, quiet ? ProgressListener.NONE : new ProgressPrinter(ctx.out, "Copied", ctx.terminal),
                    unverified)) {
                Descriptor copied = Transports.copy(client, src, dst, platforms, all);
                ctx.out.println("Copied " + copied.digest() + " (" + Humans.size(copied.size()) + " manifest)");
            }
            return Main.OK;
        }
    }

    static final class Login implements Command {
        @Override
        public String name() {
            return "login";
        }

        @Override
        public String usage() {
            return "[SERVER]";
        }

        @Override
        public String summary() {
            return "Log in to a registry (credentials go to ~/.docker/config.json or its credential helper)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("-u, --username", "USER", "Username"),
                    OptionSpec.value("-p, --password", "PASSWORD", "Password (prefer --password-stdin: a password on the command line is visible to other users)"),
                    OptionSpec.flag("--password-stdin", "Take the password from stdin"),
                    TLS_VERIFY);
        }

        @Override
        public int[] arity() {
            return new int[] {0, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            String server = args.positionals().isEmpty() ? RegistryHosts.DOCKER_HUB : args.positionals().get(0);
            String user = args.value("username");
            String password = args.value("password");
            if (args.flag("password-stdin")) {
                if (password != null) {
                    throw new UsageException("--password and --password-stdin are mutually exclusive");
                }
                if (user == null) {
                    throw new UsageException("must provide --username with --password-stdin");
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(ctx.in, StandardCharsets.UTF_8));
                String line = r.readLine();
                password = line == null ? "" : line.strip();
            }
            if (user == null || password == null) {
                // as docker login: ask on the terminal for what was not given
                java.io.Console console = System.console();
                if (console == null) {
                    throw new UsageException("cannot ask for " + (user == null ? "a username and password" : "a password")
                            + ": standard input is not a terminal; give --username and --password-stdin");
                }
                if (user == null) {
                    String typed = console.readLine("Username: ");
                    user = typed == null ? "" : typed.strip();
                    if (user.isEmpty()) {
                        throw new UsageException("username is empty");
                    }
                }
                if (password == null) {
                    char[] typed = console.readPassword("Password: ");
                    password = typed == null ? "" : new String(typed);
                }
            }
            if (password.isEmpty()) {
                throw new UsageException("password is empty");
            }
            if (args.value("password") != null) {
                ctx.err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            }
            try (RegistryClient client = client(ctx, ProgressListener.NONE, unverified(args, server, "tls-verify"))) {
                client.login(server, user, password);
            }
            ctx.out.println("Login Succeeded");
            return Main.OK;
        }
    }

    static final class Logout implements Command {
        @Override
        public String name() {
            return "logout";
        }

        @Override
        public String usage() {
            return "[SERVER]";
        }

        @Override
        public String summary() {
            return "Log out from a registry";
        }

        @Override
        public int[] arity() {
            return new int[] {0, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            String server = args.positionals().isEmpty() ? RegistryHosts.DOCKER_HUB : args.positionals().get(0);
            try (RegistryClient client = client(ctx, ProgressListener.NONE, Set.of())) {
                if (client.logout(server)) {
                    ctx.out.println("Removing login credentials for " + server);
                } else {
                    ctx.out.println("Not logged in to " + server);
                }
            }
            return Main.OK;
        }
    }

    static final class Tags implements Command {
        @Override
        public String name() {
            return "tags";
        }

        @Override
        public String usage() {
            return "REPOSITORY";
        }

        @Override
        public String summary() {
            return "List the tags of a repository in a registry";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(TLS_VERIFY);
        }

        @Override
        public int[] arity() {
            return new int[] {1, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Reference repo = Reference.parseNormalized(args.positionals().get(0));
            try (RegistryClient client = client(ctx, ProgressListener.NONE, unverified(args, repo.domain(), "tls-verify"))) {
                for (String t : client.tags(repo)) {
                    ctx.out.println(t);
                }
            }
            return Main.OK;
        }
    }

    static final class ManifestInspect implements Command {
        @Override
        public String name() {
            return "inspect";
        }

        @Override
        public String usage() {
            return "NAME[:TAG|@DIGEST]";
        }

        @Override
        public String summary() {
            return "Print an image's manifest or index from its registry, exactly as the registry serves it";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(TLS_VERIFY);
        }

        @Override
        public int[] arity() {
            return new int[] {1, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Reference ref = Reference.parse(args.positionals().get(0));
            try (RegistryClient client = client(ctx, ProgressListener.NONE, unverified(args, ref.domain(), "tls-verify"))) {
                RawManifest m = client.manifest(ref);
                ctx.out.write(m.bytes());
                ctx.out.println();
            }
            return Main.OK;
        }
    }

    static List<Command> commands() {
        return Arrays.asList(new Copy(), new Login(), new Logout(), new Pull(), new Push(), new Tags());
    }
}
