package dev.hoist.testdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads just enough of an ELF file to tell its class, machine and whether it asks for an interpreter. Stateless. */
final class Elf {

    static final int PT_INTERP = 3;
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;

    /** What {@link #read} found: 64-bit or not, the {@code e_machine} and whether a {@code PT_INTERP} header exists. */
    record Info(boolean is64Bit, int machine, boolean hasInterpreter) {
        /** True when the file is statically linked, i.e. the kernel loads it without a dynamic loader. */
        boolean isStatic() {
            return !hasInterpreter;
        }
    }

    private Elf() {
    }

    /**
     * Reads the ELF header and program headers of {@code file}.
     *
     * @throws IOException when the file cannot be read or is not an ELF file
     */
    static Info read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel::read, file.toString());
        }
    }

    /** Reads the ELF information of an in-memory image, for generated binaries. */
    static Info read(byte[] image) throws IOException {
        return read(new ByteArrayChannel(image), "ELF image");
    }

    private static Info read(Channel channel, String file) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(64);
        readFully(channel, header, 0);
        if (header.position() < 52 || header.get(0) != 0x7f || header.get(1) != 'E' || header.get(2) != 'L'
                || header.get(3) != 'F') {
            throw new IOException(file + " is not an ELF executable");
        }
        boolean is64 = header.get(4) == 2;
        if (is64 && header.position() < 64) {
            throw new IOException(file + " is truncated inside its ELF header");
        }
        header.order(header.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int machine = Short.toUnsignedInt(header.getShort(18));
        long phoff = is64 ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
        int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 54 : 42));
        int phnum = Short.toUnsignedInt(header.getShort(is64 ? 56 : 44));
        if (phnum == 0) {
            return new Info(is64, machine, false);
        }
        if (phentsize < 4) {
            throw new IOException(file + " has a malformed ELF header (program header size " + phentsize + ")");
        }
        ByteBuffer table = ByteBuffer.allocate(phentsize * phnum).order(header.order());
        readFully(channel, table, phoff);
        if (table.hasRemaining()) {
            throw new IOException(file + " is truncated: its ELF program headers end past the end of the file");
        }
        for (int i = 0; i < phnum; i++) {
            if (table.getInt(i * phentsize) == PT_INTERP) {
                return new Info(is64, machine, true);
            }
        }
        return new Info(is64, machine, false);
    }

    private static void readFully(Channel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                return;
            }
            at += n;
        }
    }

    /** Positional reads from a file or a byte array. */
    private interface Channel {
        int read(ByteBuffer buffer, long position) throws IOException;
    }

    private record ByteArrayChannel(byte[] bytes) implements Channel {
        @Override
        public int read(ByteBuffer buffer, long position) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(buffer.remaining(), bytes.length - position);
            buffer.put(bytes, (int) position, n);
            return n;
        }
    }
}
