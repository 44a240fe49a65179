package dev.hoist.cli;

import dev.hoist.cache.image.Image;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.History;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@code hoist history IMAGE}: the steps that made an image, newest first, as {@code docker history} prints them. */
final class HistoryCommand implements Command {
    @Override
    public String name() {
        return "history";
    }

    @Override
    public String usage() {
        return "IMAGE";
    }

    @Override
    public String summary() {
        return "Show the history of an image";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("-H, --human", "BOOL", "Print sizes and dates in human readable format (default true)"),
                OptionSpec.flag("--no-trunc", "Don't truncate output"),
                OptionSpec.flag("-q, --quiet", "Only show image IDs"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, 1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        Image image = ctx.images().resolve(args.positionals().get(0));
        boolean noTrunc = args.flag("no-trunc");
        boolean human = !"false".equals(args.value("human"));
        String id = noTrunc ? image.id().toString() : image.id().shortHex();
        List<History> history = image.config().history();
        List<Descriptor> layers = image.manifest().layers();
        List<String[]> rows = new ArrayList<>();
        int layer = 0;
        for (History h : history) {
            long size = 0;
            if (!h.isEmptyLayer() && layer < layers.size()) {
                size = layers.get(layer++).size();
            }
            String createdBy = h.createdBy() == null ? "" : h.createdBy().replace("\t", " ").replace("\n", " ");
            String created = human ? Humans.ago(h.createdInstant(), ctx.now()) : String.valueOf(h.created());
            rows.add(new String[] {"<missing>", created, noTrunc ? createdBy : Humans.truncate(createdBy, 45),
                    human ? Humans.size(size) : Long.toString(size), h.comment() == null ? "" : h.comment()});
        }
        Collections.reverse(rows);
        if (!rows.isEmpty()) {
            rows.get(0)[0] = id;
        }
        if (args.flag("quiet")) {
            for (String[] r : rows) {
                ctx.out.println(r[0]);
            }
            return Main.OK;
        }
        rows.add(0, new String[] {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
        ctx.out.print(Humans.table(rows));
        return Main.OK;
    }
}
