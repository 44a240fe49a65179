package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageNotFoundException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Reference;
import dev.hoist.runtime.ContainerInfo;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.ContainerState;
import dev.hoist.runtime.Mount;
import dev.hoist.runtime.NetworkMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code hoist inspect NAME...}: containers and images as JSON in the shape of {@code docker inspect}; a name that is
 * both is taken as the container, as Docker does, unless {@code --type} says which.
 */
final class InspectCommand implements Command {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String usage() {
        return "NAME|ID [NAME|ID...]";
    }

    @Override
    public String summary() {
        return "Return low-level information on containers and images";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.value("-f, --format", "TEMPLATE", "Format the output with a template, e.g. '{{.Id}}' or '{{json .Config}}'"),
                OptionSpec.value("--type", "container|image", "Only look for this type of object"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, -1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        ArrayNode all = F.arrayNode();
        int status = Main.OK;
        String format = args.value("format");
        String type = args.value("type");
        if (type != null && !type.equals("container") && !type.equals("image")) {
            throw new UsageException("invalid --type " + type + ": use container or image");
        }
        ContainerRuntime runtime = !"image".equals(type) && ContainerRuntime.supported()
                ? new ContainerRuntime(ctx.images().root().path()) : null;
        for (String target : args.positionals()) {
            try {
                ObjectNode o = describe(ctx, runtime, type, target);
                if (format != null) {
                    ctx.out.println(Template.render(format, o));
                } else {
                    all.add(o);
                }
            } catch (UsageException e) {
                throw e;
            } catch (Exception e) {
                ctx.err.println("Error: " + e.getMessage());
                status = Main.FAILED;
            }
        }
        if (format == null) {
            ctx.out.println(pretty(all));
        }
        return status;
    }

    /** The container or image {@code target}: a container first, as {@code docker inspect} looks. */
    private static ObjectNode describe(Context ctx, ContainerRuntime runtime, String type, String target) throws Exception {
        if (runtime != null) {
            Optional<ContainerState> c = runtime.inspect(target);
            if (c.isPresent()) {
                return describe(c.get(), runtime);
            }
        }
        if ("container".equals(type)) {
            throw new IOException("No such container: " + target);
        }
        try {
            return describe(ctx.images().resolve(target));
        } catch (ImageNotFoundException e) {
            throw type == null ? new IOException("No such object: " + target) : e;
        }
    }

    static String pretty(JsonNode node) throws Exception {
        if (node.isContainerNode() && node.isEmpty()) {
            return node.isArray() ? "[]" : "{}";
        }
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("    ", "\n"))
                .withArrayIndenter(new DefaultIndenter("    ", "\n"))
                .withoutSpacesInObjectEntries();
        return OciJson.writeString(node, pp).replace("\":", "\": ");
    }

