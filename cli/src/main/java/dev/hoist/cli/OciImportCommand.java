package dev.hoist.cli;

import dev.hoist.cache.archive.LoadedImage;
import dev.hoist.cache.archive.OciLayoutReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code hoist oci import DIR[:REF] [NAME]}: images from an OCI image layout directory into the local store. */
final class OciImportCommand implements Command {
    @Override
    public String name() {
        return "import";
    }

    @Override
    public String usage() {
        return "DIR[:REF] [NAME[:TAG]]";
    }

    @Override
    public String summary() {
        return "Read images from an OCI image layout directory (all of them, or the one with ref name REF) and name them";
    }

    @Override
    public int[] arity() {
        return new int[] {1, 2};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String spec = args.positionals().get(0);
        String dir = spec;
        String ref = null;
        int colon = spec.lastIndexOf(':');
        if (colon > 0 && !Files.isDirectory(Path.of(spec))) {
            dir = spec.substring(0, colon);
            ref = spec.substring(colon + 1);
        }
        OciLayoutReader reader = OciLayoutReader.open(Path.of(dir));
        List<LoadedImage> loaded = new ArrayList<>();
        if (ref != null || args.positionals().size() > 1) {
            loaded.add(reader.importRef(ctx.images(), ref));
        } else {
            loaded.addAll(reader.importAll(ctx.images()));
        }
        List<LoadedImage> named = new ArrayList<>();
        for (LoadedImage l : loaded) {
            List<String> names = args.positionals().size() > 1 ? List.of(args.positionals().get(1)) : l.names();
            List<String> tagged = new ArrayList<>();
            for (String n : names) {
                tagged.add(ctx.images().tag(l.target(), n));
            }
            if (tagged.isEmpty()) {
                ctx.images().store().keep(l.target());   // dangling, usable by its ID
            }
            named.add(new LoadedImage(l.target(), l.refName(), tagged));
        }
        LoadCommand.report(ctx, named);
        return Main.OK;
    }
}
