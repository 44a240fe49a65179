package dev.hoist.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.File;
import java.nio.charset.StandardCharsets;

/**
 * A pseudo-terminal for tests, standing in for the user's terminal: the test holds the master (what a terminal
 * emulator holds) and gives the slave's path to the process under test. Output read from the master is collected
 * by a thread.
 */
public final class Pty implements AutoCloseable {

    interface C extends Library {
        C INSTANCE = Native.load("libc.so.6", C.class);

        int posix_openpt(int flags) throws LastErrorException;

        int grantpt(int fd) throws LastErrorException;

        int unlockpt(int fd) throws LastErrorException;

        int ptsname_r(int fd, byte[] buf, long size);

        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, long request, short[] winsize) throws LastErrorException;

        int tcgetattr(int fd, byte[] termios) throws LastErrorException;

        long read(int fd, byte[] buf, long count) throws LastErrorException;

        long write(int fd, byte[] buf, long count) throws LastErrorException;

        int close(int fd);
    }

    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int ECHO = 010;

    private final int master;
    private final int slave;
    private final File slavePath;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;
    private boolean slaveClosed;

    private Pty(int master, int slave, File slavePath) {
        this.master = master;
        this.slave = slave;
        this.slavePath = slavePath;
        this.reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                long n;
                while ((n = C.INSTANCE.read(master, buf, buf.length)) > 0) {
                    output.append(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
                }
            } catch (LastErrorException e) {
                // EIO: the master is closed, or no one holds the slave any more
            }
        }, "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** A new terminal of {@code rows} x {@code cols}. */
    public static Pty open(int rows, int cols) {
        int m = C.INSTANCE.posix_openpt(O_RDWR | O_NOCTTY);
        C.INSTANCE.grantpt(m);
        C.INSTANCE.unlockpt(m);
        byte[] name = new byte[128];
        if (C.INSTANCE.ptsname_r(m, name, name.length) != 0) {
            throw new IllegalStateException("ptsname_r failed");
        }
        String path = Native.toString(name);
        // the test keeps the slave open too, so that the terminal outlives the process under test
        int s = C.INSTANCE.open(path, O_RDWR | O_NOCTTY);
        Pty pty = new Pty(m, s, new File(path));
        pty.resize(rows, cols);
        return pty;
    }

    public File slave() {
        return slavePath;
    }

    public void resize(int rows, int cols) {
        C.INSTANCE.ioctl(master, TIOCSWINSZ, new short[] {(short) rows, (short) cols, 0, 0});
    }

    /** Types {@code text} on the terminal. */
    public void type(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        C.INSTANCE.write(master, b, b.length);
    }

    /** Everything the terminal has shown so far. */
    public String output() {
        return output.toString();
    }

    /** Whether the terminal echoes input (a terminal in raw mode does not); before {@link #finish}. */
    public boolean echoes() {
        byte[] termios = new byte[60];
        C.INSTANCE.tcgetattr(slave, termios);
        int lflag = (termios[12] & 0xff) | (termios[13] & 0xff) << 8 | (termios[14] & 0xff) << 16 | (termios[15] & 0xff) << 24;
        return (lflag & ECHO) != 0;
    }

    /** Waits until the terminal has shown {@code text}. */
    public void await(String text) throws InterruptedException {
        while (!output().contains(text)) {
            Thread.sleep(5);
        }
    }

    /**
     * Everything the terminal showed, once the processes under test have let go of it: the test's own slave is
     * closed, so that the reader sees the end (EIO) after the last byte.
     */
    public String finish() throws InterruptedException {
        if (!slaveClosed) {
            slaveClosed = true;
            C.INSTANCE.close(slave);
        }
        reader.join();
        return output();
    }

    @Override
    public void close() throws InterruptedException {
        finish();
        C.INSTANCE.close(master);
    }
}
