package dev.hoist.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Reference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code hoist images}: the local images, one row per name and one {@code <none>  <none>} row per dangling image
 * (no name points at it), as {@code docker images} prints them.
 */
final class ImagesCommand implements Command {
    @Override
    public String name() {
        return "images";
    }

    @Override
    public List<String> aliases() {
        return List.of();
    }

    @Override
    public String usage() {
        return "[REPOSITORY[:TAG]]";
    }

    @Override
    public String summary() {
        return "List images";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.flag("-a, --all", "Show all images (the same as without it: hoist keeps no intermediate images)"),
                OptionSpec.flag("--digests", "Show digests"),
                OptionSpec.list("-f, --filter", "FILTER", "Filter output: reference=PATTERN, dangling=true|false"),
                OptionSpec.value("--format", "TEMPLATE", "Format output with a template: {{.Repository}}, {{.Tag}}, {{.ID}}, {{.Digest}}, {{.CreatedSince}}, {{.CreatedAt}}, {{.Size}}, {{json .}}"),
                OptionSpec.flag("--no-trunc", "Don't truncate output"),
                OptionSpec.flag("-q, --quiet", "Only show image IDs"));
    }

    @Override
    public int[] arity() {
        return new int[] {0, 1};
    }

    record Row(String repository, String tag, String digest, LocalImages.Summary image) {
    }

    private static final String NONE = "<none>";

    @Override
    public int run(Context ctx, Args args) throws Exception {
        boolean noTrunc = args.flag("no-trunc");
        List<String> patterns = new ArrayList<>();
        if (!args.positionals().isEmpty()) {
            patterns.add(args.positionals().get(0));
        }
        Boolean dangling = null;
        for (String f : args.values("filter")) {
            int eq = f.indexOf('=');
            String key = eq < 0 ? f : f.substring(0, eq);
            String value = eq < 0 ? "" : f.substring(eq + 1);
            if (key.equals("dangling")) {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new UsageException("invalid filter 'dangling=" + value + "': use dangling=true or dangling=false");
                }
                dangling = value.equals("true");
                continue;
            }
            if (!key.equals("reference")) {
                throw new UsageException("invalid filter '" + key + "' (supported: reference=PATTERN, dangling=true|false)");
            }
            patterns.add(value);
        }
        List<Row> rows = new ArrayList<>();
        for (LocalImages.Summary image : ctx.images().summaries()) {
            if (image.names().isEmpty()) {
                // a dangling image: no reference pattern matches it, as in Docker
                if (patterns.isEmpty() && !Boolean.FALSE.equals(dangling)) {
                    rows.add(new Row(NONE, NONE, image.manifestDigest().toString(), image));
                }
                continue;
            }
            if (Boolean.TRUE.equals(dangling)) {
                continue;
            }
            for (String name : image.names()) {
                Reference ref = Reference.parse(name);
                String repo = ref.familiarName();
                if (!patterns.isEmpty() && patterns.stream().noneMatch(p -> matches(p, repo, ref.tag()))) {
                    continue;
                }
                rows.add(new Row(repo, ref.tag() == null ? "<none>" : ref.tag(), image.manifestDigest().toString(), image));
            }
        }
        rows.sort(Comparator.comparing((Row r) -> r.image().created(), Comparator.nullsLast(Comparator.<java.time.Instant>reverseOrder()))
                .thenComparing(Row::repository).thenComparing(Row::tag));
        if (args.flag("quiet")) {
            Set<String> ids = new LinkedHashSet<>();
            for (Row r : rows) {
                ids.add(noTrunc ? r.image().id().toString() : r.image().id().shortHex());
            }
            ids.forEach(ctx.out::println);
            return Main.OK;
        }
        String format = args.value("format");
        if (format != null) {
            for (Row r : rows) {
                ctx.out.println(Template.render(format, json(ctx, r, noTrunc)));
            }
            return Main.OK;
        }
        boolean digests = args.flag("digests");
        List<String[]> table = new ArrayList<>();
        table.add(digests ? new String[] {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}
                : new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
        for (Row r : rows) {
            String id = noTrunc ? r.image().id().toString() : r.image().id().shortHex();
            String created = Humans.ago(r.image().created(), ctx.now());
            String size = Humans.size(r.image().contentSize());
            table.add(digests ? new String[] {r.repository(), r.tag(), r.digest(), id, created, size}
                    : new String[] {r.repository(), r.tag(), id, created, size});
        }
        ctx.out.print(Humans.table(table));
        return Main.OK;
    }

    private static ObjectNode json(Context ctx, Row r, boolean noTrunc) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("Containers", "N/A");
        o.put("CreatedAt", String.valueOf(r.image().created()));
        o.put("CreatedSince", Humans.ago(r.image().created(), ctx.now()));
        o.put("Digest", r.digest());
        o.put("ID", noTrunc ? r.image().id().toString() : r.image().id().shortHex());
        o.put("Repository", r.repository());
        o.put("Size", Humans.size(r.image().contentSize()));
        o.put("Tag", r.tag());
        return o;
    }

    /** Docker's reference filter: a glob over the familiar name, optionally with {@code :tag}. */
    static boolean matches(String pattern, String repository, String tag) {
        return glob(pattern, repository) || glob(pattern, repository + ":" + tag);
    }

    private static boolean glob(String pattern, String text) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                default -> re.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return text.matches(re.toString());
    }
}
