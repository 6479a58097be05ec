// hwtrack: the processor's dirty bits for a range of this process's memory, Xen 3.3 style.
//
// Armed: the range is registered with an asynchronous write-protect userfaultfd (UFFD_FEATURE_WP_ASYNC):
// the kernel resolves the first store to each protected page by itself, and PAGEMAP_SCAN
// (PM_SCAN_WP_MATCHING) returns the pages written since the last scan and protects them again.
// Dropped: the range is registered with a second, synchronous write-protect userfaultfd instead. The
// first store faults: a handler thread switches the range back to the asynchronous userfaultfd, wakes
// the writer (UFFDIO_WAKE: unregistering alone leaves it blocked) and tells JavaScript through a
// thread-safe function. Switching registrations clears every write-protect bit; the handler protects
// the range again before it releases the writer, and the first scan after the re-arm is exact, unless
// the faulting thread ran during the switch (a signal lets it out of the fault and its store through
// while neither registration holds the range: its schedstat run count tells): then that scan reports
// "all pages possibly written" (-1), Xen's ENODATA. Only the thread that queries may store into the
// range (both machines run the guest on the main thread).
//
// Rules kept here: the main thread never waits for the handler thread while it holds the mutex, and the
// handler thread never waits for the main thread (no JavaScript, no blocking queue), so a store that
// faults on the main thread is always released. close() always unregisters and wakes.
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>

// Linux 6.7 user API; the build machine's headers may be older (Debian 12 ships 6.1's).
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef PAGEMAP_SCAN
struct page_region {
  __u64 start;
  __u64 end;
  __u64 categories;
};
struct pm_scan_arg {
  __u64 size;
  __u64 flags;
  __u64 start;
  __u64 end;
  __u64 walk_end;
  __u64 vec;
  __u64 vec_len;
  __u64 max_pages;
  __u64 category_inverted;
  __u64 category_mask;
  __u64 category_anyof_mask;
  __u64 return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN (1 << 1)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

#define PAGE 4096u
#define SCAN_DIRTY -1   // re-armed since the last scan: every page may have been written
#define SCAN_DROPPED -2 // dropped: nothing can have been written without a fault

enum { ARMED = 0, DROPPED = 1 };

typedef struct track {
  uintptr_t base;
  size_t len;
  uint32_t npages;
  int async_fd, sync_fd, pagemap_fd, kick_fd;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t mu;
  // guarded by mu
  int state;
  int rearmed;      // a fault re-armed tracking since the last scan
  int hold;         // test hook: leave faulting writers blocked
  int pending;      // fault messages read and not yet resolved
  int stop;
  int broken;       // errno of a failed switch: tracking is not trustworthy any more
  uint64_t faults;  // fault messages read
  uint64_t rearms;
  uint64_t exact_rearms; // re-arms after which the next scan is exact
  uint64_t drops;
  uint32_t first, nr;    // the range drop() protected
  uint32_t last_tid;     // the thread of the last fault
  int switch_delay_us;   // test hook: a pause inside the switch, where only a running writer can store
  uint32_t tids[16];     // threads blocked in the faults read (handler thread only)
  int ntids;
  // main thread only
  int closed;
  int user_mode_only;
  struct page_region *vec;
  size_t vec_len;
  napi_threadsafe_function tsfn;
  napi_env env;
} track;

// ----- errors -----

static napi_value throw_msg(napi_env env, const char *what, int err) {
  char buf[256];
  if (err) snprintf(buf, sizeof buf, "hwtrack: %s: %s", what, strerror(err));
  else snprintf(buf, sizeof buf, "hwtrack: %s", what);
  napi_throw_error(env, NULL, buf);
  return NULL;
}

#define NAPI_OK(call)                                   \
  do {                                                  \
    if ((call) != napi_ok) return throw_msg(env, #call, 0); \
  } while (0)

// ----- userfaultfd -----

static int make_uffd(int *user_mode_only) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == EPERM) {
    // vm.unprivileged_userfaultfd = 0 still allows faults from user mode only
    fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd >= 0 && user_mode_only) *user_mode_only = 1;
  }
  return fd;
}

