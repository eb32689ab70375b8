// chapter: 01-namespaces
// Every wrapper fails the same way: a JS Error whose .code is the errno name
// ("EPERM"), .errno its number and .syscall the call, just like Node's own.
#pragma once
#include <napi.h>

#include <errno.h>
#include <string.h>

#include <string>

inline Napi::Value ThrowErrno(Napi::Env env, const char* call, int err, const std::string& what = "") {
  const char* name = strerrorname_np(err);
  std::string msg = std::string(call) + (what.empty() ? "" : " " + what) + ": " + strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", name ? name : "UNKNOWN");
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", call);
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}
