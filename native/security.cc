// chapter: 04-security
// Chapter 04 (security): thin wrappers over the kernel's credential calls and over
// libseccomp. No policy here: which capabilities, which user, which syscalls is
// decided in TypeScript (src/security/); this file only turns those decisions into
// system calls. Every function throws a JS Error with .code (errno name), .errno
// and .syscall on failure, as the rest of the addon does.
#include <napi.h>

#include "errors.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {


uint64_t U64(const Napi::Value& v) {
  bool lossless;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

// capget(2), version 3: the three 64-bit sets of the calling thread.
Napi::Value Capget(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) < 0) return ThrowErrno(env, "capget", errno);
  auto set = [&](uint32_t lo, uint32_t hi) { return Napi::BigInt::New(env, (uint64_t)hi << 32 | lo); };
  Napi::Object r = Napi::Object::New(env);
  r.Set("effective", set(data[0].effective, data[1].effective));
  r.Set("permitted", set(data[0].permitted, data[1].permitted));
  r.Set("inheritable", set(data[0].inheritable, data[1].inheritable));
  return r;
}

// capset(2), version 3, on the calling thread: capset(effective, permitted, inheritable)
Napi::Value Capset(const Napi::CallbackInfo& info) {
  uint64_t eff = U64(info[0]), prm = U64(info[1]), inh = U64(info[2]);
  __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2];
  data[0] = {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh};
  data[1] = {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)};
  if (syscall(SYS_capset, &hdr, data) < 0) return ThrowErrno(info.Env(), "capset", errno);
  return info.Env().Undefined();
}

// prctl(PR_CAPBSET_DROP, cap)
Napi::Value CapbsetDrop(const Napi::CallbackInfo& info) {
  int cap = info[0].As<Napi::Number>().Int32Value();
  if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl(PR_CAPBSET_DROP)", errno, std::to_string(cap));
  return info.Env().Undefined();
}

// prctl(PR_CAPBSET_READ, cap) → boolean
Napi::Value CapbsetRead(const Napi::CallbackInfo& info) {
  int cap = info[0].As<Napi::Number>().Int32Value();
  int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
  if (r < 0) return ThrowErrno(info.Env(), "prctl(PR_CAPBSET_READ)", errno, std::to_string(cap));
  return Napi::Boolean::New(info.Env(), r == 1);
}

// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
Napi::Value AmbientClearAll(const Napi::CallbackInfo& info) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  return info.Env().Undefined();
}

// prctl(PR_SET_NO_NEW_PRIVS, 1): one way, inherited by children and kept across execve
Napi::Value SetNoNewPrivs(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl(PR_SET_NO_NEW_PRIVS)", errno);
  return info.Env().Undefined();
}

// prctl(PR_SET_KEEPCAPS, on)
Napi::Value SetKeepCaps(const Napi::CallbackInfo& info) {
  int on = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  if (prctl(PR_SET_KEEPCAPS, on, 0, 0, 0) < 0) return ThrowErrno(info.Env(), "prctl(PR_SET_KEEPCAPS)", errno);
  return info.Env().Undefined();
}

// setresuid(2) / setresgid(2) through glibc, which applies them to every thread
Napi::Value Setresuid(const Napi::CallbackInfo& info) {
  uid_t r = info[0].As<Napi::Number>().Uint32Value(), e = info[1].As<Napi::Number>().Uint32Value(),
        s = info[2].As<Napi::Number>().Uint32Value();
  if (setresuid(r, e, s) < 0) return ThrowErrno(info.Env(), "setresuid", errno);
  return info.Env().Undefined();
}

Napi::Value Setresgid(const Napi::CallbackInfo& info) {
  gid_t r = info[0].As<Napi::Number>().Uint32Value(), e = info[1].As<Napi::Number>().Uint32Value(),
        s = info[2].As<Napi::Number>().Uint32Value();
  if (setresgid(r, e, s) < 0) return ThrowErrno(info.Env(), "setresgid", errno);
  return info.Env().Undefined();
}

// setgroups(2): the supplementary groups (an empty list clears them)
Napi::Value Setgroups(const Napi::CallbackInfo& info) {
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<gid_t> gids(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) gids[i] = a.Get(i).As<Napi::Number>().Uint32Value();
  if (setgroups(gids.size(), gids.data()) < 0) return ThrowErrno(info.Env(), "setgroups", errno);
  return info.Env().Undefined();
}

