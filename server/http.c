/* http.c -- the only adapter to libmicrohttpd (STYLE.md §7, §8).
 *
 * One request lifecycle, in the access handler:
 *   request line on_uri (MHD_OPTION_URI_LOG_CALLBACK) allocates the request
 *                state and counts the query arguments before libmicrohttpd
 *                parses them (see "query arguments" below).
 *   first call   framing (Content-Length, Transfer-Encoding), route, auth,
 *                method, length, type and arguments are checked, and the
 *                body is admitted before any body byte is read: its bytes
 *                against --max-memory (srv_admit_reserve) and, for a
 *                conversion, a job slot (max_jobs).  Refusals (400, 401,
 *                404, 405, 411, 413, 415, 501, 503 + Retry-After) are queued
 *                here.  Only errors are: a success queued on the first call
 *                goes out with Connection: close on 0.9.75 (measured:
 *                keep-alive 3.5x slower).
 *   body calls   append to the body up to the cap, or feed the
 *                MHD_PostProcessor for multipart/form-data (at most
 *                max_parts parts and fields, max_field_bytes per option).
 *   last call    GET routes answer here.  Conversion routes (SRV_R_JOB)
 *                suspend the connection and run on a worker thread, so
 *                that a long conversion never blocks the pool that answers
 *                /healthz; the worker resumes the connection and the next
 *                call queues the answer.  The worker runs under a syn_job
 *                (job.h): it stops at its next checkpoint when the client
 *                hangs up (then nothing is sent), when the server stops
 *                (then 503 cancelled), or past max_job_sec.
 *   completed    NOTIFY_COMPLETED logs one access line, records metrics,
 *                releases the slot and the memory reservation and frees
 *                everything (the worker holds a reference while it runs).
 * Responses are created with a free callback (or from static storage) and
 * destroyed right after they are queued.
 *
 * Slow and half-closed clients.  MHD_OPTION_CONNECTION_TIMEOUT is an
 * inactivity timeout only, so each connection also has a row in reaper.c's
 * table (opened and closed by NOTIFY_CONNECTION), and the lifecycle above
 * reports its phase (header, body, processing, sending); reaper.c's thread
 * shuts down the sockets of slow and half-closed clients.
 *
 * What libmicrohttpd 0.9.75 still answers by itself, with its own HTML page,
 * before this file sees the request (measured with tests/api/
 * test_hostile_http.sh; the server stays up after each):
 *   400  a Content-Length that is not a number (12abc, +16, -1), a header
 *        line without a colon, a malformed chunk size;
 *   413  a Content-Length above 2^64;
 *   414  a request line longer than the connection memory (64 KiB);
 *   431  headers larger than the connection memory;
 *   505  an HTTP version other than 1.0 / 1.1;
 *   (no answer, closed) a request line that is not "METHOD URI VERSION".
 * Everything that reaches on_request is answered with the JSON error. */
#define _GNU_SOURCE /* strcasestr, POLLRDHUP */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "syn/job.h"
#include "server.h"

/* Per-connection read buffer and header space.  64 KiB: headers of any sane
 * client fit, and uploads arrive in large slices; 512 connections x 64 KiB is
 * 32 MiB at most. */
#define CONN_MEMORY_LIMIT (64u * 1024)
/* The PostProcessor's own buffer for one part's header and value slices. */
#define POST_BUFFER 16384
/* A chunked body beyond the cap is read on (and dropped) so that the client
 * receives its 413; past twice the cap the connection is closed instead,
 * so an endless stream cannot keep a thread busy. */
#define DRAIN_FACTOR 2
/* After the grace, stopped conversions get this long to reach a checkpoint
 * and send their 503; whatever still runs after it is left to exit(). */
#define STOP_WAIT_SEC 5

enum { ST_BODY = 0, ST_RUNNING, ST_DONE };

typedef struct conn_req {
    srv_request rq; /* what the handler sees                       */
    srv_reply rp;   /* what it answers                             */
    struct MHD_Connection *conn;
    struct MHD_PostProcessor *pp;
    srv_conn *track; /* this connection's row (NULL: untracked)     */
    MHD_socket fd;
    int started;       /* the first call has run                      */
    int route_idx;     /* index in srv_routes, -1 before routing      */
    int failed;        /* rp holds an error to send on the last call  */
    int too_many_args; /* on_uri: more than max_query_args            */
    int has_slot;      /* holds a job slot (jobs_) until completion   */
    int drop;          /* the client left a stopped job: send nothing */
    _Atomic int state; /* ST_*: written by the worker, read by MHD    */
    _Atomic int refs;  /* MHD's reference + the worker's while it runs */
    size_t cap;        /* body cap for this route                     */
    size_t reserved;   /* bytes admitted against --max-memory         */
    size_t bytes_in, bytes_out;
    int status;     /* what was queued (0: nothing)                */
    int cur;        /* multipart: 1 part, 2 field, 0 none          */
    int empty_open; /* multipart: the current part began with an empty slice */
    struct timespec t0;
} conn_req;

