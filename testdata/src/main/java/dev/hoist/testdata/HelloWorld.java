package dev.hoist.testdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The build context of a hello-world image like Docker's classic one ({@code FROM scratch}, {@code COPY hello /},
 * {@code CMD ["/hello"]}), whose {@code hello} is a tiny static ELF executable generated here, byte by byte, for
 * x86-64 or AArch64 Linux: it writes {@link #GREETING} to standard output and exits 0. Stateless and thread-safe.
 */
public final class HelloWorld {

    /** What the {@code hello} binary prints. */
    public static final String GREETING =
            "Hello from hoist!\nThis message shows that your installation appears to be working correctly.\n";

    /** The name of the context in {@link Contexts} that holds the Dockerfile. */
    public static final String CONTEXT = "hello";

    /** The name of the binary in the context, and its path in the image. */
    public static final String BINARY_NAME = "hello";

    /** The CPU architectures {@link #binary(Arch)} can generate code for. */
    public enum Arch {
        /** x86-64, OCI {@code amd64}. */
        AMD64("amd64", Elf.EM_X86_64, 0x1000),
        /** AArch64, OCI {@code arm64}. */
        ARM64("arm64", Elf.EM_AARCH64, 0x10000);

        private final String ociName;
        private final int elfMachine;
        private final int pageAlign;

        Arch(String ociName, int elfMachine, int pageAlign) {
            this.ociName = ociName;
            this.elfMachine = elfMachine;
            this.pageAlign = pageAlign;
        }

        /** The architecture's name in OCI platforms: {@code amd64} or {@code arm64}. */
        public String ociName() {
            return ociName;
        }

        /** The {@code e_machine} of its ELF files. */
        public int elfMachine() {
            return elfMachine;
        }

        /**
         * Parses an OCI or kernel architecture name: {@code amd64}, {@code x86_64}, {@code arm64} or
         * {@code aarch64}.
         *
         * @throws IllegalArgumentException for any other name
         */
        public static Arch parse(String name) {
            return switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "amd64", "x86_64", "x86-64" -> AMD64;
                case "arm64", "aarch64" -> ARM64;
                default -> throw new IllegalArgumentException("no hello binary for architecture \"" + name
                        + "\": expected amd64 (x86_64) or arm64 (aarch64)");
            };
        }

        /**
         * The architecture of the machine running this JVM.
         *
         * @throws IllegalStateException when it is neither x86-64 nor AArch64
         */
        public static Arch current() {
            String arch = System.getProperty("os.arch");
            try {
                return parse(arch);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("this machine's architecture (" + arch + ") is not supported by the "
                        + "hello-world fixture; only amd64 and arm64 are", e);
            }
        }
    }

    /** Virtual address of the single loadable segment, which maps the whole file. */
    static final long BASE = 0x400000L;
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int CODE_OFFSET = EHDR_SIZE + PHDR_SIZE;

    private HelloWorld() {
    }

    /** The {@code hello} executable for the machine running this JVM. */
    public static byte[] binary() {
        return binary(Arch.current());
    }

    /** The {@code hello} executable for {@code arch}: a static ELF64 file of under 300 bytes. */
    public static byte[] binary(Arch arch) {
        byte[] message = GREETING.getBytes(StandardCharsets.US_ASCII);
        byte[] code = switch (arch) {
            case AMD64 -> amd64Code(message.length);
            case ARM64 -> arm64Code(message.length);
        };
        int size = CODE_OFFSET + code.length + message.length;
        ByteBuffer elf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        // ELF header
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */,
                0 /* System V ABI */});
        elf.put(new byte[8]); // ABI version and padding
        elf.putShort((short) 2); // e_type: ET_EXEC
        elf.putShort((short) arch.elfMachine());
        elf.putInt(1); // e_version
        elf.putLong(BASE + CODE_OFFSET); // e_entry
        elf.putLong(EHDR_SIZE); // e_phoff
        elf.putLong(0); // e_shoff: no section headers
        elf.putInt(0); // e_flags
        elf.putShort((short) EHDR_SIZE);
        elf.putShort((short) PHDR_SIZE);
        elf.putShort((short) 1); // e_phnum
        elf.putShort((short) 64); // e_shentsize
        elf.putShort((short) 0); // e_shnum
        elf.putShort((short) 0); // e_shstrndx
        // One PT_LOAD program header mapping the whole file read + execute.
        elf.putInt(1); // p_type: PT_LOAD
        elf.putInt(5); // p_flags: PF_R | PF_X
        elf.putLong(0); // p_offset
        elf.putLong(BASE); // p_vaddr
        elf.putLong(BASE); // p_paddr
        elf.putLong(size); // p_filesz
        elf.putLong(size); // p_memsz
        elf.putLong(arch.pageAlign); // p_align
        elf.put(code);
        elf.put(message);
        return elf.array();
    }

    /** The context's Dockerfile, as in the {@code hello} context resource. */
    public static String dockerfile() throws IOException {
        return Contexts.read(CONTEXT, "Dockerfile");
    }

    /**
     * Writes the hello-world context into {@code dir} (created if missing): the {@code Dockerfile} and the
     * {@code hello} binary for this machine with mode 0755.
     *
     * @return the path of the {@code hello} binary written
     */
    public static Path writeContext(Path dir) throws IOException {
        return writeContext(dir, Arch.current());
    }

    /** Writes the hello-world context into {@code dir}, with the {@code hello} binary for {@code arch}. */
    public static Path writeContext(Path dir, Arch arch) throws IOException {
        Contexts.copyTo(CONTEXT, dir);
        Path hello = dir.resolve(BINARY_NAME);
        Files.write(hello, binary(arch));
        Files.setAttribute(hello, "unix:mode", 0755);
        return hello;
    }

    // x86-64: write(1, msg, len); exit(0). The message follows the code; its absolute address fits in 32 bits.
    private static byte[] amd64Code(int length) {
        int codeLength = 31;
        int messageAddress = (int) (BASE + CODE_OFFSET + codeLength);
        ByteBuffer code = ByteBuffer.allocate(codeLength).order(ByteOrder.LITTLE_ENDIAN);
        code.put((byte) 0xb8).putInt(1); // mov eax, 1 (write)
        code.put((byte) 0xbf).putInt(1); // mov edi, 1 (stdout)
        code.put((byte) 0xbe).putInt(messageAddress); // mov esi, msg
        code.put((byte) 0xba).putInt(length); // mov edx, len
        code.put((byte) 0x0f).put((byte) 0x05); // syscall
        code.put((byte) 0xb8).putInt(60); // mov eax, 60 (exit)
        code.put((byte) 0x31).put((byte) 0xff); // xor edi, edi
        code.put((byte) 0x0f).put((byte) 0x05); // syscall
        if (code.hasRemaining()) {
            throw new AssertionError("amd64 code length mismatch");
        }
        return code.array();
    }

    // AArch64: write(1, msg, len) is syscall 64, exit(0) is syscall 93, both through svc #0. msg is PC-relative.
    private static byte[] arm64Code(int length) {
        int[] words = new int[8];
        words[0] = movz(0, 1); // mov x0, #1 (stdout)
        words[1] = adr(1, (words.length - 1) * 4); // adr x1, msg (msg follows the 8 instructions)
        words[2] = movz(2, length); // mov x2, #len
        words[3] = movz(8, 64); // mov x8, #64 (write)
        words[4] = 0xd4000001; // svc #0
        words[5] = movz(0, 0); // mov x0, #0
        words[6] = movz(8, 93); // mov x8, #93 (exit)
        words[7] = 0xd4000001; // svc #0
        ByteBuffer code = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int word : words) {
            code.putInt(word);
        }
        return code.array();
    }

    private static int movz(int register, int imm16) {
        if (imm16 < 0 || imm16 > 0xffff) {
            throw new IllegalArgumentException("immediate out of range: " + imm16);
        }
        return 0xd2800000 | (imm16 << 5) | register;
    }

    private static int adr(int register, int offset) {
        return 0x10000000 | ((offset & 3) << 29) | (((offset >> 2) & 0x7ffff) << 5) | register;
    }
}
