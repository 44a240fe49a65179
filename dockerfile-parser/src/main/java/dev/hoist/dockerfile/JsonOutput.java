package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.Directive;
import dev.hoist.dockerfile.syntax.Heredoc;
import dev.hoist.dockerfile.syntax.Warning;

import java.time.Duration;
import java.util.List;

/** Writes a {@link Dockerfile} as JSON by hand (the module has no dependencies). Stateless. */
final class JsonOutput {

    private JsonOutput() {
    }

    /** A tiny JSON writer that puts commas where they belong. */
    private static final class W {
        final StringBuilder sb = new StringBuilder();
        boolean first = true;

        W open(char c) {
            sep();
            sb.append(c);
            first = true;
            return this;
        }

        W close(char c) {
            sb.append(c);
            first = false;
            return this;
        }

        void sep() {
            if (!first) {
                sb.append(',');
            }
            first = false;
        }

        W key(String k) {
            sep();
            str(k);
            sb.append(':');
            first = true;
            return this;
        }

        W value(String v) {
            sep();
            if (v == null) {
                sb.append("null");
            } else {
                str(v);
            }
            return this;
        }

        W value(long v) {
            sep();
            sb.append(v);
            return this;
        }

        W value(boolean v) {
            sep();
            sb.append(v);
            return this;
        }

        W field(String k, String v) {
            return key(k).value(v);
        }

        W field(String k, long v) {
            return key(k).value(v);
        }

        W field(String k, boolean v) {
            return key(k).value(v);
        }

        W strings(String k, List<String> vs) {
            key(k).open('[');
            for (String v : vs) {
                value(v);
            }
            return close(']');
        }

        void str(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }

    static String dockerfile(Dockerfile df) {
        W w = new W();
        w.open('{');
        w.field("name", df.name());
        w.field("escape", String.valueOf(df.escapeToken()));
        w.key("directives").open('[');
        for (Directive d : df.syntax().directives()) {
            w.open('{').field("name", d.name()).field("value", d.value()).field("line", d.line()).close('}');
        }
        w.close(']');
        w.key("globalArgs").open('[');
        for (Instruction.Arg a : df.globalArgs()) {
            instruction(w, a);
        }
        w.close(']');
        w.key("stages").open('[');
        for (Stage s : df.stages()) {
            w.open('{');
            w.field("index", s.index());
            w.field("name", s.name());
            w.field("baseName", s.baseName());
            w.field("platform", s.platform());
            w.key("from");
            instruction(w, s.from());
            w.key("instructions").open('[');
            for (Instruction in : s.instructions()) {
                instruction(w, in);
            }
            w.close(']');
            w.close('}');
        }
        w.close(']');
        w.key("warnings").open('[');
        for (Warning warning : df.warnings()) {
            w.open('{').field("message", warning.message()).field("line", warning.line()).close('}');
        }
        w.close(']');
        w.close('}');
        return w.sb.append('\n').toString();
    }

    private static void instruction(W w, Instruction in) {
        w.open('{');
        w.field("instruction", in.name());
        w.field("keyword", in.origin().keyword());
        SourceRange r = in.range();
        w.key("range").open('{');
        w.key("start").open('{').field("line", r.startLine()).field("column", r.startColumn()).close('}');
        w.key("end").open('{').field("line", r.endLine()).field("column", r.endColumn()).close('}');
        w.close('}');
        w.field("source", in.origin().source());
        w.strings("flags", in.origin().flags());
        if (in instanceof Instruction.From f) {
            w.field("baseName", f.baseName()).field("stageName", f.stageName()).field("platform", f.platform());
        } else if (in instanceof Instruction.Run r2) {
            w.strings("command", r2.command()).field("shellForm", r2.shellForm());
            heredocs(w, r2.heredocs());
            w.strings("mounts", r2.mountSpecs()).field("network", r2.network()).field("security", r2.security());
        } else if (in instanceof Instruction.Cmd c) {
            w.strings("command", c.command()).field("shellForm", c.shellForm());
        } else if (in instanceof Instruction.Entrypoint e) {
            w.strings("command", e.command()).field("shellForm", e.shellForm());
        } else if (in instanceof Instruction.Shell s) {
            w.strings("shell", s.shell());
        } else if (in instanceof Instruction.Healthcheck h) {
            w.strings("test", h.test());
            duration(w, "interval", h.interval());
            duration(w, "timeout", h.timeout());
            duration(w, "startPeriod", h.startPeriod());
            duration(w, "startInterval", h.startInterval());
            w.field("retries", h.retries());
        } else if (in instanceof Instruction.Env e) {
            pairs(w, e.pairs());
        } else if (in instanceof Instruction.Label l) {
            pairs(w, l.pairs());
        } else if (in instanceof Instruction.Maintainer m) {
            w.field("maintainer", m.maintainer());
        } else if (in instanceof Instruction.Expose e) {
            w.strings("ports", e.ports());
        } else if (in instanceof Instruction.Add a) {
            sources(w, a.sources(), a.inlineSources(), a.destination());
            w.field("chown", a.chown()).field("chmod", a.chmod()).field("link", a.link())
                    .field("keepGitDir", a.keepGitDir()).field("checksum", a.checksum())
                    .strings("excludes", a.excludes());
        } else if (in instanceof Instruction.Copy c) {
            sources(w, c.sources(), c.inlineSources(), c.destination());
            w.field("from", c.from()).field("chown", c.chown()).field("chmod", c.chmod()).field("link", c.link())
                    .field("parents", c.parents()).strings("excludes", c.excludes());
        } else if (in instanceof Instruction.Volume v) {
            w.strings("volumes", v.volumes());
        } else if (in instanceof Instruction.User u) {
            w.field("user", u.user());
        } else if (in instanceof Instruction.Workdir wd) {
            w.field("path", wd.path());
        } else if (in instanceof Instruction.Arg a) {
            w.key("args").open('[');
            for (Instruction.ArgDefinition d : a.args()) {
                w.open('{').field("key", d.key()).field("default", d.defaultValue()).field("comment", d.comment())
                        .close('}');
            }
            w.close(']');
        } else if (in instanceof Instruction.Onbuild o) {
            w.field("expression", o.expression());
        } else if (in instanceof Instruction.StopSignal s) {
            w.field("signal", s.signal());
        }
        w.close('}');
    }

    private static void duration(W w, String key, Duration d) {
        w.field(key, Go.formatDuration(d));
    }

    private static void pairs(W w, List<Instruction.KeyValue> pairs) {
        w.key("pairs").open('[');
        for (Instruction.KeyValue kv : pairs) {
            w.open('{').field("key", kv.key()).field("value", kv.value()).field("legacy", kv.legacy()).close('}');
        }
        w.close(']');
    }

    private static void sources(W w, List<String> paths, List<Instruction.InlineSource> inline, String dest) {
        w.strings("sources", paths);
        w.key("inlineSources").open('[');
        for (Instruction.InlineSource s : inline) {
            w.open('{').field("path", s.path()).field("data", s.data()).field("expand", s.expand()).close('}');
        }
        w.close(']');
        w.field("destination", dest);
    }

    private static void heredocs(W w, List<Heredoc> docs) {
        w.key("heredocs").open('[');
        for (Heredoc h : docs) {
            w.open('{').field("name", h.name()).field("fileDescriptor", h.fileDescriptor())
                    .field("expand", h.expand()).field("chomp", h.chomp()).field("content", h.content()).close('}');
        }
        w.close(']');
    }
}
