package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.dockerfile.RunMount;
import dev.hoist.runtime.Mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The secret and SSH mounts of one RUN step, as BuildKit makes them: a secret is a read-only file (default
 * {@code /run/secrets/ID}, mode 0400, root) or an environment variable; an SSH mount forwards an agent socket
 * (default {@code /run/buildkit/ssh_agent.N}) and sets {@code SSH_AUTH_SOCK}. Neither the content nor the
 * variables reach the cache key ({@link #add} returns only what the step asked for), the layer (mount points are
 * removed by {@link #removeStubs}) or the history. Not thread-safe; close it after the step.
 */
final class RunSecrets implements AutoCloseable {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final BuildRequest req;
    private final HoistRoot root;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> targets = new ArrayList<>();
    private final List<Path> temps = new ArrayList<>();
    private int sshCount;

    RunSecrets(BuildRequest req, HoistRoot root) {
        this.req = req;
        this.root = root;
    }

    /**
     * Adds what the secret or ssh mount {@code m} needs to {@code mounts}, and returns its part of the step's
     * cache key (what was asked for, never a secret's content); null when an optional secret is not given.
     *
     * @param at where the step is, for errors ({@code Dockerfile:3: RUN ...})
     */
    String add(RunMount m, String cwd, List<Mount> mounts, String at) throws BuildException, IOException {
        return m.type().equals(RunMount.SSH) ? ssh(m, cwd, mounts, at) : secret(m, cwd, mounts, at);
    }

    private String secret(RunMount m, String cwd, List<Mount> mounts, String at) throws BuildException, IOException {
        String id = !m.id().isEmpty() ? m.id() : !m.source().isEmpty() ? m.source()
                : m.target().isEmpty() ? "" : baseName(m.target());
        BuildSecret s = req.secrets().get(id);
        if (s == null) {
            if (m.required()) {
                throw new BuildException(at + ": the secret \"" + id + "\" is required but was not given;"
                        + " pass it with --secret id=" + id + ",src=FILE (or env=VARIABLE)");
            }
            return null;
        }
        byte[] value;
        try {
            value = s.file() != null ? Files.readAllBytes(s.file()) : s.value();
        } catch (IOException e) {
            throw new BuildException(at + ": cannot read the secret \"" + id + "\" from " + s.file() + ": " + e.getMessage(), e);
        }
        StringBuilder part = new StringBuilder("\1secret=").append(id);
        if (m.env() != null && !m.env().isEmpty()) {
            env.put(m.env(), new String(value, java.nio.charset.StandardCharsets.UTF_8));
            part.append(":env=").append(m.env());
            if (m.target().isEmpty()) {
                return part.toString();
            }
        }
        String target = m.target().isEmpty() ? "/run/secrets/" + baseName(id) : absolute(cwd, m.target());
        Path dir = root.createTempDirectory("build-secret");
        temps.add(dir);
        Files.setAttribute(dir, "unix:mode", 0700);
        Path file = dir.resolve("secret");
        Files.write(file, value);
        int uid = m.uid() == null ? 0 : m.uid().intValue();
        int gid = m.gid() == null ? 0 : m.gid().intValue();
        int mode = m.mode() == null ? 0400 : m.mode().intValue();
        CopyTree.setMeta(file, uid, gid, mode);
        mounts.add(Mount.bind(file, target, true));
        targets.add(target);
        return part.append(":target=").append(target).append(':').append(uid).append(':').append(gid).append(':')
                .append(Integer.toOctalString(mode)).toString();
    }

    private String ssh(RunMount m, String cwd, List<Mount> mounts, String at) throws BuildException {
        String id = m.id().isEmpty() ? "default" : m.id();
        Path socket = req.sshSockets().get(id);
        if (socket == null) {
            if (m.required()) {
                throw new BuildException(at + ": the SSH agent \"" + id + "\" is required but was not given;"
                        + " forward one with --ssh " + id + (id.equals("default") ? "" : "=SOCKET")
                        + " (the default is the agent at $SSH_AUTH_SOCK)");
            }
            return null;
        }
        if (!Files.exists(socket)) {
            throw new BuildException(at + ": the SSH agent socket " + socket + " for \"" + id + "\" does not exist;"
                    + " is ssh-agent running (check $SSH_AUTH_SOCK)?");
        }
        String target = m.target().isEmpty() ? "/run/buildkit/ssh_agent." + sshCount : absolute(cwd, m.target());
        sshCount++;
        mounts.add(Mount.bind(socket, target, false));
        targets.add(target);
        env.putIfAbsent("SSH_AUTH_SOCK", target);
        return "\1ssh=" + id + ":target=" + target;
    }

    /** {@code base} with the variables secrets are exposed as, which must not be part of the cache key. */
    List<String> env(List<String> base) {
        if (env.isEmpty()) {
            return base;
        }
        List<String> out = new ArrayList<>();
        for (String e : base) {
            int eq = e.indexOf('=');
            if (!env.containsKey(eq < 0 ? e : e.substring(0, eq))) {
                out.add(e);
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /**
     * Removes from the step's overlay {@code upper} the mount points made for secrets and agents, and the
     * directories made only to hold them, so that nothing of them is in the layer.
     */
    void removeStubs(Path upper, CopyTree.Lookup lower) throws IOException {
        for (String t : targets) {
            String rel = CopyTree.clean(t);
            while (!rel.isEmpty()) {
                Path stub = upper.resolve(rel);
                if (lower.find(rel) != null) {
                    break;
                }
                if (Files.exists(stub, NOFOLLOW)) {
                    if (!removable(stub)) {
                        break;
                    }
                    Files.delete(stub);
                }
                int slash = rel.lastIndexOf('/');
                rel = slash < 0 ? "" : rel.substring(0, slash);
            }
        }
    }

    private static boolean removable(Path p) throws IOException {
        if (Files.isDirectory(p, NOFOLLOW)) {
            try (var s = Files.list(p)) {
                return s.findAny().isEmpty();
            }
        }
        return Files.isRegularFile(p, NOFOLLOW) && Files.size(p) == 0;
    }

    private static String baseName(String path) {
        String s = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return s.substring(s.lastIndexOf('/') + 1);
    }

    private static String absolute(String cwd, String path) {
        return Path.of(cwd == null || cwd.isEmpty() ? "/" : cwd).resolve(path).normalize().toString();
    }

    @Override
    public void close() {
        for (Path p : temps) {
            Build.deleteTree(p);
        }
    }
}
