package dev.hoist.oci;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DigesterTest {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String sha256(String text) {
        Sha256 s = new Sha256();
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        s.update(b, 0, b.length);
        return hex(s.digest());
    }

    @Test
    void sha256GivesTheStandardsTestVectors() {
        // FIPS 180-4 examples (NIST's "SHA256.pdf") and the one-block padding edge cases
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256(""));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha256("abc"));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
        assertEquals("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"));
        assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", sha256("a".repeat(1_000_000)));
    }

    @Test
    void sha256AgreesWithTheJdkWhateverTheLengthAndTheCuts() throws Exception {
        SplittableRandom r = new SplittableRandom(42);
        for (int len = 0; len < 300; len++) {
            check(r, len);
        }
        for (int i = 0; i < 40; i++) {
            check(r, r.nextInt(5000));
        }
    }

    private static void check(SplittableRandom r, int len) throws Exception {
        byte[] data = new byte[len];
        r.nextBytes(data);
        Sha256 s = new Sha256();
        int off = 0;
        while (off < len) {   // written in random pieces, as a stream delivers them
            int n = Math.min(len - off, r.nextInt(1, 130));
            s.update(data, off, n);
            off += n;
        }
        assertEquals(hex(MessageDigest.getInstance("SHA-256").digest(data)), hex(s.digest()), "length " + len);
    }

    @Test
    void digesterGivesTheSameDigestBelowAndAboveTheSmallLimit() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        for (int len : new int[] {0, 1, 255, 256, 257, Digester.SMALL - 1, Digester.SMALL, Digester.SMALL + 1, 3 * Digester.SMALL + 17}) {
            byte[] data = new byte[len];
            r.nextBytes(data);
            Digester d = Digester.sha256();
            int off = 0;
            while (off < len) {
                if (r.nextInt(10) == 0) {
                    d.update(data[off++]);   // single bytes too
                    continue;
                }
                int n = Math.min(len - off, r.nextInt(1, 20_000));
                d.update(data, off, n);
                off += n;
            }
            assertEquals(len, d.size());
            assertEquals("sha256:" + hex(MessageDigest.getInstance("SHA-256").digest(data)), d.digest().toString(), "length " + len);
        }
    }

    @Test
    void sha512StillGoesThroughTheJdk() throws Exception {
        byte[] data = "hoist".getBytes(StandardCharsets.UTF_8);
        Digester d = new Digester(Digest.DigestAlgorithm.SHA512);
        d.update(data, 0, data.length);
        assertEquals("sha512:" + hex(MessageDigest.getInstance("SHA-512").digest(data)), d.digest().toString());
        assertEquals(Digest.DigestAlgorithm.SHA256.digest(data).toString(),
                "sha256:" + hex(MessageDigest.getInstance("SHA-256").digest(data)));
    }
}
