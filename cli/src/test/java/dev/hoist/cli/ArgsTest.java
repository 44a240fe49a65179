package dev.hoist.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgsTest {
    private static final List<OptionSpec> SPECS = List.of(
            OptionSpec.flag("-i, --interactive", "keep stdin open"),
            OptionSpec.flag("-t, --tty", "a terminal"),
            OptionSpec.flag("--rm", "remove"),
            OptionSpec.list("-e, --env", "K=V", "env"),
            OptionSpec.value("-w, --workdir", "DIR", "workdir"));

    @Test
    void longAndShortForms() throws Exception {
        Args a = Args.parse(SPECS, List.of("--env=A=1", "-e", "B=2", "-eC=3", "--workdir", "/x", "img"), false);
        assertEquals(List.of("A=1", "B=2", "C=3"), a.values("env"));
        assertEquals("/x", a.value("workdir"));
        assertEquals(List.of("img"), a.positionals());
    }

    @Test
    void groupedShortFlagsAndTrailingValue() throws Exception {
        Args a = Args.parse(SPECS, List.of("-itw", "/y", "img"), false);
        assertTrue(a.flag("interactive"));
        assertTrue(a.flag("tty"));
        assertEquals("/y", a.value("workdir"));
    }

    @Test
    void stopsAtFirstPositionalLikeDockerRun() throws Exception {
        Args a = Args.parse(SPECS, List.of("--rm", "img", "ls", "-la", "--rm"), true);
        assertTrue(a.flag("rm"));
        assertEquals(List.of("img", "ls", "-la", "--rm"), a.positionals());
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        Args a = Args.parse(SPECS, List.of("--", "-t"), false);
        assertFalse(a.flag("tty"));
        assertEquals(List.of("-t"), a.positionals());
    }

    @Test
    void flagsAcceptExplicitBooleans() throws Exception {
        assertFalse(Args.parse(SPECS, List.of("--rm=false"), false).flag("rm"));
        assertThrows(UsageException.class, () -> Args.parse(SPECS, List.of("--rm=maybe"), false));
    }

    @Test
    void unknownAndIncompleteOptionsAreUsageErrors() {
        UsageException e = assertThrows(UsageException.class, () -> Args.parse(SPECS, List.of("--nope"), false));
        assertEquals("unknown flag: --nope", e.getMessage());
        assertThrows(UsageException.class, () -> Args.parse(SPECS, List.of("-x"), false));
        assertThrows(UsageException.class, () -> Args.parse(SPECS, List.of("--workdir"), false));
        assertThrows(UsageException.class, () -> Args.parse(SPECS, List.of("-w"), false));
    }
}
