/*
 * hoist-init: the single-threaded helper that hoist's JVM spawns to run one container.
 * Usage: hoist-init CONFIG   (CONFIG: records "key=value\0", written by dev.hoist.runtime.HelperConfig)
 * Outer process: joins the cgroups, unshares the namespaces, forks PID 1, forwards signals, exits with
 * PID 1's status (128+signal when killed). PID 1: mounts the rootfs, pivot_root, /proc /sys /dev,
 * masks kernel paths, drops capabilities, switches user, execs the target (or reaps under it with init=1).
 * With tty=1 the container (or exec) side opens a pseudo-terminal in the container's devpts, makes it the target's
 * controlling terminal and passes the master to the outer process, which relays it with its own stdin (stdin=1,
 * in raw mode when that is a terminal) and stdout, and copies the window size (at start and on SIGWINCH).
 * With network=private the outer process starts slirp4netns on the container's network namespace once the container
 * is set up, and lets it exec its target only when slirp4netns says the network is configured; slirp4netns ends
 * with the container (its exit fd closes) and is reaped here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/capability.h>

#define MAXN 4096
static char *argv_t[MAXN]; static int argc_t;
static char *env_t[MAXN]; static int envc_t;
static char *lowers[MAXN]; static int nlowers;
static char *cgroups[64]; static int ncgroups;
struct mnt { char kind; int ro; char *src; char *dst; char *opts; int fd; };
static struct mnt mounts[256]; static int nmounts;
static char *rootfs, *upper, *work, *hostname, *user, *cwd = "/", *errfile, *pidfile, *statusfile, *netmode = "none";
static char *slirp_path, *slirp_log;
static char *removals[8]; static int nremovals;   /* removed once the container has ended (run -d --rm) */
static int exec_fd = -1;           /* write end of a close-on-exec pipe: it closes when the target's exec succeeds */
static int volatile_upper, readonly_root, use_init, new_session, errfd = -1, exec_pid, use_tty, interactive;

static void die(const char *fmt, ...) {
    char buf[2048]; va_list ap; va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 2, fmt, ap); va_end(ap);
    if (n < 0) n = 0;
    if (n > (int) sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    if (exec_fd >= 0) { if (write(exec_fd, "x", 1) < 0) {} }   /* the container failed before its exec */
    if (errfd >= 0) { if (write(errfd, buf, n) < 0) {} }
    else if (write(2, buf, n) < 0) {}
    _exit(125);
}
#define CHECK(x, ...) do { if ((x) < 0) die(__VA_ARGS__); } while (0)

static void read_config(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("hoist-init: cannot open config %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0; char *buf = malloc(cap);
    for (;;) {
        if (len == cap) buf = realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) die("hoist-init: read config: %s", strerror(errno));
        if (r == 0) break;
        len += r;
    }
    close(fd);
    buf = realloc(buf, len + 1); buf[len] = 0;
    for (size_t i = 0; i < len;) {
        char *rec = buf + i; size_t rl = strlen(rec); i += rl + 1;
        char *eq = strchr(rec, '='); if (!eq) continue; *eq = 0; char *v = eq + 1;
        if (!strcmp(rec, "arg")) { if (argc_t < MAXN - 1) argv_t[argc_t++] = v; }
        else if (!strcmp(rec, "env")) { if (envc_t < MAXN - 1) env_t[envc_t++] = v; }
        else if (!strcmp(rec, "lower")) { if (nlowers < MAXN) lowers[nlowers++] = v; }
        else if (!strcmp(rec, "cgroup")) { if (ncgroups < 64) cgroups[ncgroups++] = v; }
        else if (!strcmp(rec, "rootfs")) rootfs = v;
        else if (!strcmp(rec, "upper")) upper = v;
        else if (!strcmp(rec, "work")) work = v;
        else if (!strcmp(rec, "hostname")) hostname = v;
        else if (!strcmp(rec, "user")) user = v;
        else if (!strcmp(rec, "cwd")) cwd = v;
        else if (!strcmp(rec, "errfile")) errfile = v;
        else if (!strcmp(rec, "pidfile")) pidfile = v;
        else if (!strcmp(rec, "statusfile")) statusfile = v;
        else if (!strcmp(rec, "exec-target")) exec_pid = atoi(v);
        else if (!strcmp(rec, "setsid")) new_session = !strcmp(v, "1");
        else if (!strcmp(rec, "remove")) { if (nremovals < 8) removals[nremovals++] = v; }
        else if (!strcmp(rec, "network")) netmode = v;
        else if (!strcmp(rec, "slirp4netns")) slirp_path = v;
        else if (!strcmp(rec, "slirp4netns-log")) slirp_log = v;
        else if (!strcmp(rec, "readonly")) readonly_root = !strcmp(v, "1");
        else if (!strcmp(rec, "volatile")) volatile_upper = !strcmp(v, "1");
        else if (!strcmp(rec, "init")) use_init = !strcmp(v, "1");
        else if (!strcmp(rec, "tty")) use_tty = !strcmp(v, "1");
        else if (!strcmp(rec, "stdin")) interactive = !strcmp(v, "1");
        else if (!strcmp(rec, "mount")) {
            /* kind(b|t) ro(0|1) \t src \t dst \t opts */
            if (nmounts >= 256) die("hoist-init: too many mounts");
            struct mnt *m = &mounts[nmounts++];
            m->kind = v[0]; m->ro = v[1] == '1'; m->fd = -1;
            char *p = v + 3; m->src = p; p = strchr(p, '\t'); if (!p) die("bad mount record"); *p++ = 0;
            m->dst = p; p = strchr(p, '\t'); if (!p) die("bad mount record"); *p++ = 0; m->opts = p;
        }
    }
    argv_t[argc_t] = NULL; env_t[envc_t] = NULL;
    if ((!rootfs && !exec_pid) || argc_t == 0) die("hoist-init: config lacks rootfs or arg");
    if (!strcmp(netmode, "private") && (!slirp_path || !slirp_log)) die("hoist-init: config lacks slirp4netns for network=private");
}

static void write_file(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("hoist-init: open %s: %s", path, strerror(errno));
    if (write(fd, s, strlen(s)) < 0) die("hoist-init: write %s: %s", path, strerror(errno));
    close(fd);
}

/* mkdir -p inside the current root (the container's after pivot_root). */
static void mkdirs(const char *path, mode_t mode) {
    char buf[PATH_MAX]; snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p; *p = 0;
            if (mkdir(buf, mode) < 0 && errno != EEXIST) die("hoist: cannot create directory %s in the container: %s", buf, strerror(errno));
            *p = c; if (!c) break;
        }
    }
}

static void no_symlink(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        die("hoist: the image's %s is a symbolic link; refusing to mount over it (a hostile or broken image)", path);
}

/* Follows symbolic links in the last component of a mount destination, as runc does; called after pivot_root, so
 * that every link resolves inside the container (an absolute target is the container's path, never the host's). */
