/*
 * fleetvisor's native process primitives, on plain Node-API (C, no dependencies).
 *
 * Why this exists: node:child_process forks the whole Node process for every child and blocks
 * while it does; 1000 children cost 1.5-2.2 s. posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK))
 * costs a fraction of that, so the agent spawns and reaps its children here:
 *   spawn        - a child in its own process group, with pipes, as supervisord's _spawn_as_child
 *   reap         - waitpid(-1, WNOHANG) until nothing is left, called on SIGCHLD
 *   kill         - a signal to a pid or its process group
 *   get/setrlimit, getpwnam/getpwuid, getgrouplist - lookups the agent needs in the parent
 * Errors reach JS as errno names (e.code === 'EMFILE'), never as numbers. Every libc call is
 * checked; where an error is deliberately ignored the comment says why.
 */
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * Errors and argument conversion
 * ------------------------------------------------------------------------------------------- */

/* The errno's symbolic name ("ENOENT"), as supervisord prints errno.errorcode[e]. Async-signal-safe
 * (glibc returns a pointer into a static table). */
static const char *errno_name(int err)
{
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

/* Throws Error(code = errno name, message "<syscall> failed: <name>"). Always returns NULL so
 * callers can `return throw_errno(...)`. */
static napi_value throw_errno(napi_env env, const char *syscall, int err)
{
  char msg[128];
  snprintf(msg, sizeof msg, "%s failed: %s", syscall, errno_name(err));
  napi_throw_error(env, errno_name(err), msg);
  return NULL;
}

/* Throws TypeError("<what> <problem>") with code ERR_INVALID_ARG_VALUE. Returns false. */
static bool throw_arg(napi_env env, const char *what, const char *problem)
{
  char msg[160];
  snprintf(msg, sizeof msg, "%s %s", what, problem);
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
  return false;
}

/* After a Node-API call failed: make sure an exception is pending (some failures do not set one).
 * Returns false. */
static bool napi_failed(napi_env env)
{
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return false;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, "ERR_NAPI", info && info->error_message ? info->error_message : "Node-API call failed");
  return false;
}

#define NAPI_OK(call) ((call) == napi_ok || napi_failed(env))

/* True when v is null or undefined. */
static bool is_nullish(napi_env env, napi_value v)
{
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

/* Copies a JS string into a new malloc'd NUL-terminated buffer. Rejects non-strings and strings
 * with an embedded NUL (exec would silently truncate them). Returns NULL with an exception
 * pending on failure. */
static char *dup_string(napi_env env, napi_value v, const char *what)
{
  napi_valuetype t;
  size_t len, copied;
  if (!NAPI_OK(napi_typeof(env, v, &t))) return NULL;
  if (t != napi_string) { throw_arg(env, what, "must be a string"); return NULL; }
  if (!NAPI_OK(napi_get_value_string_utf8(env, v, NULL, 0, &len))) return NULL;
  char *s = malloc(len + 1);
  if (!s) { throw_errno(env, "malloc", ENOMEM); return NULL; }
  if (!NAPI_OK(napi_get_value_string_utf8(env, v, s, len + 1, &copied))) { free(s); return NULL; }
  if (strlen(s) != copied) { free(s); throw_arg(env, what, "must not contain NUL bytes"); return NULL; }
  return s;
}

/* Frees a NULL-terminated array made by dup_string_array. */
static void free_string_array(char **arr)
{
  if (!arr) return;
  for (char **p = arr; *p; p++) free(*p);
  free(arr);
}

/* Copies a JS array of strings into a NULL-terminated char* array (argv/envp shape). Returns NULL
 * with an exception pending on failure. */
static char **dup_string_array(napi_env env, napi_value v, const char *what)
{
  bool is_array;
  uint32_t n;
  if (!NAPI_OK(napi_is_array(env, v, &is_array))) return NULL;
  if (!is_array) { throw_arg(env, what, "must be an array of strings"); return NULL; }
  if (!NAPI_OK(napi_get_array_length(env, v, &n))) return NULL;
  char **arr = calloc((size_t)n + 1, sizeof *arr);
  if (!arr) { throw_errno(env, "malloc", ENOMEM); return NULL; }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (!NAPI_OK(napi_get_element(env, v, i, &item)) || !(arr[i] = dup_string(env, item, what))) {
      free_string_array(arr);
      return NULL;
    }
  }
  return arr;
}

/* Reads an integer in [min, max] into *out. Throws and returns false otherwise. */
static bool get_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out)
{
  napi_valuetype t;
  double d;
  if (!NAPI_OK(napi_typeof(env, v, &t))) return false;
  if (t != napi_number) return throw_arg(env, what, "must be a number");
  if (!NAPI_OK(napi_get_value_double(env, v, &d))) return false;
  if (!(d >= (double)min && d <= (double)max) || (double)(int64_t)d != d)
    return throw_arg(env, what, "is out of range or not an integer");
  *out = (int64_t)d;
  return true;
}

