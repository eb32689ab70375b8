{
  "targets": [
    {
      "target_name": "mydocker",
      "sources": ["mydocker.cc", "security.cc", "exec.cc", "network.cc", "oci.cc"],
      "libraries": ["-lseccomp"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    },
    {
      "target_name": "mydocker-monitor",
      "type": "executable",
      "sources": ["monitor.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "mydocker-exec-stub",
      "type": "executable",
      "sources": ["exec-stub.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "ldflags": ["-static"]
    }
  ]
}
