package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfTest {

    @Test
    void busyboxStaticHasNoInterpreter() throws IOException {
        Elf.Info info = Elf.read(Busybox.SYSTEM_BINARY);
        assertTrue(info.is64Bit());
        assertTrue(info.isStatic());
    }

    @Test
    void theJavaLauncherIsDynamicallyLinked() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        assertTrue(Elf.read(java).hasInterpreter());
    }

    @Test
    void generatedBinariesAreStaticForTheirMachine() throws IOException {
        Elf.Info amd64 = Elf.read(HelloWorld.binary(HelloWorld.Arch.AMD64));
        assertEquals(new Elf.Info(true, Elf.EM_X86_64, false), amd64);
        Elf.Info arm64 = Elf.read(HelloWorld.binary(HelloWorld.Arch.ARM64));
        assertEquals(new Elf.Info(true, Elf.EM_AARCH64, false), arm64);
    }

    @Test
    void nonElfAndTruncatedFilesAreRejected(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("text"), "#!/bin/sh\n");
        assertThrows(IOException.class, () -> Elf.read(text));
        byte[] hello = HelloWorld.binary(HelloWorld.Arch.AMD64);
        assertThrows(IOException.class, () -> Elf.read(Arrays.copyOf(hello, 40)));
        assertThrows(IOException.class, () -> Elf.read(Arrays.copyOf(hello, 80)), "program header cut short");
        assertFalse(Elf.read(Arrays.copyOf(hello, 120)).hasInterpreter(), "headers complete");
    }
}
