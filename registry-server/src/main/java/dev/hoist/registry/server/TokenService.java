package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.OciJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Issues and verifies the JSON Web Tokens of Docker token auth: ES256 with an EC P-256 key or RS256 with an
 * RSA key, through JCA. Claims: {@code iss}, {@code sub}, {@code aud} (the service), {@code iat},
 * {@code nbf}, {@code exp}, {@code jti} and {@code access} (type, name, actions). Refresh tokens (for
 * {@code docker login}'s identity tokens) are tokens with {@code "typ":"refresh"}, a {@code cred} binding them
 * to the user's password entry, and no access. Thread-safe.
 */
final class TokenService {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final KeyPair keys;
    private final String alg;
    private final String kid;
    private final String issuer;
    private final String service;
    private final Duration expiry;
    private final Clock clock;

    TokenService(KeyPair keys, String issuer, String service, Duration expiry, Clock clock) {
        this.keys = keys;
        this.alg = keys.getPrivate() instanceof ECPrivateKey ? "ES256" : "RS256";
        this.issuer = issuer;
        this.service = service;
        this.expiry = expiry;
        this.clock = clock;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(keys.getPublic().getEncoded());
            this.kid = B64.encodeToString(h).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configured key, or one made on first use and kept at {@code generated}. */
    static KeyPair loadOrCreateKey(Path configured, Path generated) throws IOException {
        if (configured != null) {
            return Pem.readKeyPair(configured);
        }
        if (Files.exists(generated)) {
            return Pem.readKeyPair(generated);
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Pem.write(generated, kp.getPrivate());
            return kp;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a token signing key: " + e.getMessage(), e);
        }
    }

    String service() {
        return service;
    }

    Duration expiry() {
        return expiry;
    }

    /** One granted access entry. */
    record Access(String type, String name, Set<String> actions) {
    }

    /** A token for {@code subject} (null: anonymous) with {@code access}. */
    String issue(String subject, List<Access> access) {
        ObjectNode claims = baseClaims(subject, expiry);
        ArrayNode arr = claims.putArray("access");
        for (Access a : access) {
            ObjectNode o = arr.addObject();
            o.put("type", a.type());
            o.put("name", a.name());
            ArrayNode acts = o.putArray("actions");
            a.actions().stream().sorted().forEach(acts::add);
        }
        return sign(claims);
    }

    /**
     * A long-lived refresh token for {@code subject}, bound to {@code credential} (a fingerprint of the user's
     * password entry, which the refresh grant compares with the current one).
     */
    String issueRefresh(String subject, String credential) {
        ObjectNode claims = baseClaims(subject, Duration.ofDays(90));
        claims.put("typ", "refresh");
        claims.put("cred", credential);
        return sign(claims);
    }

    private ObjectNode baseClaims(String subject, Duration life) {
        long now = clock.instant().getEpochSecond();
        ObjectNode c = OciJson.mapper().createObjectNode();
        c.put("iss", issuer);
        c.put("sub", subject == null ? "" : subject);
        c.put("aud", service);
        c.put("exp", now + life.getSeconds());
        c.put("nbf", now - 10);
        c.put("iat", now);
        c.put("jti", UUID.randomUUID().toString());
        return c;
    }

    private String sign(ObjectNode claims) {
        ObjectNode header = OciJson.mapper().createObjectNode();
        header.put("typ", "JWT");
        header.put("alg", alg);
        header.put("kid", kid);
        String input = B64.encodeToString(OciJson.write(header)) + "." + B64.encodeToString(OciJson.write(claims));
        try {
            Signature s = Signature.getInstance(alg.equals("ES256") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
            s.initSign(keys.getPrivate());
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
    }

    /** What a verified token says; {@code credential} is a refresh token's binding, else null. */
    record Claims(String subject, boolean refresh, String credential, List<Access> access) {
        Set<String> actions(String type, String name) {
            Set<String> out = new HashSet<>();
            for (Access a : access) {
                if (a.type().equals(type) && a.name().equals(name)) {
                    out.addAll(a.actions());
                }
            }
            return out;
        }
    }

    /** The claims of a valid token of ours, or null when it is forged, expired or for another service. */
    Claims verify(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || token.length() > 64 * 1024) {
            return null;
        }
        try {
            JsonNode header = OciJson.mapper().readTree(B64D.decode(parts[0]));
            if (!alg.equals(header.path("alg").asText())) {
                return null;
            }
            Signature s = Signature.getInstance(alg.equals("ES256") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
            s.initVerify(keys.getPublic());
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(B64D.decode(parts[2]))) {
                return null;
            }
            JsonNode c = OciJson.mapper().readTree(B64D.decode(parts[1]));
            long now = clock.instant().getEpochSecond();
            if (!issuer.equals(c.path("iss").asText()) || !service.equals(c.path("aud").asText())
                    || c.path("exp").asLong(0) < now || c.path("nbf").asLong(0) > now + 60) {
                return null;
            }
            List<Access> access = new java.util.ArrayList<>();
            for (JsonNode a : c.path("access")) {
                Set<String> acts = new HashSet<>();
                a.path("actions").forEach(x -> acts.add(x.asText()));
                access.add(new Access(a.path("type").asText(), a.path("name").asText(), acts));
            }
            String sub = c.path("sub").asText();
            return new Claims(sub.isEmpty() ? null : sub, "refresh".equals(c.path("typ").asText()), c.path("cred").textValue(), access);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    Instant now() {
        return clock.instant();
    }
}
