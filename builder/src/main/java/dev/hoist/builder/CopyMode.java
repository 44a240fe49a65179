package dev.hoist.builder;

import java.util.ArrayList;
import java.util.List;

/**
 * The mode COPY and ADD give what they add, from {@code --chmod}: octal ({@code 755}), the mode itself; or, as
 * Dockerfile 1.14 takes it, chmod(1) symbols ({@code u+x}, {@code go-w,o=r}, {@code a+X}) applied to each file's
 * and directory's own mode as BuildKit applies them (BSD's {@code setmode(3)}, with no umask: {@code +w} is
 * {@code a+w}; {@code X} only with {@code +}, for directories and for files with an execute bit). Symbolic links
 * keep theirs. Immutable.
 */
final class CopyMode {
    /** The sources' own modes: no {@code --chmod}. */
    static final CopyMode KEEP = new CopyMode(List.of());

    private static final int SET = 1;
    private static final int CLEAR = 2;
    private static final int SET_IF_EXECUTABLE = 3;
    /** Copies the user, group or other bits (which: {@link Op#from}) to the classes of {@link Op#bits}. */
    private static final int COPY = 4;

    private static final int SUID_SGID = 06000;
    private static final int STICKY = 01000;
    /** What {@code a} names: every bit but the sticky one. */
    private static final int ALL = 06777;

    /**
     * One step: {@code bits} set or cleared; for {@link #COPY}, the bits of class {@code from} ({@code u}, {@code g}
     * or {@code o}) set in, cleared from, or both (that is, assigned to) the classes of {@code bits}.
     */
    private record Op(int kind, int bits, char from, boolean set, boolean clear) {
        Op(int kind, int bits) {
            this(kind, bits, ' ', false, false);
        }
    }

    private final List<Op> ops;

    private CopyMode(List<Op> ops) {
        this.ops = List.copyOf(ops);
    }

    /**
     * The mode {@code --chmod=text} gives.
     *
     * @throws BuildException naming {@code at} when {@code text} is neither an octal mode nor chmod(1) symbols
     */
    static CopyMode parse(String text, String at) throws BuildException {
        if (!text.isEmpty() && text.charAt(0) >= '0' && text.charAt(0) <= '9') {
            if (text.length() > 4 || !octal(text)) {
                throw new BuildException(at + ": --chmod=" + text + " is not an octal mode");
            }
            return new CopyMode(List.of(new Op(CLEAR, 07777), new Op(SET, Integer.parseInt(text, 8))));
        }
        List<Op> ops = new Parser(text).parse();
        if (ops == null) {
            throw new BuildException(at + ": --chmod=" + text + " is not a mode: give it in octal (0755) or as "
                    + "chmod(1) symbols (u+x, go-w, a+rX)");
        }
        return new CopyMode(ops);
    }

    private static boolean octal(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /** The permission bits (07777) of a file or {@code directory} whose own are {@code mode}, after this. */
    int apply(int mode, boolean directory) {
        int old = mode & 07777;
        int m = old;
        for (Op op : ops) {
            switch (op.kind) {
                case SET -> m |= op.bits;
                case CLEAR -> m &= ~op.bits;
                case SET_IF_EXECUTABLE -> {
                    if (directory || (old & 0111) != 0) {
                        m |= op.bits;
                    }
                }
                default -> {
                    int shift = op.from == 'u' ? 6 : op.from == 'g' ? 3 : 0;
                    int value = m >> shift & 07;
                    if (op.clear) {
                        m &= ~spread(op.set ? 07 : value, op.bits);
                    }
                    if (op.set) {
                        m |= spread(value, op.bits);
                    }
                }
            }
        }
        return m & 07777;
    }

    /** {@code rwx} (three bits) in each class of {@code who}'s. */
    private static int spread(int rwx, int who) {
        return ((who & 0400) != 0 ? rwx << 6 : 0) | ((who & 0040) != 0 ? rwx << 3 : 0) | ((who & 0004) != 0 ? rwx : 0);
    }

    /** A symbolic mode, read as BSD's {@code setmode(3)} reads it, into steps; null when it is not one. */
    private static final class Parser {
        private final String s;
        private int i;
        private final List<Op> ops = new ArrayList<>();

        Parser(String s) {
            this.s = s;
        }

        List<Op> parse() {
            if (s.isEmpty()) {
                return null;
            }
            boolean equalDone = false;
            while (true) {
                // a clause: who, then one or more operators, each with its permissions
                int who = 0;
                for (; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == 'a') {
                        who |= ALL;
                    } else if (c == 'u') {
                        who |= 04700;
                    } else if (c == 'g') {
                        who |= 02070;
                    } else if (c == 'o') {
                        who |= 00007;
                    } else {
                        break;
                    }
                }
                while (true) {
                    if (i == s.length()) {
                        return null;
                    }
                    char op = s.charAt(i++);
                    if (op != '+' && op != '-' && op != '=') {
                        return null;
                    }
                    if (op == '=') {
                        equalDone = false;
                    }
                    who &= ~STICKY;
                    int perm = 0;
                    int permX = 0;
                    // set-id and sticky bits are not for "other" alone
                    boolean notOtherOnly = who == 0 || (who & ~00007) != 0;
                    permissions:
                    for (; ; i++) {
                        char b = i < s.length() ? s.charAt(i) : 0;
                        switch (b) {
                            case 'r' -> perm |= 0444;
                            case 'w' -> perm |= 0222;
                            case 'x' -> perm |= 0111;
                            case 'X' -> permX = op == '+' ? 0111 : permX;
                            case 's' -> perm |= notOtherOnly ? SUID_SGID : 0;
                            case 't' -> {
                                if (notOtherOnly) {
                                    who |= STICKY;
                                    perm |= STICKY;
                                }
                            }
                            case 'u', 'g', 'o' -> {
                                if (perm != 0) {
                                    add(op, who, perm);
                                    perm = 0;
                                }
                                if (op == '=') {
                                    equalDone = true;
                                }
                                if (permX != 0) {
                                    add('X', who, permX);
                                    permX = 0;
                                }
                                ops.add(new Op(COPY, who != 0 ? who : ALL, b, op != '-', op != '+'));
                            }
                            default -> {
                                if (perm != 0 || op == '=' && !equalDone) {
                                    if (op == '=') {
                                        equalDone = true;
                                    }
                                    add(op, who, perm);
                                }
                                if (permX != 0) {
                                    add('X', who, permX);
                                }
                                break permissions;
                            }
                        }
                    }
                    if (i == s.length()) {
                        return ops;
                    }
                    if (s.charAt(i) == ',') {
                        i++;
                        break;
                    }
                }
            }
        }

        /** {@code op} ({@code + - =}, or {@code X} for a conditional {@code +}) of {@code perm} for {@code who}. */
        private void add(char op, int who, int perm) {
            if (op == '=') {
                ops.add(new Op(CLEAR, who != 0 ? who : ALL));
                op = '+';
            }
            int bits = who != 0 ? who & perm : perm;
            ops.add(new Op(op == '+' ? SET : op == '-' ? CLEAR : SET_IF_EXECUTABLE, bits));
        }
    }
}
