package dev.hoist.cli;

import dev.hoist.registry.server.GcReport;
import dev.hoist.registry.server.RegistryConfig;
import dev.hoist.registry.server.RegistryGc;
import dev.hoist.registry.server.RegistryServer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code hoist registry serve} and {@code hoist registry gc}: hoist's own OCI Distribution registry. */
final class RegistryCommands {
    private RegistryCommands() {
    }

    static CommandGroup group() {
        return new CommandGroup("registry", "Run an OCI Distribution (Docker Registry v2) registry",
                List.of(new Serve(), new Gc()), List.of());
    }

    private static final List<OptionSpec> CONFIG_OPTIONS = List.of(
            OptionSpec.value("--config", "FILE", "A YAML config file (also $HOIST_REGISTRY_CONFIG); flags override it"),
            OptionSpec.value("--storage", "DIR", "Where the registry keeps its content (default: registry/ under the hoist root)"),
            OptionSpec.list("--set", "KEY=VALUE", "Set a config key, dotted as in the YAML file (e.g. gc.interval=1h, limits.maxBlobSize=10GiB)"));

    /** The config from the file (if any), the environment, then the flags. */
    static RegistryConfig config(Context ctx, Args args, Map<String, String> flagOverrides) throws Exception {
        Path hoistRoot = ctx.images().root().path();
        String file = args.value("config") != null ? args.value("config") : ctx.env.get("HOIST_REGISTRY_CONFIG");
        RegistryConfig config = file != null && !file.isEmpty()
                ? RegistryConfig.load(Path.of(file), hoistRoot)
                : RegistryConfig.defaults(hoistRoot);
        config = config.withEnvironment(ctx.env);
        if (args.value("storage") != null) {
            config = config.withStorage(Path.of(args.value("storage")).toAbsolutePath());
        }
        Map<String, String> overrides = new LinkedHashMap<>(flagOverrides);
        for (String kv : args.values("set")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--set takes KEY=VALUE, got \"" + kv + "\"");
            }
            overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return config.withOverrides(overrides);
    }

    static final class Serve implements Command {
        @Override
        public String name() {
            return "serve";
        }

        @Override
        public String usage() {
            return "";
        }

        @Override
        public String summary() {
            return "Serve a registry until interrupted (anonymous on loopback unless auth is configured)";
        }

        @Override
        public List<OptionSpec> options() {
            List<OptionSpec> o = new java.util.ArrayList<>(CONFIG_OPTIONS);
            o.addAll(List.of(
                    OptionSpec.value("-l, --listen", "HOST:PORT", "Address to listen on (default 127.0.0.1:5000)"),
                    OptionSpec.value("--htpasswd", "FILE", "Require basic auth with users from an htpasswd file (bcrypt, as htpasswd -B writes)"),
                    OptionSpec.value("--tls-cert", "FILE", "Serve HTTPS with this PEM certificate (chain)"),
                    OptionSpec.value("--tls-key", "FILE", "The PEM private key of --tls-cert (RSA or EC)"),
                    OptionSpec.flag("--tls-self-signed", "Serve HTTPS with a self-signed certificate made at start"),
                    OptionSpec.flag("--read-only", "Refuse pushes and deletes")));
            return o;
        }

        @Override
        public int[] arity() {
            return new int[] {0, 0};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Map<String, String> flags = new LinkedHashMap<>();
            if (args.value("listen") != null) {
                flags.put("listen", args.value("listen"));
            }
            if (args.value("htpasswd") != null) {
                flags.put("auth.htpasswd", Path.of(args.value("htpasswd")).toAbsolutePath().toString());
            }
            if (args.value("tls-cert") != null || args.value("tls-key") != null) {
                if (args.value("tls-cert") == null || args.value("tls-key") == null) {
                    throw new UsageException("--tls-cert and --tls-key go together");
                }
                flags.put("tls.cert", Path.of(args.value("tls-cert")).toAbsolutePath().toString());
                flags.put("tls.key", Path.of(args.value("tls-key")).toAbsolutePath().toString());
            }
            if (args.flag("tls-self-signed")) {
                flags.put("tls.selfSigned", "true");
            }
            if (args.flag("read-only")) {
                flags.put("readOnly", "true");
            }
            RegistryConfig config = config(ctx, args, flags);
            // Undertow and XNIO announce their versions through java.util.logging; hoist keeps its own output.
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
            for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
                h.setLevel(java.util.logging.Level.WARNING);
            }
            RegistryServer server = RegistryServer.start(config);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    ctx.err.println("hoist registry: shutting down: " + e.getMessage());
                } finally {
                    stopped.countDown();
                }
            }, "hoist-registry-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            ctx.out.println("hoist registry listening on " + server.uri() + " (storage " + config.storage() + ")");
            ctx.out.flush();
            stopped.await();
            return Main.OK;
        }
    }

    static final class Gc implements Command {
        @Override
        public String name() {
            return "gc";
        }

        @Override
        public String usage() {
            return "";
        }

        @Override
        public String summary() {
            return "Delete blobs no manifest references (offline: refused while a server uses the storage; ask it with POST /admin/gc)";
        }

        @Override
        public List<OptionSpec> options() {
            List<OptionSpec> o = new java.util.ArrayList<>(CONFIG_OPTIONS);
            o.add(OptionSpec.flag("--dry-run", "Only say what would be deleted"));
            o.add(OptionSpec.flag("--delete-untagged", "Also delete manifests no tag points at (and not referenced by an index)"));
            return o;
        }

        @Override
        public int[] arity() {
            return new int[] {0, 0};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            RegistryConfig config = config(ctx, args, Map.of());
            GcReport report = RegistryGc.run(config, args.flag("dry-run"), args.flag("delete-untagged"));
            ctx.out.println(report.summary());
            return Main.OK;
        }
    }
}
