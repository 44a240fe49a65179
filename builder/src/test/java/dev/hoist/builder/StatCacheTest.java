package dev.hoist.builder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class StatCacheTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        return p;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private StatCache load() {
        return StatCache.load(dir.resolve("cache/stat.bin"), Duration.ZERO);
    }

    @Test
    void anUnchangedFileIsReadOnceAcrossBuilds() throws Exception {
        Path a = file("a", "hello");
        StatCache first = load();
        byte[] sum = first.checksum(a);
        assertEquals(hex(StatCache.sha256(a)), hex(sum));
        assertEquals(1, first.hashed());
        first.save();

        StatCache second = load();
        assertArrayEquals(sum, second.checksum(a));
        assertEquals(0, second.hashed(), "the remembered checksum is used");
    }

    @Test
    void aTouchedFileIsReadAgainAndGivesTheSameChecksum() throws Exception {
        Path a = file("a", "hello");
        StatCache c = load();
        byte[] sum = c.checksum(a);
        Files.setLastModifiedTime(a, FileTime.from(Instant.parse("2021-01-01T00:00:00Z")));
        assertArrayEquals(sum, c.checksum(a));
        assertEquals(2, c.hashed());
        assertArrayEquals(sum, c.checksum(a));
        assertEquals(2, c.hashed(), "remembered with its new time");
    }

    @Test
    void aChangedFileWithTheSameSizeAndMtimeIsCaughtByItsChangeTime() throws Exception {
        Path a = file("a", "hello");
        StatCache c = load();
        byte[] before = c.checksum(a);
        FileTime mtime = Files.getLastModifiedTime(a);
        Object ctime = Files.getAttribute(a, "unix:ctime");
        Files.writeString(a, "HELLO");
        Files.setLastModifiedTime(a, mtime);
        while (Files.getAttribute(a, "unix:ctime").equals(ctime)) {
            // the same clock tick: change the status again until the change time moves on
            Thread.sleep(5);
            Files.setAttribute(a, "unix:mode", 0644);
        }
        assertEquals(Files.size(a), 5);
        assertNotEquals(hex(before), hex(c.checksum(a)));
        assertEquals(hex(StatCache.sha256(a)), hex(c.checksum(a)));
    }

    @Test
    void aReplacedFileWithTheSameSizeAndMtimeIsCaughtByItsInode() throws Exception {
        Path a = file("a", "hello");
        StatCache c = load();
        byte[] before = c.checksum(a);
        Path b = file("b", "HELLO");
        Files.move(b, a, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertNotEquals(hex(before), hex(c.checksum(a)));
    }

    @Test
    void aFileTheBuildLinkedKeepsItsChecksum() throws Exception {
        Path a = file("a", "hello");
        StatCache c = load();
        c.checksum(a);
        Object ctime = Files.getAttribute(a, "unix:ctime");
        Path link = dir.resolve("link");
        while (Files.getAttribute(a, "unix:ctime").equals(ctime)) {
            Files.deleteIfExists(link);
            Thread.sleep(5);
            Files.createLink(link, a);  // moves a's change time, as a COPY that links it does
        }
        Files.delete(link);
        c.relinked(a);
        c.checksum(a);
        assertEquals(1, c.hashed(), "a linked file is not read again");
        Files.writeString(a, "HELLO, WORLD");
        assertEquals(hex(StatCache.sha256(a)), hex(c.checksum(a)), "a written one is");
    }

    @Test
    void aFileChangedJustNowIsNotRemembered() throws Exception {
        Path a = dir.resolve("a");
        Files.writeString(a, "fresh");
        StatCache c = StatCache.load(dir.resolve("stat.bin"), Duration.ofHours(1));
        c.checksum(a);
        c.checksum(a);
        assertEquals(2, c.hashed(), "a change in the same clock tick would not show in its status");
    }

    @Test
    void aDamagedCacheFileIsAnEmptyCache() throws Exception {
        Path a = file("a", "hello");
        Files.createDirectories(dir.resolve("cache"));
        Files.write(dir.resolve("cache/stat.bin"), new byte[] {0x68, 0x73, 0x74, 0x31, 0, 0, 0, 5, 1, 2});
        StatCache c = load();
        assertEquals(hex(StatCache.sha256(a)), hex(c.checksum(a)));
        c.save();
        StatCache again = load();
        again.checksum(a);
        assertEquals(0, again.hashed(), "rewritten whole");
    }

    @Test
    void hashingOneFileDoesNotHoldUpAnother() throws Exception {
        // a FIFO's reader blocks in the middle of hashing until this thread writes: if hashing held the cache's
        // lock, the other file's checksum would wait for it
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Path a = file("a", "hello");
        StatCache c = load();
        c.checksum(file("warm", "up"));
        java.util.Map<String, Object> fifoStat = StatCache.stat(fifo);
        java.util.concurrent.atomic.AtomicReference<Object> slow = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                slow.set(c.checksum(fifo, fifoStat));
            } catch (Exception | Error e) {
                slow.set(e);
            }
        });
        reader.start();
        try (java.io.OutputStream w = Files.newOutputStream(fifo)) {    // returns once the reader has opened it
            java.util.concurrent.atomic.AtomicReference<Object> fast = new java.util.concurrent.atomic.AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    fast.set(c.checksum(a));
                } catch (Exception | Error e) {
                    fast.set(e);
                }
            });
            other.start();
            // it ends, or stays blocked on the cache's monitor (other monitors, e.g. the JVM's, are held briefly)
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            boolean blockedOnCache = false;
            while (other.isAlive() && !blockedOnCache) {
                java.lang.management.ThreadInfo info = mx.getThreadInfo(other.getId());
                blockedOnCache = info != null && info.getLockInfo() != null
                        && info.getLockInfo().getIdentityHashCode() == System.identityHashCode(c);
                Thread.onSpinWait();
            }
            assertFalse(blockedOnCache, "the other file waited for the FIFO's hashing");
            other.join();
            assertEquals(hex(StatCache.sha256(a)), hex((byte[]) fast.get()));
            w.write("slow".getBytes());
        }
        reader.join();
        assertEquals(hex(java.security.MessageDigest.getInstance("SHA-256").digest("slow".getBytes())),
                hex((byte[]) slow.get()));
        assertEquals(3, c.hashed());
    }
}
