package dev.hoist.dockerfile;

import dev.hoist.dockerfile.Instruction.ArgDefinition;
import dev.hoist.dockerfile.Instruction.InlineSource;
import dev.hoist.dockerfile.Instruction.KeyValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstructionParserTest {

    private static Dockerfile parse(String text) throws DockerfileException {
        return DockerfileParser.parse("Dockerfile", text.getBytes(StandardCharsets.UTF_8));
    }

    private static Instruction only(String body) throws DockerfileException {
        Dockerfile df = parse("FROM scratch\n" + body);
        assertEquals(1, df.stages().get(0).instructions().size());
        return df.stages().get(0).instructions().get(0);
    }

    @Test
    void stagesHaveNamesBasesAndIndexes() throws Exception {
        Dockerfile df = parse("""
                ARG BASE=alpine
                ARG TAG
                FROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-3.19} AS Build
                RUN make
                FROM build
                COPY --from=build /out /out
                FROM scratch
                """);
        assertEquals(2, df.globalArgs().size());
        assertEquals(3, df.stages().size());
        Stage build = df.stages().get(0);
        assertEquals(0, build.index());
        assertEquals("build", build.name());
        assertEquals("${BASE}:${TAG:-3.19}", build.baseName());
        assertEquals("$BUILDPLATFORM", build.platform());
        assertEquals(1, build.instructions().size());
        assertEquals("", df.stages().get(1).name());
        assertEquals("build", df.stages().get(1).baseName());
        assertEquals(build, df.stage("BUILD").orElseThrow());
        assertEquals(df.stages().get(2), df.stage("2").orElseThrow());
        assertTrue(df.stage("nope").isEmpty());
        // a stage sees only the stages before it; an index past the end, even past an int's range, names none
        assertEquals(build, df.stage("build", 1).orElseThrow());
        assertTrue(df.stage("build", 0).isEmpty());
        assertEquals(df.stages().get(1), df.stage("1", 2).orElseThrow());
        assertTrue(df.stage("2", 2).isEmpty());
        assertTrue(df.stage("3", Integer.MAX_VALUE).isEmpty());
        assertTrue(df.stage("99999999999").isEmpty());
        assertEquals(df.stages().get(1), df.stage("0000000001").orElseThrow());
    }

    @Test
    void duplicateStageNamesAreAWarningAsInBuildKit() throws Exception {
        Dockerfile df = parse("FROM a AS x\nFROM b AS X\n");
        assertEquals(1, df.warnings().size());
        assertTrue(df.warnings().get(0).message().contains("\"x\""));
    }

    @Test
    void runKeepsFormMountsNetworkAndSecurity() throws Exception {
        Instruction.Run run = (Instruction.Run) only(
                "RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount=type=secret,id=npm,env=TOKEN "
                        + "--network=none --security=insecure npm ci\n");
        assertEquals(List.of("npm ci"), run.command());
        assertTrue(run.shellForm());
        assertEquals("none", run.network());
        assertEquals("insecure", run.security());
        List<RunMount> mounts = run.mounts(w -> w);
        assertEquals(RunMount.CACHE, mounts.get(0).type());
        assertEquals("/root/.cache", mounts.get(0).target());
        assertEquals("locked", mounts.get(0).sharing());
        assertFalse(mounts.get(0).readOnly());
        assertEquals(RunMount.SECRET, mounts.get(1).type());
        assertEquals("npm", mounts.get(1).id());
        assertEquals("TOKEN", mounts.get(1).env());
        assertTrue(mounts.get(1).readOnly());

        Instruction.Run exec = (Instruction.Run) only("RUN [\"echo\", \"a b\"]\n");
        assertEquals(List.of("echo", "a b"), exec.command());
        assertFalse(exec.shellForm());
        assertEquals("default", exec.network());
        assertEquals("sandbox", exec.security());
    }

    @Test
    void mountValuesAreExpandedWhenTheStageIsKnown() throws Exception {
        Instruction.Run run = (Instruction.Run) only(
                "RUN --mount=type=$T,target=${DIR}/x,uid=$UID,mode=0750 true\n");
        List<RunMount> mounts = run.mounts(new ShellLexer('\\'), Map.of("T", "cache", "DIR", "/c", "UID", "1000"));
        assertEquals(RunMount.CACHE, mounts.get(0).type());
        assertEquals("/c/x", mounts.get(0).target());
        assertEquals(1000L, mounts.get(0).uid());
        assertEquals(0750L, mounts.get(0).mode());
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> run.mounts(new ShellLexer('\\'), Map.of("T", "volume")));
        assertEquals(2, e.line());
        assertEquals("unsupported mount type \"volume\"", e.reason());
    }

    @Test
    void tmpfsSizeAndReadWriteOptions() throws Exception {
        RunMount m = RunMount.parse("type=tmpfs,target=/t,size=64m,ro", w -> w);
        assertEquals(64L << 20, m.size());
        assertTrue(m.readOnly());
        RunMount bind = RunMount.parse("target=/src,rw=true,from=build,source=/out", w -> w);
        assertEquals(RunMount.BIND, bind.type());
        assertFalse(bind.readOnly());
        assertEquals("build", bind.from());
        assertEquals("/out", bind.source());
        RunMount quoted = RunMount.parse("\"type=bind\",\"target=/a,b\"", w -> w);
        assertEquals("/a,b", quoted.target());
        RunMount ssh = RunMount.parse("type=ssh,required", w -> w);
        assertTrue(ssh.required());
    }

    @Test
    void copyAndAddFlagsAndHeredocSources() throws Exception {
        Instruction.Copy copy = (Instruction.Copy) only(
                "COPY --from=build --chown=1:2 --chmod=644 --link --parents --exclude=*.md --exclude=*.tmp a b /dst/\n");
        assertEquals(List.of("a", "b"), copy.sources());
        assertEquals("/dst/", copy.destination());
        assertEquals("build", copy.from());
        assertEquals("1:2", copy.chown());
        assertEquals("644", copy.chmod());
        assertTrue(copy.link());
        assertTrue(copy.parents());
        assertEquals(List.of("*.md", "*.tmp"), copy.excludes());

        Instruction.Add add = (Instruction.Add) only(
                "ADD --keep-git-dir=true --checksum=sha256:abc --link=false https://x/y.tar.gz /y\n");
        assertTrue(add.keepGitDir());
        assertFalse(add.link());
        assertEquals("sha256:abc", add.checksum());

        Instruction.Copy here = (Instruction.Copy) only(
                "COPY <<-EOF <<'RAW' a /dst/\n\tline $X\n\tEOF\nraw $Y\nRAW\n");
        assertEquals(List.of("a"), here.sources());
        assertEquals(List.of(new InlineSource("EOF", "line $X\n", true), new InlineSource("RAW", "raw $Y\n", false)),
                here.inlineSources());
        Instruction.Copy expanded = here.expand(new ShellLexer('\\'), Map.of("X", "x", "Y", "y"));
        assertEquals("line x\n", expanded.inlineSources().get(0).data());
        assertEquals("raw $Y\n", expanded.inlineSources().get(1).data());
    }

    @Test
    void runHeredocsKeepTheirContent() throws Exception {
        Instruction.Run run = (Instruction.Run) only("RUN <<EOF bash\nset -e\necho $HOME\nEOF\n");
        assertEquals(1, run.heredocs().size());
        assertEquals("EOF", run.heredocs().get(0).name());
        assertEquals("set -e\necho $HOME\n", run.heredocs().get(0).content());
        assertTrue(run.heredocs().get(0).expand());
        assertEquals(List.of("<<EOF bash"), run.command());
        assertEquals(2, run.range().startLine());
        assertEquals(5, run.range().endLine());
    }

    @Test
    void envAndLabelPairsRememberTheirForm() throws Exception {
        Instruction.Env env = (Instruction.Env) only("ENV A=1 B=\"two words\"\n");
        assertEquals(List.of(new KeyValue("A", "1", false), new KeyValue("B", "\"two words\"", false)), env.pairs());
        Instruction.Env legacy = (Instruction.Env) only("ENV PATH /usr/bin:$PATH\n");
        assertEquals(List.of(new KeyValue("PATH", "/usr/bin:$PATH", true)), legacy.pairs());
        Instruction.Env expanded = env.expand(new ShellLexer('\\'), Map.of());
        assertEquals("two words", expanded.pairs().get(1).value());
        Instruction.Label label = (Instruction.Label) only("LABEL \"a b\"=c\n");
        assertEquals("a b", label.expand(new ShellLexer('\\'), Map.of()).pairs().get(0).key());
    }

    @Test
    void argsKeepDefaultsAndDocComments() throws Exception {
        Dockerfile df = parse("""
                # VERSION the version to build
                ARG VERSION=1.2 FLAVOR
                FROM scratch
                """);
        Instruction.Arg arg = df.globalArgs().get(0);
        assertEquals(List.of(new ArgDefinition("VERSION", "1.2", "the version to build"),
                new ArgDefinition("FLAVOR", null, "")), arg.args());
        assertNull(arg.args().get(1).defaultValue());
    }

    @Test
    void healthcheckBuildsTheTestOfAnImageConfig() throws Exception {
        Instruction.Healthcheck h = (Instruction.Healthcheck) only(
                "HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=0s --start-interval=500ms --retries=3 "
                        + "CMD curl -f http://localhost/ || exit 1\n");
        assertEquals(List.of("CMD-SHELL", "curl -f http://localhost/ || exit 1"), h.test());
        assertEquals(Duration.ofSeconds(90), h.interval());
        assertEquals(Duration.ofMillis(1500), h.timeout());
        assertEquals(Duration.ZERO, h.startPeriod());
        assertEquals(Duration.ofMillis(500), h.startInterval());
        assertEquals(3, h.retries());
        Instruction.Healthcheck exec = (Instruction.Healthcheck) only("HEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n");
        assertEquals(List.of("CMD", "/bin/check", "-q"), exec.test());
        Instruction.Healthcheck none = (Instruction.Healthcheck) only("HEALTHCHECK NONE\n");
        assertEquals(List.of("NONE"), none.test());
    }

    @Test
    void onbuildKeepsItsTriggerForTheChildBuild() throws Exception {
        Instruction.Onbuild ob = (Instruction.Onbuild) only("ONBUILD COPY --chown=1 . /app\n");
        assertEquals("COPY --chown=1 . /app", ob.expression());
        Instruction.Copy trigger = assertInstanceOf(Instruction.Copy.class, ob.trigger());
        assertEquals("1", trigger.chown());
        Instruction.Onbuild bad = (Instruction.Onbuild) only("ONBUILD RUNN x\n");
        DockerfileException e = assertThrows(DockerfileException.class, bad::trigger);
        assertEquals("unknown instruction: RUNN (did you mean RUN?)", e.reason());
        Instruction.Onbuild heredoc = (Instruction.Onbuild) only("ONBUILD RUN <<EOF\necho hi\nEOF\n");
        assertEquals("RUN <<EOF\necho hi\nEOF", heredoc.expression());
    }

    @Test
    void exposeSortsAndExpandsIntoWords() throws Exception {
        Instruction.Expose ex = (Instruction.Expose) only("EXPOSE 8080 443/tcp $PORTS\n");
        assertEquals(List.of("$PORTS", "443/tcp", "8080"), ex.ports());
        assertEquals(List.of("80", "81/udp", "443/tcp", "8080"),
                ex.expand(new ShellLexer('\\'), Map.of("PORTS", "80 81/udp")).ports());
    }

    @Test
    void expansionTouchesExactlyWhatDockerExpands() throws Exception {
        Map<String, String> env = Map.of("V", "x");
        ShellLexer lexer = new ShellLexer('\\');
        assertEquals("/x", ((Instruction.Workdir) only("WORKDIR /$V\n").expand(lexer, env)).path());
        assertEquals("x:x", ((Instruction.User) only("USER ${V}:$V\n").expand(lexer, env)).user());
        assertEquals("SIGx", ((Instruction.StopSignal) only("STOPSIGNAL SIG$V\n").expand(lexer, env)).signal());
        assertEquals(List.of("/x"), ((Instruction.Volume) only("VOLUME /$V\n").expand(lexer, env)).volumes());
        Instruction.Copy copy = (Instruction.Copy) only("COPY --from=$V --chown=$V --chmod=$V $V /$V/\n")
                .expand(lexer, env);
        assertEquals(List.of("x"), copy.sources());
        assertEquals("/x/", copy.destination());
        assertEquals("x", copy.chown());
        assertEquals("$V", copy.from());
        assertEquals("$V", copy.chmod());
        Instruction.Add add = (Instruction.Add) only("ADD --checksum=$V --chown=$V $V /d\n").expand(lexer, env);
        assertEquals("x", add.checksum());
        assertEquals("x", add.chown());
        // RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK are left to the shell at run time
        Instruction run = only("RUN echo $V\n");
        assertEquals(run, run.expand(lexer, env));
        Instruction cmd = only("CMD [\"$V\"]\n");
        assertEquals(cmd, cmd.expand(lexer, env));
        Instruction.Arg arg = ((Instruction.Arg) only("ARG A=$V\n")).expand(lexer, env);
        assertEquals("x", arg.args().get(0).defaultValue());
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> only("WORKDIR ${V\n").expand(lexer, env));
        assertEquals(2, e.line());
        assertEquals("failed to process \"${V\": syntax error: missing '}'", e.reason());
    }

    @Test
    void flagsAfterDoubleDashAreArguments() throws Exception {
        Instruction.Copy copy = (Instruction.Copy) only("COPY --link -- --not-a-flag /dst\n");
        assertEquals(List.of("--not-a-flag"), copy.sources());
        assertTrue(copy.link());
    }

    @Test
    void sourceRangesPointAtTheInstruction() throws Exception {
        Dockerfile df = parse("FROM a\n\n   RUN echo \\\n     two\n");
        Instruction run = df.stages().get(0).instructions().get(0);
        assertEquals(new SourceRange("Dockerfile", 3, 4, 4, 8), run.range());
        assertEquals("RUN echo      two", run.origin().source());
        assertEquals("RUN", run.origin().keyword());
    }

    @Test
    void stopsignalAndArgIgnoreFlagsAsBuildKitDoes() throws Exception {
        assertEquals("SIGTERM", ((Instruction.StopSignal) only("STOPSIGNAL --x SIGTERM\n")).signal());
        Dockerfile df = parse("ARG --x A=1\nFROM scratch\n");
        assertEquals("A", df.globalArgs().get(0).args().get(0).key());
    }

    @Test
    void parsesFromAStreamAndAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Dockerfile fromStream = DockerfileParser.parse("-",
                new java.io.ByteArrayInputStream("FROM a\nRUN b\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("(from \"a\")\n(run \"b\")\n", fromStream.dump());
        java.nio.file.Path file = dir.resolve("app.Dockerfile");
        java.nio.file.Files.writeString(file, "FROM a\nRUNN b\n");
        DockerfileException e = assertThrows(DockerfileException.class, () -> DockerfileParser.parse(file));
        assertEquals(file.toString(), e.file());
        assertEquals(file + ":2:1: unknown instruction: RUNN (did you mean RUN?)", e.getMessage());
    }

    @Test
    void jsonOutputHasTypedFieldsAndRanges() throws Exception {
        Dockerfile df = parse("# syntax=docker/dockerfile:1\nFROM alpine AS base\nENV A=\"1\\n\"\nRUN [\"echo\"]\n");
        String json = df.toJson();
        assertTrue(json.startsWith("{\"name\":\"Dockerfile\",\"escape\":\"\\\\\",\"directives\":[{\"name\":\"syntax\","
                + "\"value\":\"docker/dockerfile:1\",\"line\":1}]"), json);
        assertTrue(json.contains("\"instruction\":\"env\",\"keyword\":\"ENV\",\"range\":{\"start\":{\"line\":3,"
                + "\"column\":1},\"end\":{\"line\":3,\"column\":11}},\"source\":\"ENV A=\\\"1\\\\n\\\"\""), json);
        assertTrue(json.contains("\"command\":[\"echo\"],\"shellForm\":false"), json);
        assertTrue(json.contains("\"stageName\":\"base\""), json);
        assertEquals("docker/dockerfile:1", df.directive("syntax").orElseThrow());
    }
}
