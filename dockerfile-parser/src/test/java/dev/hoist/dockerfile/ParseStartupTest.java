package dev.hoist.dockerfile;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parsing and expanding Dockerfiles that use every instruction and form, in a fresh JVM, loads no class of
 * java.util.regex, java.util.stream, java.lang.invoke or a lambda: in the JVM of a {@code hoist build} each of
 * those costs start-up time (compiling a regex or linking the first lambda, ~5 ms; each further lambda call site
 * ~0.2-0.5 ms), which the parser was rid of.
 */
class ParseStartupTest {

    /** Every instruction, flag and form the parser handles, as an ordinary Dockerfile would use them. */
    static final String EVERYTHING = """
            # syntax=docker/dockerfile:1
            # check=skip=all
            ARG BASE=alpine:3.19
            ARG VERSION=v1.2.3
            FROM --platform=$BUILDPLATFORM ${BASE} AS build
            ARG VERSION
            ARG TARGETPLATFORM TARGETARCH=amd64
            # a comment between instructions
            ENV A=1 B="two words" \\
                C=${VERSION#v}
            ENV LEGACY value with spaces
            LABEL org.example.a=1 "org.example.b"="x y" \\
                  org.example.version=${VERSION%.*}
            LABEL legacy.key legacy value
            WORKDIR /src/${TARGETARCH:-none}
            COPY --chown=1:1 --chmod=0755 --link go.mod go.sum ./
            COPY --from=build --parents --exclude=*.md --exclude=docs src/ /dst/
            ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
                https://example.com/x.tar.gz /x/
            ADD --keep-git-dir=true --exclude=*.tmp --link --chown=app a b /c/
            RUN --mount=type=cache,target=/root/.cache,sharing=locked,id=go \\
                --mount=type=bind,from=build,source=/src,target=/mnt,rw \\
                --mount=type=tmpfs,target=/tmp,size=64m \\
                --mount=type=secret,id=token,required,env=TOKEN \\
                --mount=type=ssh \\
                --network=none --security=sandbox \\
                # a comment inside a continuation
                go build -o /out/app ./... && \\
                echo "${VERSION%%.*} ${VERSION//./-} ${VERSION/./_} ${TARGETPLATFORM#linux/} ${A:+set} '$B'"
            RUN ["/bin/sh", "-c", "echo json \\u00e9"]
            RUN <<EOF
            echo heredoc $A
            EOF
            RUN <<-EOT bash
            \techo chomp
            \tEOT
            COPY <<EOF /etc/conf
            x=$A
            EOF
            COPY <<-"EOF" /etc/raw
            \traw $A
            \tEOF
            EXPOSE 80/tcp 443 ${A}
            VOLUME ["/data", "/cache"]
            VOLUME /v1 /v2
            USER app:app
            HEALTHCHECK --interval=30s --timeout=5s --start-period=1s --start-interval=500ms --retries=3 \\
                CMD curl -f http://localhost/ || exit 1
            HEALTHCHECK NONE
            SHELL ["/bin/bash", "-c"]
            STOPSIGNAL SIGTERM
            ONBUILD RUN echo onbuild
            onbuild COPY . /app
            MAINTAINER someone <someone@example.com>
            ENTRYPOINT ["/app"]
            CMD ["--help"]

            FROM scratch
            COPY --from=build /out/app /app
            ENTRYPOINT /app
            CMD /app --version
            """;

    /** The escape directive and backtick continuations. */
    static final String BACKTICK = """
            # escape=`
            FROM mcr.microsoft.com/windows/servercore:ltsc2022
            ENV DIR=c:\\app
            RUN echo hello `
                world
            COPY a `
                 b ${DIR}\\
            """;

    /** Loaded just before the work: its line in the class-load log opens the window checked. */
    static final class Begin {
    }

    /** Loaded just after the work: its line in the class-load log closes the window checked. */
    static final class End {
    }

    /** Runs in the child JVM: the parse, and what the builder does with instructions, between the two markers. */
    public static void main(String[] args) throws Exception {
        new Begin();
        int checksum = 0;
        for (String text : new String[] {EVERYTHING, BACKTICK}) {
            Dockerfile df = DockerfileParser.parse("Dockerfile", text.getBytes(StandardCharsets.UTF_8));
            ArgScope global = ArgScope.global(df, Map.of("VERSION", "v9.8.7"),
                    ArgScope.platformArgs("linux/amd64", "linux/arm64"));
            StageScope previous = null;
            for (Stage stage : df.stages()) {
                checksum += global.expandFrom(stage).baseName().length();
                StageScope scope = global.enterStage(Map.of("PATH", "/bin"), previous);
                for (Instruction in : stage.instructions()) {
                    Instruction expanded = scope.expand(in);
                    if (expanded instanceof Instruction.Run run) {
                        checksum += run.mounts(df.lexer(), scope.variables()).size();
                        for (var doc : run.heredocs()) {
                            checksum += doc.effectiveContent().length();
                        }
                    } else if (expanded instanceof Instruction.Onbuild onbuild) {
                        checksum += onbuild.trigger().name().length();
                    }
                }
                checksum += scope.variables().size() + scope.historyArgs().size();
                previous = scope;
            }
            checksum += global.proxyEnvironment().size();
            checksum += df.stage("build").isPresent() ? 1 : 0;
            checksum += df.stage("0").isPresent() ? 1 : 0;
            checksum += df.dump().length();
        }
        new End();
        System.out.println("checksum " + checksum);
    }

    @Test
    void theParsePathLoadsNoRegexLambdaOrStreamClass() throws Exception {
        // the same work in this JVM first, so that a failure shows as a failure here and not as a dead child
        main(new String[0]);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xlog:class+load=info:stdout",
                "-cp", System.getProperty("java.class.path"), ParseStartupTest.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        List<String> loaded = window(lines);
        List<String> forbidden = new ArrayList<>();
        for (String line : loaded) {
            if (line.contains(" java.util.regex.") || line.contains(" java.util.stream.")
                    || line.contains(" java.lang.invoke.") || line.contains(" java.lang.runtime.")
                    || line.contains("$$Lambda")) {
                forbidden.add(line);
            }
        }
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" dev.hoist.dockerfile.ShellPattern ")),
                "the window holds the parse: " + loaded);
        assertEquals(List.of(), forbidden);
    }

    /** The class-load lines between the Begin and End markers. */
    private static List<String> window(List<String> lines) throws IOException {
        int begin = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(" " + Begin.class.getName() + " ")) {
                begin = i;
            } else if (lines.get(i).contains(" " + End.class.getName() + " ")) {
                end = i;
            }
        }
        if (begin < 0 || end < begin) {
            throw new IOException("no class-load markers in the child's output:\n" + String.join("\n", lines));
        }
        return lines.subList(begin + 1, end);
    }
}