// "SCMP_ACT_ERRNO" + errno → libseccomp's action value; false when unknown
bool Action(const std::string& name, uint32_t errnoRet, uint32_t* out) {
  if (name == "SCMP_ACT_ALLOW") *out = SCMP_ACT_ALLOW;
  else if (name == "SCMP_ACT_ERRNO") *out = SCMP_ACT_ERRNO(errnoRet);
  else if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") *out = SCMP_ACT_KILL_THREAD;
  else if (name == "SCMP_ACT_KILL_PROCESS") *out = SCMP_ACT_KILL_PROCESS;
  else if (name == "SCMP_ACT_TRAP") *out = SCMP_ACT_TRAP;
  else if (name == "SCMP_ACT_TRACE") *out = SCMP_ACT_TRACE(errnoRet);
  else if (name == "SCMP_ACT_LOG") *out = SCMP_ACT_LOG;
  else return false;
  return true;
}

bool Op(const std::string& name, scmp_compare* out) {
  static const struct { const char* name; scmp_compare op; } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (auto& o : ops)
    if (name == o.name) {
      *out = o.op;
      return true;
    }
  return false;
}

uint32_t OptU32(const Napi::Object& o, const char* key, uint32_t dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : dflt;
}

uint64_t ArgValue(const Napi::Value& v) {
  if (v.IsBigInt()) return U64(v);
  if (v.IsNumber()) return (uint64_t)v.As<Napi::Number>().Int64Value();
  return 0;
}

// The filter of seccompLoad: built with libseccomp, loaded on the calling thread.
struct Filter {
  scmp_filter_ctx ctx = nullptr;
  ~Filter() {
    if (ctx) seccomp_release(ctx);
  }
};

// Chapter 05: the filter as BPF (struct sock_filter[]) in a Buffer, for a process
// that loads it itself (exec's child, which must not call libseccomp: it shares our
// memory). libseccomp 2.5 exports only to an fd: a memfd, read back.
Napi::Value ExportBpf(Napi::Env env, scmp_filter_ctx ctx) {
  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, "memfd_create", errno);
  int rc = seccomp_export_bpf(ctx, fd);
  off_t size = rc < 0 ? 0 : lseek(fd, 0, SEEK_END);
  std::vector<uint8_t> buf(size > 0 ? static_cast<size_t>(size) : 0);
  ssize_t n = size > 0 ? pread(fd, buf.data(), buf.size(), 0) : 0;
  close(fd);
  if (rc < 0) return ThrowErrno(env, "seccomp_export_bpf", -rc);
  if (size <= 0 || n != size) return ThrowErrno(env, "seccomp_export_bpf", EIO);
  return Napi::Buffer<uint8_t>::Copy(env, buf.data(), buf.size());
}