static void resolve_destination(const char *dst, char *out, size_t size) {
    snprintf(out, size, "%s", dst);
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        if (lstat(out, &st) < 0 || !S_ISLNK(st.st_mode)) return;
        char target[PATH_MAX]; ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0) die("hoist: read the link %s in the container: %s", out, strerror(errno));
        target[n] = 0;
        char next[2 * PATH_MAX];
        if (target[0] == '/') snprintf(next, sizeof next, "%s", target);
        else {
            char *slash = strrchr(out, '/');
            snprintf(next, sizeof next, "%.*s/%s", (int) (slash - out), out, target);
        }
        if (strlen(next) >= size) die("hoist: the mount destination %s leads to a path too long", dst);
        memcpy(out, next, strlen(next) + 1);
    }
    die("hoist: the mount destination %s is a chain of too many symbolic links in the image", dst);
}

/* Mount options as runc parses them: the flags mount(2) takes as MS_* bits set or clear them, in order; the rest
 * (size=, mode=, uid=, nr_inodes=...) is the filesystem's data, passed on as it is. */
static const struct { const char *name; int clear; unsigned long flag; } mount_flags[] = {
    { "defaults", 0, 0 }, { "ro", 0, MS_RDONLY }, { "rw", 1, MS_RDONLY }, { "nosuid", 0, MS_NOSUID }, { "suid", 1, MS_NOSUID },
    { "nodev", 0, MS_NODEV }, { "dev", 1, MS_NODEV }, { "noexec", 0, MS_NOEXEC }, { "exec", 1, MS_NOEXEC },
    { "sync", 0, MS_SYNCHRONOUS }, { "async", 1, MS_SYNCHRONOUS }, { "dirsync", 0, MS_DIRSYNC },
    { "mand", 0, MS_MANDLOCK }, { "nomand", 1, MS_MANDLOCK }, { "noatime", 0, MS_NOATIME }, { "atime", 1, MS_NOATIME },
    { "nodiratime", 0, MS_NODIRATIME }, { "diratime", 1, MS_NODIRATIME }, { "relatime", 0, MS_RELATIME },
    { "norelatime", 1, MS_RELATIME }, { "strictatime", 0, MS_STRICTATIME }, { "nostrictatime", 1, MS_STRICTATIME },
    { NULL, 0, 0 } };

static unsigned long parse_mount_options(const char *opts, unsigned long flags, char *data, size_t size) {
    size_t used = 0;
    data[0] = 0;
    char copy[4096]; snprintf(copy, sizeof copy, "%s", opts);
    for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (mount_flags[i].name && strcmp(mount_flags[i].name, o)) i++;
        if (mount_flags[i].name) {
            if (mount_flags[i].clear) flags &= ~mount_flags[i].flag; else flags |= mount_flags[i].flag;
            continue;
        }
        int n = snprintf(data + used, size - used, "%s%s", used ? "," : "", o);
        if (n < 0 || (size_t) n >= size - used) die("hoist: mount options too long: %s", opts);
        used += (size_t) n;
    }
    return flags;
}

static void ensure_target(const char *dst, int is_dir) {
    struct stat st;
    if (stat(dst, &st) == 0) return;
    char parent[PATH_MAX]; snprintf(parent, sizeof parent, "%s", dst);
    char *slash = strrchr(parent, '/'); if (slash && slash != parent) { *slash = 0; mkdirs(parent, 0755); }
    if (is_dir) mkdirs(dst, 0755);
    else { int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644); if (fd < 0) die("hoist: cannot create mount point %s: %s", dst, strerror(errno)); close(fd); }
}

static void remount_ro(const char *path, unsigned long extra) {
    if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL) < 0) {
        /* some filesystems need the flags they already have (nosuid, nodev...) */
        if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            die("hoist: cannot make %s read-only: %s", path, strerror(errno));
    }
}

static void mknod_dev(const char *path, int maj, int min) {
    if (mknod(path, S_IFCHR | 0666, makedev(maj, min)) < 0) die("hoist: mknod %s: %s", path, strerror(errno));
    chmod(path, 0666);
}

