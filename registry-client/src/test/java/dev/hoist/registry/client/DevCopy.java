package dev.hoist.registry.client;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;

import java.util.List;

/** A development {@code copy SRC DST} command for the benchmarks: {@code DevCopy copy SRC DST}, store at HOIST_ROOT. */
public final class DevCopy {
    private DevCopy() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[0].equals("copy")) {
            System.err.println("usage: DevCopy copy SRC DST");
            System.exit(2);
        }
        long start = System.nanoTime();
        LocalImages images = LocalImages.open(HoistRoot.resolve(null));
        try (RegistryClient client = RegistryClient.builder(images).build()) {
            Transports.copy(client, Transports.parse(args[1]), Transports.parse(args[2]), List.of(), false);
            if (System.getenv("HOIST_DEVCOPY_TIMES") != null) {
                System.err.printf("jvm start to main %d ms, copy %d ms%n",
                        System.currentTimeMillis() - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()
                                - (System.nanoTime() - start) / 1_000_000, (System.nanoTime() - start) / 1_000_000);
            }
        } catch (RegistryException e) {
            System.err.println("hoist: " + e.getMessage());
            System.exit(1);
        }
    }
}