/* Reads exactly `want` arguments (missing ones read as undefined). */
static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
  size_t argc = want;
  return NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
}

/* Sets obj[key] = an int64 number. */
static bool set_number(napi_env env, napi_value obj, const char *key, int64_t value)
{
  napi_value v;
  return NAPI_OK(napi_create_int64(env, value, &v)) && NAPI_OK(napi_set_named_property(env, obj, key, v));
}

/* ---------------------------------------------------------------------------------------------
 * spawn
 * ------------------------------------------------------------------------------------------- */

struct spawn_args {
  char *file;
  char **argv;
  char **envp;
  char *cwd;          /* NULL: inherit */
  int64_t umask;      /* -1: inherit */
  int64_t uid, gid;   /* -1: no privilege change (both or neither) */
  gid_t *groups;      /* supplementary groups for setgroups; NULL: just [gid] */
  size_t ngroups;
  bool redirect_stderr;
};

static void free_spawn_args(struct spawn_args *a)
{
  free(a->file);
  free_string_array(a->argv);
  free_string_array(a->envp);
  free(a->cwd);
  free(a->groups);
}

/* Converts the 9 JS arguments of spawn(). Returns false with an exception pending. */
static bool read_spawn_args(napi_env env, napi_value *js, struct spawn_args *a)
{
  memset(a, 0, sizeof *a);
  uint32_t ngroups;
  bool redirect;
  if (!(a->file = dup_string(env, js[0], "file"))) return false;
  if (!(a->argv = dup_string_array(env, js[1], "argv"))) return false;
  if (!a->argv[0]) return throw_arg(env, "argv", "must not be empty");
  if (!(a->envp = dup_string_array(env, js[2], "envp"))) return false;
  if (!is_nullish(env, js[3]) && !(a->cwd = dup_string(env, js[3], "cwd"))) return false;
  if (!get_int(env, js[4], "umask", -1, 0777, &a->umask)) return false;
  if (!get_int(env, js[5], "uid", -1, (int64_t)UINT32_MAX - 1, &a->uid)) return false;
  if (!get_int(env, js[6], "gid", -1, (int64_t)UINT32_MAX - 1, &a->gid)) return false;
  if ((a->uid == -1) != (a->gid == -1)) return throw_arg(env, "uid and gid", "must be given together");
  if (!is_nullish(env, js[7])) {
    bool is_array;
    if (!NAPI_OK(napi_is_array(env, js[7], &is_array))) return false;
    if (!is_array) return throw_arg(env, "groups", "must be an array of numbers or null");
    if (!NAPI_OK(napi_get_array_length(env, js[7], &ngroups))) return false;
    if (!(a->groups = calloc(ngroups ? ngroups : 1, sizeof *a->groups))) return throw_errno(env, "malloc", ENOMEM), false;
    a->ngroups = ngroups;
    for (uint32_t i = 0; i < ngroups; i++) {
      napi_value item;
      int64_t g;
      if (!NAPI_OK(napi_get_element(env, js[7], i, &item))) return false;
      if (!get_int(env, item, "groups[i]", 0, (int64_t)UINT32_MAX - 1, &g)) return false;
      a->groups[i] = (gid_t)g;
    }
  }
  if (!NAPI_OK(napi_get_value_bool(env, js[8], &redirect))) return false;
  a->redirect_stderr = redirect;
  return true;
}

/* pipe2(O_CLOEXEC) whose both fds are >= 3, so the child's dup2 onto 0..2 can never clobber a
 * pipe end it still has to dup (Node keeps 0..2 open, but the agent may close them when it
 * daemonizes). Returns 0 or an errno. */
static int make_pipe(int fds[2])
{
  if (pipe2(fds, O_CLOEXEC) == -1) return errno;
  for (int i = 0; i < 2; i++) {
    if (fds[i] >= 3) continue;
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    int err = errno;
    close(fds[i]);
    fds[i] = moved;
    if (moved == -1) {
      if (fds[1 - i] >= 0) close(fds[1 - i]);
      fds[1 - i] = -1; /* the caller's cleanup must not close that number again */
      return err;
    }
  }
  return 0;
}

/* Async-signal-safe: write all of buf to fd, retrying on EINTR; gives up silently on any other
 * error (the child has nobody to report to). */
static void write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

/* Async-signal-safe: writes "supervisor: " + the NULL-terminated parts + "\n" to fd 2 in one
 * write (truncated to fit the buffer). */
static void child_say(const char *const *parts)
{
  static const char prefix[] = "supervisor: ";
  char buf[PATH_MAX + 256];
  size_t n = 0;
  for (const char *p = prefix; *p; p++) buf[n++] = *p;
  for (size_t i = 0; parts[i]; i++)
    for (const char *p = parts[i]; *p && n < sizeof buf - 1; p++) buf[n++] = *p;
  buf[n++] = '\n';
  write_all(2, buf, n);
}

