package dev.hoist.registry.client;

import dev.hoist.oci.Reference;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TransportsTest {

    @Test
    void parsesSkopeoTransports() {
        assertEquals(new Transports.Registry(Reference.parse("127.0.0.1:5000/a/b:v1")),
                Transports.parse("docker://127.0.0.1:5000/a/b:v1"));
        assertEquals(new Transports.OciLayout(Path.of("/tmp/x"), "bench"), Transports.parse("oci:/tmp/x:bench"));
        assertEquals(new Transports.OciLayout(Path.of("dir"), null), Transports.parse("oci:dir"));
        assertEquals(new Transports.OciArchive(Path.of("a.tar"), "v1"), Transports.parse("oci-archive:a.tar:v1"));
        assertEquals(new Transports.DockerArchive(Path.of("d.tar"), Reference.parse("busybox:1")),
                Transports.parse("docker-archive:d.tar:busybox:1"));
        assertEquals(new Transports.DockerArchive(Path.of("d.tar"), null), Transports.parse("docker-archive:d.tar"));
        assertEquals(new Transports.Store("busybox"), Transports.parse("hoist:busybox"));
        assertThrows(IllegalArgumentException.class, () -> Transports.parse("busybox"));
        assertThrows(IllegalArgumentException.class, () -> Transports.parse("docker:busybox"));
    }
}
