package dev.hoist.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes the files of a container's directory (state.json, status, pid); stateless, thread-safe. */
final class StateFiles {

    static final String STATE = "state.json";
    static final String CONFIG = "init.conf";
    static final String LOG = "container.log";
    static final String HELPER = "helper.pid";

    /** What is written once at start. */
    record Saved(String id, String name, String image, List<String> command, String created, long helperPid) {
    }

    /** Streaming only: {@code run} and {@code ps} start cold, and data binding's first use costs tens of ms. */
    private static final JsonFactory JSON = new JsonFactory();

    private StateFiles() {
    }

    static void writeSaved(Path dir, Saved saved) throws IOException {
        Path tmp = dir.resolve(STATE + ".tmp");
        Files.write(tmp, toJson(saved));
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE);
    }

    static Optional<Saved> readSaved(Path dir) {
        try {
            return Optional.of(fromJson(Files.readAllBytes(dir.resolve(STATE))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code state.json}: {"id":…,"name":…,"image":…,"command":[…],"created":…,"helperPid":…}; null as null. */
    static byte[] toJson(Saved saved) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", saved.id());
            g.writeStringField("name", saved.name());
            g.writeStringField("image", saved.image());
            g.writeFieldName("command");
            if (saved.command() == null) {
                g.writeNull();
            } else {
                g.writeStartArray();
                for (String arg : saved.command()) {
                    g.writeString(arg);
                }
                g.writeEndArray();
            }
            g.writeStringField("created", saved.created());
            g.writeNumberField("helperPid", saved.helperPid());
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * Reads what {@link #toJson} wrote, ignoring members it does not know.
     *
     * @throws IOException if the bytes are not such an object (a member of the wrong type included)
     */
    static Saved fromJson(byte[] bytes) throws IOException {
        String id = null;
        String name = null;
        String image = null;
        List<String> command = null;
        String created = null;
        long helperPid = 0;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("state.json is not a JSON object");
            }
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> id = string(p, field);
                    case "name" -> name = string(p, field);
                    case "image" -> image = string(p, field);
                    case "created" -> created = string(p, field);
                    case "helperPid" -> {
                        if (t == JsonToken.VALUE_NUMBER_INT) {
                            helperPid = p.getLongValue();
                        } else if (t != JsonToken.VALUE_NULL) {
                            throw new IOException("state.json: helperPid is not a whole number");
                        }
                    }
                    case "command" -> {
                        if (t == JsonToken.START_ARRAY) {
                            command = new ArrayList<>();
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                command.add(string(p, field));
                            }
                        } else if (t != JsonToken.VALUE_NULL) {
                            throw new IOException("state.json: command is not an array");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        return new Saved(id, name, image, command, created, helperPid);
    }

    private static String string(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw new IOException("state.json: " + field + " has a value that is not a string");
        };
    }

    /** Whether {@code pid} is a live (not zombie) hoist-init holding the container in {@code dir}. */
    static boolean helperAlive(long pid, Path dir) {
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z') {
                return false;
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains(dir.resolve(CONFIG).toString());
        } catch (IOException e) {
            return false;
        }
    }

    static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return null;
        }
    }
}