/* Async-signal-safe: supervisord's failure epilogue. Writes the message, then
 * "supervisor: child process was not spawned", then _exit(127), exactly as
 * supervisor/process.py _spawn_as_child does, so the parent sees a real pid that exits 127. */
__attribute__((noreturn)) static void child_fail(const char *const *parts)
{
  static const char *const not_spawned[] = {"child process was not spawned", NULL};
  child_say(parts);
  child_say(not_spawned);
  _exit(127);
}

/* Async-signal-safe decimal formatting into buf (>= 21 bytes). Returns the start of the digits. */
static const char *fmt_uint(char *buf, size_t size, uint64_t v)
{
  char *p = buf + size - 1;
  *p = '\0';
  do { *--p = (char)('0' + v % 10); v /= 10; } while (v && p > buf);
  return p;
}

/* Async-signal-safe: "couldn't setuid to <uid>: <why>" then the epilogue. */
__attribute__((noreturn)) static void child_fail_setuid(int64_t uid, const char *why)
{
  char digits[24];
  const char *parts[] = {"couldn't setuid to ", fmt_uint(digits, sizeof digits, (uint64_t)uid), ": ", why, NULL};
  child_fail(parts);
}

/*
 * The forked child (slow path). Only async-signal-safe calls, in supervisord's order: setpgid,
 * default signal dispositions and an empty mask, dup2 of the pipes onto 0/1/2, close fds >= 3,
 * setgroups/setgid/setuid, chdir, umask, execve. Signals arrive blocked (the parent blocked all
 * of them around fork) so no inherited Node handler can run here. `max_fd` bounds the close loop
 * used when close_range is missing. Never returns.
 */
__attribute__((noreturn)) static void child_exec(const struct spawn_args *a, const int child_fds[3], int max_fd)
{
  if (setpgid(0, 0) == -1) {
    const char *parts[] = {"couldn't setpgid: ", errno_name(errno), NULL};
    child_fail(parts);
  }
  /* Reset every disposition: handlers would be reset by execve anyway, but ignored signals
   * (Node ignores SIGPIPE) would survive it. sigaction fails with EINVAL for SIGKILL, SIGSTOP
   * and glibc's internal signals; those are expected and skipped. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) == -1) {
    const char *parts[] = {"couldn't reset the signal mask: ", errno_name(errno), NULL};
    child_fail(parts);
  }
  for (int fd = 0; fd < 3; fd++) {
    while (dup2(child_fds[fd], fd) == -1) {
      if (errno == EINTR) continue;
      const char *parts[] = {"couldn't dup2 a pipe: ", errno_name(errno), NULL};
      child_fail(parts);
    }
  }
  /* supervisord closes 3..minfds-1; close_range covers everything (kernel >= 5.9), the loop is
   * the fallback for older kernels. close() errors (EBADF for unused fds) are the normal case. */
  if (close_range(3, ~0U, 0) == -1)
    for (int fd = 3; fd <= max_fd; fd++) close(fd);

  /* supervisord's drop_privileges: nothing to do when already that uid; only root may switch. */
  if (a->uid != -1 && (uid_t)a->uid != getuid()) {
    if (getuid() != 0) child_fail_setuid(a->uid, "Can't drop privilege as nonroot user");
    gid_t only_gid = (gid_t)a->gid;
    if (setgroups(a->groups ? a->ngroups : 1, a->groups ? a->groups : &only_gid) == -1)
      child_fail_setuid(a->uid, "Could not set groups of effective user");
    if (setgid((gid_t)a->gid) == -1) child_fail_setuid(a->uid, "Could not set group id of effective user");
    if (setuid((uid_t)a->uid) == -1) child_fail_setuid(a->uid, errno_name(errno));
  }
  if (a->cwd && chdir(a->cwd) == -1) {
    const char *parts[] = {"couldn't chdir to ", a->cwd, ": ", errno_name(errno), NULL};
    child_fail(parts);
  }
  if (a->umask != -1) umask((mode_t)a->umask);
  execve(a->file, a->argv, a->envp);
  const char *parts[] = {"couldn't exec ", a->argv[0], ": ", errno_name(errno), NULL};
  child_fail(parts);
}

/* Slow path: fork() and child_exec. All signals are blocked across fork so the child cannot run
 * a Node signal handler before it resets them; the parent also calls setpgid so the new group
 * exists before spawn returns (kill(-pid) right after spawn must not see ESRCH). Returns 0 and
 * the pid, or an errno (in practice fork's: EAGAIN, ENOMEM). */
static int spawn_fork(const struct spawn_args *a, const int child_fds[3], pid_t *pid)
{
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == -1) return errno;
  int max_fd = nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > INT_MAX ? INT_MAX : (int)nofile.rlim_cur - 1;
  sigset_t all, old;
  sigfillset(&all);
  int err = pthread_sigmask(SIG_SETMASK, &all, &old);
  if (err) return err;
  pid_t p = fork();
  if (p == 0) child_exec(a, child_fds, max_fd);
  err = p == -1 ? errno : 0;
  /* pthread_sigmask fails only for an invalid `how`, which SIG_SETMASK is not. */
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (p == -1) return err;
  /* EACCES: the child already exec'd (and so already ran its own setpgid); ESRCH cannot happen
   * because the child is not reaped yet. Either way the child's own setpgid is authoritative. */
  setpgid(p, p);
  *pid = p;
  return 0;
}

