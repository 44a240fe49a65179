package dev.hoist.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build of hoist, from the properties Maven filtered into the jar. */
final class Version {
    private Version() {
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    static String line() {
        return "hoist version " + version() + ", java " + Runtime.version().feature() + ", "
                + System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT) + "/" + System.getProperty("os.arch");
    }
}
