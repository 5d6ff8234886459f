/* metrics.c -- GET /metrics in the Prometheus text format (version 0.0.4).
 *
 *   synesthd_requests_total{route,status}           counter
 *   synesthd_request_duration_seconds{route}        histogram, 1 ms .. 10 s
 *   synesthd_bytes_in_total, synesthd_bytes_out_total
 *   synesthd_jobs_in_flight                         gauge
 *   synesthd_jobs_rejected_total                    counter (503 busy: slots or memory)
 *   synesthd_jobs_cancelled_total                   counter (stopped at a checkpoint)
 *   synesthd_connections_reaped_total{reason}       counter (reaper.c)
 *   synesthd_memory_reserved_bytes, _peak_bytes, synesthd_memory_limit_bytes  gauges
 *   synesthd_process_start_time_seconds             gauge (Unix time)
 *
 * Recording is lock-free (relaxed atomic adds on fixed arrays), so the
 * /healthz hot path pays a few increments; rendering reads the counters
 * without stopping writers, as Prometheus clients do.  The rendered text is
 * malloc'd and handed to the reply. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "server.h"
#include "syn/sandbox.h"

#define MAX_ROUTES 32 /* rows of srv_routes[] plus "none"; far above the table's size */

/* The statuses this server sends; anything else counts as "other". */
static const int statuses[] = {200, 304, 400, 401, 404, 405, 411,
                               413, 415, 422, 429, 500, 501, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Upper bounds in seconds: 1 ms (a /healthz answer) to 10 s (a long conversion). */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET (sizeof buckets / sizeof buckets[0])

static struct {
    _Atomic unsigned long long requests[MAX_ROUTES][NSTATUS];
    _Atomic unsigned long long hist[MAX_ROUTES][NBUCKET + 1]; /* last: +Inf */
    _Atomic unsigned long long sum_us[MAX_ROUTES];
    _Atomic unsigned long long bytes_in, bytes_out, rejected, cancelled;
    _Atomic unsigned long long reaped[SRV_REAP_COUNT];
} M;

static struct timespec start_mono;
static double start_unix;

void srv_metrics_init(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &start_mono);
    clock_gettime(CLOCK_REALTIME, &now);
    start_unix = (double)now.tv_sec + now.tv_nsec / 1e9;
}

double srv_uptime_sec(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start_mono.tv_sec) + (now.tv_nsec - start_mono.tv_nsec) / 1e9;
}

static size_t route_slot(int route)
{
    size_t n = srv_route_count();
    return route < 0 || (size_t)route >= n || n >= MAX_ROUTES ? MAX_ROUTES - 1 : (size_t)route;
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status) return i;
    return NSTATUS - 1;
}

