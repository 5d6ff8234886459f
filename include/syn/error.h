/* error.h -- the one error record every layer fills.
 *
 * The model (modalities/, fusion/) knows no HTTP, so it reports a *kind*;
 * its stable code comes from syn_errdefs and server/reply.c maps it to
 * one HTTP status.
 * Messages are formatted into bounded buffers and never hold raw user input
 * (the JSON encoder escapes whatever ends up there anyway). */
#ifndef SYN_ERROR_H
#define SYN_ERROR_H

#include <stddef.h>

typedef enum syn_errkind {
    SYN_OK = 0,
    SYN_E_BADREQ,      /* malformed request or option value       -> 400 */
    SYN_E_EMPTY,       /* no input at all                          -> 400 */
    SYN_E_UNSUPPORTED, /* unknown type, magic or codec             -> 415 */
    SYN_E_INVALID,     /* right type, but corrupt or truncated     -> 422 */
    SYN_E_LIMIT,       /* decoded size beyond a configured limit   -> 422 */
    SYN_E_TOOLARGE,    /* body beyond the byte limit               -> 413 */
    SYN_E_NOMEM,       /* allocation failed                        -> 500 */
    SYN_E_INTERNAL,    /* a bug or a library failure               -> 500 */
    SYN_E_DECODER,     /* the sandboxed decoder crashed, hung or ran
                          out of memory on this input              -> 422 */
    SYN_E_BUSY,        /* the server-wide memory budget is full     -> 503 */
    SYN_E_CANCELLED    /* the client went away, or the server is
                          stopping: the job stopped at a checkpoint -> 503 */
} syn_errkind;

typedef struct syn_err {
    syn_errkind kind;
    char message[256]; /* one sentence, what went wrong */
    char hint[256];    /* one sentence, what to do about it ("" if none) */
} syn_err;

/* Fill *e (if e is non-NULL) and return -1, so callers can write
 *     return syn_fail(e, SYN_E_INVALID, "use a PNG", "PNG is %s", why);      */
int syn_fail(syn_err *e, syn_errkind kind, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The one table of kinds (latent.c): each kind's stable code, the one
 * clients may rely on, and what it means.  server/reply.c adds only the
 * HTTP status; GET /v1 lists the rows. */
typedef struct syn_errdef {
    syn_errkind kind;
    const char *code;    /* "bad_request", "invalid_input" ...          */
    const char *meaning; /* one line                                    */
} syn_errdef;
extern const syn_errdef syn_errdefs[]; /* ends with a row whose code is NULL */

/* Stable machine-readable code for a kind: "bad_request", "invalid_input" ... */
const char *syn_errkind_code(syn_errkind kind);

#endif