static int uffd_api(int fd, uint64_t features) {
  struct uffdio_api api = {.api = UFFD_API, .features = features};
  return ioctl(fd, UFFDIO_API, &api) < 0 ? errno : 0;
}

static int uffd_register(int fd, uintptr_t start, size_t len) {
  struct uffdio_register reg = {.range = {.start = start, .len = len}, .mode = UFFDIO_REGISTER_MODE_WP};
  return ioctl(fd, UFFDIO_REGISTER, &reg) < 0 ? errno : 0;
}

static int uffd_unregister(int fd, uintptr_t start, size_t len) {
  struct uffdio_range r = {.start = start, .len = len};
  return ioctl(fd, UFFDIO_UNREGISTER, &r) < 0 ? errno : 0;
}

static int uffd_protect(int fd, uintptr_t start, size_t len, int on) {
  struct uffdio_writeprotect wp = {.range = {.start = start, .len = len}, .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
  return ioctl(fd, UFFDIO_WRITEPROTECT, &wp) < 0 ? errno : 0;
}

static void uffd_wake(int fd, uintptr_t start, size_t len) {
  struct uffdio_range r = {.start = start, .len = len};
  ioctl(fd, UFFDIO_WAKE, &r);
}

static void drain_fd(int fd) {
  char buf[sizeof(struct uffd_msg) * 16];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

#define SYNC_FEATURES ((uint64_t)(UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_THREAD_ID))
#define ASYNC_FEATURES ((uint64_t)(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED))

// ----- probing: can this process use the hardware bits at all? -----

static const char *kernel_release(void) {
  static struct utsname u;
  return uname(&u) == 0 ? u.release : "?";
}

// Returns "" when everything needed works, else why not. fake_missing: feature bits to treat as absent (tests).
static void probe(uint64_t fake_missing, char *why, size_t n) {
  why[0] = 0;
#if !defined(__x86_64__)
  snprintf(why, n, "not an x86_64 build");
  return;
#endif
  int fd = make_uffd(NULL);
  if (fd < 0) {
    int e = errno;
    snprintf(why, n, "userfaultfd: %s%s", strerror(e),
             e == ENOSYS || e == EPERM ? " (blocked by seccomp or not built into the kernel)" : "");
    return;
  }
  struct uffdio_api api = {.api = UFFD_API, .features = 0};
  if (ioctl(fd, UFFDIO_API, &api) < 0) {
    snprintf(why, n, "UFFDIO_API: %s", strerror(errno));
    close(fd);
    return;
  }
  close(fd);
  uint64_t have = api.features & ~fake_missing;
  if (!(have & UFFD_FEATURE_WP_ASYNC) || !(have & UFFD_FEATURE_WP_UNPOPULATED)) {
    snprintf(why, n, "kernel %s lacks userfaultfd %s (needs Linux 6.7)", kernel_release(),
             !(have & UFFD_FEATURE_WP_ASYNC) ? "WP_ASYNC" : "WP_UNPOPULATED");
    return;
  }
  // a real round trip on one page: register, protect, write, scan
  void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    snprintf(why, n, "mmap: %s", strerror(errno));
    return;
  }
  int pm = -1, e = 0;
  const char *step = "";
  fd = make_uffd(NULL);
  if (fd < 0) e = errno, step = "userfaultfd";
  else if ((e = uffd_api(fd, ASYNC_FEATURES))) step = "UFFDIO_API";
  else if ((e = uffd_register(fd, (uintptr_t)p, PAGE))) step = "UFFDIO_REGISTER";
  else if ((e = uffd_protect(fd, (uintptr_t)p, PAGE, 1))) step = "UFFDIO_WRITEPROTECT";
  else if ((pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) < 0) e = errno, step = "/proc/self/pagemap";
  else {
    *(volatile char *)p = 1;
    struct page_region r;
    struct pm_scan_arg a = {.size = sizeof a, .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, .start = (uintptr_t)p,
                            .end = (uintptr_t)p + PAGE, .vec = (uintptr_t)&r, .vec_len = 1,
                            .category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN};
    long got = ioctl(pm, PAGEMAP_SCAN, &a);
    if (got < 0) {
      e = errno;
      if (e == ENOTTY || e == EINVAL) snprintf(why, n, "kernel %s lacks PAGEMAP_SCAN (needs Linux 6.7)", kernel_release());
      else step = "PAGEMAP_SCAN";
    } else if (got != 1) snprintf(why, n, "PAGEMAP_SCAN did not report a written page");
  }
  if (e && !why[0]) snprintf(why, n, "%s: %s", step, strerror(e));
  if (pm >= 0) close(pm);
  if (fd >= 0) close(fd);
  munmap(p, PAGE);
}

// ----- switching between the two registrations (mutex held) -----

static int arm_async(track *t) {
  return uffd_register(t->async_fd, t->base, t->len);
}

// dropped -> armed, the switch: from the synchronous registration to the asynchronous one (every
// protection bit is gone after it). Returns 0, or the errno that broke tracking.
static int leave_sync(track *t) {
  int e = uffd_unregister(t->sync_fd, t->base, t->len);
  if (e) uffd_protect(t->sync_fd, t->base, t->len, 0); // cannot leave it: release the writers at least
  else e = arm_async(t);
  if (e) t->broken = e;
  return e;
}

// dropped -> armed, the end: release every writer blocked on a fault (unregistering does not)
static void woken_armed(track *t, int exact) {
  uffd_wake(t->sync_fd, t->base, t->len);
  t->state = ARMED;
  t->rearmed = !exact;
}

// dropped -> armed by the main thread: the next scan reports all
static void rearm_locked(track *t) {
  leave_sync(t);
  woken_armed(t, 0);
}

// How many times a thread of this process has been scheduled in (schedstat's third field), or -1.
static long long thread_runs(uint32_t tid) {
  char path[64], buf[128];
  snprintf(path, sizeof path, "/proc/self/task/%u/schedstat", tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  unsigned long long run, wait, slices;
  return sscanf(buf, "%llu %llu %llu", &run, &wait, &slices) == 3 ? (long long)slices : -1;
}

#define MAX_TIDS 16

// dropped -> armed after faults by threads tids[0..n): protect the range again before waking them; exact if
// none of them ran meanwhile (a thread that did not run did not store), else the next scan reports all
static void rearm_after_fault(track *t, const uint32_t *tids, int n) {
  long long before[MAX_TIDS];
  int known = n > 0;
  for (int i = 0; i < n; i++)
    if ((before[i] = thread_runs(tids[i])) < 0) known = 0;
  int e = leave_sync(t);
  int exact = 0;
  if (!e && known) {
    if (t->switch_delay_us) usleep((useconds_t)t->switch_delay_us);
    if (uffd_protect(t->async_fd, t->base + (uintptr_t)t->first * PAGE, (size_t)t->nr * PAGE, 1) == 0) {
      exact = 1;
      for (int i = 0; i < n; i++)
        if (thread_runs(tids[i]) != before[i]) exact = 0;
    }
  }
  woken_armed(t, exact);
  t->rearms++;
  if (exact) t->exact_rearms++;
}

// ----- the handler thread -----

static void *handler_main(void *arg) {
  track *t = arg;
  struct pollfd pf[2] = {{.fd = t->sync_fd, .events = POLLIN}, {.fd = t->kick_fd, .events = POLLIN}};
  for (;;) {
    if (poll(pf, 2, -1) < 0 && errno != EINTR) {
      // should not happen; do not spin, do not exit while writers may block
      usleep(1000);
    }
    uint64_t v;
    while (read(t->kick_fd, &v, sizeof v) > 0) {
    }
    int notify = 0;
    pthread_mutex_lock(&t->mu);
    if (t->stop) {
      pthread_mutex_unlock(&t->mu);
      break;
    }
    struct uffd_msg msg[16];
    ssize_t got;
    while ((got = read(t->sync_fd, msg, sizeof msg)) > 0) {
      for (size_t i = 0; i < (size_t)got / sizeof msg[0]; i++) {
        if (msg[i].event != UFFD_EVENT_PAGEFAULT) continue;
        t->faults++;
        uint32_t tid = msg[i].arg.pagefault.feat.ptid;
        t->last_tid = tid;
        int seen = 0;
        for (int j = 0; j < t->ntids; j++) seen |= t->tids[j] == tid;
        if (!seen && t->ntids < MAX_TIDS) t->tids[t->ntids++] = tid;
        else if (!seen) t->ntids = MAX_TIDS + 1; // too many writers to follow: report all
        t->pending++;
      }
    }
    if (t->pending > 0 && !t->hold) {
      if (t->state == DROPPED) {
        rearm_after_fault(t, t->tids, t->ntids <= MAX_TIDS ? t->ntids : 0);
        notify = 1;
      } else {
        uffd_wake(t->sync_fd, t->base, t->len);
      }
      t->pending = 0;
      t->ntids = 0;
    }
    pthread_mutex_unlock(&t->mu);
    // never blocks: the queue is unbounded and the call only signals the event loop
    if (notify) napi_call_threadsafe_function(t->tsfn, NULL, napi_tsfn_nonblocking);
  }
  return NULL;
}

static void call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  (void)data;
  if (env == NULL || fn == NULL) return;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, fn, 0, NULL, NULL);
}

