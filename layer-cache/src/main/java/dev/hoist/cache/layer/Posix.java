package dev.hoist.cache.layer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few libc calls that java.nio does not offer (lchown in one call, mknod, utimensat without following
 * links, l*xattr in every namespace), bound with JNA direct mapping. Paths are passed as the bytes the JVM
 * uses for them. Stateless and thread-safe.
 */
final class Posix {
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int ENOTSUP = 95;

    private static final Charset JNU = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

    static {
        // By glibc's soname first: a bare "c" makes JNA run `ldconfig -p` (a fork and exec) to find it.
        try {
            Native.register(Posix.class, "libc.so.6");
        } catch (UnsatisfiedLinkError notGlibc) {
            Native.register(Posix.class, Platform.C_LIBRARY_NAME);
        }
    }

    private Posix() {
    }

    /** Nothing but what loading this class does: binding the calls below. */
    static void load() {
    }

    private static native int lchown(byte[] path, int uid, int gid) throws LastErrorException;

    private static native int chmod(byte[] path, int mode) throws LastErrorException;

    private static native int mknod(byte[] path, int mode, long dev) throws LastErrorException;

    private static native int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    private static native int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    private static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

    private static native long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

    private static native int geteuid();

    private static native int symlink(byte[] target, byte[] linkpath) throws LastErrorException;

    private static native long readlink(byte[] path, byte[] buf, long size) throws LastErrorException;

    /** The NUL-terminated bytes the kernel sees for {@code path}. */
    static byte[] cpath(Path path) {
        byte[] b = path.toString().getBytes(JNU);
        return Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] cstring(String s) {
        byte[] b = s.getBytes(JNU);
        return Arrays.copyOf(b, b.length + 1);
    }

    static boolean isRoot() {
        return geteuid() == 0;
    }

    static void lchown(Path path, int uid, int gid) throws IOException {
        try {
            lchown(cpath(path), uid, gid);
        } catch (LastErrorException e) {
            throw error("lchown", path, e);
        }
    }

    /** Creates symlink {@code path} holding exactly {@code target}. */
    static void symlink(String target, Path path) throws IOException {
        try {
            symlink(cstring(target), cpath(path));
        } catch (LastErrorException e) {
            throw error("symlink", path, e);
        }
    }

    /** The exact target text of symlink {@code path}. */
    static String readlink(Path path) throws IOException {
        byte[] p = cpath(path);
        int size = 256;
        while (true) {
            byte[] buf = new byte[size];
            long n;
            try {
                n = readlink(p, buf, buf.length);
            } catch (LastErrorException e) {
                throw error("readlink", path, e);
            }
            if (n < buf.length) {
                return new String(buf, 0, (int) n, JNU);
            }
            size *= 4;
        }
    }

    static void chmod(Path path, int mode) throws IOException {
        try {
            chmod(cpath(path), mode & 07777);
        } catch (LastErrorException e) {
            throw error("chmod", path, e);
        }
    }

    /** Creates a device node or fifo; {@code mode} holds the file type bits. */
    static void mknod(Path path, int mode, int major, int minor) throws IOException {
        try {
            mknod(cpath(path), mode, makedev(major, minor));
        } catch (LastErrorException e) {
            throw error("mknod", path, e);
        }
    }

    /** Sets access and modification time of {@code path} itself (a symlink is not followed). */
    static void lutimes(Path path, long seconds, long nanos) throws IOException {
        try {
            utimensat(AT_FDCWD, cpath(path), new long[] {seconds, nanos, seconds, nanos}, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw error("utimensat", path, e);
        }
    }

    static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try {
            lsetxattr(cpath(path), cstring(name), value, value.length, 0);
        } catch (LastErrorException e) {
            throw error("lsetxattr " + name, path, e);
        }
    }

    /** The value of xattr {@code name}, or null when it is not set or the file system has no xattrs. */
    static byte[] lgetxattr(Path path, String name) throws IOException {
        byte[] p = cpath(path);
        byte[] n = cstring(name);
        for (int attempt = 0; attempt < 8; attempt++) {
            try {
                long size = lgetxattr(p, n, null, 0);
                byte[] value = new byte[(int) size];
                if (size == 0) {
                    return value;
                }
                long got = lgetxattr(p, n, value, value.length);
                return got == value.length ? value : Arrays.copyOf(value, (int) got);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENODATA || e.getErrorCode() == ENOTSUP) {
                    return null;
                }
                if (e.getErrorCode() != ERANGE) {
                    throw error("lgetxattr " + name, path, e);
                }
            }
        }
        throw new IOException("lgetxattr " + name + " " + path + ": value keeps changing size");
    }

    /** The names of the xattrs of {@code path} itself, in the order the file system lists them. */
    static List<String> llistxattr(Path path) throws IOException {
        byte[] p = cpath(path);
        for (int attempt = 0; attempt < 8; attempt++) {
            try {
                long size = llistxattr(p, null, 0);
                if (size == 0) {
                    return List.of();
                }
                byte[] buf = new byte[(int) size];
                long got = llistxattr(p, buf, buf.length);
                List<String> names = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < got; i++) {
                    if (buf[i] == 0) {
                        if (i > start) {
                            names.add(new String(buf, start, i - start, JNU));
                        }
                        start = i + 1;
                    }
                }
                return names;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENOTSUP) {
                    return List.of();
                }
                if (e.getErrorCode() != ERANGE) {
                    throw error("llistxattr", path, e);
                }
            }
        }
        throw new IOException("llistxattr " + path + ": list keeps changing size");
    }

    /** glibc's makedev. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfffL) | ((dev >>> 32) & ~0xfffL));
    }

    static int minor(long dev) {
        return (int) ((dev & 0xffL) | ((dev >>> 12) & ~0xffL));
    }

    private static IOException error(String call, Path path, LastErrorException e) {
        return new ErrnoException(call + " " + path + ": " + e.getMessage(), e.getErrorCode());
    }

    /** An I/O error carrying the errno of the failed call. */
    static final class ErrnoException extends IOException {
        private final int errno;

        ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }
}