/* Fast path: posix_spawn with the same effect as child_exec minus privileges and umask. Returns
 * 0 and the pid, or an errno (a failed chdir or exec included: glibc reaps that child itself). */
static int spawn_posix(const struct spawn_args *a, const int child_fds[3], pid_t *pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;
  int err;
  sigfillset(&all);
  /* glibc's sigfillset leaves out its two internal signals (32 and 33), and its posix_spawn
   * child then sets every blocked signal missing from the default set to SIG_IGN, which execve
   * keeps. Adding them by hand (sigaddset refuses them) makes the child reset them to SIG_DFL,
   * as the fork path leaves them. sigset_t is glibc's array of unsigned long, bit (sig - 1). */
  for (int sig = 32; sig <= 33; sig++)
    all.__val[(sig - 1) / (8 * sizeof all.__val[0])] |= 1UL << ((sig - 1) % (8 * sizeof all.__val[0]));
  sigemptyset(&none);
  if ((err = posix_spawn_file_actions_init(&fa))) return err;
  if ((err = posix_spawnattr_init(&attr))) {
    posix_spawn_file_actions_destroy(&fa);
    return err;
  }
  if (!(err = posix_spawn_file_actions_adddup2(&fa, child_fds[0], 0)) &&
      !(err = posix_spawn_file_actions_adddup2(&fa, child_fds[1], 1)) &&
      !(err = posix_spawn_file_actions_adddup2(&fa, child_fds[2], 2)) &&
      !(err = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) &&
      !(err = a->cwd ? posix_spawn_file_actions_addchdir_np(&fa, a->cwd) : 0) &&
      !(err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) &&
      !(err = posix_spawnattr_setpgroup(&attr, 0)) &&
      !(err = posix_spawnattr_setsigdefault(&attr, &all)) &&
      !(err = posix_spawnattr_setsigmask(&attr, &none)))
    err = posix_spawn(pid, a->file, &fa, &attr, a->argv, a->envp);
  /* The destroy functions only free memory and cannot fail on initialized objects. */
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return err;
}

static void close_if_open(int *fd)
{
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Epoch milliseconds, whole as Date.now()'s (same clock, CLOCK_REALTIME, same truncation): a
 * time taken here is never later than a Date.now() taken after it. */
static double epoch_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

/* What one spawn produced: the child and the parent ends of its pipes, or why there is none. */
struct spawn_result {
  int err;             /* 0, or the errno of `syscall` (no child was created then) */
  const char *syscall; /* "pipe2", "fcntl" or "fork" when err */
  pid_t pid;
  int stdin_fd, stdout_fd, stderr_fd; /* parent ends; stderr_fd is -1 when redirect_stderr */
  double started_at;                  /* epoch ms (whole) just before the child was created */
};

/*
 * Creates the pipes and the child; see js_spawn for the contract. Touches nothing but its
 * arguments, the fds it creates and the child, so it runs on any thread: the pool threads of
 * spawnAsync run it concurrently. Every pipe end is O_CLOEXEC from creation and each child also
 * closes every fd >= 3 before exec (closefrom / close_range), so a child created by one thread
 * never keeps a pipe end another thread has just made. On failure nothing is left open.
 */
static void run_spawn(const struct spawn_args *a, struct spawn_result *r)
{
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  memset(r, 0, sizeof *r);
  r->stdin_fd = r->stdout_fd = r->stderr_fd = -1;
  if ((r->err = make_pipe(in)) || (r->err = make_pipe(out)) || (!a->redirect_stderr && (r->err = make_pipe(err_pipe)))) {
    r->syscall = "pipe2";
    goto fail;
  }
  int flags = fcntl(in[1], F_GETFL);
  if (flags == -1 || fcntl(in[1], F_SETFL, flags | O_NONBLOCK) == -1) {
    r->err = errno;
    r->syscall = "fcntl";
    goto fail;
  }
  const int child_fds[3] = {in[0], out[1], a->redirect_stderr ? out[1] : err_pipe[1]};
  bool needs_fork = a->umask != -1 || a->uid != -1;
  r->started_at = epoch_ms();
  if (needs_fork || spawn_posix(a, child_fds, &r->pid) != 0) {
    if ((r->err = spawn_fork(a, child_fds, &r->pid))) {
      r->syscall = "fork";
      goto fail;
    }
  }
  close_if_open(&in[0]);
  close_if_open(&out[1]);
  close_if_open(&err_pipe[1]);
  r->stdin_fd = in[1];
  r->stdout_fd = out[0];
  r->stderr_fd = err_pipe[0];
  return;

fail:
  close_if_open(&in[0]);
  close_if_open(&in[1]);
  close_if_open(&out[0]);
  close_if_open(&out[1]);
  close_if_open(&err_pipe[0]);
  close_if_open(&err_pipe[1]);
}

/* Closes the parent ends a successful spawn handed over (when they cannot reach JS). */
static void close_result_fds(struct spawn_result *r)
{
  close_if_open(&r->stdin_fd);
  close_if_open(&r->stdout_fd);
  close_if_open(&r->stderr_fd);
}

/* The JS face of a successful spawn: {pid, stdin, stdout, stderr, startedAt}. NULL with an
 * exception pending if it cannot be built (the caller still owns the fds then). */
static napi_value spawn_result_to_js(napi_env env, const struct spawn_result *r)
{
  napi_value obj, at;
  if (!NAPI_OK(napi_create_object(env, &obj)) || !set_number(env, obj, "pid", r->pid) ||
      !set_number(env, obj, "stdin", r->stdin_fd) || !set_number(env, obj, "stdout", r->stdout_fd) ||
      !set_number(env, obj, "stderr", r->stderr_fd) || !NAPI_OK(napi_create_double(env, r->started_at, &at)) ||
      !NAPI_OK(napi_set_named_property(env, obj, "startedAt", at)))
    return NULL;
  return obj;
}

/* Error(code = errno name, message "<syscall> failed: <name>"), as throw_errno throws it. */
static napi_value errno_error(napi_env env, const char *syscall, int err)
{
  char msg[128];
  napi_value code, message, error;
  snprintf(msg, sizeof msg, "%s failed: %s", syscall, errno_name(err));
  if (!NAPI_OK(napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code)) ||
      !NAPI_OK(napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message)) ||
      !NAPI_OK(napi_create_error(env, code, message, &error)))
    return NULL;
  return error;
}

