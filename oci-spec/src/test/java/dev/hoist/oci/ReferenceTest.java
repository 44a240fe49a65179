package dev.hoist.oci;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceTest {
    private static final Pattern REPEAT = Pattern.compile("\\{\\{(.+?)\\*(\\d+)}}");

    /** The table in reference-cases.tsv: Docker's answers for valid and invalid references. */
    @TestFactory
    List<DynamicTest> dockerAnswers() {
        List<DynamicTest> tests = new ArrayList<>();
        String table = new String(TestFiles.bytes("reference-cases.tsv"), StandardCharsets.UTF_8);
        int line = 0;
        for (String row : table.split("\n")) {
            line++;
            if (row.startsWith("#") || row.isBlank()) {
                continue;
            }
            String[] c = row.split("\t", -1);
            if (c.length != 9) {
                throw new IllegalStateException("reference-cases.tsv:" + line + " has " + c.length + " columns");
            }
            String mode = c[0];
            String input = expand(c[1]);
            String expected = expand(c[2]);
            String name = "line " + line + ": " + mode + " \"" + (input.length() > 60 ? input.substring(0, 60) + "…" : input) + "\"";
            tests.add(DynamicTest.dynamicTest(name, () -> check(mode, input, expected, c)));
        }
        assertTrue(tests.size() >= 40, "the table has at least 40 cases");
        return tests;
    }

    private static void check(String mode, String input, String expected, String[] c) {
        Function<String, Reference> parser = switch (mode) {
            case "exact" -> Reference::parseExact;
            case "normalized" -> Reference::parseNormalized;
            case "any" -> Reference::parseAny;
            case "parse" -> Reference::parse;
            default -> throw new IllegalStateException("unknown mode " + mode);
        };
        if (expected.startsWith("!")) {
            InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> parser.apply(input), () -> "should fail: " + input);
            assertEquals(InvalidReferenceException.Reason.valueOf(expected.substring(1)), e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("invalid reference \"" + input + "\": "), e.getMessage());
            assertEquals(input, e.input());
            return;
        }
        Reference r = parser.apply(input);
        assertAll(
                () -> assertEquals(expected, r.toString(), "string"),
                () -> assertEquals(opt(c[3]), r.domain(), "domain"),
                () -> assertEquals(opt(c[4]), r.path(), "path"),
                () -> assertEquals(opt(c[5]), r.tag(), "tag"),
                () -> assertEquals(opt(c[6]), r.digest() == null ? null : r.digest().toString(), "digest"),
                () -> {
                    if (!c[7].equals("-")) {
                        assertEquals(expand(c[7]), r.familiarString(), "familiar string");
                    }
                },
                () -> assertEquals(r, parser.apply(r.toString()), "the string parses back to the same reference"));
    }

    private static String opt(String cell) {
        return cell.equals("-") ? null : expand(cell);
    }

    private static String expand(String cell) {
        Matcher m = REPEAT.matcher(cell);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
        }
        m.appendTail(sb);
        return sb.toString().replace("\\n", "\n");
    }

    @Test
    void messagesNameTheBadPart() {
        assertEquals("invalid reference \"Busybox\": repository name must be lowercase", message(Reference::parse, "Busybox"));
        assertEquals("invalid reference \"busybox:-bad\": tag \"-bad\" is not valid: a tag must start with a letter, a digit or '_'",
                message(Reference::parse, "busybox:-bad"));
        assertTrue(message(Reference::parse, "busybox:a$b").contains("tag \"a$b\" is not valid: a tag may contain only"));
        assertTrue(message(Reference::parse, "busybox:" + "t".repeat(129)).contains("a tag has at most 128 characters, this one has 129"));
        assertTrue(message(Reference::parse, "aa/asdf$$^/aa").contains("repository name component \"asdf$$^\" is not valid"));
        assertTrue(message(Reference::parse, "docker///docker").contains("empty component"));
        assertTrue(message(Reference::parse, "https://github.com/docker/docker").contains("drop \"https://\""));
        assertTrue(message(Reference::parseExact, "[fe80::1%eth0]:5000/repo").contains("registry host \"[fe80::1%eth0]:5000\" is not valid"));
        assertTrue(message(Reference::parseExact, "[2001:db8::1]:5000").contains("\"[2001:db8::1]\" is a registry host; add a repository"));
        assertTrue(message(Reference::parseExact, ":justtag").contains("the repository name is missing"));
        assertTrue(message(Reference::parse, "repo@sha256:" + "f".repeat(34)).endsWith("digest \"sha256:" + "f".repeat(34) + "\" is not valid: sha256 needs 64 hex characters, got 34"));
        assertTrue(message(Reference::parse, "repo@md5:" + "f".repeat(32)).contains("unsupported digest algorithm 'md5'"));
        assertTrue(message(Reference::parse, "example.com/" + "a".repeat(256)).contains("repository name must not be more than 255 characters"));
        assertTrue(message(Reference::parse, "a".repeat(64)).contains("is an image ID, not a repository name"));
        assertTrue(message(Reference::parse, "").contains("cannot be empty"));
    }

    private static String message(Function<String, Reference> parser, String input) {
        return assertThrows(InvalidReferenceException.class, () -> parser.apply(input)).getMessage();
    }

    @Test
    void accessorsAndNames() {
        Reference r = Reference.parse("host:5000/a/b:t@sha256:" + "0".repeat(64));
        assertEquals("host:5000", r.domain());
        assertEquals("host:5000", r.registry());
        assertEquals("a/b", r.path());
        assertEquals("a/b", r.repository());
        assertEquals("t", r.tag());
        assertEquals(Digest.parse("sha256:" + "0".repeat(64)), r.digest());
        assertEquals("host:5000/a/b", r.fullName());
        assertEquals("host:5000/a/b", r.familiarName());
        assertEquals("host:5000", r.apiHost());
        assertFalse(r.isDockerHub());

        Reference hub = Reference.parse("busybox");
        assertEquals("docker.io/library/busybox:latest", hub.toString());
        assertEquals("docker.io/library/busybox", hub.fullName());
        assertEquals("busybox", hub.familiarName());
        assertEquals("busybox:latest", hub.familiarString());
        assertEquals("registry-1.docker.io", hub.apiHost());
        assertTrue(hub.isDockerHub());
        assertEquals("library/foo/bar", Reference.parse("library/foo/bar").familiarName());
        assertEquals("me/app", Reference.parse("index.docker.io/me/app").familiarName());
    }

    @Test
    void withAndWithout() {
        Digest d = Digest.sha256("x");
        Reference r = Reference.parse("example.com/app");
        assertEquals("example.com/app:v2", r.withTag("v2").toString());
        assertEquals("example.com/app:latest@" + d, r.withDigest(d).toString());
        assertEquals("example.com/app:v2@" + d, r.withDigest(d).withTag("v2").toString());
        assertEquals("example.com/app@" + d, r.withDigest(d).withoutTag().toString());
        assertEquals("example.com/app:latest", r.withDigest(d).withoutDigest().toString());
        assertEquals("example.com/app", r.withDigest(d).nameOnly().toString());
        assertEquals("example.com/app", Reference.parseNormalized("example.com/app").toString());
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> r.withTag("-x"));
        assertEquals(InvalidReferenceException.Reason.INVALID_TAG, e.reason());

        Reference digestOnly = Reference.parseAny(d.toString());
        assertTrue(digestOnly.isDigestOnly());
        assertNull(digestOnly.fullName());
        assertNull(digestOnly.familiarName());
        assertEquals(d.toString(), digestOnly.familiarString());
        assertEquals(d.toString(), digestOnly.toString());
        assertFalse(digestOnly.isLoopback());
        assertThrows(IllegalStateException.class, () -> digestOnly.withTag("v1"));
        assertEquals(digestOnly, Reference.parseAny(d.hex()));
        assertEquals(digestOnly, Reference.ofDigest(d));
    }

    @Test
    void constructorValidates() {
        assertEquals("docker.io/library/x:1", new Reference("docker.io", "library/x", "1", null).toString());
        assertEquals(InvalidReferenceException.Reason.UPPERCASE,
                assertThrows(InvalidReferenceException.class, () -> new Reference("docker.io", "Library/x", null, null)).reason());
        assertEquals(InvalidReferenceException.Reason.INVALID_FORMAT,
                assertThrows(InvalidReferenceException.class, () -> new Reference("bad host", "x", null, null)).reason());
        assertEquals(InvalidReferenceException.Reason.INVALID_TAG,
                assertThrows(InvalidReferenceException.class, () -> new Reference(null, "x", "", null)).reason());
        assertEquals(InvalidReferenceException.Reason.NAME_TOO_LONG,
                assertThrows(InvalidReferenceException.class, () -> new Reference(null, "a".repeat(256), null, null)).reason());
        assertThrows(IllegalArgumentException.class, () -> new Reference("docker.io", null, null, Digest.sha256("x")));
        assertThrows(IllegalArgumentException.class, () -> new Reference(null, null, null, null));
    }

    @Test
    void validators() {
        assertTrue(Reference.isValidTag("v1.2_3-rc"));
        assertTrue(Reference.isValidTag("t".repeat(128)));
        assertFalse(Reference.isValidTag("t".repeat(129)));
        assertFalse(Reference.isValidTag(".hidden"));
        assertFalse(Reference.isValidTag(null));
        assertTrue(Reference.isValidRepository("library/busybox"));
        assertTrue(Reference.isValidRepository("a/b__c/d---e/f.g"));
        assertFalse(Reference.isValidRepository("Library/busybox"));
        assertFalse(Reference.isValidRepository("a//b"));
        assertFalse(Reference.isValidRepository("a".repeat(256)));
    }

    @ParameterizedTest
    @CsvSource({
            "localhost/x, true", "localhost:5000/x, true", "127.0.0.1:5000/x, true", "127.1.2.3/x, true",
            "[::1]/x, true", "[::1]:5000/x, true", "[0:0:0:0:0:0:0:1]:5000/x, true", "[::0:1]/x, true", "[0000::0001]/x, true",
            "128.0.0.1/x, false", "[::2]/x, false", "[1::1]/x, false", "[::]/x, false", "example.com/x, false", "busybox, false",
            "localhost.example.com/x, false", "LOCALHOST/x, true", "127.0.0.256/x, false",
    })
    void loopbackRegistries(String ref, boolean loopback) {
        assertEquals(loopback, Reference.parse(ref).isLoopback(), ref);
    }

    @Test
    void registryHostRules() {
        assertEquals("docker.io", RegistryHosts.normalize("index.docker.io"));
        assertEquals("registry-1.docker.io", RegistryHosts.normalize("registry-1.docker.io"));
        assertEquals("registry-1.docker.io", RegistryHosts.apiHost("docker.io"));
        assertEquals("registry-1.docker.io", RegistryHosts.apiHost("index.docker.io"));
        assertEquals("quay.io", RegistryHosts.apiHost("quay.io"));
        assertEquals("https://index.docker.io/v1/", RegistryHosts.credentialsKey("docker.io"));
        assertEquals("localhost:5000", RegistryHosts.credentialsKey("localhost:5000"));
        assertTrue(RegistryHosts.isDockerHub("index.docker.io"));
        assertFalse(RegistryHosts.isDockerHub("registry-1.docker.io"));
        assertEquals("[::1]", RegistryHosts.host("[::1]:5000"));
        assertEquals("example.com", RegistryHosts.host("example.com:443"));
        assertFalse(RegistryHosts.isLoopback(null));
    }

    @Test
    void jsonIsTheString() throws Exception {
        Reference r = Reference.parse("busybox@sha256:" + "1".repeat(64));
        String json = OciJson.writeString(List.of(r, Reference.parseAny("sha256:" + "2".repeat(64))));
        assertEquals("[\"docker.io/library/busybox@sha256:" + "1".repeat(64) + "\",\"sha256:" + "2".repeat(64) + "\"]", json);
        Reference[] back = OciJson.mapper().readValue(json, Reference[].class);
        assertEquals(r, back[0]);
        assertTrue(back[1].isDigestOnly());
    }

    @Test
    void longInputFailsCleanly() {
        String longest = "a/".repeat(5000) + "a";
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> Reference.parseExact(longest));
        assertEquals(InvalidReferenceException.Reason.NAME_TOO_LONG, e.reason());
        assertEquals(longest, e.input());
        assertTrue(e.getMessage().length() < 400, e.getMessage());
        assertTrue(e.getMessage().contains("(10001 characters)"), e.getMessage());
        String hosty = "a.".repeat(20000) + "a:5000/b:" + "t".repeat(128);
        assertEquals("b", Reference.parseExact(hosty).path());
        String bad = "a-".repeat(20000) + "/";
        assertEquals(InvalidReferenceException.Reason.INVALID_FORMAT,
                assertThrows(InvalidReferenceException.class, () -> Reference.parseExact(bad)).reason());
        String algorithm = "a+".repeat(20000) + "a:" + "f".repeat(64);
        assertEquals(InvalidReferenceException.Reason.INVALID_DIGEST,
                assertThrows(InvalidReferenceException.class, () -> Reference.parse("x@" + algorithm)).reason());
    }
}