static struct MHD_Daemon *daemon_;
static const srv_config *cfg_;
static atomic_int jobs_;           /* job slots held (max_jobs)                       */
static atomic_int running_;        /* worker threads running a handler now            */
static atomic_int active_;         /* requests between first call and completion      */
static atomic_int draining_;       /* SIGTERM: every answer says Connection: close    */
static atomic_int stopping_;       /* past the grace: running conversions stop        */
static atomic_int cancel_pending_; /* stopped conversions whose 503 is not out  */

int srv_http_jobs_in_flight(void)
{
    return atomic_load(&running_);
}

/* 1 if the peer has hung up or half-closed (FIN seen), or the socket failed. */
static int fd_hung_up(MHD_socket fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return fd != MHD_INVALID_SOCKET && poll(&p, 1, 0) > 0 &&
           (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* NOTIFY_CONNECTION: each connection's row in reaper.c's table, unlinked
 * before MHD closes the socket. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = srv_conn_open(ci ? ci->connect_fd : MHD_INVALID_SOCKET);
        return;
    }
    srv_conn_close(*socket_context);
    *socket_context = NULL;
}

/* ------------------------------------------------------------------------ */

static void kv_free(srv_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
    free(kv);
}

static void req_release(conn_req *q)
{
    if (atomic_fetch_sub(&q->refs, 1) != 1) return;
    if (q->pp) MHD_destroy_post_processor(q->pp);
    srv_reply_clear(&q->rp);
    kv_free(q->rq.args, q->rq.nargs);
    kv_free(q->rq.fields, q->rq.nfields);
    for (size_t i = 0; i < q->rq.nparts; i++) {
        free(q->rq.parts[i].name);
        free(q->rq.parts[i].ctype);
        free(q->rq.parts[i].data);
    }
    free(q->rq.parts);
    free(q->rq.body);
    free(q->rq.path);
    free(q->rq.ctype);
    free(q->rq.if_none_match);
    free(q);
}

/* Append n bytes to a growing buffer (doubling), never beyond cap. */
static int buf_append(uint8_t **p, size_t *len, size_t *bcap, const void *data, size_t n)
{
    if (n == 0) return 0;
    if (*len + n > *bcap) {
        size_t ncap = *bcap ? *bcap : 4096; /* 4 KiB: a form field or a small icon */
        while (ncap < *len + n)
            ncap *= 2;
        uint8_t *np = realloc(*p, ncap);
        if (!np) return -1;
        *p = np;
        *bcap = ncap;
    }
    memcpy(*p + *len, data, n);
    *len += n;
    return 0;
}

static int add_kv(srv_kv **kv, size_t *n, const char *name, const char *value, size_t vlen)
{
    srv_kv *nk = realloc(*kv, (*n + 1) * sizeof *nk);
    if (!nk) return -1;
    *kv = nk;
    nk[*n].name = strdup(name);
    nk[*n].value = malloc(vlen + 1);
    if (!nk[*n].name || !nk[*n].value) {
        free(nk[*n].name);
        free(nk[*n].value);
        return -1;
    }
    memcpy(nk[*n].value, value, vlen);
    nk[*n].value[vlen] = 0;
    nk[*n].len = vlen;
    (*n)++;
    return 0;
}

/* ------------------------------------------------------------------------ */

