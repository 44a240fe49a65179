package dev.hoist.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A process started in a running container's namespaces ({@code hoist exec}); thread-safe. */
public final class ExecProcess {

    private final Process process;
    private final List<Thread> pumps = new ArrayList<>();
    private final Path config;
    private final Path error;

    ExecProcess(Process process, Path config, Path error, OutputStream stdout, OutputStream stderr, InputStream stdin) {
        this.process = process;
        this.config = config;
        this.error = error;
        if (stdout != null) {
            pumps.add(RunningContainer.pump(process.getInputStream(), stdout, "hoist-exec-stdout", false));
        }
        if (stderr != null) {
            pumps.add(RunningContainer.pump(process.getErrorStream(), stderr, "hoist-exec-stderr", false));
        }
        if (stdin != null) {
            RunningContainer.pump(stdin, process.getOutputStream(), "hoist-exec-stdin", true);
        }
    }

    /**
     * Waits for the process; its exit code (128+signal when killed).
     *
     * @throws ContainerException when it could not be started in the container (not running, unknown user...)
     */
    public int waitFor() throws ContainerException, InterruptedException {
        int code = process.waitFor();
        for (Thread t : pumps) {
            t.join();
        }
        try {
            String message = Files.exists(error) ? Files.readString(error, StandardCharsets.UTF_8).strip() : "";
            if (!message.isEmpty()) {
                throw new ContainerSetupException(message, code == 126 || code == 127 ? code : 125);
            }
            return code;
        } catch (IOException e) {
            return code;
        } finally {
            try {
                Files.deleteIfExists(config);
                Files.deleteIfExists(error);
            } catch (IOException ignored) {
                // the container's directory goes with it
            }
        }
    }

    /** Sends {@code signal} to the process (forwarded by the helper; SIGKILL ends it at once). */
    public void kill(int signal) {
        if (signal == RunningContainer.SIGKILL) {
            process.destroyForcibly();   // the process has PR_SET_PDEATHSIG=SIGKILL
        } else if (process.isAlive()) {
            LibC.signal(process.pid(), signal);
        }
    }
}
