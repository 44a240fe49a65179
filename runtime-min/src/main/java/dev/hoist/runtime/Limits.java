package dev.hoist.runtime;

/**
 * Resource limits of a container, enforced through cgroups (v1 or v2). Zero means no limit.
 *
 * @param memoryBytes     {@code --memory}
 * @param memorySwapBytes {@code --memory-swap}: memory plus swap; 0 (unset) means as much swap as memory, as in
 *                        Docker; equal to memory means no swap; -1 unlimited swap
 * @param cpus            {@code --cpus}, e.g. 0.5
 * @param cpuShares       {@code --cpu-shares} (relative weight, default 1024)
 * @param pidsLimit       {@code --pids-limit}
 */
public record Limits(long memoryBytes, long memorySwapBytes, double cpus, int cpuShares, long pidsLimit) {

    /** No limits at all. */
    public static final Limits NONE = new Limits(0, 0, 0, 0, 0);

    public Limits {
        if (memoryBytes < 0 || cpus < 0 || cpuShares < 0 || pidsLimit < 0 || memorySwapBytes < -1) {
            throw new IllegalArgumentException("limits cannot be negative (memory-swap may be -1 for unlimited)");
        }
        if (memoryBytes > 0 && memoryBytes < 6 * 1024 * 1024) {
            throw new IllegalArgumentException("minimum memory limit allowed is 6MB");
        }
        if (memorySwapBytes != 0 && memoryBytes == 0) {
            throw new IllegalArgumentException("a memory-swap limit needs a memory limit too (--memory)");
        }
        if (memorySwapBytes > 0 && memorySwapBytes < memoryBytes) {
            throw new IllegalArgumentException("memory-swap must be at least the memory limit");
        }
    }

    /** Whether any limit is set. */
    public boolean any() {
        return memoryBytes > 0 || cpus > 0 || cpuShares > 0 || pidsLimit > 0;
    }

    /** These limits with {@code --memory}. */
    public Limits withMemory(long bytes) {
        return new Limits(bytes, memorySwapBytes, cpus, cpuShares, pidsLimit);
    }

    /** These limits with {@code --pids-limit}. */
    public Limits withPidsLimit(long pids) {
        return new Limits(memoryBytes, memorySwapBytes, cpus, cpuShares, pids);
    }

    /** These limits with {@code --cpus}. */
    public Limits withCpus(double value) {
        return new Limits(memoryBytes, memorySwapBytes, value, cpuShares, pidsLimit);
    }

    /**
     * Parses a Docker size such as {@code 512m}, {@code 1g}, {@code 100k} or a plain byte count.
     */
    public static long parseBytes(String size) {
        String s = size.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.round(Double.parseDouble(s) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size '" + size + "': use a number with an optional unit b, k, m or g");
        }
    }
}
