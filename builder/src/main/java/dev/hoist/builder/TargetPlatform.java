package dev.hoist.builder;

import dev.hoist.oci.Platform;

/**
 * The platform a build targets ({@code --platform}): hoist runs RUN steps natively, so only the host's platform
 * (possibly spelled differently: {@code linux/x86_64}) is accepted, with an error that says so for others.
 * Stateless.
 */
final class TargetPlatform {
    private TargetPlatform() {
    }

    /** The platform to build for: the host's, when {@code requested} is empty or names it (a list may include it). */
    static Platform of(String requested) throws BuildException {
        return of(requested, "--platform " + requested);
    }

    /** As {@link #of(String)}, with errors starting with {@code what} (e.g. {@code Dockerfile:3: FROM --platform=...}). */
    static Platform of(String requested, String what) throws BuildException {
        Platform host = Platform.current();
        if (requested == null || requested.isBlank()) {
            return host;
        }
        for (String one : requested.split(",")) {
            Platform p;
            try {
                p = Platform.parse(one);
            } catch (IllegalArgumentException e) {
                throw new BuildException(what + ": " + e.getMessage(), e);
            }
            if (p.matches(host)) {
                if (requested.contains(",")) {
                    throw new BuildException(what + ": hoist builds one platform at a time; give " + host + " alone");
                }
                return host;
            }
        }
        throw new BuildException(what + ": hoist runs RUN steps natively and builds only for this"
                + " machine's platform, " + host + "; build on a " + requested + " machine, or leave --platform out");
    }
}