/*
 * spawn(file, argv[], envp[], cwd|null, umask|-1, uid|-1, gid|-1, groups[]|null, redirectStderr)
 *   -> {pid, stdin, stdout, stderr, startedAt}
 * Starts `file` with exactly argv and envp, as its own process-group leader (setpgid(0,0), not
 * setsid), default signal dispositions, an empty signal mask, fds >= 3 closed, and fds 0/1/2 on
 * new pipes. Returns the parent ends (O_CLOEXEC; stdin also O_NONBLOCK); stderr is -1 when
 * redirectStderr, in which case the child's fd 1 and fd 2 are the same pipe (a true 2>&1).
 * startedAt is the epoch ms just before the child was created.
 * posix_spawn is used unless a umask or uid/gid is requested or posix_spawn fails; then fork(),
 * whose child reports chdir/exec/setuid failures on its fd 2 with supervisord's texts and exits
 * 127. Throws Error(code = errno name) only when no child could be created (pipe2: EMFILE,
 * ENFILE; fork: EAGAIN, ENOMEM); no fd is leaked then. Blocks until the child has exec'd (or
 * failed to); spawnAsync does the same work on a pool thread.
 */
static napi_value js_spawn(napi_env env, napi_callback_info info)
{
  napi_value js[9], obj = NULL;
  struct spawn_args a;
  struct spawn_result r;

  if (!get_args(env, info, 9, js)) return NULL;
  if (read_spawn_args(env, js, &a)) {
    run_spawn(&a, &r);
    if (r.err) throw_errno(env, r.syscall, r.err);
    else if (!(obj = spawn_result_to_js(env, &r))) close_result_fds(&r); /* the child runs; JS gets the exception */
  }
  free_spawn_args(&a);
  return obj;
}

/* spawnAsync jobs queued or running, in every Node environment of the process. */
static atomic_int jobs_outstanding;

/* One spawnAsync call: its arguments, its result, and the JS callback to hand the result to. */
struct spawn_job {
  struct spawn_args args;
  struct spawn_result result;
  napi_async_work work;
  napi_ref callback;
};

static void free_spawn_job(napi_env env, struct spawn_job *job)
{
  if (job->callback) napi_delete_reference(env, job->callback);
  if (job->work) napi_delete_async_work(env, job->work);
  free_spawn_args(&job->args);
  free(job);
}

/* On a libuv pool thread. */
static void spawn_job_execute(napi_env env, void *data)
{
  (void)env;
  struct spawn_job *job = data;
  run_spawn(&job->args, &job->result);
}