// ----- lifetime -----

static void track_close(track *t) {
  if (t->closed) return;
  t->closed = 1;
  if (t->thread_started) {
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_mutex_unlock(&t->mu);
    uint64_t one = 1;
    if (write(t->kick_fd, &one, sizeof one) < 0) {
    }
    pthread_join(t->thread, NULL);
    t->thread_started = 0;
  }
  if (t->sync_fd >= 0) {
    uffd_unregister(t->sync_fd, t->base, t->len);
    // a writer blocked on a fault stays blocked through UFFDIO_UNREGISTER: wake it
    uffd_wake(t->sync_fd, t->base, t->len);
  }
  if (t->async_fd >= 0) uffd_unregister(t->async_fd, t->base, t->len);
  if (t->sync_fd >= 0) close(t->sync_fd); // closing also wakes and unregisters whatever is left
  if (t->async_fd >= 0) close(t->async_fd);
  if (t->pagemap_fd >= 0) close(t->pagemap_fd);
  if (t->kick_fd >= 0) close(t->kick_fd);
  t->sync_fd = t->async_fd = t->pagemap_fd = t->kick_fd = -1;
  if (t->tsfn) {
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_abort);
    t->tsfn = NULL;
  }
  free(t->vec);
  t->vec = NULL;
}

// close and free a handle that never reached JavaScript
static void track_free(track *t) {
  track_close(t);
  pthread_mutex_destroy(&t->mu);
  free(t);
}

