package dev.hoist.registry.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a registry from the command line for benchmarks and the crash test:
 * {@code DevServer STORAGE_DIR [key=value ...]} with the config's dotted keys ({@code listen=127.0.0.1:5001},
 * {@code fsync=false}). Prints {@code listening PORT} once it serves; stops on SIGTERM.
 */
public final class DevServer {
    private DevServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DevServer STORAGE_DIR [key=value ...]");
            System.exit(2);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("listen", "127.0.0.1:5001");
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        RegistryConfig config = RegistryConfig.defaults(Path.of(args[0])).withStorage(Path.of(args[0])).withOverrides(overrides);
        RegistryServer server = RegistryServer.start(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            done.countDown();
        }));
        System.out.println("listening " + server.port());
        System.out.flush();
        done.await();
    }
}
