/**
 * runtime-min: runs a process in fresh Linux namespaces on an image's root filesystem, for {@code hoist run} and for
 * the builder's RUN steps.
 *
 * <p>{@link dev.hoist.runtime.ContainerRuntime} starts {@code hoist-init} (a static C helper compiled from
 * {@code src/main/c} by the build and shipped in the jar) as a child process; the JVM never changes its own
 * namespaces. The helper joins the container's cgroups, unshares the PID namespace and forks PID 1, which unshares the
 * mount, UTS, IPC and (unless the host network) network namespaces, mounts the overlay (layers + an init layer with
 * the mount points + the caller's upper directory), pivots into it, mounts /proc, read-only /sys, a tmpfs /dev,
 * bind mounts and tmpfs, masks the kernel paths runc masks, sets the hostname, brings up lo, drops to Docker's default
 * capabilities with no_new_privs, switches user and groups (from the image's /etc/passwd and /etc/group) and execs
 * the target. The outer helper stays on the host: it publishes PID 1's pid once the container is set up, forwards
 * signals, records the exit status and OOM kill, and removes the cgroups. With a terminal ({@code -t}) PID 1 opens a
 * pty in the container's devpts for the target and passes its master to the outer helper, which relays it with its
 * own stdin and stdout (raw mode, window size).
 *
 * <p>Values: {@link dev.hoist.runtime.ContainerSpec}, {@link dev.hoist.runtime.Mount},
 * {@link dev.hoist.runtime.Limits}, {@link dev.hoist.runtime.ExitStatus}, {@link dev.hoist.runtime.ContainerState};
 * Docker's command line semantics in {@link dev.hoist.runtime.ProcessSpecs}.
 */
package dev.hoist.runtime;