// seccompLoad({defaultAction, defaultErrno, architectures, rules}) → the names this
// libseccomp does not know (skipped, as docker and runc do). The rules are already
// resolved (no includes/excludes): each is {names, action, errno, args:[{index,
// value, valueTwo, op}]}, added with seccomp_rule_add_array. The filter does not set
// no_new_privs itself (SCMP_FLTATR_CTL_NNP off): without it, loading needs
// CAP_SYS_ADMIN.
Napi::Value SeccompLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = info[0].As<Napi::Object>();
  uint32_t defaultAction;
  std::string defName = spec.Get("defaultAction").As<Napi::String>().Utf8Value();
  if (!Action(defName, OptU32(spec, "defaultErrno", EPERM), &defaultAction)) return ThrowErrno(env, "seccomp_init", EINVAL, "action " + defName);
  Filter f;
  f.ctx = seccomp_init(defaultAction);
  if (!f.ctx) return ThrowErrno(env, "seccomp_init", EINVAL);
  int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) return ThrowErrno(env, "seccomp_attr_set", -rc, "SCMP_FLTATR_CTL_NNP");

  Napi::Value archesV = spec.Get("architectures");
  if (archesV.IsArray()) {
    Napi::Array arches = archesV.As<Napi::Array>();
    for (uint32_t i = 0; i < arches.Length(); i++) {
      std::string name = arches.Get(i).As<Napi::String>().Utf8Value();
      uint32_t arch = seccomp_arch_resolve_name(name.c_str());
      if (arch == 0) return ThrowErrno(env, "seccomp_arch_resolve_name", EINVAL, name);
      rc = seccomp_arch_add(f.ctx, arch);
      if (rc < 0 && rc != -EEXIST) return ThrowErrno(env, "seccomp_arch_add", -rc, name);
    }
  }

  Napi::Array unknown = Napi::Array::New(env);
  Napi::Array rules = spec.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object rule = rules.Get(i).As<Napi::Object>();
    std::string actName = rule.Get("action").As<Napi::String>().Utf8Value();
    uint32_t action;
    if (!Action(actName, OptU32(rule, "errno", EPERM), &action)) return ThrowErrno(env, "seccomp_rule_add", EINVAL, "action " + actName);
    std::vector<scmp_arg_cmp> cmps;
    Napi::Value argsV = rule.Get("args");
    if (argsV.IsArray()) {
      Napi::Array args = argsV.As<Napi::Array>();
      for (uint32_t j = 0; j < args.Length(); j++) {
        Napi::Object a = args.Get(j).As<Napi::Object>();
        scmp_arg_cmp c = {};
        std::string opName = a.Get("op").As<Napi::String>().Utf8Value();
        if (!Op(opName, &c.op)) return ThrowErrno(env, "seccomp_rule_add", EINVAL, "operator " + opName);
        c.arg = OptU32(a, "index", 0);
        c.datum_a = ArgValue(a.Get("value"));
        c.datum_b = ArgValue(a.Get("valueTwo"));
        cmps.push_back(c);
      }
    }
    Napi::Array names = rule.Get("names").As<Napi::Array>();
    for (uint32_t j = 0; j < names.Length(); j++) {
      std::string name = names.Get(j).As<Napi::String>().Utf8Value();
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        unknown.Set(unknown.Length(), name);
        continue;
      }
      rc = seccomp_rule_add_array(f.ctx, action, nr, cmps.size(), cmps.data());
      if (rc < 0) return ThrowErrno(env, "seccomp_rule_add", -rc, name);
    }
  }
  if (info[1].ToBoolean().Value()) return ExportBpf(env, f.ctx);  // chapter 05: exec loads it in a child
  rc = seccomp_load(f.ctx);
  if (rc < 0) return ThrowErrno(env, "seccomp_load", -rc);
  return unknown;
}

// seccompLoadBpf(buffer): load a filter that seccompLoad(filter, true) compiled
// earlier (struct sock_filter[]) on the calling thread, as seccomp_load does it
// without TSYNC: seccomp(SECCOMP_SET_MODE_FILTER, 0). Without no_new_privs the
// thread needs CAP_SYS_ADMIN (EACCES otherwise).
Napi::Value SeccompLoadBpf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> bpf = info[0].As<Napi::Buffer<uint8_t>>();
  size_t n = bpf.Length() / sizeof(struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS || bpf.Length() % sizeof(struct sock_filter) != 0) return ThrowErrno(env, "seccomp", EINVAL);
  std::vector<struct sock_filter> insns(n);  // aligned, whatever the Buffer's offset
  memcpy(insns.data(), bpf.Data(), bpf.Length());
  struct sock_fprog prog = {static_cast<unsigned short>(n), insns.data()};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) return ThrowErrno(env, "seccomp", errno);
  return env.Undefined();
}

}  // namespace

// Called from the addon's module init (mydocker.cc).
void InitSecurity(Napi::Env env, Napi::Object exports) {
  exports.Set("capget", Napi::Function::New(env, Capget));
  exports.Set("capset", Napi::Function::New(env, Capset));
  exports.Set("capbsetDrop", Napi::Function::New(env, CapbsetDrop));
  exports.Set("capbsetRead", Napi::Function::New(env, CapbsetRead));
  exports.Set("ambientClearAll", Napi::Function::New(env, AmbientClearAll));
  exports.Set("setNoNewPrivs", Napi::Function::New(env, SetNoNewPrivs));
  exports.Set("setKeepCaps", Napi::Function::New(env, SetKeepCaps));
  exports.Set("setresuid", Napi::Function::New(env, Setresuid));
  exports.Set("setresgid", Napi::Function::New(env, Setresgid));
  exports.Set("setgroups", Napi::Function::New(env, Setgroups));
  exports.Set("seccompLoad", Napi::Function::New(env, SeccompLoad));
  exports.Set("seccompLoadBpf", Napi::Function::New(env, SeccompLoadBpf));
}
