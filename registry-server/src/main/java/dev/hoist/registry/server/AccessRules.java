package dev.hoist.registry.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what on which repositories: the config's rules (repository patterns with {@code *} within a
 * component and {@code **} across them, users, groups, actions), anonymous pull, and the default that every
 * logged-in user may do everything when there are no rules. Immutable and thread-safe.
 */
final class AccessRules {
    static final Set<String> ALL = Set.of("pull", "push", "delete");

    private record Compiled(Pattern repo, Set<String> users, Set<String> groups, Set<String> actions) {
    }

    private final List<Compiled> rules = new ArrayList<>();
    private final Map<String, List<String>> groups;
    private final boolean anonymousPull;

    AccessRules(RegistryConfig.Auth auth) {
        this.groups = auth.groups();
        this.anonymousPull = auth.anonymousPull();
        for (RegistryConfig.Rule r : auth.rules()) {
            Set<String> actions = new HashSet<>();
            for (String a : r.actions()) {
                if (a.equals("*")) {
                    actions.addAll(ALL);
                } else if (ALL.contains(a)) {
                    actions.add(a);
                } else {
                    throw new IllegalArgumentException("unknown action \"" + a + "\" in the access rule for " + r.repository()
                            + "; use pull, push, delete or *");
                }
            }
            rules.add(new Compiled(glob(r.repository()), Set.copyOf(r.users()), Set.copyOf(r.groups()), actions));
        }
    }

    static Pattern glob(String pattern) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    sb.append(".*");
                    i++;
                } else {
                    sb.append("[^/]*");
                }
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }

    /** The actions {@code user} (null: anonymous) may do on {@code repo}, among {@code wanted}. */
    Set<String> granted(String user, String type, String name, Set<String> wanted) {
        Set<String> out = new HashSet<>();
        if (type.equals("registry")) {
            // The catalog, and garbage collection by hand, for users who may do everything everywhere.
            if ((name.equals("catalog") || name.equals("gc")) && user != null && (rules.isEmpty() || allowedEverywhere(user))) {
                out.addAll(wanted);
            }
            return out;
        }
        if (!type.equals("repository")) {
            return out;
        }
        if (user == null) {
            if (anonymousPull && wanted.contains("pull")) {
                out.add("pull");
            }
            return out;
        }
        if (rules.isEmpty()) {
            for (String w : wanted) {
                if (ALL.contains(w)) {
                    out.add(w);
                }
            }
            return out;
        }
        if (anonymousPull && wanted.contains("pull")) {
            out.add("pull");
        }
        for (Compiled r : rules) {
            if (applies(r, user) && r.repo.matcher(name).matches()) {
                for (String w : wanted) {
                    if (r.actions.contains(w)) {
                        out.add(w);
                    }
                }
            }
        }
        return out;
    }

    /** Whether {@code user} (null: anonymous) may pull from every repository. */
    boolean pullsEverywhere(String user) {
        if (anonymousPull) {
            return true;
        }
        if (user == null) {
            return false;
        }
        if (rules.isEmpty()) {
            return true;
        }
        for (Compiled r : rules) {
            if (applies(r, user) && r.repo.pattern().equals(".*") && r.actions.contains("pull")) {
                return true;
            }
        }
        return false;
    }

    private boolean applies(Compiled r, String user) {
        if (r.users.contains(user) || r.users.contains("*")) {
            return true;
        }
        for (String g : r.groups) {
            List<String> members = groups.get(g);
            if (members != null && members.contains(user)) {
                return true;
            }
        }
        return false;
    }

    private boolean allowedEverywhere(String user) {
        for (Compiled r : rules) {
            if (applies(r, user) && r.repo.pattern().equals(".*") && r.actions.containsAll(ALL)) {
                return true;
            }
        }
        return false;
    }
}
