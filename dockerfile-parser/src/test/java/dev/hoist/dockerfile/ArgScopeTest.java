package dev.hoist.dockerfile;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARG scoping as Docker documents it ("Understand how ARG and FROM interact", "Scope", predefined ARGs). */
class ArgScopeTest {

    private static final Map<String, String> PLATFORMS = ArgScope.platformArgs("linux/amd64", "linux/arm/v7");

    private static Dockerfile parse(String text) throws DockerfileException {
        return DockerfileParser.parse("Dockerfile", text.getBytes(StandardCharsets.UTF_8));
    }

    /** Walks every instruction of stage {@code i} and returns the scope after the last one. */
    private static StageScope walk(Dockerfile df, int i, Map<String, String> buildArgs) throws DockerfileException {
        ArgScope global = ArgScope.global(df, buildArgs, PLATFORMS);
        StageScope scope = global.enterStage(Map.of(), null);
        for (Instruction in : df.stages().get(i).instructions()) {
            scope.expand(in);
        }
        return scope;
    }

    @Test
    void globalArgsAreUsableInFromLines() throws Exception {
        Dockerfile df = parse("ARG V=3.19\nARG IMAGE=alpine:${V}\nFROM ${IMAGE}\nFROM busybox:${TAG:-latest}\n");
        ArgScope scope = ArgScope.global(df, Map.of(), PLATFORMS);
        assertEquals("alpine:3.19", scope.expandFrom(df.stages().get(0)).baseName());
        assertEquals("busybox:latest", scope.expandFrom(df.stages().get(1)).baseName());
        ArgScope overridden = ArgScope.global(df, Map.of("V", "3.20"), PLATFORMS);
        assertEquals("alpine:3.20", overridden.expandFrom(df.stages().get(0)).baseName());
    }

    @Test
    void buildArgsThatNoArgDeclaresAreNotVisible() throws Exception {
        Dockerfile df = parse("FROM x:${NOPE}\nRUN echo $NOPE\n");
        ArgScope scope = ArgScope.global(df, Map.of("NOPE", "1"), PLATFORMS);
        assertEquals("x:", scope.expandFrom(df.stages().get(0)).baseName());
        assertFalse(walk(df, 0, Map.of("NOPE", "1")).variables().containsKey("NOPE"));
    }

    @Test
    void platformArgsAreGlobalAndNeedAnArgInsideAStage() throws Exception {
        Dockerfile df = parse("FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nARG TARGETVARIANT\n"
                + "FROM alpine\n");
        ArgScope scope = ArgScope.global(df, Map.of(), PLATFORMS);
        assertEquals("linux/amd64", scope.expandFrom(df.stages().get(0)).platform());
        StageScope b = walk(df, 0, Map.of());
        assertEquals("arm", b.variables().get("TARGETARCH"));
        assertEquals("v7", b.variables().get("TARGETVARIANT"));
        assertFalse(b.variables().containsKey("TARGETOS"));
        assertFalse(walk(df, 1, Map.of()).variables().containsKey("TARGETARCH"));
    }

    @Test
    void aGlobalArgIsVisibleInAStageOnlyWhenRedeclared() throws Exception {
        Dockerfile df = parse("ARG V=1\nFROM a\nRUN echo $V\nFROM b\nARG V\nRUN echo $V\n");
        assertFalse(walk(df, 0, Map.of()).variables().containsKey("V"));
        assertEquals("1", walk(df, 1, Map.of()).variables().get("V"));
        assertEquals("2", walk(df, 1, Map.of("V", "2")).variables().get("V"));
    }

    @Test
    void stageArgsTakeBuildArgsElseTheirDefault() throws Exception {
        Dockerfile df = parse("FROM a\nARG X=a Y=${X}b\nARG Z\nENV OUT=$X-$Y-${Z:-none}\n");
        StageScope s = walk(df, 0, Map.of());
        assertEquals("a-ab-none", s.imageEnvironment().get("OUT"));
        StageScope t = walk(df, 0, Map.of("X", "x", "Z", "z"));
        assertEquals("x-xb-z", t.imageEnvironment().get("OUT"));
        assertNull(s.args().get("Z"));
    }

