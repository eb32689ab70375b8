// chapter: 01-namespaces
// Chapter 01 — the syscalls Node lacks, as thin wrappers with no policy.
// Every failure throws a JS Error whose .code is the errno name ("EPERM") and
// whose .syscall names the call, just like Node's own fs errors.
#include <napi.h>

#include "errors.h"
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "linux-compat.h"
// <chapter 04-security>
// Chapter 04: the new mount API (Linux 5.2 open_tree, 5.12 mount_setattr)
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct MountAttr {  // struct mount_attr of <linux/mount.h>
  unsigned long long attr_set, attr_clr, propagation, userns_fd;
};
// </chapter 04-security>

// <chapter 04-security>
// chapter 04 (security): capabilities, no_new_privs, users, seccomp (native/security.cc)
void InitSecurity(Napi::Env env, Napi::Object exports);
// </chapter 04-security>
// <chapter 05-lifecycle>
// chapter 05 (lifecycle): exec's join of a running container (native/exec.cc)
void InitExec(Napi::Env env, Napi::Object exports);
// </chapter 05-lifecycle>
// <chapter 06-network>
// chapter 06 (network): a netlink socket in a chosen network namespace (native/network.cc)
void InitNetwork(Napi::Env env, Napi::Object exports);
// </chapter 06-network>
// <chapter 08-oci>
// chapter 08 (oci): ambient capabilities, the console socket (native/oci.cc)
void InitOci(Napi::Env env, Napi::Object exports);
// </chapter 08-oci>

namespace {

// An optional string argument: undefined or null become nullptr.
bool OptString(const Napi::Value& v, std::string* out) {
  if (v.IsUndefined() || v.IsNull()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

// Strings copied out of JS before clone(): the child must not allocate.
struct CStrings {
  std::vector<std::string> store;
  std::vector<char*> ptrs;
  explicit CStrings(const Napi::Array& arr) {
    for (uint32_t i = 0; i < arr.Length(); i++) store.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    for (auto& s : store) ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
  }
};

// every signal's disposition back to the default (Node ignores SIGPIPE, handles others)
void DefaultDispositions() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) {
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, nullptr);  // EINVAL for glibc's reserved ones: fine
  }
}

