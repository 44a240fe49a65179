package dev.hoist.cli;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.GarbageCollector;
import dev.hoist.cache.GcReport;
import dev.hoist.cache.image.LocalImages;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code hoist prune}: removes the blobs no image references, and temporary files nobody is writing; with
 * {@code --dangling}, first the dangling images (as {@code docker image prune}), with {@code --build-cache} the
 * build cache. A dangling image is an image, so plain {@code prune} keeps it, as Docker's GC never removes images.
 */
final class PruneCommand implements Command {
    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String usage() {
        return "";
    }

    @Override
    public String summary() {
        return "Remove content that no image references";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.flag("--dry-run", "Only say what would be removed"),
                OptionSpec.value("--grace", "DURATION", "Keep unreferenced blobs younger than this, e.g. 0s, 10m, 1h (default 1h: a pull or import in progress has not tagged its blobs yet)"),
                OptionSpec.flag("--verify", "Also check every blob's digest, and remove corrupt ones"),
                OptionSpec.flag("--dangling", "Also remove dangling images (<none>:<none> in hoist images: no name points at them), as docker image prune does"),
                OptionSpec.flag("--build-cache", "Also remove build cache entries (all, or the least recently used beyond --keep-storage)"),
                OptionSpec.value("--keep-storage", "SIZE", "With --build-cache: keep the most recently used entries whose layers add up to at most SIZE, e.g. 512m, 2g"),
                OptionSpec.flag("-f, --force", "Do not prompt for confirmation (hoist never prompts; accepted for Docker compatibility)"));
    }

    @Override
    public int[] arity() {
        return new int[] {0, 0};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        LocalImages images = ctx.images();
        if (args.value("keep-storage") != null && !args.flag("build-cache")) {
            throw new UsageException("--keep-storage bounds the build cache: use it with --build-cache");
        }
        if (args.flag("build-cache")) {
            long keep = 0;
            if (args.value("keep-storage") != null) {
                try {
                    keep = dev.hoist.runtime.Limits.parseBytes(args.value("keep-storage"));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--keep-storage: " + e.getMessage());
                }
            }
            dev.hoist.builder.BuildCache.Pruned pruned = new dev.hoist.builder.BuildCache(images).prune(keep, args.flag("dry-run"));
            ctx.out.println((args.flag("dry-run") ? "Would delete build cache entries: " : "Deleted build cache entries: ")
                    + pruned.entries() + " (layers only they used: " + Humans.size(pruned.bytes()) + "; kept: "
                    + Humans.size(pruned.keptBytes()) + ")");
            if (pruned.mounts() > 0) {
                ctx.out.println((args.flag("dry-run") ? "Would delete cache mounts: " : "Deleted cache mounts: ")
                        + pruned.mounts());
            }
            if (pruned.mountsInUse() > 0) {
                ctx.out.println("Kept cache mounts in use by a build: " + pruned.mountsInUse());
            }
        }
        long danglingBytes = 0;
        if (args.flag("dangling")) {
            LocalImages.Pruned pruned = images.pruneDangling(new dev.hoist.builder.BuildCache(images).gcRoots(),
                    args.flag("dry-run"));
            if (!pruned.images().isEmpty()) {
                ctx.out.println(args.flag("dry-run") ? "Would delete dangling images:" : "Deleted dangling images:");
                for (dev.hoist.oci.Digest id : pruned.images()) {
                    ctx.out.println((args.flag("dry-run") ? "would delete: " : "deleted: ") + id);
                }
            }
            for (dev.hoist.oci.Digest d : pruned.deleted()) {
                ctx.out.println("Deleted: " + d);
            }
            danglingBytes = pruned.bytes();
        }
        GarbageCollector.Builder b = GarbageCollector.builder(images.root(), images.blobs(), images.store())
                .dryRun(args.flag("dry-run"))
                .verifyContent(args.flag("verify"))
                .addRoots(new dev.hoist.builder.BuildCache(images).gcRoots());
        if (args.value("grace") != null) {
            b.gracePeriod(parseDuration(args.value("grace")));
        }
        GcReport report = b.build().run();
        for (java.nio.file.Path p : new dev.hoist.cache.image.Snapshots(images).removeUnused(args.flag("dry-run"))) {
            ctx.out.println((args.flag("dry-run") ? "Would delete unpacked layers: " : "Deleted unpacked layers: ") + p.getFileName());
        }
        String verb = report.dryRun() ? "Would delete: " : "Deleted: ";
        for (BlobInfo blob : report.removedBlobs()) {
            ctx.out.println(verb + blob.digest());
        }
        for (BlobInfo blob : report.corruptBlobs()) {
            ctx.out.println((report.dryRun() ? "Corrupt (would delete): " : "Deleted corrupt: ") + blob.digest());
        }
        for (String w : report.warnings()) {
            ctx.err.println("warning: " + w);
        }
        ctx.out.println((report.dryRun() ? "Total reclaimable space: " : "Total reclaimed space: ") + Humans.size(report.bytesFreed() + danglingBytes));
        if (report.keptInGracePeriod() > 0) {
            ctx.out.println("Kept " + report.keptInGracePeriod() + " unreferenced blob(s) younger than the grace period (--grace 0s removes them)");
        }
        return Main.OK;
    }

    /** Go-style durations: {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 0}. */
    static Duration parseDuration(String text) throws UsageException {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(t);
            Duration d = Duration.ZERO;
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    throw new DateTimeParseException("bad", t, end);
                }
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
                end = m.end();
            }
            if (end != t.length() || end == 0) {
                throw new DateTimeParseException("bad", t, end);
            }
            return d;
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UsageException("invalid duration \"" + text + "\": use e.g. 0s, 30s, 10m, 1h");
        }
    }
}
