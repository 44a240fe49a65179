package dev.hoist.registry.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What a class logs through java.util.logging while it is open, one line per record, for assertion messages. */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    LogCapture(Class<?> source) {
        this.logger = Logger.getLogger(source.getName());
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Each record as "LEVEL message" (with ": thrown" when it has one), oldest first. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        for (LogRecord r : records) {
            out.add(r.getLevel() + " " + r.getMessage() + (r.getThrown() == null ? "" : ": " + r.getThrown()));
        }
        return out;
    }

    /** {@link #lines()} for a message: one record a line. */
    @Override
    public String toString() {
        List<String> lines = lines();
        return lines.isEmpty() ? "nothing" : lines.size() + " records:\n  " + String.join("\n  ", lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
