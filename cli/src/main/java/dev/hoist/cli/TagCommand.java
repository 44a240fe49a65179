package dev.hoist.cli;

import dev.hoist.cache.image.Image;

import java.util.List;

/** {@code hoist tag SOURCE TARGET}: another name for a local image. */
final class TagCommand implements Command {
    @Override
    public String name() {
        return "tag";
    }

    @Override
    public String usage() {
        return "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";
    }

    @Override
    public String summary() {
        return "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE";
    }

    @Override
    public int[] arity() {
        return new int[] {2, 2};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        List<String> p = args.positionals();
        Image image = ctx.images().resolve(p.get(0));
        ctx.images().tag(image, p.get(1));
        return Main.OK;
    }
}
