package dev.hoist.cache.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

/** lstat(2) of one file: the fields a tar header needs. Immutable. */
record FileStat(int mode, long ino, long dev, long rdev, int nlink, long uid, long gid, long size,
                long mtimeSeconds, int mtimeNanos) {

    private static final String ATTRIBUTES = "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime";

    static FileStat of(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        Instant t = ((FileTime) a.get("lastModifiedTime")).toInstant();
        return new FileStat((Integer) a.get("mode"), (Long) a.get("ino"), (Long) a.get("dev"), (Long) a.get("rdev"),
                (Integer) a.get("nlink"), Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("size"), t.getEpochSecond(), t.getNano());
    }

    int type() {
        return mode & Posix.S_IFMT;
    }

    boolean isDirectory() {
        return type() == Posix.S_IFDIR;
    }

    boolean isCharDevice() {
        return type() == Posix.S_IFCHR;
    }
}