static void env_cleanup(void *arg) {
  track_close(arg);
}

static void finalize_track(napi_env env, void *data, void *hint) {
  (void)hint;
  track *t = data;
  if (!t->closed) {
    napi_remove_env_cleanup_hook(env, env_cleanup, t);
    track_close(t);
  }
  pthread_mutex_destroy(&t->mu);
  free(t);
}

static track *get_track(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    throw_msg(env, "not a handle", 0);
    return NULL;
  }
  track *t = p;
  if (t->closed) {
    throw_msg(env, "handle is closed", 0);
    return NULL;
  }
  return t;
}

// ----- argument helpers -----

static int get_view(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) return 0;
  size_t el = type == napi_uint32_array || type == napi_int32_array || type == napi_float32_array ? 4
              : type == napi_uint16_array || type == napi_int16_array                           ? 2
              : type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
                                                                                                 : 1;
  *data = p;
  *len = length * el;
  return 1;
}

static int get_range(napi_env env, track *t, napi_value a, napi_value b, uint32_t *first, uint32_t *nr) {
  if (napi_get_value_uint32(env, a, first) != napi_ok || napi_get_value_uint32(env, b, nr) != napi_ok) {
    throw_msg(env, "page range must be two unsigned integers", 0);
    return 0;
  }
  if (*nr == 0 || (uint64_t)*first + *nr > t->npages) {
    throw_msg(env, "page range outside the tracked memory", 0);
    return 0;
  }
  return 1;
}

