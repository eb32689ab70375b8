// chapter: 05-lifecycle
// mydocker-exec-stub (chapter 05-lifecycle): the last hop of `mydocker exec` (and of
// mydocker-runc exec). The process that joins a container is a clone of the CLI
// (native/exec.cc), so until it execs, its /proc/self/exe is the host's node binary
// on a writable mount. Its execve of the user's command is resolved inside the
// container, and "/proc/self/exe" there names that very binary: `exec c
// /proc/self/exe` (or a #! line, or an ELF interpreter, naming it) would run the
// host's node in the container, with the container's /lib64/ld-linux-x86-64.so.2 as
// its loader — and that planted program holds a handle on the host's binary that
// becomes writable once nothing runs it (CVE-2019-5736).
//
// So the process first execs this small static program, from a read-only bind mount
// in no namespace (src/security/selfexe.ts seals it, as it seals the init's node):
// from then on /proc/self/exe is a file no write can reach (EROFS). This program
// then does what the clone would have done: the PATH search and the execve. It is
// static, so executing it needs nothing from the container's files.
//
// usage (from exec.cc only): mydocker-exec-stub ERRFD FILE PATH ARGV0 [ARG]...
// ERRFD is the write end of a pipe to the CLI: if no execve succeeds, the errno goes
// there (4 bytes) and the stub exits 127; on success the pipe closes with the exec
// (close-on-exec), which tells the CLI the command runs. The environment is the
// command's own, already.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

// execvp's search, over the container's PATH (glibc's execvpe would also hand a file
// without a #! line to /bin/sh: docker reports "exec format error")
static void ExecSearch(const char* file, const char* searchPath, char** argv) {
  if (strchr(file, '/')) {
    execve(file, argv, environ);
    return;
  }
  static char pathBuf[PATH_MAX];
  int denied = 0;
  size_t flen = strlen(file);
  for (const char* p = searchPath;;) {
    const char* end = strchrnul(p, ':');
    const char* dir = p;
    size_t dlen = (size_t)(end - p);
    if (dlen == 0) dir = ".", dlen = 1;  // an empty entry is the current directory
    if (dlen + 1 + flen < sizeof pathBuf) {
      memcpy(pathBuf, dir, dlen);
      pathBuf[dlen] = '/';
      memcpy(pathBuf + dlen + 1, file, flen + 1);
      execve(pathBuf, argv, environ);
      if (errno == EACCES) denied = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;  // ENOEXEC, E2BIG, …: stop here
    }
    if (*end == '\0') break;
    p = end + 1;
  }
  errno = denied ? EACCES : ENOENT;
}

int main(int argc, char** argv) {
  char* end = NULL;
  long errfd = argc >= 5 ? strtol(argv[1], &end, 10) : -1;
  // run any other way (say, as /proc/self/exe from inside the container): say what it is
  if (errfd < 3 || errfd > INT_MAX || !end || *end || fcntl((int)errfd, F_SETFD, FD_CLOEXEC) < 0) {
    static const char msg[] = "mydocker-exec-stub: the last step of mydocker exec, not a command\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}  // nothing more to say if stderr is gone
    return 126;
  }
  ExecSearch(argv[2], argv[3], argv + 4);
  int err = errno;
  if (write((int)errfd, &err, sizeof err) < 0) {}  // the CLI is gone: no one to tell
  return 127;
}