    static ObjectNode describe(Image image) {
        ImageConfig c = image.config();
        JsonNode raw = c.json();
        ObjectNode o = F.objectNode();
        o.put("Id", image.id().toString());
        ArrayNode tags = o.putArray("RepoTags");
        Set<String> digests = new TreeSet<>();
        for (String n : image.names()) {
            Reference ref = Reference.parse(n);
            tags.add(ref.familiarString());
            digests.add(ref.familiarName() + "@" + image.manifestDigest());
        }
        ArrayNode repoDigests = o.putArray("RepoDigests");
        digests.forEach(repoDigests::add);
        o.put("Parent", "");
        o.put("Comment", c.comment() == null ? "" : c.comment());
        o.put("Created", c.created() == null ? "0001-01-01T00:00:00Z" : c.created());
        o.put("Container", c.container() == null ? "" : c.container());
        o.set("ContainerConfig", raw.has("container_config") ? raw.get("container_config") : emptyContainerConfig());
        o.put("DockerVersion", c.dockerVersion() == null ? "" : c.dockerVersion());
        o.put("Author", c.author() == null ? "" : c.author());
        o.set("Config", raw.has("config") ? raw.get("config") : NullNode.instance);
        o.put("Architecture", c.architecture());
        if (c.variant() != null) {
            o.put("Variant", c.variant());
        }
        o.put("Os", c.os());
        if (c.osVersion() != null) {
            o.put("OsVersion", c.osVersion());
        }
        o.put("Size", image.contentSize());
        o.put("VirtualSize", image.contentSize());
        ObjectNode gd = o.putObject("GraphDriver");
        gd.set("Data", NullNode.instance);
        gd.put("Name", "hoist");
        ObjectNode rootfs = o.putObject("RootFS");
        rootfs.put("Type", c.rootfs() == null ? "layers" : c.rootfs().type());
        ArrayNode layers = rootfs.putArray("Layers");
        for (Digest d : c.diffIds()) {
            layers.add(d.toString());
        }
        o.putObject("Metadata").put("LastTagTime", "0001-01-01T00:00:00Z");
        o.set("Descriptor", image.target().toJson());
        return o;
    }

    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    /** A container in the shape of {@code docker container inspect}, with the members hoist has. */
    static ObjectNode describe(ContainerState s, ContainerRuntime runtime) {
        ContainerInfo info = s.info();
        ContainerState.Settings set = s.settings();
        ObjectNode o = F.objectNode();
        o.put("Id", s.id());
        o.put("Created", s.created().toString());
        o.put("Path", s.command().isEmpty() ? "" : s.command().get(0));
        o.set("Args", strings(s.command().isEmpty() ? List.of() : s.command().subList(1, s.command().size())));
        ObjectNode state = o.putObject("State");
        boolean running = s.status() == ContainerState.Status.RUNNING;
        state.put("Status", s.status().name().toLowerCase(java.util.Locale.ROOT));   // created, running, exited
        state.put("Running", running);
        state.put("Paused", false);
        state.put("Restarting", false);
        state.put("OOMKilled", s.oomKilled());
        state.put("Dead", false);
        state.put("Pid", s.pid());
        state.put("ExitCode", s.exitCode());
        state.put("Error", "");
        state.put("StartedAt", s.created().toString());
        state.put("FinishedAt", s.finished() == null ? ZERO_TIME : s.finished().toString());
        o.put("Image", info.imageId());
        Path dir = runtime.containerDirectory(s.id());
        o.put("ResolvConfPath", dir.resolve("resolv.conf").toString());
        o.put("HostnamePath", dir.resolve("hostname").toString());
        o.put("HostsPath", dir.resolve("hosts").toString());
        o.put("LogPath", set.detached() ? runtime.logFile(s.id()).toString() : "");
        o.put("Name", "/" + s.name());
        o.put("RestartCount", 0);
        o.put("Driver", "overlay");
        o.put("Platform", "linux");

        ObjectNode host = o.putObject("HostConfig");
        ArrayNode binds = F.arrayNode();
        ObjectNode tmpfs = F.objectNode();
        ArrayNode mounts = F.arrayNode();
        for (Mount m : set.mounts()) {
            if (m.type() == Mount.Type.TMPFS) {
                tmpfs.put(m.destination(), m.givenTmpfsOptions());   // as docker inspect shows them
                continue;
            }
            binds.add(m.source() + ":" + m.destination() + (m.readOnly() ? ":ro" : ""));
            ObjectNode mount = mounts.addObject();
            mount.put("Type", "bind");
            mount.put("Source", m.source().toString());
            mount.put("Destination", m.destination());
            mount.put("Mode", m.readOnly() ? "ro" : "");
            mount.put("RW", !m.readOnly());
            mount.put("Propagation", "rprivate");
        }
        host.set("Binds", binds.isEmpty() ? NullNode.instance : binds);
        host.put("NetworkMode", set.network() == NetworkMode.PRIVATE ? "bridge" : set.network().id());
        host.put("AutoRemove", info.autoRemove());
        host.put("ReadonlyRootfs", set.readOnly());
        host.set("Init", set.init() ? F.booleanNode(true) : NullNode.instance);
        host.put("Memory", set.limits().memoryBytes());
        host.put("MemorySwap", set.limits().memorySwapBytes());
        host.put("NanoCpus", Math.round(set.limits().cpus() * 1e9));
        host.put("CpuShares", set.limits().cpuShares());
        host.set("PidsLimit", set.limits().pidsLimit() == 0 ? NullNode.instance : F.numberNode(set.limits().pidsLimit()));
        host.set("Tmpfs", tmpfs.isEmpty() ? NullNode.instance : tmpfs);
        o.set("Mounts", mounts);

        ObjectNode config = o.putObject("Config");
        config.put("Hostname", set.hostname());
        config.put("Domainname", "");
        config.put("User", set.user());
        config.put("AttachStdin", set.interactive() && !set.detached());
        config.put("AttachStdout", !set.detached());
        config.put("AttachStderr", !set.detached());
        config.put("Tty", set.tty());
        config.put("OpenStdin", set.interactive());
        config.put("StdinOnce", set.interactive() && !set.detached());
        config.set("Env", strings(set.env()));
        config.set("Cmd", info.cmd() == null ? NullNode.instance : strings(info.cmd()));
        config.put("Image", info.image());
        config.set("Volumes", NullNode.instance);
        config.put("WorkingDir", set.cwd());
        config.set("Entrypoint", info.entrypoint() == null ? NullNode.instance : strings(info.entrypoint()));
        config.set("OnBuild", NullNode.instance);
        ObjectNode labels = config.putObject("Labels");
        for (String k : new TreeSet<>(info.labels().keySet())) {
            labels.put(k, info.labels().get(k));
        }
        return o;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = F.arrayNode();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    private static ObjectNode emptyContainerConfig() {
        ObjectNode cc = F.objectNode();
        cc.put("Hostname", "");
        cc.put("Domainname", "");
        cc.put("User", "");
        cc.put("AttachStdin", false);
        cc.put("AttachStdout", false);
        cc.put("AttachStderr", false);
        cc.put("Tty", false);
        cc.put("OpenStdin", false);
        cc.put("StdinOnce", false);
        cc.set("Env", NullNode.instance);
        cc.set("Cmd", NullNode.instance);
        cc.put("Image", "");
        cc.set("Volumes", NullNode.instance);
        cc.put("WorkingDir", "");
        cc.set("Entrypoint", NullNode.instance);
        cc.set("OnBuild", NullNode.instance);
        cc.set("Labels", NullNode.instance);
        return cc;
    }
}
