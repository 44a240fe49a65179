package dev.hoist.cli;

import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Reference;

import java.util.List;

/**
 * {@code hoist rmi IMAGE...}: removes names, and images no name points at any more, with the layers that neither
 * another image nor the build cache uses.
 */
final class RmiCommand implements Command {
    @Override
    public String name() {
        return "rmi";
    }

    @Override
    public String usage() {
        return "IMAGE [IMAGE...]";
    }

    @Override
    public String summary() {
        return "Remove one or more images";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.flag("-f, --force", "Remove an image given by ID even when several names point at it"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, -1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        int status = Main.OK;
        for (String target : args.positionals()) {
            try {
                // the build cache keeps its layers until prune --build-cache, as BuildKit's does after docker rmi
                LocalImages.Removal r = ctx.images().remove(target, args.flag("force"),
                        new dev.hoist.builder.BuildCache(ctx.images()).gcRoots());
                for (String n : r.untagged()) {
                    ctx.out.println("Untagged: " + Reference.parse(n).familiarString());
                }
                for (Digest d : r.deleted()) {
                    ctx.out.println("Deleted: " + d);
                }
            } catch (Exception e) {
                ctx.err.println("Error: " + e.getMessage());
                status = Main.FAILED;
            }
        }
        return status;
    }
}
