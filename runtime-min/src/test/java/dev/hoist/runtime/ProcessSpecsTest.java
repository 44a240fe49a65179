package dev.hoist.runtime;

import dev.hoist.oci.ContainerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProcessSpecsTest {

    private final ContainerConfig both = ContainerConfig.builder().entrypoint(List.of("/entry", "-x")).cmd(List.of("default")).build();
    private final ContainerConfig cmdOnly = ContainerConfig.builder().cmd(List.of("sh", "-c", "echo hi")).build();

    @Test
    void commandCombinesAsDockerRun() {
        assertEquals(List.of("/entry", "-x", "default"), ProcessSpecs.command(both, null, List.of()));
        assertEquals(List.of("/entry", "-x", "arg"), ProcessSpecs.command(both, null, List.of("arg")));
        assertEquals(List.of("sh", "-c", "echo hi"), ProcessSpecs.command(cmdOnly, null, null));
        assertEquals(List.of("ls", "/"), ProcessSpecs.command(cmdOnly, null, List.of("ls", "/")));
        // --entrypoint drops the image's CMD
        assertEquals(List.of("/bin/true"), ProcessSpecs.command(both, List.of("/bin/true"), List.of()));
        assertEquals(List.of("/bin/echo", "a"), ProcessSpecs.command(both, List.of("/bin/echo"), List.of("a")));
        // --entrypoint "" clears it
        assertEquals(List.of("ls"), ProcessSpecs.command(both, List.of(""), List.of("ls")));
        assertThrows(IllegalArgumentException.class, () -> ProcessSpecs.command(both, List.of(""), List.of()));
        assertThrows(IllegalArgumentException.class, () -> ProcessSpecs.command(ContainerConfig.EMPTY, null, List.of()));
    }

    @Test
    void environmentHasDockersDefaultsAndOverrides() {
        ContainerConfig config = ContainerConfig.builder().env(List.of("A=1", "B=2")).build();
        assertEquals(List.of("HOSTNAME=h", "A=1", "B=3", "PATH=" + ProcessSpecs.DEFAULT_PATH),
                ProcessSpecs.environment(config, List.of("B=3"), "h"));
        ContainerConfig withPath = ContainerConfig.builder().env(List.of("PATH=/bin")).build();
        assertEquals(List.of("HOSTNAME=h", "PATH=/bin"), ProcessSpecs.environment(withPath, List.of(), "h"));
    }
}
