// chapter: 05-lifecycle
// mydocker-monitor (chapter 05-lifecycle): the parent of one detached container (conmon's role, in ~300
// lines of C so that it costs ~1 MiB, not a Node process's 40). `mydocker run -d`
// starts it; it clones the container's init (the re-exec'd node of chapter 01) into
// the new namespaces, hands the init the CLI's spec and report pipes (fds 3 and 4)
// untouched, and then, for as long as the container runs:
//   - copies the init's stdout and stderr into docker's json-file log, one JSON line
//     per line of output: {"log":"…","stream":"stdout","time":"RFC 3339 nano"};
//   - reaps the init (waitid on its pidfd) and writes its exit status, finish time
//     and whether the kernel's OOM killer struck (the cgroup's `oom_kill` count, read
//     before the cgroup goes) to <dir>/exit.json, atomically (temp file + rename);
//   - removes the container's cgroup directories and, with --rm, its folder.
// With -t the container's terminal is made by the init, in the container; the
// monitor takes its master side before the command runs (the 't' message below),
// logs what comes out of it and keeps it open, so the shell never sees a hang-up.
// With -i the container's stdin is a pipe whose write end the monitor keeps (and
// never writes to): the command reads, and waits, as docker's `run -di` does.
// fds on entry: 0-2 /dev/null, 3 and 4 the init's spec and report pipes, 5 the
// CLI's control pipe ('d': detached, the CLI is gone for good; 't<fd>\n': take the
// CLI's fd <fd>, the terminal's master side), 6 where the init's pid (or an error)
// is written, and the answer to 't'.
// usage: mydocker-monitor -x EXITFILE -l LOGFILE -f CLONEFLAGS [-i] [-o OOMFILE] [-c CGROUPDIR]...
//        [-r DIR -L LOCKFILE] [-e ENV]... [-X EXIT-ARGV]... -- FILE ARGV...
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux-compat.h"

enum { SPEC_FD = 3, REPORT_FD = 4, CONTROL_FD = 5, INFO_FD = 6, MAX_LIST = 64, LINE_MAX_BYTES = 16 * 1024 };

static const char* exit_file;
static const char* rm_dir;
static const char* lock_file;
static const char* oom_file;  // memory.oom_control (v1) or memory.events (v2): its `oom_kill N` line
static const char* cgroups[MAX_LIST];
static int ncgroups;
static char* envp[MAX_LIST + 1];
static int nenv;
static int log_fd = -1;
// <chapter 06-network>
// chapter 06 (network): the exit command (conmon's --exit-command): run once the
// container has ended, before its folder goes, to release what it held (its address,
// its ports' rules); argv[0] is the file the init was started from (the runtime)
static const char* exit_file_exec;
static char* exit_argv[MAX_LIST + 1];
static int nexit;
// </chapter 06-network>

// ---------------------------------------------------------------- the log
static void now_rfc3339(char* out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, size - n, ".%09ldZ", ts.tv_nsec);
}