void UnblockSignals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Programs expect blocking stdio that survives exec.
void PrepareStdio() {
  for (int fd = 0; fd < 3; fd++) {
    int fdf = fcntl(fd, F_GETFD);
    if (fdf >= 0) fcntl(fd, F_SETFD, fdf & ~FD_CLOEXEC);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
}

// ---------------------------------------------------------------- spawn
constexpr uint32_t kMaxFds = 64;

struct SpawnArgs {
  const char* file;
  char** argv;
  char** envp;
  std::vector<int> fds;  // fds[i] becomes fd i in the child; -1 closes it
  int pdeathsig = 0;     // sent to the child when the thread that spawned it ends
  int tmp[kMaxFds];
  // <chapter 08-oci>
  // chapter 08 (oci): the namespaces to join (setns) before the clone, and a new user
  // namespace's mappings, written by the first stage before the child goes on
  std::vector<std::pair<int, int>> join;  // (fd, nstype), in this order
  std::string uidMap, gidMap;
  int flags = 0;
  int procFd = -1;  // /proc, opened before any setns (the mount namespace may change)
  int syncRead = -1, syncWrite = -1, execRead = -1, execWrite = -1;
  pid_t initPid = 0;
  bool becomeRoot = false;
  void* stack2 = nullptr;
  // </chapter 08-oci>
  // filled by the child on failure (shared memory: CLONE_VM)
  int err = 0;
  const char* step = nullptr;
};

[[noreturn]] void ChildFail(SpawnArgs* a, const char* step) {
  a->err = errno;
  a->step = step;
  _exit(127);
}

int ChildMain(void* p) {
  SpawnArgs* a = static_cast<SpawnArgs*>(p);
  // <chapter 08-oci>
  if (a->syncRead >= 0) {
    // a new user namespace: wait until the first stage has written our mappings
    close(a->syncWrite);
    char c;
    if (read(a->syncRead, &c, 1) != 1) ChildFail(a, "read(sync)");
  }
  if (a->becomeRoot) {
    // in a new or joined user namespace, become its root: an execve as a uid that is
    // not the namespace's root would drop every capability
    if (setresgid(0, 0, 0) < 0) ChildFail(a, "setresgid");
    if (setresuid(0, 0, 0) < 0) ChildFail(a, "setresuid");
  }
  // </chapter 08-oci>
  DefaultDispositions();  // signals stay blocked (the parent blocked them) until right before execve
  // survives execve (unless set-uid): the container dies with the process that runs it
  if (a->pdeathsig && prctl(PR_SET_PDEATHSIG, a->pdeathsig) < 0) ChildFail(a, "prctl(PR_SET_PDEATHSIG)");
  // dup every source above the targets first, so no dup2 clobbers a later source
  int n = static_cast<int>(a->fds.size());
  int base = n > 3 ? n : 3;
  for (int i = 0; i < n; i++) {
    a->tmp[i] = -1;
    if (a->fds[i] >= 0 && (a->tmp[i] = fcntl(a->fds[i], F_DUPFD_CLOEXEC, base)) < 0) ChildFail(a, "dup");
  }
  for (int i = 0; i < n; i++) {
    if (a->tmp[i] < 0) {
      close(i);
    } else if (dup2(a->tmp[i], i) < 0) {
      ChildFail(a, "dup2");
    }
  }
  PrepareStdio();
  // every other inherited fd closes at exec (CVE-2024-21626 was a leaked fd)
  if (syscall(SYS_close_range, base, ~0U, CLOSE_RANGE_CLOEXEC) < 0) ChildFail(a, "close_range");
  UnblockSignals();
  execve(a->file, a->argv, a->envp);
  ChildFail(a, "execve");
}

// <chapter 08-oci>
// Chapter 08 (oci): the first stage of a spawn that joins namespaces. setns(2) of a mount
// or user namespace needs a single-threaded caller (Node is not one) and setns of a PID
// namespace moves only the caller's children: this short-lived process joins, then clones
// the init (CLONE_PARENT: the init is the caller's child, not ours) with the new
// namespaces, writes a new user namespace's mappings, and waits for the init's execve.
bool WriteMap(int procFd, pid_t pid, const char* name, const std::string& map) {
  if (map.empty()) return true;
  // no allocation here: this runs in a CLONE_VM child while Node's other threads may
  // hold malloc's lock
  char path[64];
  snprintf(path, sizeof path, "%d/%s", static_cast<int>(pid), name);
  int fd = openat(procFd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, map.data(), map.size()) == static_cast<ssize_t>(map.size());
  close(fd);
  return ok;
}

int StageOne(void* p) {
  SpawnArgs* a = static_cast<SpawnArgs*>(p);
  for (auto& [fd, nstype] : a->join)
    if (setns(fd, nstype) < 0) ChildFail(a, "setns");
  int fds[2];
  // above every fd the child places (it dup2's onto 0..n-1)
  auto high = [a](int fd) {
    int h = fcntl(fd, F_DUPFD_CLOEXEC, static_cast<int>(kMaxFds));
    if (h < 0) ChildFail(a, "dup");
    close(fd);
    return h;
  };
  if (pipe2(fds, O_CLOEXEC) < 0) ChildFail(a, "pipe2");
  a->execRead = high(fds[0]);
  a->execWrite = high(fds[1]);
  bool mapped = (a->flags & CLONE_NEWUSER) != 0;
  if (mapped) {
    if (pipe2(fds, O_CLOEXEC) < 0) ChildFail(a, "pipe2");
    a->syncRead = high(fds[0]);
    a->syncWrite = high(fds[1]);
  }
  const size_t stackSize = 256 * 1024;
  pid_t pid = clone(ChildMain, static_cast<char*>(a->stack2) + stackSize, a->flags | CLONE_PARENT | CLONE_VM | SIGCHLD, a);
  if (pid < 0) ChildFail(a, "clone");
  a->initPid = pid;
  close(a->execWrite);
  if (mapped) {
    close(a->syncRead);
    // setgroups stays "allow" (we are root in the parent namespace): the init sets its groups
    const char* step = nullptr;
    if (!WriteMap(a->procFd, pid, "uid_map", a->uidMap)) step = "write uid_map";
    else if (!WriteMap(a->procFd, pid, "gid_map", a->gidMap)) step = "write gid_map";
    else if (write(a->syncWrite, "1", 1) != 1) step = "write(sync)";
    if (step) {
      int e = errno;
      kill(pid, SIGKILL);  // before it reads the closed sync pipe and reports that instead
      errno = e;
      ChildFail(a, step);
    }
  }
  // the init shares our memory until it execs: wait for its end of the exec pipe to close
  char c;
  while (read(a->execRead, &c, 1) < 0 && errno == EINTR) {
  }
  _exit(0);
}

Napi::Value SpawnStaged(Napi::Env env, SpawnArgs& a, void* stack, size_t stackSize, const std::string& file) {
  a.stack2 = mmap(nullptr, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (a.stack2 == MAP_FAILED) {
    munmap(stack, stackSize);
    return ThrowErrno(env, "mmap", errno);
  }
  a.procFd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t stage = clone(StageOne, static_cast<char*>(stack) + stackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
  int cloneErr = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, stackSize);
  munmap(a.stack2, stackSize);
  if (a.procFd >= 0) close(a.procFd);
  if (stage < 0) return ThrowErrno(env, "clone", cloneErr);
  int st;
  waitpid(stage, &st, 0);
  int pidfd = -1;
  if (a.err == 0 && (pidfd = static_cast<int>(syscall(SYS_pidfd_open, a.initPid, 0))) < 0) {
    a.err = errno;
    a.step = "pidfd_open";
  }
  if (a.err != 0) {
    if (a.initPid > 0) {
      kill(a.initPid, SIGKILL);
      waitpid(a.initPid, &st, 0);
    }
    return ThrowErrno(env, a.step, a.err, a.step && strcmp(a.step, "execve") == 0 ? file : "");
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", a.initPid);
  r.Set("pidfd", pidfd);
  return r;
}
// </chapter 08-oci>

// spawn(options) -> {pid, pidfd}: the options are SpawnOptions in src/native.ts
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string file = o.Get("file").As<Napi::String>().Utf8Value();
  CStrings argv(o.Get("argv").As<Napi::Array>());
  CStrings envp(o.Get("env").As<Napi::Array>());

  SpawnArgs a;
  a.file = file.c_str();
  a.argv = argv.ptrs.data();
  a.envp = envp.ptrs.data();
  if (o.Get("fds").IsArray()) {
    Napi::Array fds = o.Get("fds").As<Napi::Array>();
    if (fds.Length() > kMaxFds) return ThrowErrno(env, "spawn", EMFILE, "(more than 64 fds to pass)");
    for (uint32_t i = 0; i < fds.Length(); i++) a.fds.push_back(fds.Get(i).As<Napi::Number>().Int32Value());
  }
  if (o.Get("parentDeathSignal").IsNumber()) a.pdeathsig = o.Get("parentDeathSignal").As<Napi::Number>().Int32Value();
  int flags = o.Get("cloneFlags").IsNumber() ? o.Get("cloneFlags").As<Napi::Number>().Int32Value() : 0;
  // <chapter 08-oci>
  if (o.Get("join").IsArray()) {
    Napi::Array join = o.Get("join").As<Napi::Array>();
    for (uint32_t i = 0; i < join.Length(); i++) {
      Napi::Array e = join.Get(i).As<Napi::Array>();
      a.join.emplace_back(e.Get(0u).As<Napi::Number>().Int32Value(), e.Get(1u).As<Napi::Number>().Int32Value());
    }
  }
  OptString(o.Get("uidMap"), &a.uidMap);
  OptString(o.Get("gidMap"), &a.gidMap);
  a.flags = flags;
  a.becomeRoot = (flags & CLONE_NEWUSER) != 0;
  for (auto& j : a.join) a.becomeRoot = a.becomeRoot || j.second == CLONE_NEWUSER;
  bool staged = !a.join.empty() || (flags & CLONE_NEWUSER);
  // </chapter 08-oci>

  const size_t stackSize = 256 * 1024;
  void* stack = mmap(nullptr, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return ThrowErrno(env, "mmap", errno);
  // <chapter 08-oci>
  if (staged) return SpawnStaged(env, a, stack, stackSize, file);
  // </chapter 08-oci>

  // posix_spawn's trick: the child shares our memory and we sleep until it
  // execs (CLONE_VFORK). Block signals so no handler of ours runs in the child.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  pid_t pid = clone(ChildMain, static_cast<char*>(stack) + stackSize,
                    flags | CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &a, &pidfd);
  int cloneErr = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, stackSize);

  if (pid < 0) return ThrowErrno(env, "clone", cloneErr);
  if (a.err != 0) {
    int st;
    waitpid(pid, &st, 0);
    close(pidfd);
    return ThrowErrno(env, a.step, a.err, a.step && strcmp(a.step, "execve") == 0 ? file : "");
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", pid);
  r.Set("pidfd", pidfd);
  return r;
}

// ---------------------------------------------------------------- wait
// waitPidfd(pidfd, cb): poll the pidfd on Node's own loop (no thread-pool
// thread is held), reap with waitid(P_PIDFD), call cb({exitCode, signal}).
struct Waiter {
  uv_poll_t poll;
  napi_env env;
  int pidfd;
  Napi::FunctionReference cb;
  Napi::AsyncContext* ctx;
};

void OnPidfd(uv_poll_t* handle, int status, int events) {
  Waiter* w = static_cast<Waiter*>(handle->data);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r = waitid(static_cast<idtype_t>(P_PIDFD), w->pidfd, &si, WEXITED | WNOHANG);
  int err = errno;
  if (r == 0 && si.si_pid == 0) return;  // not exited yet
  uv_poll_stop(handle);
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::Object res = Napi::Object::New(env);
  if (r < 0) {
    res.Set("error", strerrorname_np(err) ? strerrorname_np(err) : "UNKNOWN");
  } else if (si.si_code == CLD_EXITED) {
    res.Set("exitCode", si.si_status);
    res.Set("signal", env.Null());
  } else {
    res.Set("exitCode", env.Null());
    res.Set("signal", si.si_status);
  }
  w->cb.MakeCallback(env.Global(), {res}, *w->ctx);
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) {
    Waiter* w = static_cast<Waiter*>(h->data);
    delete w->ctx;
    delete w;
  });
}

