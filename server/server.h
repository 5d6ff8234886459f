/* server.h -- the map of server/, the HTTP front end of synesthd.
 *
 * Layering: server/ -> modalities/ -> modalities/fusion/.  Only server/
 * includes microhttpd.h (and only http.c does) and jansson.h.  Handlers
 * never see libmicrohttpd: http.c fills a srv_request (route, headers,
 * query arguments, body or multipart parts) and turns the srv_reply a
 * handler fills into an MHD_Response.
 *
 * One banner per file, in the order a request travels through them. */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"
#include "syn/limits.h"
#include "syn/modality.h"

#ifndef SYNESTHD_VERSION
#define SYNESTHD_VERSION "0.1.0"
#endif

typedef struct srv_request srv_request;
typedef struct srv_reply srv_reply;

/* ---------------------------------------------------------------------------
 * tools/embed.c -- the host tool that writes this table (build/static_assets.c).
 * ------------------------------------------------------------------------ */
typedef struct srv_asset {
    const char *path;          /* URL path, "/index.html"                    */
    const char *mime;          /* "text/html; charset=utf-8", ...            */
    const unsigned char *data; /* the file's bytes (static storage)          */
    size_t len;
    const char *etag; /* quoted strong ETag: FNV-1a 64 of the bytes */
} srv_asset;

extern const srv_asset srv_assets[]; /* terminated by a row with path NULL */

/* ---------------------------------------------------------------------------
 * strbuf.c -- the one string builder, and the one bounded ", " list join.
 * ------------------------------------------------------------------------ */
/* A growing NUL-terminated text on the heap.  An allocation failure sets bad
 * and stops growth; the text is then lost, and srv_strbuf_take says so. */
