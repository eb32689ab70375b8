# chapter: 01-namespaces
# (the chapter markers of chapters/README.md, in gyp's comments: `npm run chapter -- N`
# builds the addon and programs of chapter N only)
{
  "targets": [
    {
      "target_name": "mydocker",
      "sources": [
        "mydocker.cc",
        # <chapter 04-security>
        "security.cc",
        # </chapter 04-security>
        # <chapter 05-lifecycle>
        "exec.cc",
        # </chapter 05-lifecycle>
        # <chapter 06-network>
        "network.cc",
        # </chapter 06-network>
        # <chapter 08-oci>
        "oci.cc",
        # </chapter 08-oci>
      ],
      # <chapter 04-security>
      "libraries": ["-lseccomp"],
      # </chapter 04-security>
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    },
    # <chapter 05-lifecycle>
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
    },
    # </chapter 05-lifecycle>
  ]
}
