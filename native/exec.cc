// chapter: 05-lifecycle
// Chapter 05 (lifecycle): `mydocker exec`, the syscalls. A process that joins a
// running container: its cgroups, every namespace of its PID 1, its credentials and
// seccomp filter, then execve. No policy here: which namespaces (as fds the caller
// opened on /proc/PID/ns/*), which cgroups (open cgroup.procs files), which
// capabilities, user and filter (already compiled to BPF) is decided in TypeScript
// (src/lifecycle/exec.ts). Node never enters the container: two clone children in C
// do, and the second one execs.
//
//   CLI (Node)
//    └─ clone(CLONE_VM|CLONE_VFORK|CLONE_FILES) "joiner": the cgroups, then setns() each
//         │                                   namespace; setns(CLONE_NEWPID) only moves
//         │                                   its *children* into the container's PID ns
//         └─ clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT)   "the process": born inside the
//                                             PID namespace, a child of the CLI (so the
//                                             CLI reaps it); credentials, seccomp, then
//                                             execveat(the sealed stub) → execve(command)
//
// Both children share the CLI's memory until the second execs (posix_spawn's trick,
// as spawn in mydocker.cc): no allocation, raw system calls only — glibc's setresuid
// and setgroups would signal every Node thread to change its credentials too.
// The second never execve's the command itself: until it execs, its /proc/self/exe is
// the host's node, and the command's path is resolved in the container (where
// "/proc/self/exe" names exactly that). It execs native/exec-stub.c first, from a
// read-only mount in no namespace, and the stub execs the command (CVE-2019-5736).
#include <napi.h>

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "linux-compat.h"

namespace {

struct ExecArgs {
  // what to run: the stub (an fd on its sealed mount), which runs the command
  int stub;
  char** stubArgv;          // mydocker-exec-stub ERRFD FILE PATH ARGV0 [ARG]...
  int errWrite;             // the stub's ERRFD: where an execve error goes
  char** envp;
  const char* cwd;
  int stdio[3];
  bool terminal;            // a new terminal in the container's /dev/pts: the process's stdio and controlling tty
  // where: joined in this order
  std::vector<int> cgroupProcs;  // open cgroup.procs files: "0" moves the writer
  std::vector<int> namespaces;   // open /proc/PID/ns/* files
  // with what
  uint64_t caps;            // bounding, effective and permitted; inheritable and ambient empty
  bool noNewPrivs;
  uint32_t uid, gid;
  std::vector<gid_t> groups;
  sock_fprog seccomp;       // len 0: none
  void* childStack;
  size_t stackSize;
  // filled by the children (shared memory)
  pid_t pid = 0;
  int master = -1, slave = -1;  // with terminal: in the CLI's fd table (CLONE_FILES)
  int err = 0;
  const char* step = nullptr;
};

[[noreturn]] void Fail(ExecArgs* a, const char* step) {
  a->err = errno;
  a->step = step;
  _exit(127);
}

void DefaultSignals() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, nullptr);
}

// The second child: inside the PID namespace. It becomes the user's process.
int ProcessMain(void* p) {
  ExecArgs* a = static_cast<ExecArgs*>(p);
  // stdio first: dup sources above 2, then into place
  int tmp[3];
  for (int i = 0; i < 3; i++)
    if ((tmp[i] = fcntl(a->stdio[i], F_DUPFD_CLOEXEC, 3)) < 0) Fail(a, "dup");
  for (int i = 0; i < 3; i++) {
    if (dup2(tmp[i], i) < 0) Fail(a, "dup2");
    int fl = fcntl(i, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(i, F_SETFL, fl & ~O_NONBLOCK);
  }
  // every other fd closes at exec: the namespace and cgroup files, Node's own (CVE-2024-21626)
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) Fail(a, "close_range");
  if (a->terminal) {
    if (setsid() < 0) Fail(a, "setsid");
    if (ioctl(0, TIOCSCTTY, 0) < 0) Fail(a, "ioctl(TIOCSCTTY)");
  }
  // the container's working directory, in its mount namespace (not a path of the host)
  if (chdir(a->cwd) < 0) Fail(a, "chdir");

  // credentials in runc's order (see src/security/apply.ts)
  if (a->noNewPrivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) Fail(a, "prctl(PR_SET_NO_NEW_PRIVS)");
  if (a->seccomp.len && !a->noNewPrivs && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &a->seccomp) < 0)
    Fail(a, "seccomp");
  for (int c = 0; c < 64; c++) {
    if ((a->caps >> c) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
      if (errno == EINVAL) break;  // past cap_last_cap
      Fail(a, "prctl(PR_CAPBSET_DROP)");
    }
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) Fail(a, "prctl(PR_SET_KEEPCAPS)");
  if (syscall(SYS_setgroups, a->groups.size(), a->groups.data()) < 0) Fail(a, "setgroups");
  if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0) Fail(a, "setresgid");
  if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0) Fail(a, "setresuid");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) Fail(a, "prctl(PR_SET_KEEPCAPS)");
  __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  data[0].effective = data[0].permitted = static_cast<uint32_t>(a->caps);
  data[1].effective = data[1].permitted = static_cast<uint32_t>(a->caps >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) Fail(a, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) Fail(a, "prctl(PR_CAP_AMBIENT)");
  if (a->seccomp.len && a->noNewPrivs && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &a->seccomp) < 0)
    Fail(a, "seccomp");

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // the stub's error pipe must survive this exec (and only this one: the stub sets it
  // close-on-exec again). execveat(AT_EMPTY_PATH) runs the file the fd is open on:
  // no path is resolved in the container's mount namespace.
  if (fcntl(a->errWrite, F_SETFD, 0) < 0) Fail(a, "fcntl");
  syscall(SYS_execveat, a->stub, "", a->stubArgv, a->envp, AT_EMPTY_PATH);
  Fail(a, "execveat");
}

