package dev.hoist.cli;

import dev.hoist.cache.archive.ArchiveLoader;
import dev.hoist.cache.archive.LoadedImage;
import dev.hoist.cache.archive.OciLayoutReader;
import dev.hoist.oci.Reference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code hoist load}: images from a {@code docker save} tar or an OCI layout (tar or directory). */
final class LoadCommand implements Command {
    @Override
    public String name() {
        return "load";
    }

    @Override
    public String usage() {
        return "";
    }

    @Override
    public String summary() {
        return "Load images from a tar archive (docker save or OCI layout, optionally compressed) or an OCI layout directory";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("-i, --input", "FILE", "Read from a tar archive file or an OCI layout directory, instead of STDIN"),
                OptionSpec.flag("-q, --quiet", "Suppress the load output"));
    }

    @Override
    public int[] arity() {
        return new int[] {0, 0};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String input = args.value("input");
        List<LoadedImage> loaded;
        if (input == null) {
            if (ctx.terminal) {
                throw new UsageException("requested load from stdin, but stdin is empty; use -i FILE or redirect a tar");
            }
            loaded = new ArchiveLoader(ctx.images()).load(ctx.in, "standard input");
        } else if (Files.isDirectory(Path.of(input))) {
            loaded = OciLayoutReader.open(Path.of(input)).importAll(ctx.images());
            for (LoadedImage l : loaded) {
                for (String n : l.names()) {
                    ctx.images().tag(l.target(), n);
                }
                if (l.names().isEmpty()) {
                    ctx.images().store().keep(l.target());   // dangling, usable by its ID
                }
            }
        } else {
            loaded = new ArchiveLoader(ctx.images()).load(Path.of(input));
        }
        if (!args.flag("quiet")) {
            report(ctx, loaded);
        }
        return Main.OK;
    }

    static void report(Context ctx, List<LoadedImage> loaded) throws Exception {
        for (LoadedImage l : loaded) {
            if (l.names().isEmpty()) {
                ctx.out.println("Loaded image ID: " + ctx.images().load(l.target(), List.of()).id());
            }
            for (String n : l.names()) {
                ctx.out.println("Loaded image: " + Reference.parse(n).familiarString());
            }
        }
    }
}
