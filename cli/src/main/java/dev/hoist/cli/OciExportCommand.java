package dev.hoist.cli;

import dev.hoist.cache.archive.LayoutEntry;
import dev.hoist.cache.archive.OciLayoutWriter;
import dev.hoist.cache.image.Image;

import java.nio.file.Path;
import java.util.List;

/** {@code hoist oci export IMAGE DIR}: writes an image into an OCI image layout directory. */
final class OciExportCommand implements Command {
    @Override
    public String name() {
        return "export";
    }

    @Override
    public String usage() {
        return "IMAGE DIR";
    }

    @Override
    public String summary() {
        return "Write an image into an OCI image layout directory (created, or added to), as skopeo's oci:DIR:TAG";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("-t, --tag", "REF", "The ref name in the layout's index (default: the image's tag)"),
                OptionSpec.flag("--preserve-manifests", "Keep Docker manifests as they are, instead of writing OCI ones (skopeo finds only OCI ones by ref name)"));
    }

    @Override
    public int[] arity() {
        return new int[] {2, 2};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String name = args.positionals().get(0);
        Image image = ctx.images().resolve(name);
        LayoutEntry entry;
        if (args.value("tag") != null) {
            entry = LayoutEntry.refName(image, args.value("tag"));
        } else if (ctx.images().findByName(name).isPresent()) {
            entry = LayoutEntry.named(image, name);
        } else {
            entry = LayoutEntry.untagged(image);
        }
        OciLayoutWriter writer = new OciLayoutWriter(ctx.images());
        if (args.flag("preserve-manifests")) {
            writer = writer.preservingManifests();
        }
        writer.write(Path.of(args.positionals().get(1)), entry);
        return Main.OK;
    }
}