static void setup_dev(void) {
    no_symlink("/dev");
    mkdirs("/dev", 0755);
    CHECK(mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"), "hoist: mount /dev: %s", strerror(errno));
    mode_t old = umask(0);
    mknod_dev("/dev/null", 1, 3); mknod_dev("/dev/zero", 1, 5); mknod_dev("/dev/full", 1, 7);
    mknod_dev("/dev/random", 1, 8); mknod_dev("/dev/urandom", 1, 9); mknod_dev("/dev/tty", 5, 0);
    mkdir("/dev/pts", 0755); mkdir("/dev/shm", 01777); mkdir("/dev/mqueue", 0755);
    umask(old);
    CHECK(mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"), "hoist: mount /dev/pts: %s", strerror(errno));
    CHECK(symlink("pts/ptmx", "/dev/ptmx"), "hoist: /dev/ptmx: %s", strerror(errno));
    CHECK(mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"), "hoist: mount /dev/shm: %s", strerror(errno));
    mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    symlink("/proc/self/fd", "/dev/fd"); symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout"); symlink("/proc/self/fd/2", "/dev/stderr");
    symlink("/proc/kcore", "/dev/core");
}

static const char *masked[] = { "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap", NULL };
static const char *readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

/* ---- the container's own cgroups at /sys/fs/cgroup, read-only, as Docker gives them (JVMs, Go and Node read their
 * limits there) ---- */
static int cgroup_fds[64];
static int cgroup_v2;

/* Before pivot_root: a detached copy of each of the container's cgroup directories (host paths). */
static void open_cgroups(void) {
    struct statfs sf;
    cgroup_v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */;
    for (int i = 0; i < ncgroups; i++) {
        cgroup_fds[i] = (int) syscall(SYS_open_tree, AT_FDCWD, cgroups[i], 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
        if (cgroup_fds[i] < 0) die("hoist: open the container's cgroup %s: %s", cgroups[i], strerror(errno));
    }
}

/* After /sys is mounted: on cgroup v1 (a tmpfs of controller hierarchies on the host) a tmpfs with each controller's
 * directory bound at /sys/fs/cgroup/CONTROLLER, as Docker does without a cgroup namespace; on v2 the container's
 * unified directory bound at /sys/fs/cgroup itself. Only the controllers hoist made a cgroup for (the limited ones). */
static void mount_cgroups(void) {
    if (ncgroups == 0) return;
    if (cgroup_v2) {
        CHECK(syscall(SYS_move_mount, cgroup_fds[0], "", AT_FDCWD, "/sys/fs/cgroup", 4 /* MOVE_MOUNT_F_EMPTY_PATH */),
              "hoist: mount the container's cgroup on /sys/fs/cgroup: %s", strerror(errno));
        remount_ro("/sys/fs/cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        close(cgroup_fds[0]);
        return;
    }
    CHECK(mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
          "hoist: mount a tmpfs on /sys/fs/cgroup: %s", strerror(errno));
    for (int i = 0; i < ncgroups; i++) {
        /* /sys/fs/cgroup/CONTROLLER/... on the host: the controller is the component after /sys/fs/cgroup/ */
        const char *rest = cgroups[i] + strlen("/sys/fs/cgroup/");
        if (strncmp(cgroups[i], "/sys/fs/cgroup/", strlen("/sys/fs/cgroup/")) || !strchr(rest, '/')) continue;
        char dst[PATH_MAX]; snprintf(dst, sizeof dst, "/sys/fs/cgroup/%.*s", (int) (strchr(rest, '/') - rest), rest);
        CHECK(mkdir(dst, 0755), "hoist: mkdir %s: %s", dst, strerror(errno));
        CHECK(syscall(SYS_move_mount, cgroup_fds[i], "", AT_FDCWD, dst, 4 /* MOVE_MOUNT_F_EMPTY_PATH */),
              "hoist: mount the container's cgroup on %s: %s", dst, strerror(errno));
        remount_ro(dst, MS_NOSUID | MS_NODEV | MS_NOEXEC);
        close(cgroup_fds[i]);
    }
    remount_ro("/sys/fs/cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static void mask_paths(void) {
    for (int i = 0; masked[i]; i++) {
        struct stat st;
        if (stat(masked[i], &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL);
        else mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
    }
    for (int i = 0; readonly_paths[i]; i++) {
        struct stat st;
        if (stat(readonly_paths[i], &st) < 0) continue;
        if (mount(readonly_paths[i], readonly_paths[i], NULL, MS_BIND | MS_REC, NULL) == 0)
            remount_ro(readonly_paths[i], MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
}

static void lo_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("hoist: socket: %s", strerror(errno));
    struct ifreq ifr; memset(&ifr, 0, sizeof ifr); strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr), "hoist: lo flags: %s", strerror(errno));
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    CHECK(ioctl(s, SIOCSIFFLAGS, &ifr), "hoist: bring lo up: %s", strerror(errno));
    close(s);
}

/* ---- user resolution in the container's /etc/passwd and /etc/group ---- */
static int all_digits(const char *s) { if (!*s) return 0; for (; *s; s++) if (*s < '0' || *s > '9') return 0; return 1; }

static uid_t uid; static gid_t gid; static gid_t groups[NGROUPS_MAX]; static int ngroups; static char home[PATH_MAX] = "/";
static char username[256];

#define DB_MAX_BYTES (16 << 20)   /* a user database larger than this is not one */
#define DB_MAX_LINE 65536         /* runc's limit (a bufio.Scanner token): Docker fails with "token too long" */
static char db_line[DB_MAX_LINE + 2];

/* Opens the image's /etc/passwd or /etc/group, called after pivot_root (links resolve in the container, never on
 * the host). Only a regular file is opened: a FIFO would block and a device (a link to /dev/zero) never end, so the
 * file is looked at through an O_PATH descriptor first, then reopened for reading. NULL when there is none. */
static FILE *open_db(const char *path) {
    int pfd = open(path, O_PATH | O_CLOEXEC);
    if (pfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return NULL;
        die("hoist: cannot open the image's %s: %s", path, strerror(errno));
    }
    struct stat st;
    CHECK(fstat(pfd, &st), "hoist: stat the image's %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) die("hoist: the image's %s is not a regular file; cannot look up users in it", path);
    if (st.st_size > DB_MAX_BYTES) die("hoist: the image's %s is larger than %d MiB; cannot look up users in it", path, DB_MAX_BYTES >> 20);
    char reopen[64]; snprintf(reopen, sizeof reopen, "/proc/self/fd/%d", pfd);
    int fd = open(reopen, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) die("hoist: cannot open the image's %s: %s", path, strerror(errno));
    close(pfd);
    FILE *f = fdopen(fd, "r");
    if (!f) die("hoist: cannot read the image's %s: %s", path, strerror(errno));
    return f;
}

/* The next line of a user database without its newline, or NULL at its end; a line longer than runc reads, or a
 * file that grew past the size limit while being read, is an error. */
static char *next_line(FILE *f, const char *path, long *total) {
    if (!fgets(db_line, sizeof db_line, f)) {
        if (ferror(f)) die("hoist: read the image's %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t n = strlen(db_line);
    *total += (long) n;
    if (*total > DB_MAX_BYTES) die("hoist: the image's %s is larger than %d MiB; cannot look up users in it", path, DB_MAX_BYTES >> 20);
    if (n == sizeof db_line - 1 && db_line[n - 1] != '\n')
        die("hoist: the image's %s has a line longer than %d bytes; cannot look up users in it", path, DB_MAX_LINE);
    if (n > 0 && db_line[n - 1] == '\n') db_line[n - 1] = 0;
    return db_line;
}

/* Splits a database line at ':' into at most `max` fields; returns how many it has. */
static int split_fields(char *line, char **fields, int max) {
    int n = 0; char *p = line;
    while (n < max) { fields[n++] = p; p = strchr(p, ':'); if (!p) break; *p++ = 0; }
    return n;
}

/* Resolves USER (name|uid[:group|gid]) as runc does: the passwd entry gives uid, primary gid and HOME (looked up
 * only when a name, HOME or the supplementary groups need it); an explicit group sets the primary gid and, as in
 * runc, then no supplementary groups are added from /etc/group; otherwise the user's memberships are. */
static void resolve_user(int has_home) {
    uid = 0; gid = 0; ngroups = 0;
    char spec[512]; snprintf(spec, sizeof spec, "%s", user && *user ? user : "0");
    char *grp = strchr(spec, ':'); if (grp) *grp++ = 0;
    int group_given = grp && *grp;
    int found = 0, uid_numeric = all_digits(spec);
    if (uid_numeric) uid = (uid_t) strtoul(spec, NULL, 10);
    FILE *f = !uid_numeric || !has_home || !group_given ? open_db("/etc/passwd") : NULL;
    if (f) {
        long total = 0; char *line;
        while ((line = next_line(f, "/etc/passwd", &total))) {
            char *fields[7]; int n = split_fields(line, fields, 7);
            if (n < 7 || !all_digits(fields[2]) || !all_digits(fields[3])) continue;
            uid_t fu = (uid_t) strtoul(fields[2], NULL, 10);
            if ((uid_numeric && fu == uid) || (!uid_numeric && !strcmp(fields[0], spec))) {
                uid = fu; gid = (gid_t) strtoul(fields[3], NULL, 10);
                snprintf(home, sizeof home, "%s", *fields[5] ? fields[5] : "/");
                snprintf(username, sizeof username, "%s", fields[0]);
                found = 1; break;
            }
        }
        fclose(f);
    }
    if (!found && !uid_numeric) die("hoist: unable to find user %s: no matching entries in the image's /etc/passwd", spec);
    int gid_set = 0;
    if (group_given && all_digits(grp)) { gid = (gid_t) strtoul(grp, NULL, 10); gid_set = 1; }
    f = (group_given && !gid_set) || (!group_given && *username) ? open_db("/etc/group") : NULL;
    if (f) {
        long total = 0; char *line;
        while ((line = next_line(f, "/etc/group", &total))) {
            char *fields[4]; int n = split_fields(line, fields, 4);
            if (n < 4 || !all_digits(fields[2])) continue;
            gid_t g = (gid_t) strtoul(fields[2], NULL, 10);
            if (group_given) {
                if (!strcmp(fields[0], grp)) { gid = g; gid_set = 1; break; }
                continue;
            }
            for (char *m = strtok(fields[3], ","); m; m = strtok(NULL, ","))
                if (!strcmp(m, username) && ngroups < NGROUPS_MAX) { groups[ngroups++] = g; break; }
        }
        fclose(f);
    }
    if (group_given && !gid_set) die("hoist: unable to find group %s: no matching entries in the image's /etc/group", grp);
    /* As Docker (containerd's additional gids): the primary group comes first in the supplementary list. */
    int has_primary = 0;
    for (int i = 0; i < ngroups; i++) if (groups[i] == gid) has_primary = 1;
    if (!has_primary && ngroups < NGROUPS_MAX) {
        memmove(groups + 1, groups, (size_t) ngroups * sizeof groups[0]);
        groups[0] = gid; ngroups++;
    }
}

/* Docker's default capability set. */
static const int default_caps[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
    CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE, -1 };

static void drop_caps(void) {
    unsigned long long keep = 0;
    for (int i = 0; default_caps[i] >= 0; i++) keep |= 1ULL << default_caps[i];
    for (int c = 0; c <= 63; c++) {
        if (keep & (1ULL << c)) continue;
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) break; /* past the kernel's last cap */
        CHECK(prctl(PR_CAPBSET_DROP, c, 0, 0, 0), "hoist: drop capability %d: %s", c, strerror(errno));
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].effective = d[0].permitted = (unsigned) keep; /* inheritable empty, as Docker since 20.10.14 */
    d[1].effective = d[1].permitted = (unsigned) (keep >> 32);
    CHECK(syscall(SYS_capset, &h, d), "hoist: capset: %s", strerror(errno));
}


static volatile pid_t forward_to;
static int attached_to_caller;   /* in the caller's session and process group: not a detached container */

/* Forwards a signal to the container as it is. Not forwarded: what this process raised itself (SIGPIPE on a write to a
 * closed pipe), and, when attached, what a terminal sent the whole foreground process group (Ctrl-C, Ctrl-Z, a
 * resize, a hang-up), which the caller got as well: hoist run forwards those itself, as docker run's signal proxy
 * does, and other callers end the container when they end. SIGQUIT is the exception: the JVM keeps it for itself. */
static void forward(int sig, siginfo_t *info, void *context) {
    (void) context;
    if (info->si_code == SI_USER && info->si_pid == getpid()) return;
    if (attached_to_caller && info->si_code == SI_KERNEL && sig != SIGQUIT) return;
    if (forward_to > 0) kill(forward_to, sig);
}

/* Every catchable signal is forwarded, job control's included (as docker run's proxy and tini do); only the ones that
 * report this process's own faults, and SIGCHLD, are left as they are. */
static void install_forwarding(void) {
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = forward; sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD || s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE) continue;
        sigaction(s, &sa, NULL);
    }
}

static void reset_signals(void) {
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL);
}

static int status_code(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 125;
}

static pid_t fork_blocked(void) {
    sigset_t all, old; sigfillset(&all); sigprocmask(SIG_BLOCK, &all, &old);
    pid_t p = fork();
    if (p == 0) { reset_signals(); return 0; }
    if (p > 0) forward_to = p;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return p;
}

/* ---- pseudo-terminal ---- */
static int tty_sock[2] = { -1, -1 };   /* [0]: the outer process receives the master; [1]: the container sends it */
static int tty_slave = -1;

static void send_fd(int sock, int fd) {
    char byte = 't';
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    while (sendmsg(sock, &msg, 0) < 0) if (errno != EINTR) die("hoist: pass the terminal: %s", strerror(errno));
}

/* The master of the container's terminal, or -1 when the container side exited before sending it. */
static int recv_fd(int sock) {
    char byte;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    ssize_t n;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    if (n <= 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd; memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* In the container, after /dev/pts is mounted: opens a terminal there, hands its master to the outer process and
 * waits until that has set the window size, so that the target sees the right size from its first instruction. */
static void setup_tty(void) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) die("hoist: open a terminal (/dev/ptmx) in the container: %s", strerror(errno));
    int unlock = 0, n;
    CHECK(ioctl(m, TIOCSPTLCK, &unlock), "hoist: unlock the terminal: %s", strerror(errno));
    CHECK(ioctl(m, TIOCGPTN, &n), "hoist: terminal number: %s", strerror(errno));
    char path[64]; snprintf(path, sizeof path, "/dev/pts/%d", n);
    tty_slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_slave < 0) die("hoist: open %s: %s", path, strerror(errno));
    send_fd(tty_sock[1], m);
    close(m);
    char ack;
    ssize_t r;
    while ((r = read(tty_sock[1], &ack, 1)) < 0 && errno == EINTR) {}
    if (r != 1) _exit(137);   /* the outer process is gone */
    close(tty_sock[1]); tty_sock[1] = -1;
}

/* In the process about to exec the target: the terminal becomes its controlling terminal and its stdio. */
static void attach_tty(void) {
    if (tty_slave < 0) return;
    if (getsid(0) != getpid()) CHECK(setsid(), "hoist: setsid: %s", strerror(errno));
    CHECK(ioctl(tty_slave, TIOCSCTTY, 0), "hoist: make the terminal the controlling terminal: %s", strerror(errno));
    for (int fd = 0; fd <= 2; fd++) CHECK(dup2(tty_slave, fd), "hoist: dup2: %s", strerror(errno));
    if (tty_slave > 2) close(tty_slave);
    tty_slave = -1;
}

static struct termios saved_termios;
static int raw_fd = -1;

static void restore_terminal(void) {
    if (raw_fd >= 0) { tcsetattr(raw_fd, TCSADRAIN, &saved_termios); raw_fd = -1; }
}

static void copy_winsize(int master) {
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

static void write_all(int fd, const char *buf, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) { if (errno == EINTR) continue; return; }
        buf += w; n -= w;
    }
}

static int wait_child(pid_t child, pid_t jvm, int attached);

/* The outer side of a terminal: relays until the child exits, then drains what it wrote last. */
static int relay_tty(pid_t child, int master, pid_t jvm, int attached) {
    copy_winsize(master);
    if (interactive && isatty(0) && tcgetattr(0, &saved_termios) == 0) {
        struct termios raw = saved_termios;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSADRAIN, &raw) == 0) raw_fd = 0;
    }
    if (write(tty_sock[0], "g", 1) < 0) {}   /* the container may start */
    sigset_t set; sigemptyset(&set); sigaddset(&set, SIGCHLD); sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) { restore_terminal(); return wait_child(child, jvm, attached); }
    int in_open = interactive, master_open = 1, status = -1;
    char buf[16384];
    for (;;) {
        int s; pid_t p = waitpid(child, &s, WNOHANG);
        if (p == child) { status = s; break; }
        if (p < 0 && errno != EINTR) break;
        if (attached && getppid() != jvm) { kill(child, SIGKILL); attached = 0; }
        struct pollfd fds[3] = { { master_open ? master : -1, POLLIN, 0 }, { sfd, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
        if (poll(fds, 3, 1000) < 0) continue;
        if (fds[0].revents & POLLIN) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n > 0) write_all(1, buf, n); else if (n < 0 && errno != EINTR && errno != EAGAIN) master_open = 0;
        } else if (fds[0].revents & (POLLHUP | POLLERR)) master_open = 0;   /* no one holds the terminal now */
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n > 0) write_all(master, buf, n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) in_open = 0;   /* input ended: the terminal stays */
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si) if (si.ssi_signo == SIGWINCH) copy_winsize(master);
        }
    }
    /* what the container wrote before it ended is still in the terminal */
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    for (;;) { ssize_t n = read(master, buf, sizeof buf); if (n <= 0) break; write_all(1, buf, n); }
    restore_terminal();
    close(sfd); close(master);
    return status;
}