void srv_metrics_request(int route, int status, double seconds, size_t in, size_t out)
{
    size_t r = route_slot(route);
    size_t b = 0;
    while (b < NBUCKET && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&M.requests[r][status_slot(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&M.hist[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&M.sum_us[r], (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
    if (in) atomic_fetch_add_explicit(&M.bytes_in, in, memory_order_relaxed);
    atomic_fetch_add_explicit(&M.bytes_out, out, memory_order_relaxed);
}

void srv_metrics_job_rejected(void)
{
    atomic_fetch_add_explicit(&M.rejected, 1, memory_order_relaxed);
}

void srv_metrics_reaped(srv_reap_reason why)
{
    if ((unsigned)why < SRV_REAP_COUNT)
        atomic_fetch_add_explicit(&M.reaped[why], 1, memory_order_relaxed);
}

void srv_metrics_cancelled(void)
{
    atomic_fetch_add_explicit(&M.cancelled, 1, memory_order_relaxed);
}

static unsigned long long get(_Atomic unsigned long long *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static const char *route_label(size_t r)
{
    return r < srv_route_count() ? srv_routes[r].label : "none";
}

/* The route slot of row i of nroutes: the routes in table order, then the
 * "none" slot (requests that matched no route), kept last in M. */
static size_t row_slot(size_t i, size_t nroutes)
{
    return i + 1 == nroutes ? MAX_ROUTES - 1 : i;
}

/* synesthd_requests_total: one series per route and status seen. */
static void put_requests(srv_strbuf *b, size_t nroutes)
{
    srv_strbuf_printf(b, "# HELP synesthd_requests_total HTTP requests by route and status.\n"
                         "# TYPE synesthd_requests_total counter\n");
    for (size_t i = 0; i < nroutes; i++) {
        size_t r = row_slot(i, nroutes);
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long v = get(&M.requests[r][s]);
            if (!v) continue;
            if (s < NSTATUS - 1)
                srv_strbuf_printf(b, "synesthd_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                                  route_label(r), statuses[s], v);
            else
                srv_strbuf_printf(b,
                                  "synesthd_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                                  route_label(r), v);
        }
    }
}

/* synesthd_request_duration_seconds: a histogram per route. */
static void put_durations(srv_strbuf *b, size_t nroutes)
{
    srv_strbuf_printf(b, "# HELP synesthd_request_duration_seconds Time from a request's headers "
                         "to the end of its answer.\n"
                         "# TYPE synesthd_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nroutes; i++) {
        size_t r = row_slot(i, nroutes);
        unsigned long long cum = 0;
        for (size_t k = 0; k <= NBUCKET; k++) {
            cum += get(&M.hist[r][k]);
            if (k < NBUCKET)
                srv_strbuf_printf(
                    b, "synesthd_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    route_label(r), buckets[k], cum);
            else
                srv_strbuf_printf(
                    b, "synesthd_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                    route_label(r), cum);
        }
        srv_strbuf_printf(b, "synesthd_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                          route_label(r), get(&M.sum_us[r]) / 1e6);
        srv_strbuf_printf(b, "synesthd_request_duration_seconds_count{route=\"%s\"} %llu\n",
                          route_label(r), cum);
    }
}

/* Bytes, jobs, memory and the start time: one value each. */
static void put_totals(srv_strbuf *b)
{
    srv_strbuf_printf(
        b,
        "# HELP synesthd_bytes_in_total Request body bytes received.\n"
        "# TYPE synesthd_bytes_in_total counter\nsynesthd_bytes_in_total %llu\n"
        "# HELP synesthd_bytes_out_total Response body bytes sent.\n"
        "# TYPE synesthd_bytes_out_total counter\nsynesthd_bytes_out_total %llu\n"
        "# HELP synesthd_jobs_in_flight Conversions running now.\n"
        "# TYPE synesthd_jobs_in_flight gauge\nsynesthd_jobs_in_flight %d\n"
        "# HELP synesthd_jobs_rejected_total Conversions refused with 503 (max_jobs reached).\n"
        "# TYPE synesthd_jobs_rejected_total counter\nsynesthd_jobs_rejected_total %llu\n"
        "# HELP synesthd_jobs_cancelled_total Conversions stopped at a checkpoint (client "
        "gone, or the server stopping).\n"
        "# TYPE synesthd_jobs_cancelled_total counter\nsynesthd_jobs_cancelled_total %llu\n"
        "# HELP synesthd_memory_reserved_bytes Bytes reserved by requests in flight "
        "(--max-memory).\n"
        "# TYPE synesthd_memory_reserved_bytes gauge\nsynesthd_memory_reserved_bytes %zu\n"
        "# HELP synesthd_memory_reserved_peak_bytes Highest reservation since start.\n"
        "# TYPE synesthd_memory_reserved_peak_bytes gauge\n"
        "synesthd_memory_reserved_peak_bytes %zu\n"
        "# HELP synesthd_memory_limit_bytes The server-wide budget (--max-memory).\n"
        "# TYPE synesthd_memory_limit_bytes gauge\nsynesthd_memory_limit_bytes %zu\n"
        "# HELP synesthd_process_start_time_seconds Start time of the process since the Unix "
        "epoch.\n"
        "# TYPE synesthd_process_start_time_seconds gauge\n"
        "synesthd_process_start_time_seconds %.3f\n",
        get(&M.bytes_in), get(&M.bytes_out), srv_http_jobs_in_flight(), get(&M.rejected),
        get(&M.cancelled), srv_admit_in_flight(), srv_admit_peak(), srv_admit_max(), start_unix);
}

/* synesthd_connections_reaped_total, by reason. */
static void put_reaped(srv_strbuf *b)
{
    static const char *const reasons[SRV_REAP_COUNT] = {"header_timeout", "slow_body",
                                                        "half_closed", "pressure"};
    srv_strbuf_printf(
        b, "# HELP synesthd_connections_reaped_total Connections shut down for a slow header "
           "or body, a half-close, or under connection pressure.\n"
           "# TYPE synesthd_connections_reaped_total counter\n");
    for (int i = 0; i < SRV_REAP_COUNT; i++)
        srv_strbuf_printf(b, "synesthd_connections_reaped_total{reason=\"%s\"} %llu\n", reasons[i],
                          get(&M.reaped[i]));
}

/* The sandboxed decoders' workers, decodes and failures. */
static void put_decoders(srv_strbuf *b)
{
    syn_sandbox_stats ss;
    syn_sandbox_get_stats(&ss);
    srv_strbuf_printf(
        b,
        "# HELP synesthd_decoder_workers Sandboxed decoder processes alive now.\n"
        "# TYPE synesthd_decoder_workers gauge\nsynesthd_decoder_workers %d\n"
        "# HELP synesthd_decodes_total Decodes run in sandboxed workers.\n"
        "# TYPE synesthd_decodes_total counter\nsynesthd_decodes_total %lu\n"
        "# HELP synesthd_decoder_failures_total Workers lost on an input, by reason.\n"
        "# TYPE synesthd_decoder_failures_total counter\n"
        "synesthd_decoder_failures_total{reason=\"crash\"} %lu\n"
        "synesthd_decoder_failures_total{reason=\"timeout\"} %lu\n"
        "synesthd_decoder_failures_total{reason=\"out_of_memory\"} %lu\n"
        "synesthd_decoder_failures_total{reason=\"cancelled\"} %lu\n"
        "# HELP synesthd_decoder_workers_spawned_total Workers started (at start-up and as "
        "replacements).\n"
        "# TYPE synesthd_decoder_workers_spawned_total counter\n"
        "synesthd_decoder_workers_spawned_total %lu\n"
        "# HELP synesthd_decoder_workers_recycled_total Workers replaced after "
        "--decoder-max-decodes or --decoder-max-rss.\n"
        "# TYPE synesthd_decoder_workers_recycled_total counter\n"
        "synesthd_decoder_workers_recycled_total %lu\n"
        "# HELP synesthd_memory_refused_total Reservations refused (503 busy).\n"
        "# TYPE synesthd_memory_refused_total counter\nsynesthd_memory_refused_total %lu\n",
        ss.workers, ss.decodes, ss.crashed, ss.timeouts, ss.oom, ss.cancelled, ss.spawned,
        ss.recycled, srv_admit_refused());
}

void srv_metrics_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)rq;
    (void)arg;
    srv_strbuf b;
    if (srv_strbuf_init(&b, 8192) < 0) { /* 8 KiB: the usual size of the whole text */
        srv_reply_error(rp, 500, "internal", "", "out of memory");
        return;
    }
    size_t nroutes = srv_route_count() + 1; /* + "none" in the last slot */
    put_requests(&b, nroutes);
    put_durations(&b, nroutes);
    put_totals(&b);
    put_reaped(&b);
    put_decoders(&b);
    size_t len;
    char *text = srv_strbuf_take(&b, &len);
    if (!text) {
        srv_reply_error(rp, 500, "internal", "", "out of memory");
        return;
    }
    srv_reply_bytes(rp, 200, "text/plain; version=0.0.4; charset=utf-8", (uint8_t *)text, len);
}
