package dev.hoist.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the {@code hoist} command: global options, then a command (possibly inside a group such as
 * {@code registry}), its options and arguments. Exit status 0 on success, 1 when the command failed, 2 when
 * the command line is wrong.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final List<OptionSpec> GLOBAL = List.of(
            OptionSpec.value("--root", "DIR", "Where hoist keeps its state (default $HOIST_ROOT, else /var/lib/hoist as root, else $XDG_DATA_HOME/hoist)"),
            OptionSpec.flag("-D, --debug", "Print stack traces with errors"),
            OptionSpec.flag("-v, --version", "Print version information and quit"));

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        int status = run(out, System.err, System.in, System.getenv(), System.console() != null, true, args);
        out.flush();
        System.exit(status);
    }

    /** Runs one command line in-process and returns its exit status; for tests and embedding. */
    public static int run(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, String... argv) {
        return run(out, err, in, env, false, false, argv);
    }

    static int run(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, boolean terminal,
                   boolean standardStreams, String... argv) {
        Context ctx = new Context(out, err, in, env);
        ctx.terminal = terminal;
        ctx.standardStreams = standardStreams;
        List<String> tokens = new ArrayList<>(Arrays.asList(argv));
        boolean debug = env.containsKey("HOIST_DEBUG");
        // Global options come before the command's name.
        int i = 0;
        while (i < tokens.size() && tokens.get(i).startsWith("-")) {
            String t = tokens.get(i);
            if (t.equals("-h") || t.equals("--help")) {
                out.print(Commands.top().help("hoist", true) + globalOptionsHelp() + "\nRun 'hoist COMMAND --help' for more information on a command.\n");
                return OK;
            } else if (t.equals("-v") || t.equals("--version")) {
                out.println(Version.line());
                return OK;
            } else if (t.equals("-D") || t.equals("--debug")) {
                debug = true;
            } else if (t.equals("--root") && i + 1 < tokens.size()) {
                ctx.rootOption = Path.of(tokens.get(++i));
            } else if (t.startsWith("--root=")) {
                ctx.rootOption = Path.of(t.substring("--root=".length()));
            } else {
                err.println("hoist: unknown flag: " + t + "\nSee 'hoist --help'.");
                return USAGE;
            }
            i++;
        }
        if (i >= tokens.size()) {
            out.print(Commands.top().help("hoist", true) + globalOptionsHelp());
            return OK;
        }
        CommandGroup group = null;   // the tree is made only for a group or an unknown word
        String path = "";
        while (true) {
            String word = tokens.get(i);
            Object found = group == null ? Commands.direct(word) : group.find(word);
            if (found == null && group == null) {
                group = Commands.top();
                found = group.find(word);
            }
            if (found == null) {
                String where = path.isEmpty() ? "hoist" : "hoist " + path;
                err.println(where + ": '" + word + "' is not a hoist command.\nSee '" + where + " --help'.");
                return USAGE;
            }
            path = path.isEmpty() ? word : path + " " + word;
            i++;
            if (found instanceof CommandGroup g) {
                if (i >= tokens.size() || tokens.get(i).equals("--help") || tokens.get(i).equals("-h")) {
                    out.print(g.help("hoist " + path, false));
                    return OK;
                }
                group = g;
                continue;
            }
            Command c = (Command) found;
            return runCommand(ctx, path, c, tokens.subList(i, tokens.size()), debug);
        }
    }

    private static int runCommand(Context ctx, String path, Command c, List<String> rest, boolean debug) {
        List<String> tokens = new ArrayList<>(rest);
        // --help anywhere before the positionals (or anywhere, for commands that do not stop early).
        for (String t : tokens) {
            if (t.equals("--help") || t.equals("-h") && !c.stopAtFirstPositional()) {
                ctx.out.print(Help.forCommand(path, c));
                return OK;
            }
            if (c.stopAtFirstPositional() && !t.startsWith("-")) {
                break;
            }
        }
        Args args;
        try {
            args = Args.parse(c.options(), tokens, c.stopAtFirstPositional());
            int[] arity = c.arity();
            int n = args.positionals().size();
            if (n < arity[0] || (arity[1] >= 0 && n > arity[1])) {
                throw new UsageException(arityMessage(path, arity, n));
            }
        } catch (UsageException e) {
            ctx.err.println("hoist " + path + ": " + e.getMessage() + "\nSee 'hoist " + path + " --help'.\n\nUsage:  hoist "
                    + path + (c.options().isEmpty() ? "" : " [OPTIONS]") + (c.usage().isEmpty() ? "" : " " + c.usage()));
            return USAGE;
        }
        try {
            return c.run(ctx, args);
        } catch (UsageException e) {
            ctx.err.println("hoist " + path + ": " + e.getMessage() + "\nSee 'hoist " + path + " --help'.");
            return USAGE;
        } catch (Exception e) {
            ctx.err.println(errorLine(path, e));
            if (debug) {
                e.printStackTrace(ctx.err);
            }
            return FAILED;
        }
    }

    /** How a command's failure is said: {@code hoist PATH: message}. */
    static String errorLine(String path, Exception e) {
        return "hoist " + path + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
    }

    private static String arityMessage(String path, int[] arity, int n) {
        if (arity[1] == 0) {
            return "\"hoist " + path + "\" accepts no arguments.";
        }
        if (arity[0] == arity[1]) {
            return "\"hoist " + path + "\" requires exactly " + arity[0] + " argument" + (arity[0] == 1 ? "" : "s") + ".";
        }
        if (n < arity[0]) {
            return "\"hoist " + path + "\" requires at least " + arity[0] + " argument" + (arity[0] == 1 ? "" : "s") + ".";
        }
        return "\"hoist " + path + "\" requires at most " + arity[1] + " argument" + (arity[1] == 1 ? "" : "s") + ".";
    }

    private static String globalOptionsHelp() {
        StringBuilder sb = new StringBuilder();
        Help.appendOptions(sb, GLOBAL);
        return sb.toString();
    }
}