// one entry: {"log":"<bytes as a JSON string>","stream":"stdout","time":"…"}\n, in one write
static void log_entry(const char* stream, const char* data, size_t len) {
  static char out[LINE_MAX_BYTES * 6 + 128];
  size_t o = 0;
  o += (size_t)sprintf(out, "{\"log\":\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\t') {
      out[o++] = '\\';
      out[o++] = 't';
    } else if (c == '\r') {
      out[o++] = '\\';
      out[o++] = 'r';
    } else if (c < 0x20) {
      o += (size_t)sprintf(out + o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  char when[64];
  now_rfc3339(when, sizeof when);
  o += (size_t)sprintf(out + o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, when);
  if (log_fd >= 0 && write(log_fd, out, o) < 0) {
    // a full disk loses output, never the container
  }
}

// each stream keeps its unfinished line; a line longer than the buffer goes in pieces
struct stream {
  const char* name;
  int fd;
  int raw;  // a terminal: what a read returns is logged at once (a prompt has no newline)
  char buf[LINE_MAX_BYTES];
  size_t len;
};

static void stream_read(struct stream* s) {
  ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {  // end of output: whatever is left is a last, unfinished line
    if (s->len) log_entry(s->name, s->buf, s->len);
    s->len = 0;
    close(s->fd);
    s->fd = -1;
    return;
  }
  s->len += (size_t)n;
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++) {
    if (s->buf[i] == '\n') {
      log_entry(s->name, s->buf + start, i + 1 - start);
      start = i + 1;
    }
  }
  if ((start == 0 && s->len == sizeof s->buf) || (s->raw && start < s->len)) {  // a piece of a line
    log_entry(s->name, s->buf + start, s->len - start);
    start = s->len;
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
}

// ---------------------------------------------------------------- the end
// did the kernel's OOM killer kill a process of the container? Its cgroup counts the
// kills; the exit status cannot tell (a kill -9 from outside is 137 too)
static int oom_killed(void) {
  FILE* f = oom_file ? fopen(oom_file, "re") : NULL;
  if (!f) return 0;
  char key[64];
  unsigned long long value;
  int killed = 0;
  while (fscanf(f, "%63s %llu", key, &value) == 2)
    if (strcmp(key, "oom_kill") == 0) killed = value > 0;
  fclose(f);
  return killed;
}

static void write_exit(int status) {
  char tmp[4096], when[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", exit_file);
  now_rfc3339(when, sizeof when);
  FILE* f = fopen(tmp, "we");
  if (!f) return;
  fprintf(f, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":%s}\n", status, when, oom_killed() ? "true" : "false");
  if (fclose(f) == 0) rename(tmp, exit_file);
}

static int remove_entry(const char* path, const struct stat* st, int type, struct FTW* ftw) {
  (void)st;
  (void)ftw;
  if (type == FTW_DP) rmdir(path);
  else unlink(path);
  return 0;
}

static void cleanup(void) {
  // cgroups: children first; the kernel may need a moment after the last task left
  for (int i = ncgroups - 1; i >= 0; i--) {
    for (int tries = 0; tries < 100 && rmdir(cgroups[i]) < 0 && errno == EBUSY; tries++) usleep(10000);
  }
  // <chapter 06-network>
  if (nexit) {
    pid_t pid = fork();
    if (pid == 0) {
      syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);  // the file to exec may be an fd: closed after
      execve(exit_file_exec, exit_argv, envp);
      _exit(127);
    }
    if (pid > 0)
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
      }
  }
  // </chapter 06-network>
  if (!rm_dir) return;
  // --rm: under the store's lock, as every command changes the store; FTW_MOUNT: never
  // into a mount (the container's own mounts died with its mount namespace)
  int lock = open(lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock >= 0) flock(lock, LOCK_EX);
  nftw(rm_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (lock >= 0) close(lock);
}

// ---------------------------------------------------------------- the init
// the child of clone(): PID 1 of the new namespaces once it execs
static void start_init(const char* file, char** argv, int in, int out, int err) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, NULL);
  // the container dies with its monitor: nobody else could reap it or record its end
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if ((in >= 0 && dup2(in, 0) < 0) || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  // close-on-exec, not closed: the file to exec may be one of them (/proc/self/fd/N,
  // the runtime's sealed binary), and the kernel opens it before it closes them
  syscall(SYS_close_range, CONTROL_FD, ~0U, CLOSE_RANGE_CLOEXEC);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(file, argv, envp);
  dprintf(REPORT_FD, "{\"error\":\"cannot start the container init: %s\",\"code\":125}\n", strerror(errno));
  _exit(127);
}

// ---------------------------------------------------------------- -t and -i
// 't<fd>\n' on the control pipe: the CLI (our parent until it detaches, and waiting
// for our answer) holds the terminal's master side as its fd <fd>; we take our own
// copy with pidfd_getfd, before the init, which closes every other fd, runs the
// command. From then on the terminal is ours: read it, log it, never close it while
// the container runs. Answer "t\n" or the error on INFO_FD.
static int take_terminal(int control) {
  char num[16];
  size_t n = 0;
  while (n < sizeof num - 1 && read(control, num + n, 1) == 1 && num[n] != '\n') n++;
  num[n] = 0;
  int cli = (int)syscall(SYS_pidfd_open, getppid(), 0);
  int fd = cli < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, cli, atoi(num), 0);  // close-on-exec
  if (fd < 0) dprintf(INFO_FD, "error: cannot take the container's terminal: %s\n", strerror(errno));
  else dprintf(INFO_FD, "t\n");
  if (cli >= 0) close(cli);
  return fd;
}

static void usage(void) {
  // <replaced-by 06-network>
  //~ fprintf(stderr, "usage: mydocker-monitor -x EXITFILE -l LOGFILE -f CLONEFLAGS [-i] [-o OOMFILE] [-c CGROUP]... [-r DIR -L LOCK] [-e ENV]... -- FILE ARGV...\n");
  // </replaced-by 06-network>
  // <chapter 06-network>
  fprintf(stderr, "usage: mydocker-monitor -x EXITFILE -l LOGFILE -f CLONEFLAGS [-i] [-o OOMFILE] [-c CGROUP]... [-r DIR -L LOCK] [-e ENV]... [-X ARG]... -- FILE ARGV...\n");
  // </chapter 06-network>
  exit(2);
}