static enum MHD_Result queue_reply(conn_req *q)
{
    srv_reply *rp = &q->rp;
    struct MHD_Response *r;
    if (rp->free_fn) {
        r = MHD_create_response_from_buffer_with_free_callback_cls(rp->len, rp->body, rp->free_fn,
                                                                   rp->free_cls);
        if (r) rp->free_fn = NULL; /* libmicrohttpd owns the body now */
    } else {
        r = MHD_create_response_from_buffer(rp->len, rp->body, MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO; /* out of memory: close; req_release frees the body */
    if (rp->ctype) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rp->ctype);
    /* blob: lets the demo show and play what it fetched; nothing else loads */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob:; media-src 'self' blob:");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < rp->nhdrs; i++)
        MHD_add_response_header(r, rp->hdrs[i].name, rp->hdrs[i].value);
    /* stopping: a keep-alive client must not send its next request here */
    if (atomic_load(&draining_)) MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(q->conn, (unsigned)rp->status, r);
    MHD_destroy_response(r);
    q->status = rp->status;
    q->bytes_out = strcmp(q->rq.method, "HEAD") == 0 || rp->status == 304 ? 0 : rp->len;
    srv_conn_set_phase(q->track, SRV_PH_SENDING);
    return ret;
}

/* An early rejection: answer now, on the first call. */
static enum MHD_Result reject(conn_req *q, int status, const char *code, const char *hint,
                              const char *msg)
{
    srv_reply_error(&q->rp, status, code, hint, "%s", msg);
    return queue_reply(q);
}

/* A framing error: the bytes after the headers cannot be trusted to be this
 * request's body, so the connection closes after the answer (no smuggled
 * second request runs). */
static enum MHD_Result reject_close(conn_req *q, int status, const char *code, const char *hint,
                                    const char *msg)
{
    srv_reply_error(&q->rp, status, code, hint, "%s", msg);
    srv_reply_header(&q->rp, MHD_HTTP_HEADER_CONNECTION, "close");
    return queue_reply(q);
}

static enum MHD_Result reject_busy(conn_req *q, const char *fmt, int n)
{
    srv_reply_error(&q->rp, 503, "busy", "retry in a second", fmt, n);
    srv_reply_header(&q->rp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return queue_reply(q);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    conn_req *q = cls;
    if (!value) value = "";
    size_t n = strlen(value);
    if (n > q->rq.cfg->limits.max_field_bytes) {
        if (!q->failed) {
            q->failed = 1;
            srv_reply_error(&q->rp, 400, "bad_request",
                            "option values are short; see GET /v1 (--max-field-bytes)",
                            "query argument '%.40s' is longer than %zu bytes", key,
                            q->rq.cfg->limits.max_field_bytes);
        }
        return MHD_NO;
    }
    return add_kv(&q->rq.args, &q->rq.nargs, key, value, n) < 0 ? MHD_NO : MHD_YES;
}

static int is_option(const char *name)
{
    return syn_optdef_find(name) != NULL;
}

/* Mark the request failed with a bad-request error (first failure wins). */
static void fail400(conn_req *q, const char *code, const char *hint, const char *msg,
                    const char *arg)
{
    if (q->failed) return;
    q->failed = 1;
    srv_reply_error(&q->rp, 400, code, hint, msg, arg);
}

/* MHD_PostDataIterator: parts named after a modality (or a route's own
 * input names, srv_route_is_input) are inputs; any other field must be an
 * option name.  Slices of one value arrive with off > 0 -- except that
 * 0.9.75, when a read ends in the first bytes of a value (which might still
 * be the start of the boundary), first calls with off 0 and size 0 and
 * then again with off 0 and the bytes.  So a call with off 0 continues the
 * current part when that part has had only that empty slice and the name
 * is the same.  (An empty part followed at once by a part of the same name
 * therefore reads as one part, however the bytes are split.)  Parts and
 * fields are counted before anything is allocated for them. */
static enum MHD_Result on_post(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)filename;
    (void)transfer_encoding;
    conn_req *q = cls;
    srv_request *rq = &q->rq;
    const syn_limits *l = &rq->cfg->limits;
    if (q->failed) return MHD_NO;
    if (!key || !*key) {
        fail400(q, "bad_request",
                "give every part a name: Content-Disposition: form-data; name=\"text\" (curl -F)",
                "%s", "a multipart part has no name");
        return MHD_NO;
    }
    const char *cur_name = q->cur == 1   ? rq->parts[rq->nparts - 1].name
                           : q->cur == 2 ? rq->fields[rq->nfields - 1].name
                                         : NULL;
    int cont = off > 0 || (q->empty_open && cur_name && strcmp(cur_name, key) == 0);
    if (!cont) { /* a new part or field */
        if (rq->nparts + rq->nfields >= (size_t)l->max_parts) {
            q->failed = 1;
            srv_reply_error(&q->rp, 413, "payload_too_large",
                            "send at most --max-parts parts and fields",
                            "the form has more than %d parts and fields", l->max_parts);
            return MHD_NO;
        }
        if (srv_route_is_input(rq->route, key)) {
            srv_part *np = realloc(rq->parts, (rq->nparts + 1) * sizeof *np);
            if (!np) goto nomem;
            rq->parts = np;
            memset(&np[rq->nparts], 0, sizeof *np);
            np[rq->nparts].name = strdup(key);
            np[rq->nparts].ctype = content_type ? strdup(content_type) : NULL;
            rq->nparts++;
            if (!np[rq->nparts - 1].name) goto nomem;
            q->cur = 1;
        } else if (is_option(key)) {
            if (add_kv(&rq->fields, &rq->nfields, key, "", 0) < 0) goto nomem;
            q->cur = 2;
        } else {
            fail400(q, "bad_request",
                    "name input parts after a modality (image, audio, text) and other fields after "
                    "an option; GET /v1 lists both",
                    "unknown form field '%.60s'", key);
            return MHD_NO;
        }
    }
    q->empty_open = off == 0 && size == 0;
    if (q->cur == 1) {
        srv_part *p = &rq->parts[rq->nparts - 1];
        if (buf_append(&p->data, &p->len, &p->cap, data, size) < 0) goto nomem;
    } else if (q->cur == 2) {
        srv_kv *f = &rq->fields[rq->nfields - 1];
        if (f->len + size > l->max_field_bytes) {
            q->failed = 1;
            srv_reply_error(&q->rp, 400, "bad_request",
                            "option values are short; see GET /v1 (--max-field-bytes)",
                            "form field '%.40s' is longer than %zu bytes", f->name,
                            l->max_field_bytes);
            return MHD_NO;
        }
        char *nv = realloc(f->value, f->len + size + 1);
        if (!nv) goto nomem;
        memcpy(nv + f->len, data, size);
        f->len += size;
        nv[f->len] = 0;
        f->value = nv;
    }
    return MHD_YES;
nomem:
    if (!q->failed) {
        q->failed = 1;
        srv_reply_error(&q->rp, 500, "internal", "", "out of memory reading the form");
    }
    return MHD_NO;
}

static const char *method_name(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(m, known[i]) == 0) return known[i];
    return "OTHER";
}