// The arguments of a call on a handle: `want` of them (fewer throws `usage`), the open handle in argv[0],
// and, with first and nr given, the page range in argv[1] and argv[2]. NULL after throwing.
static track *handle_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage, uint32_t *first, uint32_t *nr) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_msg(env, "napi_get_cb_info", 0);
    return NULL;
  }
  if (argc < want) {
    throw_msg(env, usage, 0);
    return NULL;
  }
  track *t = get_track(env, argv[0]);
  if (t && first && !get_range(env, t, argv[1], argv[2], first, nr)) return NULL;
  return t;
}

// ----- the JavaScript API -----

// probe([fakeMissingFeatureBits]) -> "" or the reason hardware tracking cannot run here
static napi_value js_probe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t fake = 0;
  if (argc >= 1) napi_get_value_uint32(env, argv[0], &fake);
  char why[256];
  probe(fake, why, sizeof why);
  napi_value out;
  NAPI_OK(napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &out));
  return out;
}

// address(view) -> host address of the view's first byte (a Number; user addresses fit in 53 bits)
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *p;
  size_t len;
  if (argc < 1 || !get_view(env, argv[0], &p, &len)) return throw_msg(env, "address: expected a typed array", 0);
  napi_value out;
  NAPI_OK(napi_create_double(env, (double)(uintptr_t)p, &out));
  return out;
}

// open(view, onFault) -> handle. The view must be page-aligned and a whole number of pages.
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *p;
  size_t len;
  if (argc < 2 || !get_view(env, argv[0], &p, &len)) return throw_msg(env, "open: expected (view, onFault)", 0);
  if (((uintptr_t)p & (PAGE - 1)) || len == 0 || (len & (PAGE - 1))) return throw_msg(env, "open: the view must be page-aligned whole pages", 0);
  track *t = calloc(1, sizeof *t);
  if (!t) return throw_msg(env, "open", ENOMEM);
  t->base = (uintptr_t)p;
  t->len = len;
  t->npages = (uint32_t)(len / PAGE);
  t->async_fd = t->sync_fd = t->pagemap_fd = t->kick_fd = -1;
  t->env = env;
  pthread_mutex_init(&t->mu, NULL);
  int e = 0;
  const char *step = "";
  napi_value name;
  if ((t->async_fd = make_uffd(&t->user_mode_only)) < 0) e = errno, step = "userfaultfd";
  else if ((t->sync_fd = make_uffd(&t->user_mode_only)) < 0) e = errno, step = "userfaultfd";
  else if ((e = uffd_api(t->async_fd, ASYNC_FEATURES))) step = "UFFDIO_API (async)";
  else if ((e = uffd_api(t->sync_fd, SYNC_FEATURES))) step = "UFFDIO_API (sync)";
  else if ((t->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) < 0) e = errno, step = "/proc/self/pagemap";
  else if ((t->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) e = errno, step = "eventfd";
  else if (!(t->vec_len = t->npages < 4096 ? t->npages : 4096) || !(t->vec = calloc(t->vec_len, sizeof *t->vec))) e = ENOMEM, step = "vec";
  else if (napi_create_string_utf8(env, "hwtrack-fault", NAPI_AUTO_LENGTH, &name) != napi_ok ||
           napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &t->tsfn) != napi_ok)
    e = EINVAL, step = "napi_create_threadsafe_function (onFault must be a function)";
  else if ((e = arm_async(t))) step = "UFFDIO_REGISTER";
  else if ((e = pthread_create(&t->thread, NULL, handler_main, t))) step = "pthread_create";
  else t->thread_started = 1;
  if (e) {
    char what[128];
    snprintf(what, sizeof what, "open: %s", step);
    track_free(t);
    return throw_msg(env, what, e);
  }
  // a dropped tracker must not keep the process alive by itself
  napi_unref_threadsafe_function(env, t->tsfn);
  napi_add_env_cleanup_hook(env, env_cleanup, t);
  napi_value out;
  if (napi_create_external(env, t, finalize_track, NULL, &out) != napi_ok) {
    napi_remove_env_cleanup_hook(env, env_cleanup, t);
    track_free(t);
    return throw_msg(env, "open: napi_create_external", 0);
  }
  return out;
}

