/* Counts heap allocations of at least 1 MiB in a process, for measuring whether a training loop reuses
 * its buffers. Preloaded (LD_PRELOAD) in front of the C library's allocator; Python reads the counters
 * through ctypes.CDLL(None). Swift arrays are allocated with malloc, or posix_memalign when aligned;
 * calloc is left alone (dlsym may call it while the wrapper resolves it, and the engine does not use it).
 * Built and used by bench/steady_state.py and python/tests/test_steady_state.py. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

static const size_t large = 1 << 20;
static atomic_long large_count, large_bytes;

static void note(size_t n) {
    if (n >= large) {
        atomic_fetch_add(&large_count, 1);
        atomic_fetch_add(&large_bytes, (long)n);
    }
}

void *malloc(size_t n) {
    static void *(*next)(size_t);
    if (!next) next = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    note(n);
    return next(n);
}

void *realloc(void *p, size_t n) {
    static void *(*next)(void *, size_t);
    if (!next) next = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    note(n);
    return next(p, n);
}

int posix_memalign(void **p, size_t alignment, size_t n) {
    static int (*next)(void **, size_t, size_t);
    if (!next) next = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    note(n);
    return next(p, alignment, n);
}

void *aligned_alloc(size_t alignment, size_t n) {
    static void *(*next)(size_t, size_t);
    if (!next) next = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    note(n);
    return next(alignment, n);
}

long large_allocation_count(void) { return atomic_load(&large_count); }
long large_allocation_bytes(void) { return atomic_load(&large_bytes); }
