/* limits.h -- every limit in one struct (STYLE.md §8).
 *
 * Each field has a default, a --flag and a SYNESTHD_* environment variable;
 * server/config.c holds that table and GET /v1 reports it.  The model reads
 * the fields it needs (pixels, seconds, rates, channels) before decoding. */
#ifndef SYN_LIMITS_H
#define SYN_LIMITS_H

#include <stddef.h>

typedef struct syn_limits {
    size_t max_body_bytes;    /* request body cap (413 beyond it)            */
    long max_pixels;          /* decoded image width*height                  */
    int max_side;             /* decoded image width or height               */
    double max_audio_in_sec;  /* decoded audio duration                      */
    double max_audio_out_sec; /* generated audio duration (option `duration`)*/
    int min_sample_rate;      /* accepted input and output rates             */
    int max_sample_rate;
    int max_channels;       /* decoded audio channels                      */
    int max_out_side;       /* generated picture width or height           */
    int max_jobs;           /* concurrent conversions; 503 beyond it       */
    int max_connections;    /* libmicrohttpd connection limit              */
    int per_ip_connections; /* libmicrohttpd per-IP limit                  */
    int conn_timeout_sec;   /* idle connection timeout                     */
    int shutdown_grace_sec; /* SIGTERM: time left for in-flight requests   */
    /* --- cost budgets (job.h, server/admit.c) ------------------------------ */
    size_t max_memory;         /* server-wide bytes in flight; 0 = from the machine */
    size_t max_request_memory; /* one request's estimated bytes                   */
    double max_request_cpu;    /* one request's estimated core-seconds            */
    double max_job_sec;        /* wall-clock deadline of one conversion           */
    /* --- request framing (server/http.c) ----------------------------------- */
    int max_parts;          /* multipart parts and fields of one request   */
    size_t max_field_bytes; /* one option value (form field or query)      */
    int max_query_args;     /* query-string arguments                      */
    int header_timeout_sec; /* whole request header, from the first byte   */
    size_t min_body_rate;   /* bytes/s a body must keep up after the grace */
    /* --- sandboxed decoders (modalities/sandbox.c) --------------------------- */
    int decoders;              /* worker processes; 0 = max_jobs               */
    double decode_timeout_sec; /* wall clock of one decode in a worker         */
    size_t decoder_memory;     /* RLIMIT_AS of a worker; 0 = request + 256 MiB */
    int decoder_max_decodes;   /* a worker is replaced after this many decodes */
    size_t decoder_max_rss;    /* ... or when its RSS grows beyond this        */
} syn_limits;

/* The defaults, each with its reason, live in modalities/limits.c. */
void syn_limits_default(syn_limits *l);

#endif