// protect(h, first, nr): armed, with pages [first, first+nr) protected: the next scan starts clean.
static napi_value js_protect(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t first, nr;
  track *t = handle_args(env, info, 3, argv, "protect: expected (h, first, nr)", &first, &nr);
  if (!t) return NULL;
  pthread_mutex_lock(&t->mu);
  if (t->state == DROPPED) rearm_locked(t);
  int e = t->broken;
  if (!e) e = uffd_protect(t->async_fd, t->base + (uintptr_t)first * PAGE, (size_t)nr * PAGE, 1);
  t->rearmed = 0;
  pthread_mutex_unlock(&t->mu);
  if (e) return throw_msg(env, "protect", e);
  return NULL;
}

// unprotect(h): armed, nothing protected: stores cost nothing (tracking stopped).
static napi_value js_unprotect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  track *t = handle_args(env, info, 1, argv, "unprotect: expected (h)", NULL, NULL);
  if (!t) return NULL;
  pthread_mutex_lock(&t->mu);
  if (t->state == DROPPED) rearm_locked(t);
  int e = t->broken ? t->broken : uffd_protect(t->async_fd, t->base, t->len, 0);
  pthread_mutex_unlock(&t->mu);
  if (e) return throw_msg(env, "unprotect", e);
  return NULL;
}

static int scan_locked(track *t, uint32_t first, uint32_t nr, uint32_t *bits, int wp, uint64_t max_pages, long *count) {
  struct pm_scan_arg a = {
      .size = sizeof a,
      .flags = (wp ? PM_SCAN_WP_MATCHING : 0) | PM_SCAN_CHECK_WPASYNC,
      .start = t->base + (uint64_t)first * PAGE,
      .end = t->base + ((uint64_t)first + nr) * PAGE,
      .vec = (uintptr_t)t->vec,
      .vec_len = t->vec_len,
      .max_pages = max_pages,
      .category_mask = PAGE_IS_WRITTEN,
      .return_mask = PAGE_IS_WRITTEN,
  };
  long total = 0;
  for (;;) {
    long got = ioctl(t->pagemap_fd, PAGEMAP_SCAN, &a);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (long i = 0; i < got; i++) {
      uint64_t p0 = (t->vec[i].start - t->base) / PAGE - first;
      uint64_t p1 = (t->vec[i].end - t->base) / PAGE - first;
      total += (long)(p1 - p0);
      if (bits)
        for (uint64_t p = p0; p < p1; p++) bits[p >> 5] |= 1u << (p & 31);
    }
    if (max_pages && total >= (long)max_pages) break;
    if (a.walk_end >= a.end || a.walk_end <= a.start) break;
    a.start = a.walk_end;
  }
  *count = total;
  return 0;
}

// scan(h, first, nr, bitmap: Uint32Array) -> pages written since the last scan (bits set in bitmap,
// bit i = page first+i, which it protects again), SCAN_DIRTY (-1) after a re-arm (all may be written;
// protected again now), or SCAN_DROPPED (-2) while dropped (no system call).
static napi_value js_scan(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint32_t first, nr;
  track *t = handle_args(env, info, 4, argv, "scan: expected (h, first, nr, bitmap)", &first, &nr);
  if (!t) return NULL;
  uint8_t *bp;
  size_t blen;
  if (!get_view(env, argv[3], &bp, &blen) || blen < ((size_t)nr + 31) / 32 * 4 || ((uintptr_t)bp & 3))
    return throw_msg(env, "scan: bitmap must be a Uint32Array of (nr + 31) >> 5 words", 0);
  // a bitmap inside the protected range would fault while the mutex is held
  if ((uintptr_t)bp < t->base + t->len && (uintptr_t)bp + blen > t->base) return throw_msg(env, "scan: bitmap inside the tracked memory", 0);
  memset(bp, 0, ((size_t)nr + 31) / 32 * 4);
  pthread_mutex_lock(&t->mu);
  long count = 0;
  int e = 0;
  if (t->state == DROPPED) count = SCAN_DROPPED;
  else if (t->broken) {
    e = t->broken;
  } else {
    int rearmed = t->rearmed;
    t->rearmed = 0;
    e = scan_locked(t, first, nr, rearmed ? NULL : (uint32_t *)bp, 1, 0, &count);
    if (e) t->rearmed = 1; // pages protected by a failed scan were never reported: repaint all next time
    else if (rearmed) count = SCAN_DIRTY;
  }
  pthread_mutex_unlock(&t->mu);
  if (e) return throw_msg(env, "scan", e);
  napi_value out;
  NAPI_OK(napi_create_int64(env, count, &out));
  return out;
}