Napi::Value WaitPidfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = info[0].As<Napi::Number>().Int32Value();
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return ThrowErrno(env, "uv_loop", EINVAL);
  Waiter* w = new Waiter();
  w->env = env;
  w->pidfd = pidfd;
  w->cb = Napi::Persistent(info[1].As<Napi::Function>());
  w->ctx = new Napi::AsyncContext(env, "mydocker.waitPidfd");
  w->poll.data = w;
  int r = uv_poll_init(loop, &w->poll, pidfd);
  if (r == 0) r = uv_poll_start(&w->poll, UV_READABLE, OnPidfd);
  if (r != 0) {
    delete w->ctx;
    delete w;
    return ThrowErrno(env, "uv_poll", -r);
  }
  return env.Undefined();
}

// ---------------------------------------------------------------- the rest
Napi::Value Execve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string file = info[0].As<Napi::String>().Utf8Value();
  CStrings argv(info[1].As<Napi::Array>());
  CStrings envp(info[2].As<Napi::Array>());
  execve(file.c_str(), argv.ptrs.data(), envp.ptrs.data());
  return ThrowErrno(env, "execve", errno, file);
}

// resetForExec(): undo what Node set up for itself, which execve would pass on:
// signal dispositions back to default, no signal blocked, stdio blocking and
// inherited across exec. Call it right before execve; Node's own handlers are gone.
Napi::Value ResetForExec(const Napi::CallbackInfo& info) {
  PrepareStdio();
  DefaultDispositions();
  UnblockSignals();
  return info.Env().Undefined();
}

