package dev.hoist.cli;

import dev.hoist.cache.archive.DockerArchiveWriter;
import dev.hoist.cache.image.Image;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code hoist save}: images to a tar that {@code docker load} and OCI tools read. */
final class SaveCommand implements Command {
    @Override
    public String name() {
        return "save";
    }

    @Override
    public String usage() {
        return "IMAGE [IMAGE...]";
    }

    @Override
    public String summary() {
        return "Save one or more images to a tar archive (streamed to STDOUT by default)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.value("-o, --output", "FILE", "Write to a file, instead of STDOUT"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, -1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        List<Image> images = new ArrayList<>();
        for (String name : args.positionals()) {
            Image image = ctx.images().resolve(name);
            // As docker save: a name saves that name; an ID saves the image with all its names.
            if (ctx.images().findByName(name).isPresent()) {
                image = image.withNames(List.of(dev.hoist.cache.image.LocalImages.normaliseName(name)));
            }
            images.add(image);
        }
        DockerArchiveWriter writer = new DockerArchiveWriter(ctx.images());
        String output = args.value("output");
        if (output != null) {
            writer.write(images, Path.of(output));
            return Main.OK;
        }
        if (ctx.terminal) {
            throw new UsageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        OutputStream out = new BufferedOutputStream(ctx.out, 1 << 16);
        writer.write(images, out);
        out.flush();
        return Main.OK;
    }
}