static int env_has_home(void) {
    for (int i = 0; i < envc_t; i++) if (!strncmp(env_t[i], "HOME=", 5)) return 1;
    return 0;
}

/* Becomes the container's user with Docker's default capabilities and no_new_privs: the target's privileges, which
 * the init (init=1) takes on too before it starts the target, as Docker's init does. */
static void become_user(void) {
    resolve_user(env_has_home());
    if (tty_slave >= 0 && fchown(tty_slave, uid, (gid_t) -1) < 0) {}   /* as runc: the user owns its terminal (group tty) */
    drop_caps();
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "hoist: no_new_privs: %s", strerror(errno));
    CHECK(setgroups(ngroups, groups), "hoist: setgroups: %s", strerror(errno));
    CHECK(setgid(gid), "hoist: setgid %u: %s", gid, strerror(errno));
    CHECK(setuid(uid), "hoist: setuid %u: %s", uid, strerror(errno));
}

/* Execs the target, once become_user has run in this process or its parent. */
static void exec_command(void) {
    attach_tty();
    if (chdir(cwd) < 0) die("hoist: cannot change to the working directory %s: %s", cwd, strerror(errno));
    if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
        for (int fd = 3; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    int has_home = env_has_home();
    clearenv();
    for (int i = 0; i < envc_t; i++) putenv(env_t[i]);
    if (!has_home) setenv("HOME", home, 1);
    execvp(argv_t[0], argv_t);
    int e = errno;
    /* as a setup error: the caller reports it (docker run's 127 or 126), not the target's stderr */
    if (exec_fd >= 0) { if (write(exec_fd, "x", 1) < 0) {} }
    dprintf(errfd >= 0 ? errfd : 2, "hoist: exec: \"%s\": %s\n", argv_t[0],
            e == ENOENT ? "executable file not found in $PATH" : strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

static char *cmdline_start, *cmdline_end;   /* this process's argument strings, as the kernel shows them */

/* The init's command line, as the container sees it in /proc/1/cmdline: "hoist-init" instead of this binary's and its
 * config's paths on the host. Written over the argument strings, which are all there is room for (changing where the
 * kernel looks, PR_SET_MM, needs CAP_SYS_RESOURCE); the last byte is left non-NUL, so that the kernel shows the title
 * up to its NUL, as setproctitle's. */
static void set_init_cmdline(void) {
    static const char title[] = "hoist-init";
    prctl(PR_SET_NAME, title, 0, 0, 0);   /* the name ps shows otherwise: this binary's, with its hash */
    if (cmdline_end - cmdline_start < (long) sizeof title + 1) return;   /* argv[0] and the config path are longer */
    memset(cmdline_start, ' ', (size_t) (cmdline_end - cmdline_start));
    memcpy(cmdline_start, title, sizeof title);
}

static int parent_alive_fd = -1;   /* read end of a pipe whose write end only the outer process holds */
static int ready_fd = -1;          /* write end of a pipe: one byte once the container is set up */
static int go_fd = -1;             /* network=private: the container side of a socket pair; 'g' once the network is up */

static int ns_flags;
static pid_t jvm_pid;

static void container_main(void) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* A session of its own, as runc's: never in the caller's terminal's foreground group, so that the terminal's
     * signals reach the container once, through the caller (hoist run forwards them), not also directly. */
    CHECK(setsid(), "hoist: setsid: %s", strerror(errno));
    CHECK(unshare(ns_flags), "hoist: unshare namespaces: %s (run as root on a kernel with namespaces)", strerror(errno));
    if (parent_alive_fd >= 0) {   /* the outer process died before PR_SET_PDEATHSIG took effect */
        struct pollfd p = { parent_alive_fd, POLLIN, 0 };
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLIN))) _exit(137);
        close(parent_alive_fd);
    }
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) { if (write(fd, "0", 1) < 0) {} close(fd); }
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "hoist: make / private: %s", strerror(errno));
    if (nlowers > 0) {
        /* The mount data is one page: with many long layer paths, mount from their common parent with relative
         * paths, as Docker's overlay2 driver does. */
        size_t total = 0; for (int i = 0; i < nlowers; i++) total += strlen(lowers[i]) + 1;
        if (total > 3000) {
            size_t common = strlen(lowers[0]);
            for (int i = 1; i < nlowers; i++) {
                size_t k = 0; while (k < common && lowers[i][k] == lowers[0][k]) k++;
                common = k;
            }
            while (common > 0 && lowers[0][common - 1] != '/') common--;
            if (common > 1) {
                char dir[PATH_MAX]; snprintf(dir, sizeof dir, "%.*s", (int) common, lowers[0]);
                CHECK(chdir(dir), "hoist: chdir %s: %s", dir, strerror(errno));
                for (int i = 0; i < nlowers; i++) lowers[i] += common;
            }
        }
        size_t cap = 64; for (int i = 0; i < nlowers; i++) cap += strlen(lowers[i]) + 1;
        cap += (upper ? strlen(upper) : 0) + (work ? strlen(work) : 0) + 64;
        char *opts = malloc(cap); strcpy(opts, "lowerdir=");
        for (int i = 0; i < nlowers; i++) { if (i) strcat(opts, ":"); strcat(opts, lowers[i]); }
        if (upper) { strcat(opts, ",upperdir="); strcat(opts, upper); strcat(opts, ",workdir="); strcat(opts, work); }
        size_t plain = strlen(opts);
        if (upper && volatile_upper) strcat(opts, ",volatile");
        if (strlen(opts) >= 4096)
            die("hoist: too many layers for one overlay mount (%zu bytes of options, at most 4095): keep the layer snapshots in one directory with short names", strlen(opts));
        /* volatile (Linux 5.10): nothing in the upper directory needs to outlive a crash (it goes with the container,
         * or is kept as a cache), so skip the syncs, above all the one at unmount, which made the container's exit
         * wait for every file it wrote to reach the disk; older kernels say EINVAL */
        int r = mount("overlay", rootfs, "overlay", 0, opts);
        if (r < 0 && errno == EINVAL && plain != strlen(opts)) { opts[plain] = 0; r = mount("overlay", rootfs, "overlay", 0, opts); }
        CHECK(r, "hoist: mount the overlay root filesystem on %s: %s", rootfs, strerror(errno));
    } else {
        CHECK(mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL), "hoist: bind the root filesystem %s: %s", rootfs, strerror(errno));
    }
    for (int i = 0; i < nmounts; i++) {
        if (mounts[i].kind != 'b') continue;
        /* a detached copy of the host tree, attached after pivot_root where the container's symlinks resolve */
        mounts[i].fd = (int) syscall(SYS_open_tree, AT_FDCWD, mounts[i].src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | AT_RECURSIVE);
        if (mounts[i].fd < 0) die("hoist: bind mount source %s: %s", mounts[i].src, strerror(errno));
    }
    open_cgroups();
    CHECK(chdir(rootfs), "hoist: chdir %s: %s", rootfs, strerror(errno));
    CHECK(syscall(SYS_pivot_root, ".", "."), "hoist: pivot_root into %s: %s", rootfs, strerror(errno));
    CHECK(umount2(".", MNT_DETACH), "hoist: detach the old root: %s", strerror(errno));
    CHECK(chdir("/"), "hoist: chdir /: %s", strerror(errno));

    no_symlink("/proc"); mkdirs("/proc", 0555);
    CHECK(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), "hoist: mount /proc: %s", strerror(errno));
    no_symlink("/sys"); mkdirs("/sys", 0555);
    CHECK(mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), "hoist: mount /sys: %s", strerror(errno));
    mount_cgroups();
    setup_dev();
    for (int i = 0; i < nmounts; i++) {
        struct mnt *m = &mounts[i];
        if (m->dst[0] != '/') die("hoist: mount destination %s is not absolute", m->dst);
        char dst[PATH_MAX]; resolve_destination(m->dst, dst, sizeof dst);
        if (m->kind == 'b') {
            struct stat st; CHECK(fstat(m->fd, &st), "hoist: stat %s: %s", m->src, strerror(errno));
            ensure_target(dst, S_ISDIR(st.st_mode));
            CHECK(syscall(SYS_move_mount, m->fd, "", AT_FDCWD, dst, 4 /* MOVE_MOUNT_F_EMPTY_PATH */),
                  "hoist: bind mount %s on %s: %s", m->src, m->dst, strerror(errno));
            if (m->ro) remount_ro(dst, 0);
            close(m->fd);
        } else {
            ensure_target(dst, 1);
            char data[4096];
            /* nosuid and nodev unless the options say suid or dev */
            unsigned long flags = parse_mount_options(m->opts, MS_NOSUID | MS_NODEV, data, sizeof data) | (m->ro ? MS_RDONLY : 0);
            CHECK(mount("tmpfs", dst, "tmpfs", flags, *data ? data : NULL),
                  "hoist: mount tmpfs on %s with options \"%s\": %s", m->dst, m->opts, strerror(errno));
        }
    }
    mask_paths();
    if (hostname && *hostname) CHECK(sethostname(hostname, strlen(hostname)), "hoist: sethostname: %s", strerror(errno));
    if (strcmp(netmode, "host")) lo_up();
    struct stat st;
    if (stat(cwd, &st) < 0) mkdirs(cwd, 0755);
    if (readonly_root) remount_ro("/", 0);
    /* the outer process may now set up the network; the pid is published once the target has exec'd */
    if (write(ready_fd, "r", 1) < 0) {}
    close(ready_fd);
    if (go_fd >= 0) {   /* network=private: nothing runs before slirp4netns has configured tap0 */
        char go = 0; ssize_t n;
        while ((n = read(go_fd, &go, 1)) < 0 && errno == EINTR) {}
        if (n != 1 || go != 'g') _exit(125);   /* the outer process reports why */
        close(go_fd); go_fd = -1;
    }
    if (use_tty) setup_tty();

    if (!use_init) { become_user(); exec_command(); }
    /* a small init: PID 1 reaps orphans and forwards signals to the target, with the target's privileges */
    set_init_cmdline();
    become_user();
    install_forwarding();
    pid_t target = fork_blocked();
    if (target < 0) die("hoist: fork: %s", strerror(errno));
    if (target == 0) exec_command();
    if (exec_fd >= 0) { close(exec_fd); exec_fd = -1; }   /* only the target's copy tells when it has exec'd */
    if (tty_slave >= 0) { close(tty_slave); tty_slave = -1; }
    for (;;) {
        int s; pid_t p = waitpid(-1, &s, 0);
        if (p < 0) { if (errno == EINTR) continue; _exit(125); }
        if (p == target) _exit(status_code(s));
    }
}

