/* job.h -- the running conversion's budget and cancellation, per thread.
 *
 * The server (server/job.c via http.c) starts a syn_job on the thread that
 * runs a conversion; the CLI and the unit tests run without one, and then
 * every call below is a no-op that succeeds.  The model never knows HTTP:
 * it sees two callbacks.
 *
 *   syn_job_check()    a checkpoint, between Griffin-Lim iterations, STFT
 *                      blocks and synthesis chunks: -1 with SYN_E_CANCELLED
 *                      when the client has gone (or the server is
 *                      stopping), SYN_E_LIMIT past the wall-clock deadline.
 *   syn_job_reserve()  before a step allocates or computes: its estimated
 *                      bytes and core-seconds are added to the request's
 *                      totals, which must stay within the request's budget
 *                      (SYN_E_LIMIT, with a hint naming the option to
 *                      lower), and the bytes are admitted against the
 *                      server-wide budget (SYN_E_BUSY beyond it).
 *
 * Reservations last until the job ends: the server releases the total. */
#ifndef SYN_JOB_H
#define SYN_JOB_H

#include <stddef.h>
#include "syn/error.h"

typedef struct syn_job {
    /* 1 when the answer is no longer wanted (client gone, shutdown) */
    int (*gone)(void *cls);
    /* server-wide admission of more bytes: 0 granted, -1 full */
    int (*admit)(void *cls, size_t bytes);
    void *cls;
    double deadline;     /* CLOCK_MONOTONIC seconds; 0: none           */
    size_t mem_limit;    /* the request's byte budget; 0: none          */
    double cpu_limit;    /* the request's core-second budget; 0: none   */
    size_t mem_reserved; /* admitted so far (released by the server)    */
    double cpu_reserved;
    unsigned checks; /* checkpoints passed                           */
    int stopped;     /* a checkpoint has failed: every later one too */
    syn_err why;     /* ... with this error, repeated by later checks */
} syn_job;

/* The job of the calling thread (NULL: none).  begin sets it, end clears. */
void syn_job_begin(syn_job *j);
void syn_job_end(void);
syn_job *syn_job_current(void);

/* 0, or -1 with *e (SYN_E_CANCELLED or SYN_E_LIMIT). */
int syn_job_check(syn_err *e);

/* what: "decoding the sound", lower: "send a shorter sound" or "lower
 * duration or sample_rate".  0, or -1 with *e (SYN_E_LIMIT, SYN_E_BUSY). */
int syn_job_reserve(size_t bytes, double cpu_sec, const char *what, const char *lower, syn_err *e);

/* Core-seconds of n complex FFTs of size nfft, for estimates: measured
 * with FFTW's measured plans on the 2-core build machine (job.c). */
double syn_cost_fft(double n, int nfft);

#endif