/* Back on the JS thread: callback(error, null) or callback(null, result), exactly once. */
static void spawn_job_complete(napi_env env, napi_status status, void *data)
{
  struct spawn_job *job = data;
  struct spawn_result *r = &job->result;
  napi_value callback, global, argv[2] = {NULL, NULL}, ignored;
  /* napi_cancelled cannot happen: the job is never cancelled. Should the environment be going
   * away (napi_get_reference_value failing), the child still runs; only its fds are closed. */
  if (status == napi_ok && NAPI_OK(napi_get_reference_value(env, job->callback, &callback)) &&
      NAPI_OK(napi_get_global(env, &global)) && NAPI_OK(napi_get_null(env, &argv[0])) && NAPI_OK(napi_get_null(env, &argv[1]))) {
    napi_value value = r->err ? errno_error(env, r->syscall, r->err) : spawn_result_to_js(env, r);
    if (value) {
      argv[r->err ? 0 : 1] = value;
      if (!r->err) r->stdin_fd = r->stdout_fd = r->stderr_fd = -1; /* owned by JS now */
      /* An exception thrown by the callback stays pending and reaches process 'uncaughtException'. */
      napi_call_function(env, global, callback, 2, argv, &ignored);
    }
  }
  close_result_fds(r);
  free_spawn_job(env, job);
  /* A bulk start queues a job per process, each with its own copy of argv and the environment
   * (about 2 KiB): once the last is done, give that memory back instead of keeping it as RSS. */
  if (atomic_fetch_sub(&jobs_outstanding, 1) == 1) malloc_trim(0);
}

/*
 * spawnAsync(file, argv[], envp[], cwd|null, umask|-1, uid|-1, gid|-1, groups[]|null,
 *            redirectStderr, callback(error, result))
 * What spawn() does, on a libuv pool thread, so the JS thread goes on while the child execs
 * (glibc's posix_spawn blocks its caller until then) and several spawns overlap. The callback
 * runs later on the JS thread with (null, {pid, stdin, stdout, stderr, startedAt}) or with
 * (Error(code = errno name, message "<syscall> failed: <name>"), null), the error spawn() would
 * have thrown. Argument errors throw at once (TypeError); nothing is queued then.
 * Between the child's creation and the callback JS does not know the pid yet: a SIGCHLD for it
 * can arrive first (see NativeSpawner).
 */
static napi_value js_spawn_async(napi_env env, napi_callback_info info)
{
  napi_value js[10], name;
  napi_valuetype t;
  if (!get_args(env, info, 10, js)) return NULL;
  if (!NAPI_OK(napi_typeof(env, js[9], &t))) return NULL;
  if (t != napi_function) return throw_arg(env, "callback", "must be a function"), NULL;
  struct spawn_job *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, "malloc", ENOMEM);
  if (!read_spawn_args(env, js, &job->args) || !NAPI_OK(napi_create_reference(env, js[9], 1, &job->callback)) ||
      !NAPI_OK(napi_create_string_utf8(env, "fleetvisor:spawn", NAPI_AUTO_LENGTH, &name)) ||
      !NAPI_OK(napi_create_async_work(env, NULL, name, spawn_job_execute, spawn_job_complete, job, &job->work)) ||
      !NAPI_OK(napi_queue_async_work(env, job->work))) {
    free_spawn_job(env, job);
    return NULL;
  }
  atomic_fetch_add(&jobs_outstanding, 1);
  napi_value undefined;
  return napi_get_undefined(env, &undefined) == napi_ok ? undefined : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * reap, kill
 * ------------------------------------------------------------------------------------------- */

/*
 * reap() -> [[pid, code|null, signal|null, coreDumped], ...]
 * Collects every child that has exited (ours or reparented to us) with waitpid(-1, WNOHANG)
 * until none is left; never blocks. An empty array means nothing was waiting (or no children).
 * Stopped/continued children are not reported (no WUNTRACED/WCONTINUED).
 */
static napi_value js_reap(napi_env env, napi_callback_info info)
{
  (void)info;
  napi_value list;
  uint32_t n = 0;
  if (!NAPI_OK(napi_create_array(env, &list))) return NULL;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0) break;
    if (pid == -1) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return throw_errno(env, "waitpid", errno);
    }
    napi_value entry, v;
    if (!NAPI_OK(napi_create_array_with_length(env, 4, &entry))) return NULL;
    if (!NAPI_OK(napi_create_int32(env, pid, &v)) || !NAPI_OK(napi_set_element(env, entry, 0, v))) return NULL;
    bool exited = WIFEXITED(status);
    if (exited) {
      if (!NAPI_OK(napi_create_int32(env, WEXITSTATUS(status), &v))) return NULL;
    } else if (!NAPI_OK(napi_get_null(env, &v))) return NULL;
    if (!NAPI_OK(napi_set_element(env, entry, 1, v))) return NULL;
    if (!exited) {
      if (!NAPI_OK(napi_create_int32(env, WTERMSIG(status), &v))) return NULL;
    } else if (!NAPI_OK(napi_get_null(env, &v))) return NULL;
    if (!NAPI_OK(napi_set_element(env, entry, 2, v))) return NULL;
    if (!NAPI_OK(napi_get_boolean(env, !exited && WCOREDUMP(status), &v)) || !NAPI_OK(napi_set_element(env, entry, 3, v)))
      return NULL;
    if (!NAPI_OK(napi_set_element(env, list, n++, entry))) return NULL;
  }
  return list;
}

/*
 * kill(pid, signal, group) -> errno name | null
 * kill(pid, signal), or kill(-pid, signal) for the whole process group when `group`. pid must be
 * > 0: kill(0) or kill(-1) would signal the agent's own group or every process.
 */
