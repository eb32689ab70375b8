// chapter: 08-oci
// Chapter 08 (oci): what an OCI runtime needs beyond chapters 01-05. Mechanism only:
// the policy is in src/oci/.
#include <napi.h>

#include "errors.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace {

// chroot(path): the root of a container without a mount namespace of its own (pivot_root needs one)
Napi::Value Chroot(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (chroot(path.c_str()) < 0) return ThrowErrno(info.Env(), "chroot", errno, path);
  return info.Env().Undefined();
}

// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap): the cap must be permitted and inheritable
Napi::Value AmbientRaise(const Napi::CallbackInfo& info) {
  int cap = info[0].As<Napi::Number>().Int32Value();
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl(PR_CAP_AMBIENT_RAISE)", errno, std::to_string(cap));
  return info.Env().Undefined();
}

// setrlimit(resource, soft, hard) of the calling process; a value of 2^63 or more is RLIM_INFINITY
Napi::Value Setrlimit(const Napi::CallbackInfo& info) {
  int resource = info[0].As<Napi::Number>().Int32Value();
  auto value = [](const Napi::Value& v) -> rlim_t {
    double d = v.As<Napi::Number>().DoubleValue();
    return d >= 9223372036854775808.0 ? RLIM_INFINITY : (rlim_t)d;
  };
  struct rlimit r = {value(info[1]), value(info[2])};
  if (setrlimit(resource, &r) < 0) return ThrowErrno(info.Env(), "setrlimit", errno, std::to_string(resource));
  return info.Env().Undefined();
}

// sendFd(socketPath, fd, name): connect to a unix stream socket and send fd with
// SCM_RIGHTS, name as the message's bytes (runc's console socket protocol)
Napi::Value SendFd(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return ThrowErrno(info.Env(), "connect", ENAMETOOLONG, path);
  memcpy(addr.sun_path, path.data(), path.size());
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return ThrowErrno(info.Env(), "socket", errno);
  if (connect(s, (struct sockaddr*)&addr, sizeof addr) < 0) {
    int err = errno;
    close(s);
    return ThrowErrno(info.Env(), "connect", err, path);
  }
  struct iovec iov = {(void*)name.data(), name.size()};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n = sendmsg(s, &msg, 0);
  int err = errno;
  close(s);
  if (n < 0) return ThrowErrno(info.Env(), "sendmsg", err, path);
  return info.Env().Undefined();
}

}  // namespace

// Called from the addon's module init (mydocker.cc).
void InitOci(Napi::Env env, Napi::Object exports) {
  exports.Set("chroot", Napi::Function::New(env, Chroot));
  exports.Set("ambientRaise", Napi::Function::New(env, AmbientRaise));
  exports.Set("sendFd", Napi::Function::New(env, SendFd));
  exports.Set("setrlimit", Napi::Function::New(env, Setrlimit));
}
