package dev.hoist.registry.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.accesslog.AccessLogHandler;
import io.undertow.server.handlers.accesslog.AccessLogReceiver;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The access log: one line per request in the combined log format plus the time taken in microseconds,
 * written off the request threads to standard output or appended to a file. Thread-safe.
 */
final class AccessLog implements AccessLogReceiver, Closeable {
    static final String FORMAT = "%h - - %t \"%r\" %s %b \"%{i,Referer}\" \"%{i,User-Agent}\" %D";

    private final OutputStream out;
    private final boolean ownStream;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "registry-access-log");
        t.setDaemon(true);
        return t;
    });

    private AccessLog(OutputStream out, boolean ownStream) {
        this.out = out;
        this.ownStream = ownStream;
    }

    /** {@code off} (or empty): null; {@code stdout}; else a file path to append to. */
    static AccessLog open(String where) throws IOException {
        if (where == null || where.isBlank() || where.equals("off")) {
            return null;
        }
        if (where.equals("stdout")) {
            return new AccessLog(new PrintStream(System.out, true, StandardCharsets.UTF_8), false);
        }
        Path p = Path.of(where);
        if (p.getParent() != null) {
            Files.createDirectories(p.getParent());
        }
        return new AccessLog(Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
    }

    HttpHandler wrap(HttpHandler next) {
        return new AccessLogHandler(next, this, FORMAT, AccessLog.class.getClassLoader());
    }

    @Override
    public void logMessage(String message) {
        byte[] line = (message + "\n").getBytes(StandardCharsets.UTF_8);
        writer.execute(() -> {
            try {
                out.write(line);
                out.flush();
            } catch (IOException ignored) {
                // the log's disk is full or gone: requests go on
            }
        });
    }

    @Override
    public void close() throws IOException {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownStream) {
            out.close();
        }
    }
}