    @Test
    void envAlwaysWinsOverAnArgOfTheSameName() throws Exception {
        Dockerfile df = parse("FROM a\nARG V=arg\nENV V=env\nFROM b\nENV V=env\nARG V=arg\n");
        assertEquals("env", walk(df, 0, Map.of("V", "build")).variables().get("V"));
        assertEquals("env", walk(df, 1, Map.of()).variables().get("V"));
        assertEquals("arg", walk(df, 1, Map.of()).args().get("V"));
    }

    @Test
    void argsReachRunButNotTheImage() throws Exception {
        Dockerfile df = parse("FROM a\nARG A=1\nENV E=2\n");
        StageScope s = walk(df, 0, Map.of("HTTP_PROXY", "http://proxy:3128", "OTHER", "x"));
        assertEquals(Map.of("A", "1", "E", "2"), s.variables());
        assertEquals(Map.of("E", "2"), s.imageEnvironment());
    }

    @Test
    void proxyBuildArgsSetBothCasesAsBuildKitDoes() throws Exception {
        Dockerfile df = parse("FROM a\n");
        Map<String, String> args = new java.util.LinkedHashMap<>();
        args.put("http_proxy", "http://lower:1");
        args.put("HTTP_PROXY", "http://upper:2");    // sorts first, so the lower-case spelling wins
        args.put("No_Proxy", "localhost");
        args.put("FTP_PROXY", "");                     // empty: none
        args.put("OTHER", "x");
        Map<String, String> proxies = ArgScope.global(df, args, PLATFORMS).proxyEnvironment();
        assertEquals(List.of("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"), List.copyOf(proxies.keySet()));
        assertEquals("http://lower:1", proxies.get("HTTP_PROXY"));
        assertEquals("localhost", proxies.get("no_proxy"));
        assertFalse(walk(df, 0, args).variables().containsKey("HTTP_PROXY"), "not an ARG unless declared");
    }

    @Test
    void aStageBuiltFromAnotherStartsWithItsArgs() throws Exception {
        Dockerfile df = parse("FROM busybox AS a\nARG FOO=x\nARG BARE\nENV E=1\nFROM a\nARG FOO\nARG NEW=${FOO}y\n");
        ArgScope global = ArgScope.global(df, Map.of(), PLATFORMS);
        StageScope a = global.enterStage(Map.of(), null);
        for (Instruction in : df.stages().get(0).instructions()) {
            a.expand(in);
        }
        StageScope b = global.enterStage(a.imageEnvironment(), a);
        for (Instruction in : df.stages().get(1).instructions()) {
            b.expand(in);
        }
        assertEquals("x", b.variables().get("FOO"), "a re-declared ARG without a value keeps the inherited one");
        assertEquals("xy", b.variables().get("NEW"));
        assertEquals(List.of("FOO=x", "BARE=", "NEW=xy"), b.historyArgs());
        assertEquals(List.of("FOO=x", "BARE="), a.historyArgs(), "the base stage's scope is not changed");
    }

    @Test
    void historyArgsTakeTheValueAnEnvGivesThem() throws Exception {
        Dockerfile df = parse("FROM a\nARG V=arg\nENV V=env\nARG W\n");
        assertEquals(List.of("V=env", "W=build"), walk(df, 0, Map.of("W", "build")).historyArgs());
    }

    @Test
    void theBaseImageEnvironmentIsInScope() throws Exception {
        Dockerfile df = parse("FROM a\nWORKDIR $HOME/src\n");
        StageScope s = ArgScope.global(df, Map.of(), PLATFORMS).enterStage(Map.of("HOME", "/root"), null);
        Instruction.Workdir w = (Instruction.Workdir) s.expand(df.stages().get(0).instructions().get(0));
        assertEquals("/root/src", w.path());
    }

    @Test
    void expansionErrorsPointAtTheArg() throws Exception {
        Dockerfile df = parse("ARG A=${B\nFROM a\n");
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> ArgScope.global(df, Map.of(), PLATFORMS));
        assertEquals(1, e.line());
        assertEquals("Dockerfile:1:1: failed to process \"${B\": syntax error: missing '}'", e.getMessage());
    }

    @Test
    void platformArgsSplitTheirParts() {
        Map<String, String> m = ArgScope.platformArgs("linux/arm64", "windows/amd64");
        assertEquals("arm64", m.get("BUILDARCH"));
        assertEquals("", m.get("BUILDVARIANT"));
        assertEquals("windows", m.get("TARGETOS"));
        assertEquals(ArgScope.PLATFORM_ARGS, m.keySet().stream().toList());
    }
}
