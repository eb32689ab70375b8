// chapter: 06-network
// Chapter 06 (network): a netlink socket, and nothing more. What to say to the
// kernel (RTM_NEWLINK, RTM_NEWADDR, …) is encoded in TypeScript (src/network/
// netlink.ts); this file only opens the socket, in the network namespace asked
// for, and moves bytes. Every function throws a JS Error with .code (errno name),
// .errno and .syscall on failure, as the rest of the addon does.
#include <napi.h>

#include "errors.h"

#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct SocketJob {
  int nsfd, protocol;
  int fd = -1, err = 0;
  const char* syscall = "";
};

// A network namespace belongs to a thread, not to a process: setns(CLONE_NEWNET)
// moves only the calling thread, and a socket stays in the namespace it was made
// in for its whole life. So a short-lived thread of our own enters the namespace,
// makes the socket and ends: Node's threads never leave the namespace they are in.
void* MakeSocket(void* arg) {
  auto* job = static_cast<SocketJob*>(arg);
  if (job->nsfd >= 0 && setns(job->nsfd, CLONE_NEWNET) < 0) {
    job->err = errno, job->syscall = "setns";
    return nullptr;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, job->protocol);
  if (fd < 0) {
    job->err = errno, job->syscall = "socket";
    return nullptr;
  }
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;  // nl_pid 0: the kernel gives the socket a unique port id
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof sa) < 0) {
    job->err = errno, job->syscall = "bind";
    close(fd);
    return nullptr;
  }
  job->fd = fd;
  return nullptr;
}

// netlinkSocket(protocol, nsfd?): a bound AF_NETLINK socket, close-on-exec, made
// inside the network namespace nsfd refers to (or ours)
Napi::Value NetlinkSocket(const Napi::CallbackInfo& info) {
  SocketJob job;
  job.protocol = info[0].As<Napi::Number>().Int32Value();
  job.nsfd = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  if (job.nsfd < 0) {
    MakeSocket(&job);
  } else {
    pthread_t t;
    int e = pthread_create(&t, nullptr, MakeSocket, &job);
    if (e) return ThrowErrno(info.Env(), "pthread_create", e);
    pthread_join(t, nullptr);
  }
  if (job.fd < 0) return ThrowErrno(info.Env(), job.syscall, job.err);
  return Napi::Number::New(info.Env(), job.fd);
}

// netlinkSend(fd, buffer): one datagram to the kernel (port id 0)
Napi::Value NetlinkSend(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  ssize_t n;
  do n = sendto(fd, buf.Data(), buf.Length(), 0, reinterpret_cast<struct sockaddr*>(&sa), sizeof sa);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(info.Env(), "sendto", errno);
  return info.Env().Undefined();
}

// netlinkRecv(fd): the next datagram (blocking), as a Buffer
Napi::Value NetlinkRecv(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  static uint8_t buf[64 * 1024];
  ssize_t n;
  do n = recv(fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(info.Env(), "recv", errno);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf, static_cast<size_t>(n));
}

}  // namespace

void InitNetwork(Napi::Env env, Napi::Object exports) {
  exports.Set("netlinkSocket", Napi::Function::New(env, NetlinkSocket));
  exports.Set("netlinkSend", Napi::Function::New(env, NetlinkSend));
  exports.Set("netlinkRecv", Napi::Function::New(env, NetlinkRecv));
}