// peek(h, first, nr) -> whether any page was written since the last scan (nothing is cleared)
static napi_value js_peek(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t first, nr;
  track *t = handle_args(env, info, 3, argv, "peek: expected (h, first, nr)", &first, &nr);
  if (!t) return NULL;
  pthread_mutex_lock(&t->mu);
  long count = 0;
  int e = 0;
  if (t->state == DROPPED) count = 0;
  else if (t->rearmed || t->broken) count = 1;
  else e = scan_locked(t, first, nr, NULL, 0, 1, &count);
  pthread_mutex_unlock(&t->mu);
  if (e) return throw_msg(env, "peek", e);
  napi_value out;
  NAPI_OK(napi_get_boolean(env, count > 0, &out));
  return out;
}

// drop(h, first, nr): synchronous write-protect of [first, first+nr); the next store there faults.
// Call it right after a scan that found nothing, on the thread that writes the memory.
static napi_value js_drop(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t first, nr;
  track *t = handle_args(env, info, 3, argv, "drop: expected (h, first, nr)", &first, &nr);
  if (!t) return NULL;
  pthread_mutex_lock(&t->mu);
  int e = 0;
  const char *step = "";
  if (t->state == DROPPED) {
    pthread_mutex_unlock(&t->mu);
    return NULL;
  }
  if (t->broken) e = t->broken, step = "tracking lost earlier";
  else {
    drain_fd(t->sync_fd);
    t->pending = 0;
    t->ntids = 0;
    t->first = first;
    t->nr = nr;
    if ((e = uffd_unregister(t->async_fd, t->base, t->len))) step = "UFFDIO_UNREGISTER (async)";
    else if ((e = uffd_register(t->sync_fd, t->base, t->len))) {
      step = "UFFDIO_REGISTER (sync)";
      if (arm_async(t)) t->broken = e;
      t->rearmed = 1;
    } else if ((e = uffd_protect(t->sync_fd, t->base + (uintptr_t)first * PAGE, (size_t)nr * PAGE, 1))) {
      step = "UFFDIO_WRITEPROTECT (sync)";
      t->state = DROPPED;
      rearm_locked(t);
    } else {
      t->state = DROPPED;
      t->drops++;
    }
  }
  pthread_mutex_unlock(&t->mu);
  if (e) {
    char what[96];
    snprintf(what, sizeof what, "drop: %s", step);
    return throw_msg(env, what, e);
  }
  return NULL;
}

// close(h): unregister, wake every writer, stop the thread, close the descriptors. Idempotent.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) return throw_msg(env, "close: not a handle", 0);
  track *t = p;
  if (!t->closed) {
    napi_remove_env_cleanup_hook(env, env_cleanup, t);
    track_close(t);
  }
  return NULL;
}

// setHold(h, on): test hook. While on, faulting writers are left blocked; off releases them.
static napi_value js_set_hold(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  track *t = handle_args(env, info, 2, argv, "setHold: expected (h, on)", NULL, NULL);
  bool on;
  if (!t || napi_get_value_bool(env, argv[1], &on) != napi_ok) return NULL;
  pthread_mutex_lock(&t->mu);
  t->hold = on;
  pthread_mutex_unlock(&t->mu);
  uint64_t one = 1;
  if (write(t->kick_fd, &one, sizeof one) < 0) return throw_msg(env, "setHold: eventfd", errno);
  return NULL;
}

