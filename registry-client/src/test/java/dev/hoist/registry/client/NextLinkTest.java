package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link RegistryClient#nextLink} finds what the pattern it replaced found. */
class NextLinkTest {
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final URI BASE = URI.create("http://registry.example:5000/v2/a/tags/list?n=2");

    private static Optional<URI> byPattern(String link) {
        Matcher m = LINK_NEXT.matcher(link);
        return m.find() ? Optional.of(BASE.resolve(m.group(1))) : Optional.empty();
    }

    @Test
    void readsTheNextTargetAsRegistriesWriteIt() {
        assertEquals(Optional.of(URI.create("http://registry.example:5000/v2/a/tags/list?n=2&last=b")),
                RegistryClient.nextLink(BASE, "</v2/a/tags/list?n=2&last=b>; rel=\"next\""));
        assertEquals(Optional.of(URI.create("https://other.example/x")),
                RegistryClient.nextLink(BASE, "<https://other.example/prev>; rel=\"prev\", <https://other.example/x>;rel=next"));
        assertEquals(Optional.empty(), RegistryClient.nextLink(BASE, null));
        assertEquals(Optional.empty(), RegistryClient.nextLink(BASE, "<>; rel=next"));
        assertEquals(Optional.empty(), RegistryClient.nextLink(BASE, "</x>; REL=NEXT"));
    }

    @Test
    void agreesWithThePatternOnOddHeaders() {
        List<String> links = new ArrayList<>(List.of("", "<", ">", "<>", "</a>", "</a>;rel=next", "</a> \t;\u000B rel=\"next",
                "</a>\f;\rrel=nextish", "<a<b>; rel=next", "<a>x, <b>; rel=next", "<a>;rel=\"prev\", <b> ; rel=next",
                "</a>; rel= next", "</a>; rel=\"\"next", "</a>;; rel=next", "<</a>>; rel=next", "</a>\u00a0; rel=next"));
        Random random = new Random(42);
        String[] tokens = {"</p>", "<", ">", ";", " ", "\t", "rel=", "\"", "next", "x", ",", "</q", "r>", "=", "\""};
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(6);
            for (int j = 0; j < n; j++) {
                sb.append(tokens[random.nextInt(tokens.length)]);
            }
            // a well-formed link, sometimes with one part dropped or replaced, between random tokens
            String[] parts = {"</n>", random.nextBoolean() ? "" : " ", ";", random.nextBoolean() ? "" : "\t ", "rel=",
                    random.nextBoolean() ? "" : "\"", "next", random.nextBoolean() ? "" : "\""};
            int broken = random.nextInt(parts.length * 2);
            for (int j = 0; j < parts.length; j++) {
                sb.append(j != broken ? parts[j] : random.nextBoolean() ? "" : tokens[random.nextInt(tokens.length)]);
            }
            n = random.nextInt(6);
            for (int j = 0; j < n; j++) {
                sb.append(tokens[random.nextInt(tokens.length)]);
            }
            links.add(sb.toString());
        }
        int found = 0;
        for (String link : links) {
            Optional<URI> expected;
            try {
                expected = byPattern(link);
            } catch (IllegalArgumentException e) {
                continue; // not a URI: both would throw
            }
            assertEquals(expected, RegistryClient.nextLink(BASE, link), link);
            found += expected.isPresent() ? 1 : 0;
        }
        assertEquals(true, found > 5_000, "too few matches to mean anything: " + found);
    }
}
