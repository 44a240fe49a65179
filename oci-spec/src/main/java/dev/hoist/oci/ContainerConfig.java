package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The execution parameters of an image: an image config's {@code config} (and Docker's
 * {@code container_config}). Holds every field of the OCI image config spec ({@code User} to
 * {@code ArgsEscaped}), Docker's extensions ({@code Healthcheck}, {@code OnBuild}, {@code Shell}) and the
 * fields Docker's own builder writes ({@code Hostname}, {@code AttachStdin}, {@code Image}, …). Null or
 * absent lists, sets and maps read as empty; null strings, booleans and numbers mean absent. When written,
 * empty values are left out. {@code ExposedPorts} and {@code Volumes} are JSON objects with empty values on
 * the wire and sorted sets here; {@code Labels} are sorted. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell", "Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Image", "NetworkDisabled", "MacAddress", "StopTimeout"})
public record ContainerConfig(
        @JsonProperty("User") String user,
        @JsonProperty("ExposedPorts") @JsonSerialize(using = JsonCodecs.KeySetSerializer.class) @JsonDeserialize(using = JsonCodecs.KeySetDeserializer.class) Set<String> exposedPorts,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("Cmd") List<String> cmd,
        @JsonProperty("Volumes") @JsonSerialize(using = JsonCodecs.KeySetSerializer.class) @JsonDeserialize(using = JsonCodecs.KeySetDeserializer.class) Set<String> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("ArgsEscaped") Boolean argsEscaped,
        @JsonProperty("Healthcheck") Healthcheck healthcheck,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Shell") List<String> shell,
        @JsonProperty("Hostname") String hostname,
        @JsonProperty("Domainname") String domainname,
        @JsonProperty("AttachStdin") Boolean attachStdin,
        @JsonProperty("AttachStdout") Boolean attachStdout,
        @JsonProperty("AttachStderr") Boolean attachStderr,
        @JsonProperty("Tty") Boolean tty,
        @JsonProperty("OpenStdin") Boolean openStdin,
        @JsonProperty("StdinOnce") Boolean stdinOnce,
        @JsonProperty("Image") String image,
        @JsonProperty("NetworkDisabled") Boolean networkDisabled,
        @JsonProperty("MacAddress") String macAddress,
        @JsonProperty("StopTimeout") Integer stopTimeout) {

    /** A config with nothing set. */
    public static final ContainerConfig EMPTY = builder().build();

    public ContainerConfig {
        exposedPorts = exposedPorts == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(exposedPorts));
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        volumes = volumes == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(volumes));
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
        onBuild = onBuild == null ? List.of() : List.copyOf(onBuild);
        shell = shell == null ? List.of() : List.copyOf(shell);
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The environment as a map, in order; a later {@code NAME=value} wins, an entry without {@code =} maps to "". */
    @JsonIgnore
    public Map<String, String> envMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            m.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return Collections.unmodifiableMap(m);
    }

    /** This config with {@code NAME=value} set, replacing an earlier value of {@code name} in place. */
    public ContainerConfig withEnv(String name, String value) {
        List<String> out = new ArrayList<>(env);
        String entry = name + "=" + value;
        for (int i = 0; i < out.size(); i++) {
            String e = out.get(i);
            if (e.equals(name) || e.startsWith(name + "=")) {
                out.set(i, entry);
                return toBuilder().env(out).build();
            }
        }
        out.add(entry);
        return toBuilder().env(out).build();
    }

    /** This config with a label set (a null value removes it). */
    public ContainerConfig withLabel(String key, String value) {
        Map<String, String> m = new TreeMap<>(labels);
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return toBuilder().labels(m).build();
    }

    /** Builds a {@link ContainerConfig}. Not thread-safe. */
    public static final class Builder {
        private String user;
        private Set<String> exposedPorts;
        private List<String> env;
        private List<String> entrypoint;
        private List<String> cmd;
        private Set<String> volumes;
        private String workingDir;
        private Map<String, String> labels;
        private String stopSignal;
        private Boolean argsEscaped;
        private Healthcheck healthcheck;
        private List<String> onBuild;
        private List<String> shell;
        private String hostname;
        private String domainname;
        private Boolean attachStdin;
        private Boolean attachStdout;
        private Boolean attachStderr;
        private Boolean tty;
        private Boolean openStdin;
        private Boolean stdinOnce;
        private String image;
        private Boolean networkDisabled;
        private String macAddress;
        private Integer stopTimeout;

        private Builder() {
        }

        private Builder(ContainerConfig c) {
            user = c.user;
            exposedPorts = c.exposedPorts;
            env = c.env;
            entrypoint = c.entrypoint;
            cmd = c.cmd;
            volumes = c.volumes;
            workingDir = c.workingDir;
            labels = c.labels;
            stopSignal = c.stopSignal;
            argsEscaped = c.argsEscaped;
            healthcheck = c.healthcheck;
            onBuild = c.onBuild;
            shell = c.shell;
            hostname = c.hostname;
            domainname = c.domainname;
            attachStdin = c.attachStdin;
            attachStdout = c.attachStdout;
            attachStderr = c.attachStderr;
            tty = c.tty;
            openStdin = c.openStdin;
            stdinOnce = c.stdinOnce;
            image = c.image;
            networkDisabled = c.networkDisabled;
            macAddress = c.macAddress;
            stopTimeout = c.stopTimeout;
        }

        /** {@code User}. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** {@code ExposedPorts}. */
        public Builder exposedPorts(Set<String> exposedPorts) {
            this.exposedPorts = exposedPorts;
            return this;
        }

        /** {@code Env}. */
        public Builder env(List<String> env) {
            this.env = env;
            return this;
        }

        /** {@code Entrypoint}. */
        public Builder entrypoint(List<String> entrypoint) {
            this.entrypoint = entrypoint;
            return this;
        }

        /** {@code Cmd}. */
        public Builder cmd(List<String> cmd) {
            this.cmd = cmd;
            return this;
        }

        /** {@code Volumes}. */
        public Builder volumes(Set<String> volumes) {
            this.volumes = volumes;
            return this;
        }

        /** {@code WorkingDir}. */
        public Builder workingDir(String workingDir) {
            this.workingDir = workingDir;
            return this;
        }

        /** {@code Labels}. */
        public Builder labels(Map<String, String> labels) {
            this.labels = labels;
            return this;
        }

        /** {@code StopSignal}. */
        public Builder stopSignal(String stopSignal) {
            this.stopSignal = stopSignal;
            return this;
        }

        /** {@code ArgsEscaped}. */
        public Builder argsEscaped(Boolean argsEscaped) {
            this.argsEscaped = argsEscaped;
            return this;
        }

        /** {@code Healthcheck}. */
        public Builder healthcheck(Healthcheck healthcheck) {
            this.healthcheck = healthcheck;
            return this;
        }

        /** {@code OnBuild}. */
        public Builder onBuild(List<String> onBuild) {
            this.onBuild = onBuild;
            return this;
        }

        /** {@code Shell}. */
        public Builder shell(List<String> shell) {
            this.shell = shell;
            return this;
        }

        /** {@code Hostname}. */
        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        /** {@code Domainname}. */
        public Builder domainname(String domainname) {
            this.domainname = domainname;
            return this;
        }

        /** {@code AttachStdin}. */
        public Builder attachStdin(Boolean attachStdin) {
            this.attachStdin = attachStdin;
            return this;
        }

        /** {@code AttachStdout}. */
        public Builder attachStdout(Boolean attachStdout) {
            this.attachStdout = attachStdout;
            return this;
        }

        /** {@code AttachStderr}. */
        public Builder attachStderr(Boolean attachStderr) {
            this.attachStderr = attachStderr;
            return this;
        }

        /** {@code Tty}. */
        public Builder tty(Boolean tty) {
            this.tty = tty;
            return this;
        }

        /** {@code OpenStdin}. */
        public Builder openStdin(Boolean openStdin) {
            this.openStdin = openStdin;
            return this;
        }

        /** {@code StdinOnce}. */
        public Builder stdinOnce(Boolean stdinOnce) {
            this.stdinOnce = stdinOnce;
            return this;
        }

        /** {@code Image}. */
        public Builder image(String image) {
            this.image = image;
            return this;
        }

        /** {@code NetworkDisabled}. */
        public Builder networkDisabled(Boolean networkDisabled) {
            this.networkDisabled = networkDisabled;
            return this;
        }

        /** {@code MacAddress}. */
        public Builder macAddress(String macAddress) {
            this.macAddress = macAddress;
            return this;
        }

        /** {@code StopTimeout}. */
        public Builder stopTimeout(Integer stopTimeout) {
            this.stopTimeout = stopTimeout;
            return this;
        }

        /** {@code Env}. */
        public Builder env(String... env) {
            return env(Arrays.asList(env));
        }

        /** {@code Entrypoint}. */
        public Builder entrypoint(String... entrypoint) {
            return entrypoint(Arrays.asList(entrypoint));
        }

        /** {@code Cmd}. */
        public Builder cmd(String... cmd) {
            return cmd(Arrays.asList(cmd));
        }

        public ContainerConfig build() {
            return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell, hostname, domainname, attachStdin, attachStdout, attachStderr, tty, openStdin, stdinOnce, image, networkDisabled, macAddress, stopTimeout);
        }
    }
}