/* "Bearer KEY" against --api-key, in time that does not depend on where the
 * first wrong byte is (no timing oracle for guessing the key). */
static int bearer_ok(const char *h)
{
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return 0;
    h += 7;
    size_t n = strlen(h), k = strlen(cfg_->api_key);
    unsigned diff = (unsigned)(n ^ k);
    for (size_t i = 0; i < k; i++)
        diff |= (unsigned char)cfg_->api_key[i] ^ (unsigned char)(i < n ? h[i] : 0);
    return diff == 0;
}

/* Every Content-Length and Transfer-Encoding header line, not only the
 * first one MHD_lookup_connection_value returns. */
typedef struct framing {
    const char *cl; /* the first Content-Length           */
    int ncl, cl_differ, cl_bad;
    int nte;
} framing;

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    framing *f = cls;
    if (!value) value = "";
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        size_t n = strlen(value);
        if (n == 0 || n > 19 || strspn(value, "0123456789") != n) f->cl_bad = 1;
        if (f->ncl++ == 0)
            f->cl = value;
        else if (strcmp(f->cl, value) != 0)
            f->cl_differ = 1;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->nte++;
    }
    return MHD_YES;
}

/* What first_call learns from the headers, handed from one check to the next. */
typedef struct first_hdrs {
    framing fr;
    const char *te; /* Transfer-Encoding, exactly "chunked" once checked */
    unsigned bit;   /* the method's SRV_* bit */
    int chunked;
    unsigned long long len; /* Content-Length, 0 when absent */
} first_hdrs;

/* Each check below returns 1 when it has answered, with the result in *res,
 * and 0 when the request goes on to the next check. */

/* --- framing: what 0.9.75 lets through ----------------------------------- */
static int check_framing(conn_req *q, struct MHD_Connection *c, first_hdrs *h, enum MHD_Result *res)
{
    const syn_limits *l = &cfg_->limits;
    framing *fr = &h->fr;
    MHD_get_connection_values(c, MHD_HEADER_KIND, scan_framing, fr);
    h->te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (fr->cl_differ || fr->cl_bad) {
        *res = reject_close(q, 400, "bad_request", "send one Content-Length of decimal digits",
                            fr->cl_differ ? "the request has conflicting Content-Length headers"
                                          : "the Content-Length header is not a number");
        return 1;
    }
    if (h->te && (fr->nte > 1 || strcasecmp(h->te, "chunked") != 0)) {
        *res = reject_close(q, 501, "not_implemented",
                            "send the body with a Content-Length, or as plain chunked",
                            "only Transfer-Encoding: chunked is supported");
        return 1;
    }
    if (h->te && fr->ncl) {
        *res = reject_close(q, 400, "bad_request",
                            "send either Content-Length or Transfer-Encoding: chunked, not both",
                            "the request has both Content-Length and Transfer-Encoding");
        return 1;
    }
    if (q->too_many_args) {
        char hint[96];
        snprintf(hint, sizeof hint, "send at most %d query arguments (--max-query-args)",
                 l->max_query_args);
        *res = reject(q, 400, "bad_request", hint, "the query string has too many arguments");
        return 1;
    }
    return 0;
}

