package dev.hoist.runtime;

import java.util.Locale;

/** Linux signal names and numbers as Docker takes them ({@code kill -s}, {@code --stop-signal}, STOPSIGNAL). */
public final class Signals {

    /** The standard signals by number (index); SIGIOT, SIGCLD and SIGPOLL are accepted as the aliases they are. */
    private static final String[] NAMES = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
        "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
        "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
    private static final int RTMIN = 34;
    private static final int RTMAX = 64;

    private Signals() {
    }

    /**
     * The number of a signal given as a number (1 to 64) or a name with or without {@code SIG}, in any case:
     * {@code TERM}, {@code SIGWINCH}, {@code RTMIN+3}, {@code RTMAX-1}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static int parse(String signal) {
        String n = signal.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return i;
            }
        }
        switch (n) {
            case "IOT":
                return 6;
            case "CLD":
                return 17;
            case "POLL":
                return 29;
            default:
                break;
        }
        int number;
        if (n.startsWith("RTMIN")) {
            number = RTMIN + offset(n.substring(5), '+', signal);
        } else if (n.startsWith("RTMAX")) {
            number = RTMAX - offset(n.substring(5), '-', signal);
        } else {
            number = number(n, signal);
        }
        if (number < 1 || number > RTMAX) {
            throw invalid(signal);
        }
        return number;
    }

    /** "" or SIGN followed by a number, as after RTMIN or RTMAX. */
    private static int offset(String rest, char sign, String signal) {
        if (rest.isEmpty()) {
            return 0;
        }
        if (rest.charAt(0) != sign) {
            throw invalid(signal);
        }
        return number(rest.substring(1), signal);
    }

    private static int number(String digits, String signal) {
        if (digits.isEmpty() || digits.length() > 2) {
            throw invalid(signal);
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                throw invalid(signal);
            }
        }
        return Integer.parseInt(digits);
    }

    private static IllegalArgumentException invalid(String signal) {
        return new IllegalArgumentException("invalid signal: " + signal
                + " (use a number from 1 to 64 or a name such as TERM, SIGHUP, WINCH or RTMIN+1)");
    }
}