int main(int argc, char** argv) {
  const char* log_file = NULL;
  int clone_flags = 0, open_stdin = 0, opt;
  // <replaced-by 06-network>
  //~ while ((opt = getopt(argc, argv, "+x:l:f:io:c:r:L:e:")) != -1) {
  // </replaced-by 06-network>
  // <chapter 06-network>
  while ((opt = getopt(argc, argv, "+x:l:f:io:c:r:L:e:X:")) != -1) {
  // </chapter 06-network>
    switch (opt) {
      case 'x': exit_file = optarg; break;
      case 'l': log_file = optarg; break;
      case 'f': clone_flags = (int)strtol(optarg, NULL, 0); break;
      case 'i': open_stdin = 1; break;
      case 'o': oom_file = optarg; break;
      case 'c': if (ncgroups < MAX_LIST) cgroups[ncgroups++] = optarg; break;
      case 'r': rm_dir = optarg; break;
      case 'L': lock_file = optarg; break;
      case 'e': if (nenv < MAX_LIST) envp[nenv++] = optarg; break;
      // <chapter 06-network>
      case 'X': if (nexit < MAX_LIST) exit_argv[nexit++] = optarg; break;
      // </chapter 06-network>
      default: usage();
    }
  }
  if (!exit_file || !log_file || optind >= argc || (rm_dir && !lock_file)) usage();
  char** init_argv = argv + optind + 1;
  const char* init_file = argv[optind];
  // <chapter 06-network>
  exit_file_exec = init_file;
  // </chapter 06-network>

  setsid();  // no terminal, no process group of the CLI's: a ^C there is not for us
  if (chdir("/") < 0) return 1;  // pin no directory
  signal(SIGPIPE, SIG_IGN);
  fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC);
  fcntl(INFO_FD, F_SETFD, FD_CLOEXEC);

  int in[2] = {-1, -1}, out[2], err[2];
  log_fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (open_stdin && pipe2(in, O_CLOEXEC) < 0)) {
    dprintf(INFO_FD, "error: %s: %s\n", log_fd < 0 ? log_file : "pipe2", strerror(errno));
    return 1;
  }
  // a fork (no CLONE_VM) into the new namespaces; the pidfd makes the wait race-free
  int pidfd = -1;
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)clone_flags | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
  if (pid == 0) start_init(init_file, init_argv, in[0], out[1], err[1]);
  if (pid < 0) {
    dprintf(INFO_FD, "error: clone: %s\n", strerror(errno));
    return 1;
  }
  // the init has its copies: the report pipe reaches end-of-file when it execs
  close(out[1]);
  close(err[1]);
  if (in[0] >= 0) close(in[0]);  // in[1], the container's stdin's other end, stays open till we exit
  close(SPEC_FD);
  close(REPORT_FD);
  dprintf(INFO_FD, "%d\n", pid);
  // INFO_FD stays open: its end-of-file tells the CLI we no longer die with it

  // the third stream: a terminal's master side (-t), logged as stdout, as docker does
  static struct stream streams[3] = {{.name = "stdout"}, {.name = "stderr"}, {.name = "stdout", .fd = -1, .raw = 1}};
  streams[0].fd = out[0];
  streams[1].fd = err[0];
  int control = CONTROL_FD, status = -1;
  for (;;) {
    struct pollfd p[5] = {
        {.fd = streams[0].fd, .events = POLLIN},
        {.fd = streams[1].fd, .events = POLLIN},
        {.fd = pidfd, .events = POLLIN},
        {.fd = control, .events = POLLIN},
        {.fd = streams[2].fd, .events = POLLIN},
    };
    int output = p[0].fd >= 0 || p[1].fd >= 0 || p[4].fd >= 0;
    // the end: the init reaped, its output read, and the CLI gone (it may still
    // write to the record: nothing is removed before it has let go)
    if (!output && pidfd < 0 && control < 0) break;
    // once the init is reaped, its namespace is empty: output still unread is read
    // now, and a writer that escaped (there should be none) is not waited for
    int n = poll(p, 5, pidfd < 0 && output ? 1000 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n == 0) {
      for (int i = 0; i < 3; i++)
        if (streams[i].fd >= 0) close(streams[i].fd), streams[i].fd = -1;
      continue;
    }
    if (p[3].revents) {
      char c = 0;
      int got = read(control, &c, 1) == 1;
      if (got && c == 't' && streams[2].fd < 0) {
        streams[2].fd = take_terminal(control);
      } else if (got && c == 'd') {
        prctl(PR_SET_PDEATHSIG, 0);  // we are on our own now
        close(INFO_FD);              // and the CLI, which waits for this, may go
      } else {
        close(control);
        control = -1;
      }
    }
    for (int i = 0; i < 2; i++)
      if (p[i].revents) stream_read(&streams[i]);
    if (p[4].revents) stream_read(&streams[2]);  // EIO: the terminal's last slave fd closed
    if (p[2].revents) {
      siginfo_t si;
      memset(&si, 0, sizeof si);
      if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0) {
        status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        close(pidfd);
        pidfd = -1;
      }
    }
  }
  for (int i = 0; i < 3; i++)
    if (streams[i].len) log_entry(streams[i].name, streams[i].buf, streams[i].len);
  close(log_fd);
  if (status >= 0) write_exit(status);
  cleanup();
  return 0;
}