/* --- route, key, method --------------------------------------------------- */
static int check_route(conn_req *q, struct MHD_Connection *c, const char *method, first_hdrs *h,
                       enum MHD_Result *res)
{
    const srv_route *r = srv_route_find(q->rq.path, cfg_);
    if (!r) {
        *res = reject(q, 404, "not_found", "GET /v1 lists the endpoints", "no such endpoint");
        return 1;
    }
    q->rq.route = r;
    q->route_idx = (int)(r - srv_routes);
    if (cfg_->api_key[0] && strncmp(q->rq.path, "/v1", 3) == 0 &&
        !bearer_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))) {
        srv_reply_error(&q->rp, 401, "unauthorized",
                        "send the header 'Authorization: Bearer KEY' with the server's key",
                        "this server needs an API key for /v1");
        srv_reply_header(&q->rp, "WWW-Authenticate", "Bearer realm=\"synesthd\"");
        *res = queue_reply(q);
        return 1;
    }
    h->bit = srv_method_bit(method);
    if (!(r->methods & h->bit)) {
        char allow[64];
        srv_route_allow(r, allow, sizeof allow);
        srv_reply_error(&q->rp, 405, "method_not_allowed", "see the Allow header",
                        "%s is not allowed here; use %s", q->rq.method, allow);
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_ALLOW, "%s", allow);
        *res = queue_reply(q);
        return 1;
    }
    return 0;
}

/* --- body length against the route's cap ---------------------------------- */
static int check_length(conn_req *q, first_hdrs *h, enum MHD_Result *res)
{
    const char *cl = h->fr.cl;
    h->chunked = h->te != NULL;               /* exactly "chunked", checked above */
    h->len = cl ? strtoull(cl, NULL, 10) : 0; /* digits, checked above */
    q->cap = srv_route_max_body(q->rq.route, &cfg_->limits);
    if (h->bit == SRV_POST && !cl && !h->chunked) {
        *res = reject(q, 411, "length_required", "send a Content-Length header or a chunked body",
                      "the request has no Content-Length");
        return 1;
    }
    if (h->len > q->cap || (h->chunked && q->cap == 0)) {
        char hint[128];
        if (q->cap)
            snprintf(hint, sizeof hint, "send at most %zu bytes (--max-body)", q->cap);
        else
            snprintf(hint, sizeof hint, "this endpoint takes no body");
        *res = reject(q, 413, "payload_too_large", hint, "the request body is too large");
        return 1;
    }
    return 0;
}

/* --- Content-Type against the route's types; multipart set-up -------------- */
static int check_type(conn_req *q, struct MHD_Connection *c, const char *ct, first_hdrs *h,
                      enum MHD_Result *res)
{
    const srv_route *r = q->rq.route;
    if (h->bit != SRV_POST || !r->types) return 0;
    const char *eff = ct && *ct ? ct : "application/octet-stream";
    if (!srv_route_accepts(r, eff)) {
        char types[512], hint[640];
        srv_route_types_text(r, types, sizeof types);
        snprintf(hint, sizeof hint, "%ssend one of: %s",
                 strncasecmp(eff, "application/x-www-form-urlencoded", 33) == 0
                     ? "curl --data-binary sends x-www-form-urlencoded: add "
                       "-H 'Content-Type: image/png' (or the file's type), or use -F; "
                     : "",
                 types);
        srv_reply_error(&q->rp, 415, "unsupported_media_type", hint,
                        "Content-Type '%.80s' is not accepted here", eff);
        *res = queue_reply(q);
        return 1;
    }
    if (strncasecmp(eff, "multipart/form-data", 19) == 0) {
        q->rq.multipart = 1;
        q->pp = MHD_create_post_processor(c, POST_BUFFER, on_post, q);
        if (!q->pp) {
            *res = reject(q, 400, "bad_request",
                          "let the client build the multipart body (curl -F image=@file)",
                          "multipart/form-data needs a boundary parameter");
            return 1;
        }
    }
    return 0;
}

/* --- the headers and query arguments the handlers read --------------------- */
static int keep_request(conn_req *q, struct MHD_Connection *c, const char *ct, enum MHD_Result *res)
{
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if ((ct && !(q->rq.ctype = strdup(ct))) || (inm && !(q->rq.if_none_match = strdup(inm)))) {
        *res = MHD_NO;
        return 1;
    }
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, q) < 0 ||
        (q->failed && q->rp.status)) {
        *res = q->failed ? queue_reply(q) : MHD_NO;
        return 1;
    }
    return 0;
}