// exitNow(status): _exit(2), nothing of Node's exit runs. For the init when it cannot
// exec: Node's exit tears down libuv's loop, which flushes its epoll changes through
// io_uring; once the container's seccomp filter is loaded (chapter 04: no io_uring,
// as docker's) that fails, and libuv prints "io_uring_enter(getevents): Operation not
// permitted" on the container's stderr, after the real error.
Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  _exit(info[0].As<Napi::Number>().Int32Value());
}

Napi::Value Mount(const Napi::CallbackInfo& info) {
  std::string src, target, type, data;
  bool hasSrc = OptString(info[0], &src);
  target = info[1].As<Napi::String>().Utf8Value();
  bool hasType = OptString(info[2], &type);
  unsigned long flags = static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value());
  bool hasData = OptString(info[4], &data);
  if (mount(hasSrc ? src.c_str() : nullptr, target.c_str(), hasType ? type.c_str() : nullptr, flags,
            hasData ? data.c_str() : nullptr) < 0)
    return ThrowErrno(info.Env(), "mount", errno, target);
  return info.Env().Undefined();
}

// <chapter 03-rootfs>
Napi::Value Umount2(const Napi::CallbackInfo& info) {
  std::string target = info[0].As<Napi::String>().Utf8Value();
  int flags = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (umount2(target.c_str(), flags) < 0) return ThrowErrno(info.Env(), "umount2", errno, target);
  return info.Env().Undefined();
}
// </chapter 03-rootfs>