// -t: a terminal of the container's own devpts, as run -t's init makes (src/container/namespaces.ts),
// opened once the mount namespace is joined; the joiner shares the CLI's fd table, so
// the CLI gets the master. TIOCGPTPEER (Linux 4.13) opens the slave through the master,
// never by a path the container could swap; the devices cgroup, already joined, limits
// what a replaced /dev/ptmx could be, and a non-terminal fails the ioctls.
void OpenTerminal(ExecArgs* a) {
  if ((a->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) Fail(a, "open(/dev/ptmx)");
  int unlock = 0;
  if (ioctl(a->master, TIOCSPTLCK, &unlock) < 0) Fail(a, "ioctl(TIOCSPTLCK)");
  if ((a->slave = ioctl(a->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) Fail(a, "ioctl(TIOCGPTPEER)");
  for (int i = 0; i < 3; i++) a->stdio[i] = a->slave;
}

// The first child: joins, then clones the process into the PID namespace it joined.
int JoinerMain(void* p) {
  ExecArgs* a = static_cast<ExecArgs*>(p);
  DefaultSignals();  // signals stay blocked (the CLI blocked them) until right before execve
  // Node's memory is ours until the process execs: no container process may read it
  // through /proc (CVE-2019-5736). Not dumpable: /proc/PID/{exe,mem,fd} need
  // CAP_SYS_PTRACE, which a container does not have. The CLI restores its own flag.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) Fail(a, "prctl(PR_SET_DUMPABLE)");
  // the cgroups first, while the joiner still sees the host's cgroup tree
  for (int fd : a->cgroupProcs)
    if (write(fd, "0", 1) < 0) Fail(a, "write(cgroup.procs)");
  for (int fd : a->namespaces)
    if (syscall(SYS_setns, fd, 0) < 0) Fail(a, "setns");
  if (a->terminal) OpenTerminal(a);
  // CLONE_PARENT: the process is the CLI's child (it waits for it with a pidfd);
  // this joiner exits as soon as the process has exec'd (CLONE_VFORK)
  pid_t pid = clone(ProcessMain, static_cast<char*>(a->childStack) + a->stackSize,
                    CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, a);
  if (pid < 0) Fail(a, "clone");
  a->pid = pid;
  _exit(0);
}

uint64_t Caps(const Napi::Value& v) {
  bool lossless;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

std::vector<int> Ints(const Napi::Value& v) {
  std::vector<int> out;
  if (!v.IsArray()) return out;
  Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  return out;
}

struct Strings {
  std::vector<std::string> store;
  std::vector<char*> ptrs;
  explicit Strings(const Napi::Array& arr) {
    for (uint32_t i = 0; i < arr.Length(); i++) store.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    for (auto& s : store) ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
  }
};

// nsExec({stub: fd, file, path, argv, env, cwd, stdio:[0,1,2], terminal, cgroupProcs:[fd],
//         namespaces:[fd], caps: bigint, noNewPrivs, uid, gid, groups:[gid],
//         seccomp?: Buffer of struct sock_filter}) -> {pid, pidfd, master?, slave?}
// The process is a child of the caller; an error before the command's execve throws
// here, with .syscall naming the step ("setns", "execveat" of the stub, "execve", …).
Napi::Value NsExec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string file = o.Get("file").As<Napi::String>().Utf8Value();
  std::string searchPath = o.Get("path").IsString() ? o.Get("path").As<Napi::String>().Utf8Value() : "";
  std::string cwd = o.Get("cwd").As<Napi::String>().Utf8Value();
  Strings argv(o.Get("argv").As<Napi::Array>());
  Strings envp(o.Get("env").As<Napi::Array>());
  std::vector<int> stdio = Ints(o.Get("stdio"));
  if (stdio.size() != 3) return ThrowErrno(env, "nsExec", EINVAL, "(stdio needs 3 fds)");

  // the stub's error pipe: close-on-exec here, so only the stub holds it
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) < 0) return ThrowErrno(env, "pipe2", errno);
  std::string errFd = std::to_string(errPipe[1]);
  std::vector<char*> stubArgv = {const_cast<char*>("mydocker-exec-stub"), const_cast<char*>(errFd.c_str()),
                                 const_cast<char*>(file.c_str()), const_cast<char*>(searchPath.c_str())};
  stubArgv.insert(stubArgv.end(), argv.ptrs.begin(), argv.ptrs.end());  // with its closing nullptr

  ExecArgs* a = new ExecArgs();  // not on Node's stack
  a->stub = o.Get("stub").As<Napi::Number>().Int32Value();
  a->stubArgv = stubArgv.data();
  a->errWrite = errPipe[1];
  a->envp = envp.ptrs.data();
  a->cwd = cwd.c_str();
  for (int i = 0; i < 3; i++) a->stdio[i] = stdio[i];
  a->terminal = o.Get("terminal").ToBoolean().Value();
  a->cgroupProcs = Ints(o.Get("cgroupProcs"));
  a->namespaces = Ints(o.Get("namespaces"));
  a->caps = Caps(o.Get("caps"));
  a->noNewPrivs = o.Get("noNewPrivs").ToBoolean().Value();
  a->uid = o.Get("uid").As<Napi::Number>().Uint32Value();
  a->gid = o.Get("gid").As<Napi::Number>().Uint32Value();
  for (int g : Ints(o.Get("groups"))) a->groups.push_back(static_cast<gid_t>(g));
  a->seccomp = {0, nullptr};
  Napi::Value bpf = o.Get("seccomp");
  if (bpf.IsBuffer()) {
    Napi::Buffer<uint8_t> b = bpf.As<Napi::Buffer<uint8_t>>();
    a->seccomp.len = static_cast<unsigned short>(b.Length() / sizeof(sock_filter));
    a->seccomp.filter = reinterpret_cast<sock_filter*>(b.Data());
  }

  const size_t stackSize = 256 * 1024;
  char* stacks = static_cast<char*>(mmap(nullptr, 2 * stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0));
  if (stacks == MAP_FAILED) {
    int err = errno;
    delete a;
    close(errPipe[0]);
    close(errPipe[1]);
    return ThrowErrno(env, "mmap", err);
  }
  a->childStack = stacks + stackSize;
  a->stackSize = stackSize;
  int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t joiner = clone(JoinerMain, stacks + stackSize, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, a);
  int cloneErr = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (dumpable >= 0) prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);  // the children shared our mm
  munmap(stacks, 2 * stackSize);
  close(errPipe[1]);  // the stub has its copy (the process's own fd table)
  if (joiner < 0) {
    delete a;
    close(errPipe[0]);
    return ThrowErrno(env, "clone", cloneErr);
  }
  int st;
  while (waitpid(joiner, &st, __WALL) < 0 && errno == EINTR) {
  }
  pid_t pid = a->pid;
  int err = a->err, master = a->master, slave = a->slave;
  const char* step = a->step;
  delete a;
  if (err == 0) {
    // the stub runs: end-of-file once the command has exec'd, or the errno of its execve
    int execErr = 0;
    ssize_t n;
    while ((n = read(errPipe[0], &execErr, sizeof execErr)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof execErr)) {
      err = execErr;
      step = "execve";
      kill(pid, SIGKILL);  // it exits anyway; our child, unreaped: the pid is still its
    }
  }
  close(errPipe[0]);
  if (err != 0) {
    if (master >= 0) close(master);
    if (slave >= 0) close(slave);
    if (pid > 0)
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    return ThrowErrno(env, step, err, step && strcmp(step, "execve") == 0 ? file : "");
  }
  // the process is our child and unreaped: its pid cannot be reused yet
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return ThrowErrno(env, "pidfd_open", errno);
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", pid);
  r.Set("pidfd", pidfd);
  if (master >= 0) {
    r.Set("master", master);
    r.Set("slave", slave);
  }
  return r;
}

}  // namespace

// Called from the addon's module init (mydocker.cc).
void InitExec(Napi::Env env, Napi::Object exports) {
  exports.Set("nsExec", Napi::Function::New(env, NsExec));
}