/* --- admission, before any body byte is read ------------------------------ */
static int admit(conn_req *q, const first_hdrs *h, enum MHD_Result *res)
{
    const syn_limits *l = &cfg_->limits;
    if (h->bit == SRV_POST) {
        /* the body is held whole: its bytes, or the cap when chunked */
        size_t want = h->chunked ? q->cap : (size_t)h->len;
        if (srv_admit_reserve(want) < 0) {
            srv_metrics_job_rejected();
            *res = reject_busy(q, "the server's memory budget is in use (%d requests open)",
                               atomic_load(&active_));
            return 1;
        }
        q->reserved = want;
    }
    if (q->rq.route->flags & SRV_R_JOB) {
        /* the slot is taken now and held until completion: a request that
         * cannot run is refused before it uploads its body */
        if (atomic_fetch_add(&jobs_, 1) >= l->max_jobs) {
            atomic_fetch_sub(&jobs_, 1);
            srv_metrics_job_rejected();
            *res = reject_busy(q, "all %d conversion slots are busy", l->max_jobs);
            return 1;
        }
        q->has_slot = 1;
    }
    return 0;
}

/* The first call: every early rejection happens here, before the body is
 * read (STYLE.md §7); a success is only ever queued on a later call. */
static enum MHD_Result first_call(conn_req *q, struct MHD_Connection *c, const char *method)
{
    enum MHD_Result res;
    first_hdrs h = {0};
    if (check_framing(q, c, &h, &res) || check_route(q, c, method, &h, &res) ||
        check_length(q, &h, &res))
        return res;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (check_type(q, c, ct, &h, &res) || keep_request(q, c, ct, &res) || admit(q, &h, &res))
        return res;
    if (h.len && !q->pp) { /* the whole body is coming: one allocation */
        q->rq.body = malloc((size_t)h.len);
        if (!q->rq.body) return reject(q, 500, "internal", "retry later", "out of memory");
        q->rq.body_cap = (size_t)h.len;
    }
    return MHD_YES; /* successes are queued on a later call (keep-alive trap) */
}

static enum MHD_Result body_call(conn_req *q, const char *data, size_t n)
{
    q->bytes_in += n;
    srv_conn_body(q->track, n);
    if (q->bytes_in > q->cap) {
        if (q->bytes_in > DRAIN_FACTOR * (q->cap ? q->cap : 1)) return MHD_NO;
        if (!q->failed) {
            q->failed = 1;
            srv_reply_error(&q->rp, 413, "payload_too_large", "send a smaller body (--max-body)",
                            "the request body is larger than %zu bytes", q->cap);
        }
    }
    if (q->failed) return MHD_YES; /* drain; the error goes out on the last call */
    if (q->pp) {
        if (MHD_post_process(q->pp, data, n) != MHD_YES)
            fail400(q, "bad_request", "let the client build the multipart body (curl -F)", "%s",
                    "the multipart/form-data body is malformed");
        return MHD_YES;
    }
    if (buf_append(&q->rq.body, &q->rq.body_len, &q->rq.body_cap, data, n) < 0) {
        q->failed = 1;
        srv_reply_error(&q->rp, 500, "internal", "retry later", "out of memory");
    }
    return MHD_YES;
}

#define JOB_NICE 10

/* syn_job callbacks (job.h): the answer is unwanted once the client hung up
 * or the grace after SIGTERM is over. */
static int job_gone(void *cls)
{
    conn_req *q = cls;
    return atomic_load(&stopping_) || fd_hung_up(q->fd);
}

static int job_admit(void *cls, size_t bytes)
{
    (void)cls;
    return srv_admit_reserve(bytes);
}

static void *job_main(void *arg)
{
    conn_req *q = arg;
    const syn_limits *l = &cfg_->limits;
    /* Conversions run at nice +10: on a busy machine the scheduler then
     * gives the HTTP threads ~10x their weight, so /healthz and small
     * requests keep answering in milliseconds while every core converts
     * (Linux applies setpriority to one thread when given its tid). */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), JOB_NICE);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    syn_job job = {.gone = job_gone,
                   .admit = job_admit,
                   .cls = q,
                   .deadline = (double)t.tv_sec + t.tv_nsec / 1e9 + l->max_job_sec,
                   .mem_limit = l->max_request_memory,
                   .cpu_limit = l->max_request_cpu};
    syn_job_begin(&job);
    q->rq.route->handler(&q->rq, &q->rp, srv_route_arg(q->rq.route, q->rq.path));
    syn_job_end();
    srv_admit_release(job.mem_reserved);
    if (job.stopped && fd_hung_up(q->fd)) {
        q->drop = 1; /* nobody to answer: the next call closes the socket */
        srv_metrics_cancelled();
    } else if (job.stopped && atomic_load(&stopping_)) {
        /* past the grace: every client still gets an answer, then the
         * connection closes so that no next request arrives */
        srv_reply_error(&q->rp, 503, "cancelled", "retry in a few seconds on another replica",
                        "the server is stopping; the conversion was stopped");
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_CONNECTION, "close");
        srv_metrics_cancelled();
        atomic_fetch_add(&cancel_pending_, 1);
        q->drop = 2; /* counted in cancel_pending_ until completion */
    }
    atomic_store(&q->state, ST_DONE);
    atomic_fetch_sub(&running_, 1);
    MHD_resume_connection(q->conn);
    req_release(q);
    return NULL;
}

