/* lf_common.h -- what the libFuzzer harnesses (tests/fuzz/lf_*.c) share.
 *
 * Each harness is one file with LLVMFuzzerTestOneInput; the modalities are
 * set up once, in LLVMFuzzerInitialize, as the server does at start-up.
 * The first input byte picks a variant (target, want_grid/want_sem,
 * options); the rest is the file.  tests/fuzz/README.md explains the
 * layout of each harness's input, and make_seeds.sh / make_repro.py write
 * files in it.
 *
 * A call may succeed or fail, but a failure must be a defined error: a -1
 * without a kind or a message, or a 0 without an output, aborts (a crash
 * is what libFuzzer records). */
#ifndef LF_COMMON_H
#define LF_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/error.h"
#include "syn/job.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void lf_die(const char *what, const syn_err *e)
{
    fprintf(stderr, "lf: %s (kind %d, message '%.256s')\n", what, e ? (int)e->kind : -1,
            e ? e->message : "");
    abort();
}

static inline void lf_init_modalities(void)
{
    if (syn_modalities_init() < 0) {
        fprintf(stderr, "lf: syn_modalities_init failed (fonts? espeak-ng data?)\n");
        exit(1);
    }
}

/* Limits that keep one call cheap: pictures up to 256 x 256 (64 Kpx),
 * sounds up to 2 s, outputs of 0.5 s and 128 px.  The checks against them
 * run before any decode, so the fuzzer still reaches every header path. */
static inline void lf_small_limits(syn_limits *l)
{
    syn_limits_default(l);
    l->max_pixels = 256L * 256;
    l->max_side = 1024;
    l->max_audio_in_sec = 2;
    l->max_audio_out_sec = 0.5;
    l->max_out_side = 128;
}

/* A job with the server's per-request budgets (limits.c), so that the
 * model's cost reservations (job.h) are exercised as under the server.
 * No admission callback: one call at a time. */
static inline void lf_job_begin(syn_job *j, const syn_limits *l)
{
    memset(j, 0, sizeof *j);
    j->mem_limit = l->max_request_memory;
    j->cpu_limit = l->max_request_cpu;
    syn_job_begin(j);
}

/* After a call: a defined outcome, or abort. */
static inline void lf_check_rc(int rc, const syn_err *e)
{
    if (rc == 0) return;
    if (rc != -1) lf_die("call returned neither 0 nor -1", e);
    if (e->kind == SYN_OK) lf_die("-1 without an error kind", e);
    if (!memchr(e->message, 0, sizeof e->message) || !e->message[0])
        lf_die("-1 without a message", e);
}

/* Poison an error record, so that a -1 that skipped syn_fail shows. */
static inline void lf_poison(syn_err *e)
{
    memset(e, 0, sizeof *e);
}

#endif