/* Whether the kernel's OOM killer killed a process in one of our memory cgroups (v1 oom_control, v2 events). */
static int oom_killed(void) {
    for (int i = 0; i < ncgroups; i++) {
        const char *names[] = { "memory.oom_control", "memory.events", NULL };
        for (int n = 0; names[n]; n++) {
            char path[PATH_MAX]; snprintf(path, sizeof path, "%s/%s", cgroups[i], names[n]);
            FILE *f = fopen(path, "re"); if (!f) continue;
            char line[256]; long count = 0;
            while (fgets(line, sizeof line, f)) if (sscanf(line, "oom_kill %ld", &count) == 1) break;
            fclose(f);
            if (count > 0) return 1;
        }
    }
    return 0;
}

/* Moves this process out of our cgroups, to their parents' parents (the controller roots). */
static void leave_cgroups(void) {
    char pid[32]; snprintf(pid, sizeof pid, "%d", getpid());
    for (int i = 0; i < ncgroups; i++) {
        char root[PATH_MAX]; snprintf(root, sizeof root, "%s", cgroups[i]);
        for (int up = 0; up < 2; up++) { char *slash = strrchr(root, '/'); if (slash) *slash = 0; }
        char procs[PATH_MAX + 32]; snprintf(procs, sizeof procs, "%s/cgroup.procs", root);
        int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) { if (write(fd, pid, strlen(pid)) < 0) {} close(fd); }
    }
}