// <chapter 03-rootfs>
Napi::Value PivotRoot(const Napi::CallbackInfo& info) {
  std::string n = info[0].As<Napi::String>().Utf8Value(), o = info[1].As<Napi::String>().Utf8Value();
  if (syscall(SYS_pivot_root, n.c_str(), o.c_str()) < 0) return ThrowErrno(info.Env(), "pivot_root", errno, n);
  return info.Env().Undefined();
}
// </chapter 03-rootfs>

Napi::Value Sethostname(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (sethostname(name.c_str(), name.size()) < 0) return ThrowErrno(info.Env(), "sethostname", errno);
  return info.Env().Undefined();
}

Napi::Value Unshare(const Napi::CallbackInfo& info) {
  if (unshare(info[0].As<Napi::Number>().Int32Value()) < 0) return ThrowErrno(info.Env(), "unshare", errno);
  return info.Env().Undefined();
}

Napi::Value Openpty(const Napi::CallbackInfo& info) {
  int master, slave;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) < 0) return ThrowErrno(info.Env(), "openpty", errno);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("master", master);
  r.Set("slave", slave);
  return r;
}

Napi::Value SetWinsize(const Napi::CallbackInfo& info) {
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  int fd = info[0].As<Napi::Number>().Int32Value();
  ws.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return ThrowErrno(info.Env(), "ioctl(TIOCSWINSZ)", errno);
  return info.Env().Undefined();
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value(), sig = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) < 0) return ThrowErrno(info.Env(), "pidfd_send_signal", errno);
  return info.Env().Undefined();
}

