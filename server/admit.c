/* admit.c -- the server-wide memory budget (--max-memory).
 *
 * Every request holds a reservation from its first call to its completion:
 * its body (Content-Length, or the route's cap for a chunked body) as soon
 * as the headers are in, then each conversion step's estimate
 * (syn_job_reserve, job.h) before the step runs.  A reservation that does
 * not fit is refused at once: 503 + Retry-After, never a wait that holds
 * memory.  Lock-free: one compare-and-swap loop on the total in flight. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "server.h"

static size_t max_;               /* bytes; set by srv_admit_init     */
static _Atomic size_t in_flight_; /* reserved now                     */
static _Atomic size_t peak_;      /* highest in_flight_ since start   */
static _Atomic unsigned long refused_;

/* cgroup v2's memory.max (or v1's limit_in_bytes) of this process, or 0. */
static size_t cgroup_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max",
                                        "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) continue;
        char buf[64] = {0};
        int ok = fgets(buf, sizeof buf, f) != NULL;
        fclose(f);
        unsigned long long v;
        if (ok && strncmp(buf, "max", 3) != 0 && sscanf(buf, "%llu", &v) == 1 &&
            v < (1ull << 60)) /* v1 says "no limit" with a huge number */
            return (size_t)v;
    }
    return 0;
}

size_t srv_admit_default_max(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    size_t ram = pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz : (size_t)1 << 30;
    size_t cg = cgroup_limit();
    size_t base = cg && cg < ram ? cg : ram;
    return base / 4 * 3; /* limits.c: the rest is the process's own */
}

void srv_admit_init(size_t max_bytes)
{
    max_ = max_bytes;
    atomic_store(&in_flight_, 0);
    atomic_store(&peak_, 0);
}

int srv_admit_reserve(size_t bytes)
{
    size_t cur = atomic_load(&in_flight_);
    do {
        if (bytes > max_ || cur > max_ - bytes) {
            atomic_fetch_add(&refused_, 1);
            return -1;
        }
    } while (!atomic_compare_exchange_weak(&in_flight_, &cur, cur + bytes));
    size_t now = cur + bytes, pk = atomic_load(&peak_);
    while (now > pk && !atomic_compare_exchange_weak(&peak_, &pk, now))
        ;
    return 0;
}

void srv_admit_release(size_t bytes)
{
    atomic_fetch_sub(&in_flight_, bytes);
}

size_t srv_admit_in_flight(void)
{
    return atomic_load(&in_flight_);
}

size_t srv_admit_peak(void)
{
    return atomic_load(&peak_);
}

size_t srv_admit_max(void)
{
    return max_;
}

unsigned long srv_admit_refused(void)
{
    return atomic_load(&refused_);
}