/* Leaves our cgroups and removes them. */
static void remove_cgroups(void) {
    leave_cgroups();
    for (int i = 0; i < ncgroups; i++)
        for (int attempt = 0; attempt < 100 && rmdir(cgroups[i]) < 0 && errno == EBUSY; attempt++) usleep(5000);
}

/* Waits for the child; when attached (not a new session), a JVM that dies takes the container with it: the
 * parent pid changes when this process is orphaned. SIGCHLD is taken with sigtimedwait, so exits are seen at once. */
static int wait_child(pid_t child, pid_t jvm, int attached) {
    sigset_t chld; sigemptyset(&chld); sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    for (;;) {
        int s; pid_t p = waitpid(child, &s, WNOHANG);
        if (p == child) return s;
        if (p < 0 && errno != EINTR) return -1;
        if (attached && getppid() != jvm) { kill(child, SIGKILL); attached = 0; }
        struct timespec ts = { 1, 0 };
        sigtimedwait(&chld, NULL, &ts);
    }
}

/* The outer process waits for the child, relaying its terminal when it has one. */
static int wait_outer(pid_t child) {
    if (!use_tty) return wait_child(child, jvm_pid, !new_session);
    close(tty_sock[1]); tty_sock[1] = -1;
    int master = recv_fd(tty_sock[0]);
    if (master < 0) { close(tty_sock[0]); return wait_child(child, jvm_pid, !new_session); }
    int s = relay_tty(child, master, jvm_pid, !new_session);
    close(tty_sock[0]);
    return s;
}