// <chapter 05-lifecycle>
// pidfd_open(2): a pidfd for a process that is not our child (run -d: the monitor's)
Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, info[0].As<Napi::Number>().Int32Value(), 0));
  if (fd < 0) return ThrowErrno(info.Env(), "pidfd_open", errno);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return Napi::Number::New(info.Env(), fd);
}
// </chapter 05-lifecycle>

// <chapter 03-rootfs>
Napi::Value Flock(const Napi::CallbackInfo& info) {
  if (flock(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value()) < 0)
    return ThrowErrno(info.Env(), "flock", errno);
  return info.Env().Undefined();
}
// </chapter 03-rootfs>

Napi::Value CloseRange(const Napi::CallbackInfo& info) {
  unsigned first = info[0].As<Napi::Number>().Uint32Value(), last = info[1].As<Napi::Number>().Uint32Value();
  unsigned flags = info.Length() > 2 ? info[2].As<Napi::Number>().Uint32Value() : 0;
  if (syscall(SYS_close_range, first, last, flags) < 0) return ThrowErrno(info.Env(), "close_range", errno);
  return info.Env().Undefined();
}

Napi::Value Pipe2(const Napi::CallbackInfo& info) {
  int fds[2];
  int flags = info.Length() > 0 ? info[0].As<Napi::Number>().Int32Value() : O_CLOEXEC;
  if (pipe2(fds, flags) < 0) return ThrowErrno(info.Env(), "pipe2", errno);
  Napi::Array r = Napi::Array::New(info.Env(), 2);
  r.Set(0u, fds[0]);
  r.Set(1u, fds[1]);
  return r;
}

// <chapter 03-rootfs>
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  dev_t dev = makedev(info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value());
  if (mknod(path.c_str(), mode, dev) < 0) return ThrowErrno(info.Env(), "mknod", errno, path);
  return info.Env().Undefined();
}
// </chapter 03-rootfs>

// pidfdGetfd(pidfd, fd): a copy of another process's fd (the init's pty master)
Napi::Value PidfdGetfd(const Napi::CallbackInfo& info) {
  int pidfd = info[0].As<Napi::Number>().Int32Value(), target = info[1].As<Napi::Number>().Int32Value();
  long fd = syscall(SYS_pidfd_getfd, pidfd, target, 0);  // the new fd is close-on-exec
  if (fd < 0) return ThrowErrno(info.Env(), "pidfd_getfd", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// dupCloexec(fd): a copy of fd (the lowest free number from 3) that closes at exec
Napi::Value DupCloexec(const Napi::CallbackInfo& info) {
  int fd = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return ThrowErrno(info.Env(), "fcntl(F_DUPFD_CLOEXEC)", errno);
  return Napi::Number::New(info.Env(), fd);
}

// isatty(fd): whether fd is a terminal (Node's tty.isatty would load node:net and its streams)
Napi::Value Isatty(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), isatty(info[0].As<Napi::Number>().Int32Value()) == 1);
}

Napi::Value Dup2(const Napi::CallbackInfo& info) {
  if (dup2(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value()) < 0)
    return ThrowErrno(info.Env(), "dup2", errno);
  return info.Env().Undefined();
}

Napi::Value Setsid(const Napi::CallbackInfo& info) {
  if (setsid() < 0) return ThrowErrno(info.Env(), "setsid", errno);
  return info.Env().Undefined();
}

// setControllingTty(fd): ioctl(fd, TIOCSCTTY) — the caller must lead a session
Napi::Value SetControllingTty(const Napi::CallbackInfo& info) {
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSCTTY, 0) < 0)
    return ThrowErrno(info.Env(), "ioctl(TIOCSCTTY)", errno);
  return info.Env().Undefined();
}

// <chapter 03-rootfs>
// lsetxattr(path, name, value): never follows a symlink (overlay's opaque marker)
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value(), name = info[1].As<Napi::String>().Utf8Value();
  std::string value = info[2].As<Napi::String>().Utf8Value();
  if (lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) < 0)
    return ThrowErrno(info.Env(), "lsetxattr", errno, path);
  return info.Env().Undefined();
}

