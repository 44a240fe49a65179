package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelloWorldTest {

    @Test
    void binaryRunsOnThisMachineAndPrintsTheGreeting(@TempDir Path dir) throws Exception {
        Path hello = HelloWorld.writeContext(dir);
        Process process = new ProcessBuilder(hello.toString()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor());
        assertEquals(HelloWorld.GREETING, output);
        assertTrue(output.startsWith("Hello from hoist!\n"));
    }

    @Test
    void contextHoldsTheDockerfileAndAnExecutableHello(@TempDir Path dir) throws Exception {
        Path hello = HelloWorld.writeContext(dir.resolve("ctx"));
        assertEquals(dir.resolve("ctx/hello"), hello);
        assertEquals("FROM scratch\nCOPY hello /\nCMD [\"/hello\"]\n",
                Files.readString(dir.resolve("ctx/Dockerfile")));
        assertEquals(HelloWorld.dockerfile(), Files.readString(dir.resolve("ctx/Dockerfile")));
        assertEquals(0755, (int) Files.getAttribute(hello, "unix:mode") & 07777);
        assertArrayEquals(HelloWorld.binary(), Files.readAllBytes(hello));
        try (var list = Files.list(dir.resolve("ctx"))) {
            assertEquals(2, list.count());
        }
    }

    @Test
    void amd64CodeIsWriteThenExit() {
        byte[] elf = HelloWorld.binary(HelloWorld.Arch.AMD64);
        // Encodings checked against an assembler: mov eax,1; mov edi,1; mov esi,0x400097; mov edx,93; syscall;
        // mov eax,60; xor edi,edi; syscall.
        assertEquals("b801000000" + "bf01000000" + "be97004000" + "ba5d000000" + "0f05" + "b83c000000" + "31ff" + "0f05",
                HexFormat.of().formatHex(Arrays.copyOfRange(elf, 120, 151)));
        assertEquals(HelloWorld.GREETING, new String(elf, 151, elf.length - 151, StandardCharsets.US_ASCII));
        assertEquals(HelloWorld.BASE + 120, ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).getLong(24),
                "entry point");
    }

    @Test
    void arm64CodeIsWriteThenExitThroughSvc() {
        byte[] elf = HelloWorld.binary(HelloWorld.Arch.ARM64);
        // Encodings checked against an assembler: mov x0,#1; adr x1,#28; mov x2,#93; mov x8,#64; svc #0;
        // mov x0,#0; mov x8,#93; svc #0.
        assertEquals("200080d2" + "e1000010" + "a20b80d2" + "080880d2" + "010000d4" + "000080d2" + "a80b80d2"
                + "010000d4", HexFormat.of().formatHex(Arrays.copyOfRange(elf, 120, 152)));
        assertEquals(HelloWorld.GREETING, new String(elf, 152, elf.length - 152, StandardCharsets.US_ASCII));
        ByteBuffer header = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Elf.EM_AARCH64, header.getShort(18));
        assertEquals(elf.length, header.getLong(64 + 32), "p_filesz covers the whole file");
    }

    @Test
    void archNamesFollowOciAndTheKernel() {
        assertEquals(HelloWorld.Arch.AMD64, HelloWorld.Arch.parse("x86_64"));
        assertEquals(HelloWorld.Arch.AMD64, HelloWorld.Arch.parse("amd64"));
        assertEquals(HelloWorld.Arch.ARM64, HelloWorld.Arch.parse("aarch64"));
        assertEquals("arm64", HelloWorld.Arch.parse("ARM64").ociName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HelloWorld.Arch.parse("riscv64"));
        assertTrue(e.getMessage().contains("amd64"), e.getMessage());
    }
}