/* hoist exec: enter the namespaces of a running container's PID 1 and run another process there. */
static int exec_main(void) {
    static const char *kinds[] = { "ipc", "uts", "net", "pid", "mnt", NULL };
    int fds[5];
    for (int i = 0; kinds[i]; i++) {
        char path[64]; snprintf(path, sizeof path, "/proc/%d/ns/%s", exec_pid, kinds[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) die("hoist: the container is not running (%s: %s)", path, strerror(errno));
    }
    /* the PID namespace here (for the child); the others in the child, so that this process stays on the host */
    CHECK(setns(fds[3], CLONE_NEWPID), "hoist: enter the container's pid namespace: %s", strerror(errno));
    install_forwarding();
    if (use_tty) CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty_sock), "hoist: socketpair: %s", strerror(errno));
    int alive[2];
    CHECK(pipe2(alive, O_CLOEXEC), "hoist: pipe: %s", strerror(errno));
    pid_t child = fork_blocked();
    if (child < 0) die("hoist: fork: %s", strerror(errno));
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(alive[1]);
        struct pollfd p = { alive[0], POLLIN, 0 };
        if (poll(&p, 1, 0) > 0) _exit(137);
        close(alive[0]);
        for (int i = 0; kinds[i]; i++) {
            if (i == 3) continue;
            CHECK(setns(fds[i], 0), "hoist: enter the container's %s namespace: %s", kinds[i], strerror(errno));
            close(fds[i]);
        }
        int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (adj >= 0) { if (write(adj, "0", 1) < 0) {} close(adj); }
        CHECK(chdir("/"), "hoist: chdir /: %s", strerror(errno));
        if (use_tty) { close(tty_sock[0]); setup_tty(); }
        become_user();
        exec_command();
    }
    close(alive[0]);
    int s = wait_outer(child);
    return s < 0 ? 125 : status_code(s);
}

/* ---- network=private: slirp4netns ---- */
static int host_pidns = -1;       /* the host's PID namespace, for slirp4netns (not the container's) */
static pid_t slirp_pid = -1;
static int slirp_exit_w = -1;      /* write end of slirp4netns's --exit-fd: closing it (or our death) ends it */