static napi_value js_kill(napi_env env, napi_callback_info info)
{
  napi_value js[3], v;
  int64_t pid, sig;
  bool group;
  if (!get_args(env, info, 3, js)) return NULL;
  if (!get_int(env, js[0], "pid", 1, INT32_MAX, &pid) || !get_int(env, js[1], "signal", 0, NSIG - 1, &sig)) return NULL;
  if (!NAPI_OK(napi_get_value_bool(env, js[2], &group))) return NULL;
  if (kill(group ? -(pid_t)pid : (pid_t)pid, (int)sig) == 0) return napi_get_null(env, &v) == napi_ok ? v : NULL;
  return NAPI_OK(napi_create_string_utf8(env, errno_name(errno), NAPI_AUTO_LENGTH, &v)) ? v : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * rlimits
 * ------------------------------------------------------------------------------------------- */

/* 'nofile' or 'nproc' to the RLIMIT_ constant; -1 with a TypeError pending otherwise. */
static int rlimit_resource(napi_env env, napi_value v)
{
  char name[16];
  size_t len;
  napi_valuetype t;
  if (!NAPI_OK(napi_typeof(env, v, &t))) return -1;
  if (t != napi_string) return throw_arg(env, "resource", "must be 'nofile' or 'nproc'"), -1;
  if (!NAPI_OK(napi_get_value_string_utf8(env, v, name, sizeof name, &len))) return -1;
  if (strcmp(name, "nofile") == 0) return RLIMIT_NOFILE;
  if (strcmp(name, "nproc") == 0) return RLIMIT_NPROC;
  return throw_arg(env, "resource", "must be 'nofile' or 'nproc'"), -1;
}

/* A limit to JS: RLIM_INFINITY is Infinity. */
static bool rlim_to_js(napi_env env, rlim_t r, napi_value *out)
{
  return NAPI_OK(napi_create_double(env, r == RLIM_INFINITY ? (double)INFINITY : (double)r, out));
}

/* A limit from JS: Infinity is RLIM_INFINITY, otherwise a non-negative integer. */
static bool rlim_from_js(napi_env env, napi_value v, const char *what, rlim_t *out)
{
  double d;
  napi_valuetype t;
  if (!NAPI_OK(napi_typeof(env, v, &t))) return false;
  if (t != napi_number) return throw_arg(env, what, "must be a number");
  if (!NAPI_OK(napi_get_value_double(env, v, &d))) return false;
  if (d == (double)INFINITY) { *out = RLIM_INFINITY; return true; }
  if (!(d >= 0 && d < 9007199254740992.0) || (double)(uint64_t)d != d) return throw_arg(env, what, "must be a non-negative integer or Infinity");
  *out = (rlim_t)d;
  return true;
}

/* getrlimit(resource) -> {soft, hard}; Infinity means unlimited. Throws on a getrlimit error. */
static napi_value js_getrlimit(napi_env env, napi_callback_info info)
{
  napi_value js[1], obj, soft, hard;
  struct rlimit rl;
  if (!get_args(env, info, 1, js)) return NULL;
  int res = rlimit_resource(env, js[0]);
  if (res < 0) return NULL;
  if (getrlimit(res, &rl) == -1) return throw_errno(env, "getrlimit", errno);
  if (!NAPI_OK(napi_create_object(env, &obj)) || !rlim_to_js(env, rl.rlim_cur, &soft) || !rlim_to_js(env, rl.rlim_max, &hard) ||
      !NAPI_OK(napi_set_named_property(env, obj, "soft", soft)) || !NAPI_OK(napi_set_named_property(env, obj, "hard", hard)))
    return NULL;
  return obj;
}

/* setrlimit(resource, soft, hard) -> errno name | null (EPERM: raising hard without privilege;
 * EINVAL: soft > hard). */
static napi_value js_setrlimit(napi_env env, napi_callback_info info)
{
  napi_value js[3], v;
  struct rlimit rl;
  if (!get_args(env, info, 3, js)) return NULL;
  int res = rlimit_resource(env, js[0]);
  if (res < 0 || !rlim_from_js(env, js[1], "soft", &rl.rlim_cur) || !rlim_from_js(env, js[2], "hard", &rl.rlim_max)) return NULL;
  if (setrlimit(res, &rl) == 0) return napi_get_null(env, &v) == napi_ok ? v : NULL;
  return NAPI_OK(napi_create_string_utf8(env, errno_name(errno), NAPI_AUTO_LENGTH, &v)) ? v : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * users and groups
 * ------------------------------------------------------------------------------------------- */

/* The passwd entry as {name, uid, gid, dir, shell}. */
static napi_value passwd_to_js(napi_env env, const struct passwd *pw)
{
  napi_value obj, s;
  if (!NAPI_OK(napi_create_object(env, &obj))) return NULL;
  if (!NAPI_OK(napi_create_string_utf8(env, pw->pw_name, NAPI_AUTO_LENGTH, &s)) || !NAPI_OK(napi_set_named_property(env, obj, "name", s)))
    return NULL;
  if (!set_number(env, obj, "uid", pw->pw_uid) || !set_number(env, obj, "gid", pw->pw_gid)) return NULL;
  if (!NAPI_OK(napi_create_string_utf8(env, pw->pw_dir, NAPI_AUTO_LENGTH, &s)) || !NAPI_OK(napi_set_named_property(env, obj, "dir", s)))
    return NULL;
  if (!NAPI_OK(napi_create_string_utf8(env, pw->pw_shell, NAPI_AUTO_LENGTH, &s)) || !NAPI_OK(napi_set_named_property(env, obj, "shell", s)))
    return NULL;
  return obj;
}

/* Looks up a passwd entry by name (name != NULL) or by uid with the reentrant calls, growing the
 * buffer on ERANGE. Returns the object, JS null when there is no such user, or NULL with an
 * exception (a lookup error such as EIO from NSS). */
static napi_value lookup_passwd(napi_env env, const char *name, uid_t uid)
{
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  size_t size = hint > 0 ? (size_t)hint : 16384;
  for (;;) {
    struct passwd pw, *found = NULL;
    char *buf = malloc(size);
    if (!buf) return throw_errno(env, "malloc", ENOMEM);
    int err = name ? getpwnam_r(name, &pw, buf, size, &found) : getpwuid_r(uid, &pw, buf, size, &found);
    if (err == ERANGE && size < (1u << 24)) {
      free(buf);
      size *= 2;
      continue;
    }
    napi_value v = NULL;
    if (found) v = passwd_to_js(env, found);
    /* Not found is 0 with no result; glibc may also report it as ENOENT/ESRCH/EBADF/EPERM. */
    else if (err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM) napi_get_null(env, &v);
    else throw_errno(env, name ? "getpwnam_r" : "getpwuid_r", err);
    free(buf);
    return v;
  }
}

/* getpwnam(name) -> {name, uid, gid, dir, shell} | null */
static napi_value js_getpwnam(napi_env env, napi_callback_info info)
{
  napi_value js[1];
  if (!get_args(env, info, 1, js)) return NULL;
  char *name = dup_string(env, js[0], "name");
  if (!name) return NULL;
  napi_value v = lookup_passwd(env, name, 0);
  free(name);
  return v;
}

/* getpwuid(uid) -> {name, uid, gid, dir, shell} | null */
static napi_value js_getpwuid(napi_env env, napi_callback_info info)
{
  napi_value js[1];
  int64_t uid;
  if (!get_args(env, info, 1, js) || !get_int(env, js[0], "uid", 0, (int64_t)UINT32_MAX - 1, &uid)) return NULL;
  return lookup_passwd(env, NULL, (uid_t)uid);
}

/* getgrouplist(name, gid) -> number[]: gid plus every group that lists `name` as a member, the
 * set supervisord passes to setgroups (grp.getgrall() membership, primary gid first). */
static napi_value js_getgrouplist(napi_env env, napi_callback_info info)
{
  napi_value js[2], list, v;
  int64_t gid;
  if (!get_args(env, info, 2, js)) return NULL;
  char *name = dup_string(env, js[0], "name");
  if (!name) return NULL;
  if (!get_int(env, js[1], "gid", 0, (int64_t)UINT32_MAX - 1, &gid)) { free(name); return NULL; }
  int n = 32;
  gid_t *groups = NULL;
  for (;;) {
    gid_t *grown = realloc(groups, (size_t)n * sizeof *groups);
    if (!grown) { free(groups); free(name); return throw_errno(env, "malloc", ENOMEM); }
    groups = grown;
    int want = n;
    if (getgrouplist(name, (gid_t)gid, groups, &want) != -1) { n = want; break; }
    n = want > n ? want : n * 2; /* -1 means too small; `want` is the size needed */
  }
  free(name);
  napi_value result = NULL;
  if (NAPI_OK(napi_create_array_with_length(env, (size_t)n, &list))) {
    result = list;
    for (int i = 0; i < n; i++)
      if (!NAPI_OK(napi_create_int64(env, groups[i], &v)) || !NAPI_OK(napi_set_element(env, list, (uint32_t)i, v))) {
        result = NULL;
        break;
      }
  }
  free(groups);
  return result;
}

/* ---------------------------------------------------------------------------------------------
 * module
 * ------------------------------------------------------------------------------------------- */

static napi_value init(napi_env env, napi_value exports)
{
  const napi_property_descriptor fns[] = {
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"spawnAsync", NULL, js_spawn_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reap", NULL, js_reap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"kill", NULL, js_kill, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getrlimit", NULL, js_getrlimit, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setrlimit", NULL, js_setrlimit, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getpwnam", NULL, js_getpwnam, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getpwuid", NULL, js_getpwuid, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getgrouplist", NULL, js_getgrouplist, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (!NAPI_OK(napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns))) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