// lgetxattr(path, name): the value as a string, or null when the attribute is absent
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value(), name = info[1].As<Napi::String>().Utf8Value();
  char buf[256];
  ssize_t n = lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) return info.Env().Null();
    return ThrowErrno(info.Env(), "lgetxattr", errno, path);
  }
  return Napi::String::New(info.Env(), buf, static_cast<size_t>(n));
}
// </chapter 03-rootfs>

// <chapter 04-security>
// Chapter 04 — openTree(path, flags) -> fd: open_tree(2); with OPEN_TREE_CLONE a
// detached copy of the mount at path (a bind mount attached to no namespace)
Napi::Value OpenTree(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  unsigned int flags = info[1].As<Napi::Number>().Uint32Value();
  long fd = syscall(SYS_open_tree, AT_FDCWD, path.c_str(), flags);
  if (fd < 0) return ThrowErrno(info.Env(), "open_tree", errno, path);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// Chapter 04 — mountSetattr(fd, attrSet, attrClr): mount_setattr(2) on the mount that fd refers to
Napi::Value MountSetattr(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  MountAttr attr = {};
  attr.attr_set = static_cast<unsigned long long>(info[1].As<Napi::Number>().Int64Value());
  attr.attr_clr = info.Length() > 2 ? static_cast<unsigned long long>(info[2].As<Napi::Number>().Int64Value()) : 0;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return ThrowErrno(info.Env(), "mount_setattr", errno);
  return info.Env().Undefined();
}
// </chapter 04-security>

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("waitPidfd", Napi::Function::New(env, WaitPidfd));
  exports.Set("execve", Napi::Function::New(env, Execve));
  exports.Set("resetForExec", Napi::Function::New(env, ResetForExec));
  exports.Set("exitNow", Napi::Function::New(env, ExitNow));
  exports.Set("mount", Napi::Function::New(env, Mount));
  exports.Set("sethostname", Napi::Function::New(env, Sethostname));
  exports.Set("unshare", Napi::Function::New(env, Unshare));
  exports.Set("openpty", Napi::Function::New(env, Openpty));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("closeRange", Napi::Function::New(env, CloseRange));
  exports.Set("pipe2", Napi::Function::New(env, Pipe2));
  exports.Set("pidfdGetfd", Napi::Function::New(env, PidfdGetfd));
  exports.Set("isatty", Napi::Function::New(env, Isatty));
  exports.Set("dup2", Napi::Function::New(env, Dup2));
  exports.Set("dupCloexec", Napi::Function::New(env, DupCloexec));
  exports.Set("setsid", Napi::Function::New(env, Setsid));
  exports.Set("setControllingTty", Napi::Function::New(env, SetControllingTty));
  // <chapter 03-rootfs>
  exports.Set("umount2", Napi::Function::New(env, Umount2));
  exports.Set("pivotRoot", Napi::Function::New(env, PivotRoot));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("mknod", Napi::Function::New(env, Mknod));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr));
  // </chapter 03-rootfs>
  // <chapter 04-security>
  exports.Set("openTree", Napi::Function::New(env, OpenTree));
  exports.Set("mountSetattr", Napi::Function::New(env, MountSetattr));
  InitSecurity(env, exports);  // native/security.cc
  // </chapter 04-security>
  // <chapter 05-lifecycle>
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  InitExec(env, exports);  // native/exec.cc
  // </chapter 05-lifecycle>
  // <chapter 06-network>
  InitNetwork(env, exports);  // native/network.cc
  // </chapter 06-network>
  // <chapter 08-oci>
  InitOci(env, exports);  // native/oci.cc
  // </chapter 08-oci>
  return exports;
}

}  // namespace

NODE_API_MODULE(mydocker, Init)