/* The end of slirp4netns's log, for an error message. */
static void log_tail(char *out, size_t size) {
    out[0] = 0;
    int fd = open(slirp_log, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    off_t len = lseek(fd, 0, SEEK_END);
    off_t from = len > (off_t) size - 1 ? len - (off_t) size + 1 : 0;
    ssize_t n = pread(fd, out, size - 1, from);
    close(fd);
    if (n < 0) n = 0;
    out[n] = 0;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = 0;
    for (char *p = out; *p; p++) if (*p == '\n') *p = ' ';
}

/* Starts slirp4netns on the network namespace of `child` and waits until it has configured tap0; 0 on success,
 * else -1 with a message in `why`. */
static int start_network(pid_t child, char *why, size_t size) {
    int exitp[2], readyp[2];
    if (pipe2(exitp, O_CLOEXEC) < 0 || pipe2(readyp, O_CLOEXEC) < 0) {
        snprintf(why, size, "pipe: %s", strerror(errno)); return -1;
    }
    /* slirp4netns belongs to the host's PID namespace: the one for our children is the container's */
    if (setns(host_pidns, CLONE_NEWPID) < 0) { snprintf(why, size, "enter the host's PID namespace: %s", strerror(errno)); return -1; }
    pid_t outer = getpid();
    sigset_t all, old; sigfillset(&all); sigprocmask(SIG_BLOCK, &all, &old);
    pid_t p = fork();
    if (p == 0) {
        reset_signals();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != outer) _exit(137);   /* the outer process died before PR_SET_PDEATHSIG took effect */
        leave_cgroups();    /* not the container's: it may outlive it by a few ms (see stop_network) */
        /* A mount namespace of its own, private all the way down, before slirp4netns's sandbox pivots and
         * unmounts the old root: that sandbox makes only "/" private, so on a host with shared mounts (systemd's
         * default; Docker's data root) its unmounts would propagate and take the host's mounts (Docker's
         * running containers' root filesystems) with them. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
            dprintf(2, "cannot make a private mount namespace for slirp4netns: %s\n", strerror(errno));
            _exit(126);
        }
        /* only /dev/null, the log and the two pipe ends (as 3 and 4) survive the exec */
        int exit_r = fcntl(exitp[0], F_DUPFD_CLOEXEC, 10), ready_w = fcntl(readyp[1], F_DUPFD_CLOEXEC, 10);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        int log = open(slirp_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (exit_r < 0 || ready_w < 0 || devnull < 0 || log < 0) _exit(126);
        if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(log, 2) < 0 || dup2(exit_r, 3) < 0 || dup2(ready_w, 4) < 0) _exit(126);
        if (syscall(SYS_close_range, 5, ~0U, 0) < 0) for (int fd = 5; fd < 65536; fd++) close(fd);
        char pid[32]; snprintf(pid, sizeof pid, "%d", child);
        char env[PATH_MAX + 32]; snprintf(env, sizeof env, "HOIST_CONTAINER_LOG=%s", slirp_log);
        char *args[] = { "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox",
            "--enable-seccomp", "--exit-fd=3", "--ready-fd=4", pid, "tap0", NULL };
        char *envp[] = { env, NULL };
        execve(slirp_path, args, envp);
        dprintf(2, "cannot run %s: %s\n", slirp_path, strerror(errno));
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(exitp[0]); close(readyp[1]);
    if (p < 0) { close(exitp[1]); close(readyp[0]); snprintf(why, size, "fork: %s", strerror(errno)); return -1; }
    slirp_pid = p; slirp_exit_w = exitp[1];
    char byte = 0; ssize_t got;
    while ((got = read(readyp[0], &byte, 1)) < 0 && errno == EINTR) {}
    close(readyp[0]);
    if (got == 1 && byte == '1') return 0;
    char tail[1024]; log_tail(tail, sizeof tail);
    snprintf(why, size, "%s", *tail ? tail : "it exited without configuring the network");
    return -1;
}

/* Whether `p` (our child) has exited or is exiting (killed, say), without reaping it: then a failed slirp4netns
 * failed because the network namespace went away with it, and the container's status is what to report. */
static int exiting(pid_t p) {
    siginfo_t info; memset(&info, 0, sizeof info);
    if (waitid(P_PID, p, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == p) return 1;
    char path[64], buf[1024]; snprintf(path, sizeof path, "/proc/%d/stat", p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    ssize_t n = read(fd, buf, sizeof buf - 1); close(fd);
    if (n <= 0) return 1;
    buf[n] = 0;
    char *r = strrchr(buf, ')'), state = 0; unsigned long flags = 0;
    if (!r || sscanf(r + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2) return 0;
    return state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */);
}

/* Ends slirp4netns, if it runs, without waiting for it: its exit closes the tap device, whose unregistration
 * waits for an RCU grace period (~20 ms here), which would be added to every container's run. It is in no cgroup of
 * the container (see start_network) and holds nothing of it; this process exits right after, and slirp4netns's
 * parent-death signal and the init process's reaping of orphans finish the job. */
static void stop_network(void) {
    if (slirp_exit_w >= 0) { close(slirp_exit_w); slirp_exit_w = -1; }
    if (slirp_pid > 0) {
        kill(slirp_pid, SIGKILL);
        slirp_pid = -1;
    }
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void) st; (void) type; (void) ftw;
    remove(path);   /* best effort: what stays is found by hoist rm and by the next run's pruning */
    return 0;
}

/* Removes a file or a directory tree without following links or crossing into other file systems. */
static void remove_tree(const char *path) {
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: hoist-init CONFIG\n"); return 125; }
    cmdline_start = argv[0]; cmdline_end = argv[1] + strlen(argv[1]) + 1;
    install_forwarding();   /* first: a signal before the container exists must not kill this process */
    jvm_pid = getppid();
    read_config(argv[1]);
    if (errfile) {
        errfd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (errfd < 0) die("hoist-init: open %s: %s", errfile, strerror(errno));
    }
    if (new_session) setsid();
    attached_to_caller = !new_session;
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) { if (write(fd, "-1000", 5) < 0) {} close(fd); }
    char pid[32]; snprintf(pid, sizeof pid, "%d", getpid());
    for (int i = 0; i < ncgroups; i++) {
        char path[PATH_MAX]; snprintf(path, sizeof path, "%s/cgroup.procs", cgroups[i]);
        write_file(path, pid);
    }
    if (exec_pid) return exec_main();
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (strcmp(netmode, "host")) flags |= CLONE_NEWNET;
    /* Only the PID namespace here (it applies to children): this process stays in the host's mount namespace,
     * where pivot_root cannot move it and where it writes the status and removes the cgroups. */
    if (!strcmp(netmode, "private")) {
        host_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (host_pidns < 0) die("hoist: open /proc/self/ns/pid: %s", strerror(errno));
    }
    CHECK(unshare(CLONE_NEWPID), "hoist: unshare the PID namespace: %s (run as root on a kernel with namespaces)", strerror(errno));
    ns_flags = flags & ~CLONE_NEWPID;
    install_forwarding();
    int alive[2], ready[2], execd[2];
    CHECK(pipe2(alive, O_CLOEXEC), "hoist: pipe: %s", strerror(errno));
    CHECK(pipe2(ready, O_CLOEXEC), "hoist: pipe: %s", strerror(errno));
    CHECK(pipe2(execd, O_CLOEXEC), "hoist: pipe: %s", strerror(errno));
    if (use_tty) CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty_sock), "hoist: socketpair: %s", strerror(errno));
    int go[2] = { -1, -1 };
    if (host_pidns >= 0) CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go), "hoist: socketpair: %s", strerror(errno));
    pid_t child = fork_blocked();
    if (child < 0) die("hoist: fork: %s", strerror(errno));
    if (child == 0) {
        close(alive[1]); parent_alive_fd = alive[0];
        close(ready[0]); ready_fd = ready[1];
        close(execd[0]); exec_fd = execd[1];
        if (go[0] >= 0) { close(go[0]); go_fd = go[1]; close(host_pidns); }
        if (use_tty) close(tty_sock[0]);
        container_main(); _exit(125);
    }
    close(alive[0]);
    close(ready[1]);
    close(execd[1]);
    char byte; ssize_t got;
    while ((got = read(ready[0], &byte, 1)) < 0 && errno == EINTR) {}
    close(ready[0]);
    if (go[0] >= 0) {
        close(go[1]);
        if (got == 1) {
            char why[1200];
            if (start_network(child, why, sizeof why) < 0 && !exiting(child)) {
                kill(child, SIGKILL);
                while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
                stop_network();
                remove_cgroups();
                die("hoist: slirp4netns could not set up the container's private network: %s", why);
            }
            /* the container may have been killed meanwhile: then its status is reported as usual */
            if (send(go[0], "g", 1, MSG_NOSIGNAL) < 0) {}
        }
        close(go[0]);
    }
    /* The pid is published (for kill and exec, and for run -d to return, as docker run -d does) once the target
     * runs: its exec closed the pipe, or it could not start, and then the pipe closed as it exited. With a
     * terminal the container first waits for this process to take the terminal (in relay_tty), so there the pid
     * is published when the container is set up. */
    /* A byte instead of the end of the pipe: the container failed before its target's exec (its error is in the
     * error file) and gets no pid; its caller, waiting for the pid, reports the failure and removes it. */
    if (got == 1 && !use_tty) {
        ssize_t n; while ((n = read(execd[0], &byte, 1)) < 0 && errno == EINTR) {}
        if (n == 1) got = 0;
    }
    close(execd[0]);
    if (pidfile && got == 1) {   /* no pid for a container that failed to set up */
        char tmp[PATH_MAX]; snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
        int p = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (p >= 0) { dprintf(p, "%d\n", child); close(p); rename(tmp, pidfile); }
    }
    {
        int s = wait_outer(child);
        stop_network();
        if (s < 0) return 125;
        int code = status_code(s), oom = oom_killed();
        remove_cgroups();
        if (statusfile) {
            char tmp[PATH_MAX]; snprintf(tmp, sizeof tmp, "%s.tmp", statusfile);
            int f = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            /* only a detached container's status must survive a crash of the machine; an attached one's is read at once */
            if (f >= 0) { dprintf(f, "%d %d\n", code, oom); if (new_session) fsync(f); close(f); rename(tmp, statusfile); }
        }
        if (got == 1) for (int i = 0; i < nremovals; i++) remove_tree(removals[i]);
        return code;
    }
}
