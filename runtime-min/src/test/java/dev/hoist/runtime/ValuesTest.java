package dev.hoist.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValuesTest {

    @Test
    void namesAreCheckedAsTheRegexesDockerDocumentsWould() {
        java.util.Random r = new java.util.Random(42);
        String alphabet = "aZ09_.-/: \u00e9A";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(5) == 0 ? 60 + r.nextInt(80) : r.nextInt(6);
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String s = b.toString();
            assertEquals(s.matches("[a-z0-9][a-z0-9_.-]{0,127}"), ContainerSpec.isName(s, 128, false, "_.-"), s);
            assertEquals(s.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,62}"), ContainerSpec.isName(s, 63, true, ".-"), s);
            assertEquals(s.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*"), ContainerSpec.isName(s, Integer.MAX_VALUE, true, "_.-"), s);
        }
    }

    @Test
    void volumesAndTmpfsParseAsDocker() {
        Mount m = Mount.parseVolume("/host/dir:/data:ro");
        assertEquals(Path.of("/host/dir"), m.source());
        assertEquals("/data", m.destination());
        assertTrue(m.readOnly());
        assertEquals(Mount.Type.TMPFS, Mount.parseTmpfs("/run:size=1m").type());
        // Docker's defaults for --tmpfs, then the options given, which the helper applies in order
        assertEquals("noexec,nosuid,nodev,size=1m", Mount.parseTmpfs("/run:size=1m").options());
        assertEquals("noexec,nosuid,nodev", Mount.parseTmpfs("/run").options());
        assertEquals("noexec,nosuid,nodev,rw,exec", Mount.parseTmpfs("/run:rw,exec").options());
        assertThrows(IllegalArgumentException.class, () -> Mount.parseVolume("named:/data"));
        assertThrows(IllegalArgumentException.class, () -> Mount.parseVolume("/a:/b:xx"));
        assertThrows(IllegalArgumentException.class, () -> Mount.bind(Path.of("/a"), "relative", false));
    }

    @Test
    void volumeModesAreTheOnesDockerAcceptsOnLinux() {
        assertTrue(Mount.parseVolume("/a:/b:ro,z").readOnly());
        assertTrue(Mount.parseVolume("/a:/b:Z,ro,rprivate").readOnly());
        for (String mode : List.of("z", "Z", "rw", "", "delegated", "cached", "consistent", "private", "rprivate", "rw,Z,cached")) {
            assertFalse(Mount.parseVolume("/a:/b:" + mode).readOnly(), mode);
        }
        for (String mode : List.of("ro,rw", "z,Z", "cached,delegated", "xx", "ro,")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mount.parseVolume("/a:/b:" + mode));
            assertTrue(e.getMessage().contains("invalid volume mode"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Mount.parseVolume("/a:/b:nocopy")).getMessage()
                .contains("nocopy applies to named volumes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Mount.parseVolume("/a:/b:rshared")).getMessage()
                .contains("propagation rshared is not supported"));
    }

    @Test
    void signalsParseAsDocker() {
        assertEquals(15, Signals.parse("TERM"));
        assertEquals(15, Signals.parse("sigterm"));
        assertEquals(1, Signals.parse("SIGHUP"));
        assertEquals(28, Signals.parse("WINCH"));
        assertEquals(14, Signals.parse("ALRM"));
        assertEquals(19, Signals.parse("STOP"));
        assertEquals(6, Signals.parse("IOT"));
        assertEquals(34, Signals.parse("RTMIN"));
        assertEquals(37, Signals.parse("SIGRTMIN+3"));
        assertEquals(63, Signals.parse("RTMAX-1"));
        assertEquals(64, Signals.parse("64"));
        assertEquals(9, Signals.parse("9"));
        for (String bad : List.of("", "0", "65", "NOPE", "RTMIN-1", "RTMAX+1", "RTMIN+", "-9", "SIG", "123")) {
            assertThrows(IllegalArgumentException.class, () -> Signals.parse(bad), bad);
        }
    }

    @Test
    void sizesParseAsDocker() {
        assertEquals(512L << 20, Limits.parseBytes("512m"));
        assertEquals(1L << 30, Limits.parseBytes("1g"));
        assertEquals(100, Limits.parseBytes("100"));
        assertEquals(1536, Limits.parseBytes("1.5k"));
        assertThrows(IllegalArgumentException.class, () -> Limits.parseBytes("lots"));
        assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withMemory(1024));
    }

    @Test
    void specValidatesEarly() {
        assertThrows(IllegalArgumentException.class, () -> ContainerSpec.builder().rootfs(Path.of("/r")).build());
        assertThrows(IllegalArgumentException.class, () -> ContainerSpec.builder().argv("true").build());
        assertThrows(IllegalArgumentException.class, () -> ContainerSpec.builder().id("Bad/Id").rootfs(Path.of("/r")).argv("true").build());
        ContainerSpec s = ContainerSpec.builder().rootfs(Path.of("/r")).argv("true").build();
        assertEquals(64, s.id().length());
        assertEquals(s.id().substring(0, 12), s.hostname());
        assertEquals(NetworkMode.NONE, s.network());
        assertEquals(NetworkMode.HOST, NetworkMode.parse("host"));
    }

    @Test
    void privateNetworkGoesByDockersNamesTooAndItsResolvConfKeepsTheHostsSearchDomains() {
        for (String name : List.of("private", "bridge", "default", "BRIDGE")) {
            assertEquals(NetworkMode.PRIVATE, NetworkMode.parse(name));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkMode.parse("macvlan"));
        assertTrue(e.getMessage().contains("use private (or bridge, default), none or host"), e.getMessage());
        assertEquals("search corp.example\noptions edns0\nnameserver 10.0.2.3\n", ContainerRuntime.privateResolvConf(
                "# generated\nnameserver 127.0.0.53\nsearch corp.example\noptions edns0\n"));
    }
}