typedef struct srv_strbuf {
    char *p;
    size_t len, cap;
    int bad;
} srv_strbuf;
/* Start with cap bytes (the usual size of the whole text).  0, or -1. */
int srv_strbuf_init(srv_strbuf *b, size_t cap);
void srv_strbuf_printf(srv_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (malloc'd: the caller frees it with free()) and its length, or
 * NULL when an allocation failed (everything is freed then).  b is empty after. */
char *srv_strbuf_take(srv_strbuf *b, size_t *len);
void srv_strbuf_free(srv_strbuf *b); /* drop the text */
/* Append item to the list "a, b, c" in buf[n], *used bytes long so far
 * (start with *used = 0 and buf[0] = 0).  0, or -1 when it does not fit:
 * buf then ends with what fitted, NUL-terminated, and *used is unchanged. */
int srv_join(char *buf, size_t n, size_t *used, const char *item);

/* ---------------------------------------------------------------------------
 * config.c -- flags > SYNESTHD_* environment > defaults.
 * ------------------------------------------------------------------------ */
typedef struct srv_config {
    syn_limits limits;
    char bind[64];        /* numeric IPv4 or IPv6 address                     */
    int port;             /* 0 picks a free port                              */
    int threads;          /* libmicrohttpd thread pool size                   */
    char static_dir[512]; /* "" = serve the embedded copy of static/          */
    char api_key[128];    /* "" = /v1 is open; else Bearer KEY is required    */
} srv_config;

typedef enum srv_cfgtype {
    SRV_CT_SIZE,
    SRV_CT_LONG,
    SRV_CT_INT,
    SRV_CT_DBL,
    SRV_CT_STR
} srv_cfgtype;

/* One row per setting; GET /v1 and --help print this table. */
typedef struct srv_cfgdef {
    const char *flag; /* "max-body" (used as --max-body)                    */
    const char *env;  /* "SYNESTHD_MAX_BODY"                                */
    size_t offset;    /* into srv_config                                    */
    srv_cfgtype type;
    double min, max;  /* numeric range (STR: max = buffer size)             */
    int is_limit;     /* 1: a syn_limits field, reported under "limits"     */
    const char *help; /* what it bounds and why the default                 */
} srv_cfgdef;

extern const srv_cfgdef srv_cfgdefs[]; /* terminated by a row with flag NULL */

/* Defaults, then the environment.  Returns 0, or -1 with *e filled. */
int srv_config_init(srv_config *c, syn_err *e);
/* Set one setting by flag name (without "--").  Returns 1 when set, 0 when
 * name is not a setting, -1 with *e filled for a bad value. */
int srv_config_set(srv_config *c, const char *name, const char *value, syn_err *e);
/* argv[*i] is "--name" or "--name=value": copies the name into name[n] and
 * returns the value (advancing *i past a separate one), or NULL if missing. */
const char *srv_flag_value(int argc, char **argv, int *i, char *name, size_t n);
/* Cross-field checks and derived defaults (max_jobs 0 -> 2 x CPUs). */
int srv_config_finish(srv_config *c, syn_err *e);
/* Parse the serve command line: exits 0 on --help/--version, exits 2 with
 * a message on a bad flag or value. */
void srv_config_parse_argv(srv_config *c, int argc, char **argv);
/* A setting's current value as text (for /v1 and --help). */
void srv_config_value(const srv_config *c, const srv_cfgdef *d, char *buf, size_t n);
double srv_config_number(const srv_config *c, const srv_cfgdef *d);
void srv_config_usage(const char *prog); /* to stdout */
int srv_cpu_count(void);

/* ---------------------------------------------------------------------------
 * http.c -- the only adapter to libmicrohttpd.
 * ------------------------------------------------------------------------ */
typedef struct srv_kv {
    char *name, *value; /* malloc'd, NUL-terminated                          */
    size_t len;         /* value length (a form field may hold any bytes)    */
} srv_kv;

typedef struct srv_part {
    char *name;    /* form field name: a modality ("image", "audio")    */
    char *ctype;   /* the part's Content-Type, or NULL                  */
    uint8_t *data; /* the part's bytes                                  */
    size_t len, cap;
} srv_part;

struct srv_route;

struct srv_request {
    const struct srv_route *route;
    const srv_config *cfg;
    const char *method; /* "GET", "HEAD" or "POST" (static strings)         */
    char *path;
    char *ctype;         /* Content-Type header, or NULL                     */
    char *if_none_match; /* If-None-Match header, or NULL                    */
    srv_kv *args;        /* query string, in order                           */
    size_t nargs;
    srv_kv *fields; /* multipart fields that are not modalities         */
    size_t nfields;
    srv_part *parts; /* multipart parts named after a modality           */
    size_t nparts;
    uint8_t *body; /* raw body (not multipart)                         */
    size_t body_len, body_cap;
    int multipart; /* 1: body arrived as multipart/form-data           */
};

typedef struct srv_header {
    char *name, *value;
} srv_header;

struct srv_reply {
    int status;
    const char *ctype; /* static string                             */
    uint8_t *body;     /* response bytes                            */
    size_t len;
    void (*free_fn)(void *); /* frees free_cls after sending; NULL: body is static */
    void *free_cls;
    srv_header *hdrs; /* extra headers, malloc'd                   */
    size_t nhdrs;
};

/* log.c -- the access log, one line per request, written in batches */
#define LOG_FLUSH_MS 50 /* the longest a line waits; main.c flushes this often */
void srv_log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void srv_log_flush(void);

/* Start the daemon on cfg (bind, port, threads, limits).  0 or -1 + *e. */
int srv_http_start(const srv_config *cfg, syn_err *e);
int srv_http_port(void); /* the real bound port                    */
/* SIGTERM: stop accepting, wait up to grace_sec for in-flight requests,
 * stop.  Returns the number of requests still running (0 = clean stop). */
int srv_http_shutdown(int grace_sec);
int srv_http_jobs_in_flight(void); /* conversions running now */

/* ---------------------------------------------------------------------------
 * reaper.c -- slow and half-closed connections: a table of the open
 * connections with their phase, and a thread that shuts down the sockets of
 * those past their deadline.  http.c reports each connection's life.
 * ------------------------------------------------------------------------ */
typedef enum srv_conn_phase {
    SRV_PH_HEADER = 0, /* waiting for a header (an idle keep-alive too)       */
    SRV_PH_BODY,       /* receiving the body                                  */
    SRV_PH_PROCESSING, /* the handler runs                                    */
    SRV_PH_SENDING     /* the answer is queued                                */
} srv_conn_phase;
/* Why the reaper shut a connection down (counted by metrics.c). */
typedef enum srv_reap_reason {
    SRV_REAP_HEADER,      /* header not complete within header_timeout_sec  */
    SRV_REAP_SLOW_BODY,   /* body below min_body_rate                       */
    SRV_REAP_HALF_CLOSED, /* the client half-closed before its request ended */
    SRV_REAP_PRESSURE,    /* near max_connections: a header older than 1 s  */
    SRV_REAP_COUNT
} srv_reap_reason;
typedef struct srv_conn srv_conn;
/* A new connection on socket fd (-1: unknown, never reaped), in the header
 * phase.  NULL when out of memory: untracked, only the idle timeout applies. */
srv_conn *srv_conn_open(int fd);
/* Unlink and free (NULL is ignored); call before the socket is closed. */
void srv_conn_close(srv_conn *t);
void srv_conn_set_phase(srv_conn *t, srv_conn_phase phase); /* NULL is ignored */
void srv_conn_body(srv_conn *t, size_t n);                  /* n more body bytes; NULL ignored */
/* The thread, under the limits l (kept: they must outlive it).  0, or -1 + *e. */
int srv_reaper_start(const syn_limits *l, syn_err *e);
void srv_reaper_stop(void); /* joins the thread; nothing if it never started */

/* ---------------------------------------------------------------------------
 * admit.c -- the server-wide memory budget (--max-memory), lock-free.
 * ------------------------------------------------------------------------ */
size_t srv_admit_default_max(void); /* 3/4 of the cgroup limit or of RAM */
void srv_admit_init(size_t max_bytes);
int srv_admit_reserve(size_t bytes); /* 0, or -1 when it would exceed the budget */
void srv_admit_release(size_t bytes);
size_t srv_admit_in_flight(void);
size_t srv_admit_peak(void);
size_t srv_admit_max(void);
unsigned long srv_admit_refused(void);

/* ---------------------------------------------------------------------------
 * routes.c -- the one route table; the router's checks use it.
 * ------------------------------------------------------------------------ */
enum { SRV_GET = 1, SRV_HEAD = 2, SRV_POST = 4 };
enum {
    SRV_R_JOB = 1,     /* runs on a worker thread, counted against max_jobs   */
    SRV_R_ASSETS = 2,  /* path matches any static asset (and "/")             */
    SRV_R_MODALITY = 4 /* path ends in "{modality}": any registered modality   */
};
/* max_body: 0 = the route takes no body; SRV_BODY_LIMIT = limits.max_body_bytes */
#define SRV_BODY_LIMIT ((size_t)-1)
/* In a route's type list: any MIME type a registered modality accepts. */
#define SRV_TYPES_MODALITIES "@modalities"

typedef void (*srv_handler)(srv_request *rq, srv_reply *rp, const char *arg);

typedef struct srv_route {
    unsigned methods; /* SRV_GET | SRV_HEAD | SRV_POST             */
    const char *path;
    srv_handler handler;
    const char *arg; /* handler argument ("image" for generate)   */
    size_t max_body;
    const char *const *types;  /* accepted Content-Types (NULL: any/none)   */
    unsigned flags;            /* SRV_R_*                                   */
    const char *label;         /* metrics label                             */
    const char *description;   /* one line for GET /v1                      */
    const char *const *inputs; /* the route's own input names besides the
                                  modalities' ("a", "b"), NULL-terminated  */
} srv_route;

extern const srv_route srv_routes[]; /* terminated by a row with path NULL */
size_t srv_route_count(void);

/* Find the route for path (any method).  NULL: 404. */
const srv_route *srv_route_find(const char *path, const srv_config *cfg);
/* The handler argument for path: the row's, or for a SRV_R_MODALITY row
 * the modality's name (static). */
const char *srv_route_arg(const srv_route *r, const char *path);
unsigned srv_method_bit(const char *method); /* 0 if unknown */
/* "GET, HEAD" into buf, for the Allow header. */
void srv_route_allow(const srv_route *r, char *buf, size_t n);
/* 1 if the route accepts this Content-Type (parameters ignored). */
int srv_route_accepts(const srv_route *r, const char *ctype);
/* The accepted types as one readable string, for hints. */
void srv_route_types_text(const srv_route *r, char *buf, size_t n);
size_t srv_route_max_body(const srv_route *r, const syn_limits *l);

/* ---------------------------------------------------------------------------
 * reply.c -- the one error helper, JSON replies, headers.
 * ------------------------------------------------------------------------ */
/* HTTP status and stable code for an error kind. */
int srv_errkind_status(syn_errkind k);
/* Error reply: {"error":{"status","code","message","hint"}}. */
void srv_reply_error(srv_reply *rp, int status, const char *code, const char *hint, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
void srv_reply_syn_error(srv_reply *rp, const syn_err *e);
/* JSON success; takes the reference to root (json_t *, void * here so that
 * this header needs no jansson.h). */
void srv_reply_json(srv_reply *rp, int status, void *root);
/* Take ownership of a malloc'd body. */
void srv_reply_bytes(srv_reply *rp, int status, const char *ctype, uint8_t *body, size_t len);
/* Append a header (copied).  0 or -1 on allocation failure. */
int srv_reply_header(srv_reply *rp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Release whatever the reply still owns (body if not handed over, headers). */
void srv_reply_clear(srv_reply *rp);

/* ---------------------------------------------------------------------------
 * static.c -- GET / and the assets (embedded, or --static-dir from disk).
 * ------------------------------------------------------------------------ */
int srv_static_exists(const char *path, const srv_config *cfg);
void srv_static_handler(srv_request *rq, srv_reply *rp, const char *arg);

/* ---------------------------------------------------------------------------
 * health.c / selfdoc.c / metrics.c -- GET /healthz, GET /v1 (the server
 * describes itself from its tables), GET /metrics.
 * ------------------------------------------------------------------------ */
void srv_health_handler(srv_request *rq, srv_reply *rp, const char *arg);
void srv_selfdoc_handler(srv_request *rq, srv_reply *rp, const char *arg);
void srv_metrics_handler(srv_request *rq, srv_reply *rp, const char *arg);

void srv_metrics_init(void); /* records the process start time       */
double srv_uptime_sec(void);
/* route: index in srv_routes, or -1 when no route matched. */
void srv_metrics_request(int route, int status, double seconds, size_t in, size_t out);
void srv_metrics_job_rejected(void);
void srv_metrics_reaped(srv_reap_reason why);
/* A conversion stopped at a checkpoint: its client left, or the server stopped. */
void srv_metrics_cancelled(void);

/* 1 if a multipart part named `name` is an input of route r (a modality's
 * name, or one of the row's own inputs: "a" and "b" for /v1/similarity);
 * else it must be an option. */
int srv_route_is_input(const srv_route *r, const char *name);

/* ---------------------------------------------------------------------------
 * inputs.c -- the inputs and options of every POST endpoint: a raw body,
 * multipart parts and fields, JSON keys (base64 for binary inputs).
 * ------------------------------------------------------------------------ */
#define SRV_MAX_INPUTS 8 /* parts of one request: image, audio, text, a, b */
typedef struct srv_inputs {
    syn_part part[SRV_MAX_INPUTS];
    const char *name[SRV_MAX_INPUTS]; /* part or JSON key name ("" for a raw body);
                                         borrowed from the request or static */
    uint8_t *owned[SRV_MAX_INPUTS];   /* base64-decoded or JSON text bytes, freed */
    int n;
} srv_inputs;
/* Options (query string, then form fields or JSON keys) into *o and the
 * inputs (raw body, multipart parts, JSON keys) into *in.  0, or -1 with *e.
 * Release with srv_inputs_free() either way. */
int srv_gather(srv_request *rq, syn_opts *o, srv_inputs *in, syn_err *e);
void srv_inputs_free(srv_inputs *in);

/* ---------------------------------------------------------------------------
 * generate.c -- POST /v1/generate/{modality} (text has its own, below):
 * any input(s) -> the target modality's bytes, the map line as headers.
 * ------------------------------------------------------------------------ */
void srv_generate_handler(srv_request *rq, srv_reply *rp, const char *target);

/* ---------------------------------------------------------------------------
 * understand.c -- POST /v1/generate/text, /v1/embed, /v1/similarity: the
 * latent as JSON (descriptions, semantic axes with reasons, similarity).
 * ------------------------------------------------------------------------ */
void srv_describe_text_handler(srv_request *rq, srv_reply *rp, const char *arg);
void srv_embed_handler(srv_request *rq, srv_reply *rp, const char *arg);
void srv_similarity_handler(srv_request *rq, srv_reply *rp, const char *arg);
/* The /v1/embed document for a latent understood from n inputs whose
 * modalities are mods[] (json_t *, as void * to keep jansson.h out). */
void *srv_embed_json(const syn_latent *l, const syn_modality *const *mods, int n);

/* ---------------------------------------------------------------------------
 * cli.c -- `synesthd convert INPUT... [--text S] -o OUTPUT [--option value ...]`;
 * OUTPUT .txt: the description; .json: the /v1/embed document.
 * ------------------------------------------------------------------------ */
int srv_cli_convert(int argc, char **argv, srv_config *cfg);

#endif