// _setSwitchDelayForTest(h, us): pause that long inside each re-arm, between the two registrations.
static napi_value js_set_switch_delay(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  track *t = handle_args(env, info, 2, argv, "_setSwitchDelayForTest: expected (h, us)", NULL, NULL);
  int32_t us;
  if (!t || napi_get_value_int32(env, argv[1], &us) != napi_ok) return NULL;
  pthread_mutex_lock(&t->mu);
  t->switch_delay_us = us < 0 ? 0 : us;
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

// _signalThreadForTest(tid, signo): tgkill one thread of this process (wakes a writer blocked on a fault).
static napi_value js_signal_thread(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t tid, sig;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &tid) != napi_ok || napi_get_value_uint32(env, argv[1], &sig) != napi_ok)
    return throw_msg(env, "_signalThreadForTest: expected (tid, signo)", 0);
  if (syscall(SYS_tgkill, getpid(), tid, sig) != 0) return throw_msg(env, "_signalThreadForTest: tgkill", errno);
  return NULL;
}

static void set_num(napi_env env, napi_value obj, const char *k, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, k, n);
}

// stats(h) -> { dropped, faults, rearms, drops, pending, userModeOnly, broken }
static napi_value js_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  track *t = handle_args(env, info, 1, argv, "stats: expected (h)", NULL, NULL);
  if (!t) return NULL;
  napi_value o;
  NAPI_OK(napi_create_object(env, &o));
  pthread_mutex_lock(&t->mu);
  set_num(env, o, "dropped", t->state == DROPPED);
  set_num(env, o, "faults", (double)t->faults);
  set_num(env, o, "rearms", (double)t->rearms);
  set_num(env, o, "exactRearms", (double)t->exact_rearms);
  set_num(env, o, "lastFaultTid", t->last_tid);
  set_num(env, o, "drops", (double)t->drops);
  set_num(env, o, "pending", t->pending);
  set_num(env, o, "broken", t->broken);
  pthread_mutex_unlock(&t->mu);
  set_num(env, o, "userModeOnly", t->user_mode_only);
  return o;
}

// _denyForTest(what): install a seccomp filter on this whole process, as a container profile would:
// "userfaultfd" -> userfaultfd(2) fails with EPERM; "pagemap-scan" -> the PAGEMAP_SCAN ioctl fails with
// ENOTTY (what a kernel before 6.7 answers). Irreversible: for child processes in tests only.
static napi_value js_deny_for_test(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char what[32] = "";
  size_t n;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], what, sizeof what, &n) != napi_ok) return throw_msg(env, "_denyForTest: expected a name", 0);
  struct sock_filter uffd[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_filter scan[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)PAGEMAP_SCAN, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog;
  if (strcmp(what, "userfaultfd") == 0) prog = (struct sock_fprog){.len = sizeof uffd / sizeof uffd[0], .filter = uffd};
  else if (strcmp(what, "pagemap-scan") == 0) prog = (struct sock_fprog){.len = sizeof scan / sizeof scan[0], .filter = scan};
  else return throw_msg(env, "_denyForTest: unknown name (userfaultfd, pagemap-scan)", 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return throw_msg(env, "_denyForTest: PR_SET_NO_NEW_PRIVS", errno);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) return throw_msg(env, "_denyForTest: seccomp", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"probe", NULL, js_probe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"protect", NULL, js_protect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unprotect", NULL, js_unprotect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scan", NULL, js_scan, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peek", NULL, js_peek, NULL, NULL, NULL, napi_enumerable, NULL},
      {"drop", NULL, js_drop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setHold", NULL, js_set_hold, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_denyForTest", NULL, js_deny_for_test, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_setSwitchDelayForTest", NULL, js_set_switch_delay, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_signalThreadForTest", NULL, js_signal_thread, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
