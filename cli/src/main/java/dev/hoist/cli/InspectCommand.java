package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.hoist.cache.image.Image;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Reference;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** {@code hoist inspect IMAGE...}: JSON in the shape of {@code docker image inspect}. */
final class InspectCommand implements Command {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String usage() {
        return "IMAGE [IMAGE...]";
    }

    @Override
    public String summary() {
        return "Return low-level information on images";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.value("-f, --format", "TEMPLATE", "Format the output with a template, e.g. '{{.Id}}' or '{{json .Config}}'"));
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
        for (String target : args.positionals()) {
            try {
                ObjectNode o = describe(ctx.images().resolve(target));
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
