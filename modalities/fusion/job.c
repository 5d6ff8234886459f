/* job.c -- the per-thread job: checkpoints and cost reservations (job.h). */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "syn/job.h"

static _Thread_local syn_job *cur_;

void syn_job_begin(syn_job *j)
{
    cur_ = j;
}

void syn_job_end(void)
{
    cur_ = NULL;
}

syn_job *syn_job_current(void)
{
    return cur_;
}

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The first failed checkpoint records why (a loop deep in the DSP may
 * pass NULL); every later one, with an error record, repeats it. */
static int stop(syn_job *j, syn_err *e)
{
    if (e) *e = j->why;
    return -1;
}

int syn_job_check(syn_err *e)
{
    syn_job *j = cur_;
    if (!j) return 0;
    j->checks++;
    if (j->stopped) return stop(j, e);
    if (j->gone && j->gone(j->cls)) {
        j->stopped = 1;
        syn_fail(&j->why, SYN_E_CANCELLED, "",
                 "the client went away or the server is stopping; the conversion stopped");
        return stop(j, e);
    }
    if (j->deadline > 0 && now_sec() > j->deadline) {
        j->stopped = 1;
        syn_fail(&j->why, SYN_E_LIMIT, "ask for less work, or raise --max-job-sec",
                 "the conversion ran past its deadline (--max-job-sec) and was stopped");
        return stop(j, e);
    }
    return 0;
}

int syn_job_reserve(size_t bytes, double cpu_sec, const char *what, const char *lower, syn_err *e)
{
    syn_job *j = cur_;
    if (!j) return 0;
    if (j->stopped) return stop(j, e);
    if (j->mem_limit && (bytes > j->mem_limit || j->mem_reserved > j->mem_limit - bytes)) {
        char hint[256];
        snprintf(hint, sizeof hint, "%s, or raise --max-request-memory",
                 lower ? lower : "ask for less");
        return syn_fail(e, SYN_E_LIMIT, hint,
                        "%s needs about %.0f MB; the request's memory budget is %.0f MB", what,
                        (double)(j->mem_reserved + bytes) / 1e6, (double)j->mem_limit / 1e6);
    }
    if (j->cpu_limit > 0 && j->cpu_reserved + cpu_sec > j->cpu_limit) {
        char hint[256];
        snprintf(hint, sizeof hint, "%s, or raise --max-request-cpu",
                 lower ? lower : "ask for less");
        return syn_fail(e, SYN_E_LIMIT, hint,
                        "%s needs about %.1f core-seconds; the request's CPU budget is %.1f", what,
                        j->cpu_reserved + cpu_sec, j->cpu_limit);
    }
    if (bytes && j->admit && j->admit(j->cls, bytes) < 0)
        return syn_fail(e, SYN_E_BUSY, "retry in a few seconds",
                        "the server's memory budget (--max-memory) is in use by other requests");
    j->mem_reserved += bytes;
    j->cpu_reserved += cpu_sec;
    return 0;
}

/* One FFT of size n costs about 2.5 n log2 n flops.  Measured on the
 * 2-core build machine with the whole Griffin-Lim loop around each frame
 * (window, overlap-add, momentum, magnitude): 60 s of 44.1 kHz took 2.21 s
 * for an estimate of 2.16, 20 s of 192 kHz stereo 14.4 s for 16.2, i.e.
 * about 4 Gflop/s of FFT-equivalent work in one thread. */
#define COST_SEC_PER_FLOP (1.0 / 4.0e9)

double syn_cost_fft(double n, int nfft)
{
    if (nfft < 2 || n <= 0) return 0;
    return n * 2.5 * nfft * log2((double)nfft) * COST_SEC_PER_FLOP;
}
