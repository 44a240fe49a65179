package dev.hoist.cache.layer;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One tar entry's header as hoist reads and writes it: name (directories end in '/'), type, permission bits
 * (with setuid, setgid, sticky), numeric owner, size, mtime, link target, device numbers and xattrs.
 * Immutable.
 */
record TarEntry(String name, Type type, int mode, long uid, long gid, long size, long mtime, int mtimeNanos,
                String linkName, int devMajor, int devMinor, SortedMap<String, byte[]> xattrs) {

    /** The entry types a layer may hold. */
    enum Type {
        FILE('0'), HARDLINK('1'), SYMLINK('2'), CHAR('3'), BLOCK('4'), DIR('5'), FIFO('6');

        final byte flag;

        Type(char flag) {
            this.flag = (byte) flag;
        }
    }

    TarEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        linkName = linkName == null ? "" : linkName;
        xattrs = xattrs == null || xattrs.isEmpty()
                ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(xattrs));
    }

    boolean isDirectory() {
        return type == Type.DIR;
    }
}