static enum MHD_Result last_call(conn_req *q)
{
    int st = atomic_load(&q->state);
    if (st == ST_DONE) return q->drop == 1 ? MHD_NO : queue_reply(q);
    if (st == ST_RUNNING) return MHD_YES; /* not expected while suspended; wait for the worker */
    if (q->pp) {
        enum MHD_Result ok = MHD_destroy_post_processor(q->pp);
        q->pp = NULL;
        if (ok != MHD_YES)
            fail400(q, "bad_request", "let the client build the multipart body (curl -F)", "%s",
                    "the multipart/form-data body ended early");
    }
    if (q->failed) return queue_reply(q);
    const srv_route *r = q->rq.route;
    if (!(r->flags & SRV_R_JOB)) {
        r->handler(&q->rq, &q->rp, srv_route_arg(r, q->rq.path));
        return queue_reply(q);
    }
    pthread_attr_t attr;
    pthread_t tid;
    atomic_store(&q->state, ST_RUNNING);
    atomic_fetch_add(&q->refs, 1);
    atomic_fetch_add(&running_, 1);
    srv_conn_set_phase(q->track, SRV_PH_PROCESSING);
    MHD_suspend_connection(q->conn);
    int err = pthread_attr_init(&attr);
    if (!err) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        err = pthread_create(&tid, &attr, job_main, q);
        pthread_attr_destroy(&attr);
    }
    if (err) {
        atomic_fetch_sub(&running_, 1);
        atomic_fetch_sub(&q->refs, 1);
        srv_reply_error(&q->rp, 503, "busy", "retry in a second", "cannot start a worker: %s",
                        strerror(err));
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        atomic_store(&q->state, ST_DONE);
        MHD_resume_connection(q->conn); /* the next call queues the 503 */
    }
    return MHD_YES;
}

static srv_conn *track_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Query arguments.  0.9.75 parses them into the connection's memory pool
 * before the access handler runs; 1,000 of them exhaust the 64 KiB pool,
 * and MHD then cannot even build its own 431 answer: the client waited for
 * the idle timeout.  So they are counted here, in the request line, and
 * beyond max_query_args the query is cut off in MHD's buffer (MHD parses
 * an empty one) and the first call answers 400. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    conn_req *q = calloc(1, sizeof *q);
    if (!q) return NULL; /* on_request allocates again */
    clock_gettime(CLOCK_MONOTONIC, &q->t0);
    char *qs = strchr(uri, '?');
    if (qs && qs[1]) {
        int n = 1;
        for (const char *p = qs + 1; *p && *p != ' '; p++)
            n += *p == '&';
        if (n > cfg_->limits.max_query_args) {
            q->too_many_args = 1;
            qs[1] = 0; /* MHD's own read buffer, writable; MHD parses "" */
        }
    }
    (void)c;
    return q;
}

/* The URL and the query are unescaped by this, not by MHD: %00 stays the
 * three bytes "%00", so "/v1%00x" is no route (404) and "3%00abc" is no
 * number, where a decoded NUL would cut both short ("/v1", "3").  Invalid
 * escapes stay as they are, as with MHD's own unescaper. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2]) &&
            !(r[1] == '0' && r[2] == '0')) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_req *q = *con_cls;
    if (!q || !q->started) {
        if (!q && !(q = calloc(1, sizeof *q))) return MHD_NO;
        if (!q->t0.tv_sec) clock_gettime(CLOCK_MONOTONIC, &q->t0);
        q->started = 1;
        atomic_init(&q->refs, 1);
        atomic_init(&q->state, ST_BODY);
        q->conn = c;
        q->track = track_of(c);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        q->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
        srv_conn_set_phase(q->track, SRV_PH_BODY);
        q->route_idx = -1;
        q->rq.cfg = cfg_;
        q->rq.method = method_name(method);
        q->rq.path = strdup(url);
        *con_cls = q;
        atomic_fetch_add(&active_, 1);
        if (!q->rq.path) return MHD_NO;
        return first_call(q, c, method);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return body_call(q, upload_data, n);
    }
    return last_call(q);
}

/* Log text without control bytes (a decoded URL may hold %0a). */
static void clean(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < n; i++)
        dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
    dst[i] = 0;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    conn_req *q = *con_cls;
    if (!q) return;
    *con_cls = NULL;
    if (!q->started) { /* MHD refused it after the request line (431, 400 ...) */
        free(q);
        return;
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - q->t0.tv_sec) + (t1.tv_nsec - q->t0.tv_nsec) / 1e9;
    char path[256]; /* the log keeps a long URL's first 255 bytes */
    clean(path, sizeof path, q->rq.path);
    /* status 0: the client went away before an answer was queued */
    srv_log_access("%s %s %d %zu %.2fms\n", q->rq.method, path, q->status, q->bytes_out, sec * 1e3);
    srv_metrics_request(q->route_idx, q->status, sec, q->bytes_in, q->bytes_out);
    if (q->reserved) srv_admit_release(q->reserved);
    if (q->has_slot) atomic_fetch_sub(&jobs_, 1);
    if (q->drop == 2) atomic_fetch_sub(&cancel_pending_, 1);
    /* a keep-alive connection now waits for its next header */
    srv_conn_set_phase(track_of(c), SRV_PH_HEADER);
    atomic_fetch_sub(&active_, 1);
    req_release(q);
}

