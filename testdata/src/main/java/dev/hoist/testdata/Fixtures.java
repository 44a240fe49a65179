package dev.hoist.testdata;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line entry point that writes fixtures for scripts, the README and the Maven build:
 * {@code busybox-rootfs OUT.tar}, {@code busybox-rootfs-dir DIR}, {@code hello-context DIR [ARCH]} and
 * {@code context NAME DIR}. Exit status 0 on success, 1 when a fixture cannot be made, 2 on bad usage.
 * Stateless.
 */
public final class Fixtures {

    static final String USAGE = """
            usage: java -cp testdata.jar dev.hoist.testdata.Fixtures COMMAND ARGS
              busybox-rootfs OUT.tar       write the busybox base rootfs as a tar (needs busybox-static)
              busybox-rootfs-dir DIR       write the busybox base rootfs into a directory
              hello-context DIR [ARCH]     write the hello-world build context (Dockerfile + hello);
                                           ARCH is amd64 or arm64, default this machine's
              context NAME DIR             copy the named test context into DIR
              contexts                     list the test contexts
            """;

    private Fixtures() {
    }

    /**
     * Runs one command and exits with its status. With the system property {@code hoist.fixtures.exit=false}
     * (as the Maven build sets, since exec:java runs inside Maven's JVM) a failure throws instead of exiting.
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            if ("false".equals(System.getProperty("hoist.fixtures.exit"))) {
                throw new IllegalStateException("fixtures " + String.join(" ", args) + " failed with status "
                        + status + "; see the error above");
            }
            System.exit(status);
        }
    }

    /** Runs one command; returns the exit status. Never calls {@link System#exit}. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (command) {
                case "busybox-rootfs" -> {
                    requireArgs(command, rest, 1, 1, "OUT.tar");
                    Path outFile = Path.of(rest.get(0));
                    Busybox busybox = Busybox.system();
                    busybox.writeRootfsTar(outFile);
                    out.println("wrote " + outFile + " (" + Files.size(outFile) + " bytes; busybox "
                            + busybox.binary() + " sha256:" + busybox.sha256() + ", "
                            + busybox.applets().size() + " applets)");
                }
                case "busybox-rootfs-dir" -> {
                    requireArgs(command, rest, 1, 1, "DIR");
                    Path dir = Path.of(rest.get(0));
                    Busybox busybox = Busybox.system();
                    busybox.extractRootfs(dir);
                    out.println("wrote busybox rootfs into " + dir + " (" + busybox.applets().size()
                            + " applets)");
                }
                case "hello-context" -> {
                    requireArgs(command, rest, 1, 2, "DIR [ARCH]");
                    Path dir = Path.of(rest.get(0));
                    HelloWorld.Arch arch = rest.size() > 1
                            ? HelloWorld.Arch.parse(rest.get(1)) : HelloWorld.Arch.current();
                    Path hello = HelloWorld.writeContext(dir, arch);
                    out.println("wrote " + dir.resolve("Dockerfile") + " and " + hello + " (" + arch.ociName()
                            + ", " + Files.size(hello) + " bytes)");
                }
                case "context" -> {
                    requireArgs(command, rest, 2, 2, "NAME DIR");
                    Path dir = Path.of(rest.get(1));
                    Contexts.copyTo(rest.get(0), dir);
                    out.println("wrote context " + rest.get(0) + " into " + dir + ": "
                            + String.join(", ", Contexts.files(rest.get(0))));
                }
                case "contexts" -> {
                    requireArgs(command, rest, 0, 0, "");
                    Contexts.names().forEach(out::println);
                }
                default -> throw new UsageException("unknown command \"" + command + "\"");
            }
            return 0;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static void requireArgs(String command, List<String> args, int min, int max, String shape)
            throws UsageException {
        if (args.size() < min || args.size() > max) {
            throw new UsageException(command + " takes " + (shape.isEmpty() ? "no arguments" : shape)
                    + ", got " + args.size() + " argument" + (args.size() == 1 ? "" : "s"));
        }
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
