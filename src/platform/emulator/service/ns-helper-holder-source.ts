/**
 * C source of the namespace helper's `holder` mode (ns-helper-source.ts describes its arguments): the mount list
 * of mount-table.ts performed with mount(2), and the holder that stays as the system's PID 1 reaping orphans.
 * Uses the helpers of ns-helper-source.ts (die, step, parse, open_proc, enter_ns, wait_for); each step names its
 * failure class first (step), so a failure is reported as "wincri-ns-error CLASS ERRNO STEP" (holder-errors.ts).
 */
export const NS_HELPER_HOLDER_SOURCE = String.raw`
/*
 * The mount list of mount-table.ts (mountListText): six NUL-terminated fields per entry. Types @dir, @file and
 * @link make a directory, an empty file or a symbolic link (to the source) instead of mounting (dev-tmpfs.ts).
 */
static void mount_list(const char *path) {
  step("mount", "read-mounts");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) < 0) die("cannot read", path);
  char *buf = malloc((size_t)sb.st_size + 1);
  ssize_t n = 0, r;
  while (buf && n < sb.st_size && (r = read(fd, buf + n, (size_t)(sb.st_size - n))) > 0) n += r;
  close(fd);
  if (!buf || n != sb.st_size) die("cannot read", path);
  buf[n] = 0;
  step("mount", "mount");
  char *p = buf, *end = buf + n;
  while (p < end) {
    char *f[6];
    for (int k = 0; k < 6; k++) {
      if (p >= end) { errno = EINVAL; step("mount", "parse-mounts"); die("malformed mount list", path); }
      f[k] = p;
      p += strlen(p) + 1;
    }
    unsigned long fl = strtoul(f[0], NULL, 10);
    int rc;
    if (strcmp(f[4], "@dir") == 0) {
      rc = mkdir(f[3], 0755) < 0 && errno != EEXIST ? -1 : 0;
    } else if (strcmp(f[4], "@file") == 0) {
      int fd = open(f[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      rc = fd < 0 ? -1 : close(fd);
    } else if (strcmp(f[4], "@link") == 0) {
      rc = symlink(f[2], f[3]);
    } else if (fl & MS_BIND) {
      rc = mount(f[2], f[3], NULL, fl & (MS_BIND | MS_REC), NULL);
      unsigned long extra = fl & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
      if (rc == 0 && extra) {
        /* The remount sets every per-mount flag: keep those the bound mount already has. */
        struct statvfs sv;
        if (statvfs(f[3], &sv) == 0) {
          if (sv.f_flag & ST_NOSUID) extra |= MS_NOSUID;
          if (sv.f_flag & ST_NODEV) extra |= MS_NODEV;
          if (sv.f_flag & ST_NOEXEC) extra |= MS_NOEXEC;
          if (sv.f_flag & ST_NOATIME) extra |= MS_NOATIME;
          if (sv.f_flag & ST_NODIRATIME) extra |= MS_NODIRATIME;
          if (sv.f_flag & ST_RELATIME) extra |= MS_RELATIME;
        }
        rc = mount(NULL, f[3], NULL, MS_BIND | MS_REMOUNT | extra, NULL);
      }
    } else {
      rc = mount(f[2], f[3], f[4], fl, f[5][0] ? f[5] : NULL);
    }
    if (rc < 0 && f[1][0] != '1') die("cannot mount on", f[3]);
  }
  free(buf);
}

static void reap_forever(void) {
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  for (;;) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    sigwaitinfo(&set, NULL);
  }
}

/*
 * Moves process PID into the cgroups (-c): -1 when done, else the index of the procs file that refused it (errno
 * set). Done by the holder's parent while the holder builds its mounts: a cgroup v1 migration waits for an RCU
 * grace period (milliseconds on a busy host), which then overlaps the mount work instead of adding to it.
 */
static int move_to_cgroups(pid_t pid) {
  char s[24];
  int n = snprintf(s, sizeof s, "%d", (int)pid);
  for (int i = 0; i < ncg; i++) {
    int fd = open(cgs[i], O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, s, (size_t)n) == n;
    int e = errno;
    if (fd >= 0) close(fd);
    if (!ok) { errno = e; return i; }
  }
  return -1;
}

static int holder(int argc, char **argv) {
  parse(argc, argv, 2);
  const char *root = opt['r'], *list = opt['m'], *host = opt['h'], *netns = opt['n'], *join = opt['j'];
  if (!root || !list) {
    dprintf(2, "wincri-ns-error usage %d arguments\n", EINVAL);
    fprintf(stderr, "usage: wincri-ns holder -r ROOT -m MOUNTS [-h HOST] [-n NETNS] [-j PID] [-c FILE]...\n");
    return 1;
  }
  if (join) {
    step("join", "open-join");
    int pidns = open_proc(join, "ns/pid"), uts = open_proc(join, "ns/uts");
    step("netns", "open-netns");
    int net = netns ? open(netns, O_RDONLY | O_CLOEXEC) : open_proc(join, "ns/net");
    if (net < 0) die("cannot open", netns);
    step("namespace", "setns");
    enter_ns(pidns, CLONE_NEWPID, "pid");
    enter_ns(uts, CLONE_NEWUTS, "uts");
    enter_ns(net, CLONE_NEWNET, "net");
  } else if (netns) {
    step("netns", "open-netns");
    int net = open(netns, O_RDONLY | O_CLOEXEC);
    if (net < 0) die("cannot open", netns);
    step("namespace", "setns");
    enter_ns(net, CLONE_NEWNET, "net");
  }
  step("namespace", "unshare");
  if (unshare(join ? CLONE_NEWNS : CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS) < 0) die("unshare", NULL);
  step("mount", "make-slave");
  if (mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) die("cannot make mounts slaves", NULL);
  step("setup", "fork");
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0) die("pipe", NULL);
  pid_t c = fork();
  if (c < 0) die("fork", NULL);
  if (c == 0) {
    close(sync[0]);
    step("hostname", "sethostname");
    if (host && !join && sethostname(host, strlen(host)) < 0) die("sethostname", host);
    mount_list(list);
    step("root", "chroot");
    if (chroot(root) < 0 || chdir("/") < 0) die("cannot change root to", root);
    if (write(sync[1], "r", 1) != 1) _exit(1);
    close(sync[1]);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) { if (null >= 0) dup2(null, fd); else close(fd); }
    reap_forever();
  }
  close(sync[1]);
  int refused = move_to_cgroups(c);
  int e = errno;
  char r = 0;
  while (read(sync[0], &r, 1) < 0 && errno == EINTR) {}
  close(sync[0]);
  if (r == 'r' && refused >= 0) {
    /* Ready but outside its cgroup: no holder (a holder that failed its set-up has said why already). */
    kill(c, SIGKILL);
    errno = e;
    step("cgroup", "join-cgroup");
    die("cannot join cgroup", cgs[refused]);
  }
  if (r == 'r') {
    printf("%d\nready\n", (int)c);
    fflush(stdout);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) { dup2(null, 1); dup2(null, 2); }
  }
  int st = wait_for(c);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
`;
