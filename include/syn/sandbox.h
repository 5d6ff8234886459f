/* sandbox.h -- untrusted bytes are decoded by libraries in sandboxed worker
 * processes, never in the server's address space.
 *
 * A modality whose decoder hands bytes to a library (stb_image, libpng,
 * libsndfile and its codecs) splits its decode in two:
 *   - `isolated` (a slot of syn_modality): bytes -> planes.  Everything a
 *     library does with the bytes happens here.  It reads its bounds from a
 *     syn_iso_req, asks for budget before it allocates (syn_iso_budget),
 *     writes its planes into syn_iso_output() and small header numbers and
 *     a text line into the syn_iso_res.
 *   - `decode`, in the caller's process: cheap pre-checks with good
 *     messages, then syn_isolate(), then everything that is our own code
 *     (grids, semantics) on the planes it got back.
 *
 * syn_isolate() runs `isolated` in a worker when the server has started the
 * pool (syn_sandbox_start), and in-process otherwise (the CLI, the unit
 * tests, the fuzzers): the same function either way, so tests of the CLI
 * path test the code the workers run.
 *
 * Workers (sandbox.c): spawned from the server's own binary
 * ("synesthd decode-worker"), each confined after set-up by a seccomp-bpf
 * allow-list (libseccomp: no open, no socket, no exec), RLIMIT_AS, a CPU
 * bound per decode and PR_SET_PDEATHSIG.  Bytes go in and planes come out
 * through memfds mapped on both sides, so the pixels are written once.  A
 * worker that crashes, hangs past decode_timeout_sec or runs out of memory
 * becomes SYN_E_DECODER (422 decoder_failed) and is replaced; a worker is
 * recycled after decoder_max_decodes decodes or when its RSS passes
 * decoder_max_rss, so that a library's leak cannot accumulate.
 *
 * Ownership: syn_isolate() fills *res, released with syn_iso_release(). */
#ifndef SYN_SANDBOX_H
#define SYN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"
#include "syn/limits.h"
#include "syn/modality.h"

/* What an isolated decode may do: copied to the worker as plain data. */
typedef struct syn_iso_req {
    int op;           /* modality-defined: what to decode           */
    int flags;        /* modality-defined                           */
    long max_side;    /* image: width or height                     */
    long max_pixels;  /* image: width * height                      */
    int max_channels; /* audio                                       */
    int min_rate, max_rate;
    double max_sec; /* audio: decoded seconds                      */
} syn_iso_req;

#define SYN_ISO_NUMS 8
#define SYN_ISO_TEXT 512

typedef struct syn_iso_res {
    long num[SYN_ISO_NUMS];  /* header numbers (modality-defined)          */
    char text[SYN_ISO_TEXT]; /* a text line (the synesthd map), "" if none */
    const void *data;        /* the planes, read-only; NULL if none        */
    size_t len;              /* bytes at data                              */
    /* private to sandbox.c */
    void *buf_;
    size_t cap_;
    int fd_;     /* memfd behind buf_ (worker) or data (caller), or -1 */
    int mapped_; /* data is an mmap of fd_ in the caller               */
    int chan_;   /* the worker's socket while a decode runs, or -1     */
} syn_iso_res;

/* Run m->isolated on p[n] (in a worker if the pool runs).  0, or -1 with
 * *e: the decoder's own error, or SYN_E_DECODER when the worker crashed,
 * hung or ran out of memory.  *res is released with syn_iso_release()
 * whether it succeeded or not. */
int syn_isolate(const syn_modality *m, const uint8_t *p, size_t n, const syn_iso_req *rq,
                syn_iso_res *res, syn_err *e);
void syn_iso_release(syn_iso_res *res);

/* --- inside an isolated function --------------------------------------- */
/* Ask for the budget of what it is about to allocate or compute (job.h:
 * the request's budget and the server's), before it does.  In a worker the
 * question goes to the server's job thread.  0, or -1 with *e. */
int syn_iso_budget(syn_iso_res *r, size_t bytes, double cpu_sec, const char *what,
                   const char *lower, syn_err *e);
/* The output buffer, grown (keeping its contents) to at least bytes.
 * NULL with *e when it cannot be.  res->len is the caller's to set. */
void *syn_iso_output(syn_iso_res *r, size_t bytes, syn_err *e);

/* --- the pool (server only) --------------------------------------------- */
typedef struct syn_sandbox_stats {
    unsigned long decodes;   /* decodes run in workers              */
    unsigned long spawned;   /* workers started                     */
    unsigned long crashed;   /* died on a signal or exited mid-job  */
    unsigned long timeouts;  /* killed past decode_timeout_sec      */
    unsigned long oom;       /* ran out of their RLIMIT_AS          */
    unsigned long recycled;  /* replaced after max decodes or RSS   */
    unsigned long cancelled; /* killed because the client had gone */
    int workers;             /* alive now                           */
} syn_sandbox_stats;

/* Start the pool: lim->decoders workers, spawned now from exe (the server
 * binary).  Call before any thread when possible.  0, or -1 with *e. */
int syn_sandbox_start(const char *exe, const syn_limits *lim, syn_err *e);
void syn_sandbox_stop(void);
int syn_sandbox_running(void);
void syn_sandbox_get_stats(syn_sandbox_stats *s);

/* The worker's main loop, on the socket at fd 3: main() calls it for
 * "synesthd decode-worker".  Returns the process exit status. */
int syn_sandbox_worker_main(int argc, char **argv);

/* The argv[1] that starts a worker. */
#define SYN_SANDBOX_WORKER_ARG "decode-worker"

#endif
