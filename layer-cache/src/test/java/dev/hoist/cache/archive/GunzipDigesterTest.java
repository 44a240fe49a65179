package dev.hoist.cache.archive;

import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GunzipDigesterTest {

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Digest digest(byte[] gz, int chunk) {
        GunzipDigester d = new GunzipDigester();
        for (int i = 0; i < gz.length; i += chunk) {
            d.update(gz, i, Math.min(chunk, gz.length - i));
        }
        return d.end();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void digestOfDecompressedContentWhateverTheChunking() throws IOException {
        byte[] data = concat(random(300_000), "text".repeat(50_000).getBytes(StandardCharsets.UTF_8));
        byte[] gz = gzip(data);
        Digest expected = Digest.sha256(data);
        for (int chunk : new int[] {1, 3, 7, 4096, 65536, gz.length}) {
            assertEquals(expected, digest(gz, chunk), "chunk " + chunk);
        }
    }

    @Test
    void emptyContentAndConcatenatedMembers() throws IOException {
        assertEquals(Digest.sha256(new byte[0]), digest(gzip(new byte[0]), 5));
        byte[] a = "first member\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = random(70_000);
        assertEquals(Digest.sha256(concat(a, b)), digest(concat(gzip(a), gzip(b)), 11));
    }

    @Test
    void headerWithExtraNameCommentAndHeaderCrc() {
        // A stored (uncompressed) deflate block holding "hi", behind a header using every optional field.
        byte[] header = {0x1f, (byte) 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3,
                3, 0, 'x', 'y', 'z',        // FEXTRA: 3 bytes
                'n', 'a', 'm', 'e', 0,      // FNAME
                'c', 0,                     // FCOMMENT
                0x12, 0x34};                // FHCRC (not checked, as Go does not either)
        byte[] body = {1, 2, 0, (byte) 0xfd, (byte) 0xff, 'h', 'i'};
        CRC32 crc = new CRC32();
        crc.update(new byte[] {'h', 'i'});
        long c = crc.getValue();
        byte[] trailer = {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24), 2, 0, 0, 0};
        byte[] gz = concat(header, body, trailer);
        Digest expected = Digest.sha256("hi".getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, digest(gz, 1));
        assertEquals(expected, digest(gz, gz.length));
    }

    @Test
    void truncatedCorruptOrTrailingGarbageIsNotValid() throws IOException {
        byte[] gz = gzip(random(10_000));
        GunzipDigester truncated = new GunzipDigester();
        truncated.update(gz, 0, gz.length - 3);
        assertNull(truncated.end());
        assertTrue(truncated.problem().contains("ends in the middle"), truncated.problem());

        byte[] badCrc = gz.clone();
        badCrc[gz.length - 6] ^= 1;
        GunzipDigester crc = new GunzipDigester();
        crc.update(badCrc, 0, badCrc.length);
        assertNull(crc.end());
        assertTrue(crc.problem().contains("CRC"), crc.problem());

        byte[] garbage = concat(gz, new byte[] {0, 0, 0});
        GunzipDigester trailing = new GunzipDigester();
        trailing.update(garbage, 0, garbage.length);
        assertNull(trailing.end());
        assertNotNull(trailing.problem());

        byte[] corrupt = gz.clone();
        for (int i = 20; i < 60; i++) {
            corrupt[i] = (byte) 0xff;
        }
        GunzipDigester bad = new GunzipDigester();
        bad.update(corrupt, 0, corrupt.length);
        assertNull(bad.end());
    }
}