static struct sockaddr_storage bind_addr;

int srv_http_start(const srv_config *cfg, syn_err *e)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)&bind_addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&bind_addr;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    memset(&bind_addr, 0, sizeof bind_addr);
    if (inet_pton(AF_INET, cfg->bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        return syn_fail(e, SYN_E_BADREQ, "give a numeric address such as 127.0.0.1 or ::1",
                        "--bind: '%.60s' is not an IP address", cfg->bind);
    }
    cfg_ = cfg;
    srv_admit_init(cfg->limits.max_memory);
    daemon_ = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->limits.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->limits.per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->limits.conn_timeout_sec,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&bind_addr, MHD_OPTION_END);
    if (!daemon_)
        return syn_fail(e, SYN_E_INTERNAL, "pick another --port or --bind",
                        "cannot listen on %s port %d", cfg->bind, cfg->port);
    if (srv_reaper_start(&cfg->limits, e) < 0) {
        MHD_stop_daemon(daemon_);
        daemon_ = NULL;
        return -1;
    }
    return 0;
}

int srv_http_port(void)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

/* Wait (20 ms naps) until done() or sec seconds have passed; 1 if done. */
static int wait_until(int (*done)(void), double sec)
{
    struct timespec t0, now, nap = {0, 20 * 1000 * 1000}; /* 20 ms: cheap, and quick */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (done()) return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= sec) return 0;
        nanosleep(&nap, NULL);
    }
}

static int none_active(void)
{
    return atomic_load(&active_) == 0;
}

static int stopped_answered(void)
{
    return atomic_load(&running_) == 0 && atomic_load(&cancel_pending_) == 0;
}

/* SIGTERM.  Within the grace every request in flight finishes: conversions
 * run to their end and answers being sent (a request is in flight until
 * NOTIFY_COMPLETED, after its last byte is handed to the kernel) go out
 * whole.  At the end of the grace, conversions still running are told to
 * stop (job_gone) and answer 503 cancelled with Connection: close, within
 * STOP_WAIT_SEC; then the daemon stops.  What is past the grace is cut: a
 * download still in progress when MHD_stop_daemon runs loses its tail
 * (the client sees a short body against its Content-Length, never a
 * complete-looking 200), and a conversion that reaches no checkpoint
 * within STOP_WAIT_SEC keeps its connection suspended, so the process
 * exits without stopping the daemon and the kernel closes the socket. */
int srv_http_shutdown(int grace_sec)
{
    atomic_store(&draining_, 1);
    MHD_socket lfd = MHD_quiesce_daemon(daemon_); /* stop accepting */
    /* The pool threads may still hold the listening socket, so it is only
     * closed after MHD_stop_daemon; but shutting it down now takes it out of
     * LISTEN (Linux), so new connections are refused at once (a load
     * balancer moves on to another replica) instead of queueing in the
     * backlog for the whole grace period and then being reset. */
    if (lfd != MHD_INVALID_SOCKET) shutdown(lfd, SHUT_RDWR);
    if (!wait_until(none_active, grace_sec)) {
        atomic_store(&stopping_, 1);
        wait_until(stopped_answered, STOP_WAIT_SEC);
    }
    int left = atomic_load(&running_), open = atomic_load(&active_);
    if (open > 0)
        fprintf(stderr, "synesthd: %d requests still open after %d s (%d conversions); cut\n", open,
                grace_sec, left);
    if (left > 0) return left; /* MHD_stop_daemon would panic on a suspended connection */
    srv_reaper_stop();
    MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    return 0;
}
