/* http.c -- the only adapter to libmicrohttpd (STYLE.md §7, §8).
 *
 * One request lifecycle, in the access handler:
 *   first call   allocate the request state, find the route, and reject
 *                right away what is wrong: 404, 405 (+ Allow), 411, 413
 *                (Content-Length above the cap, before any body byte is
 *                read) and 415.  Only errors are queued here: a success
 *                queued on the first call goes out with Connection: close
 *                on 0.9.75 (measured: keep-alive 3.5x slower).
 *   body calls   append to the body up to the cap, or feed the
 *                MHD_PostProcessor for multipart/form-data.
 *   last call    GET routes answer here.  Conversion routes (SRV_R_JOB)
 *                take a job slot (503 + Retry-After beyond max_jobs),
 *                suspend the connection and run on a worker thread, so
 *                that a long conversion never blocks the pool that answers
 *                /healthz; the worker resumes the connection and the next
 *                call queues the answer.
 *   completed    NOTIFY_COMPLETED logs one access line, records metrics
 *                and frees everything (the worker holds a reference while
 *                it runs).
 * Responses are created with a free callback (or from static storage) and
 * destroyed right after they are queued. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
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

enum { ST_BODY = 0, ST_RUNNING, ST_DONE };

typedef struct conn_req {
    srv_request rq; /* what the handler sees                       */
    srv_reply rp;   /* what it answers                             */
    struct MHD_Connection *conn;
    struct MHD_PostProcessor *pp;
    int route_idx;     /* index in srv_routes, -1 before routing      */
    int failed;        /* rp holds an error to send on the last call  */
    _Atomic int state; /* ST_*: written by the worker, read by MHD    */
    _Atomic int refs;  /* MHD's reference + the worker's while it runs */
    size_t cap;        /* body cap for this route                     */
    size_t bytes_in, bytes_out;
    int status; /* what was queued (0: nothing)                */
    int cur;    /* multipart: 1 part, 2 field, 0 none          */
    struct timespec t0;
} conn_req;

static struct MHD_Daemon *daemon_;
static const srv_config *cfg_;
static atomic_int jobs_;   /* conversions running now (max_jobs)              */
static atomic_int active_; /* requests between first call and completion      */

int srv_http_jobs_in_flight(void)
{
    return atomic_load(&jobs_);
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
    enum MHD_Result ret = MHD_queue_response(q->conn, (unsigned)rp->status, r);
    MHD_destroy_response(r);
    q->status = rp->status;
    q->bytes_out = strcmp(q->rq.method, "HEAD") == 0 || rp->status == 304 ? 0 : rp->len;
    return ret;
}

/* An early rejection: answer now, on the first call. */
static enum MHD_Result reject(conn_req *q, int status, const char *code, const char *hint,
                              const char *msg)
{
    srv_reply_error(&q->rp, status, code, hint, "%s", msg);
    return queue_reply(q);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    conn_req *q = cls;
    if (!value) value = "";
    return add_kv(&q->rq.args, &q->rq.nargs, key, value, strlen(value)) < 0 ? MHD_NO : MHD_YES;
}

static int is_option(const char *name)
{
    for (int i = 0; i < SYN_OPT_COUNT; i++)
        if (strcmp(syn_optdefs[i].name, name) == 0) return 1;
    return 0;
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
 * option name.  Slices of one value arrive with off > 0. */
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
    if (q->failed) return MHD_NO;
    if (off == 0) { /* a new part or field */
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
    if (q->cur == 1) {
        srv_part *p = &rq->parts[rq->nparts - 1];
        if (buf_append(&p->data, &p->len, &p->cap, data, size) < 0) goto nomem;
    } else if (q->cur == 2) {
        srv_kv *f = &rq->fields[rq->nfields - 1];
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
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    size_t n = strlen(h), k = strlen(cfg_->api_key);
    unsigned diff = (unsigned)(n ^ k);
    for (size_t i = 0; i < k; i++)
        diff |= (unsigned char)cfg_->api_key[i] ^ (unsigned char)(i < n ? h[i] : 0);
    return diff == 0;
}

static enum MHD_Result first_call(conn_req *q, struct MHD_Connection *c, const char *method)
{
    const srv_route *r = srv_route_find(q->rq.path, cfg_);
    if (!r) return reject(q, 404, "not_found", "GET /v1 lists the endpoints", "no such endpoint");
    q->rq.route = r;
    q->route_idx = (int)(r - srv_routes);
    if (cfg_->api_key[0] && strncmp(q->rq.path, "/v1", 3) == 0 &&
        !bearer_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))) {
        srv_reply_error(&q->rp, 401, "unauthorized",
                        "send the header 'Authorization: Bearer KEY' with the server's key",
                        "this server needs an API key for /v1");
        srv_reply_header(&q->rp, "WWW-Authenticate", "Bearer realm=\"synesthd\"");
        return queue_reply(q);
    }
    unsigned bit = srv_method_bit(method);
    if (!(r->methods & bit)) {
        char allow[64];
        srv_route_allow(r, allow, sizeof allow);
        srv_reply_error(&q->rp, 405, "method_not_allowed", "see the Allow header",
                        "%s is not allowed here; use %s", q->rq.method, allow);
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_ALLOW, "%s", allow);
        return queue_reply(q);
    }
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    int chunked = te && strcasestr(te, "chunked") != NULL;
    unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0; /* MHD has validated it */
    q->cap = srv_route_max_body(r, &cfg_->limits);
    if (bit == SRV_POST && !cl && !chunked)
        return reject(q, 411, "length_required", "send a Content-Length header or a chunked body",
                      "the request has no Content-Length");
    if (len > q->cap || (chunked && q->cap == 0)) {
        char hint[128];
        if (q->cap)
            snprintf(hint, sizeof hint, "send at most %zu bytes (--max-body)", q->cap);
        else
            snprintf(hint, sizeof hint, "this endpoint takes no body");
        return reject(q, 413, "payload_too_large", hint, "the request body is too large");
    }
    if (bit == SRV_POST && r->types) {
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
            return queue_reply(q);
        }
        if (strncasecmp(eff, "multipart/form-data", 19) == 0) {
            q->rq.multipart = 1;
            q->pp = MHD_create_post_processor(c, POST_BUFFER, on_post, q);
            if (!q->pp)
                return reject(q, 400, "bad_request",
                              "let the client build the multipart body (curl -F image=@file)",
                              "multipart/form-data needs a boundary parameter");
        }
    }
    if ((ct && !(q->rq.ctype = strdup(ct))) || (inm && !(q->rq.if_none_match = strdup(inm))))
        return MHD_NO;
    if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, q) < 0) return MHD_NO;
    if (len && !q->pp) { /* the whole body is coming: one allocation */
        q->rq.body = malloc((size_t)len);
        if (!q->rq.body) return reject(q, 500, "internal", "retry later", "out of memory");
        q->rq.body_cap = (size_t)len;
    }
    return MHD_YES; /* successes are queued on a later call (keep-alive trap) */
}

static enum MHD_Result body_call(conn_req *q, const char *data, size_t n)
{
    q->bytes_in += n;
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

static void *job_main(void *arg)
{
    conn_req *q = arg;
    /* Conversions run at nice +10: on a busy machine the scheduler then
     * gives the HTTP threads ~10x their weight, so /healthz and small
     * requests keep answering in milliseconds while every core converts
     * (Linux applies setpriority to one thread when given its tid). */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), JOB_NICE);
    q->rq.route->handler(&q->rq, &q->rp, q->rq.route->arg);
    atomic_fetch_sub(&jobs_, 1);
    atomic_store(&q->state, ST_DONE);
    MHD_resume_connection(q->conn);
    req_release(q);
    return NULL;
}

static enum MHD_Result last_call(conn_req *q)
{
    int st = atomic_load(&q->state);
    if (st == ST_DONE) return queue_reply(q);
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
        r->handler(&q->rq, &q->rp, r->arg);
        return queue_reply(q);
    }
    if (atomic_fetch_add(&jobs_, 1) >= cfg_->limits.max_jobs) {
        atomic_fetch_sub(&jobs_, 1);
        srv_metrics_job_rejected();
        srv_reply_error(&q->rp, 503, "busy", "retry in a second",
                        "all %d conversion slots are busy", cfg_->limits.max_jobs);
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        return queue_reply(q);
    }
    pthread_attr_t attr;
    pthread_t tid;
    atomic_store(&q->state, ST_RUNNING);
    atomic_fetch_add(&q->refs, 1);
    MHD_suspend_connection(q->conn);
    int err = pthread_attr_init(&attr);
    if (!err) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        err = pthread_create(&tid, &attr, job_main, q);
        pthread_attr_destroy(&attr);
    }
    if (err) {
        atomic_fetch_sub(&jobs_, 1);
        atomic_fetch_sub(&q->refs, 1);
        srv_reply_error(&q->rp, 503, "busy", "retry in a second", "cannot start a worker: %s",
                        strerror(err));
        srv_reply_header(&q->rp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        atomic_store(&q->state, ST_DONE);
        MHD_resume_connection(q->conn); /* the next call queues the 503 */
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &q->t0);
        atomic_init(&q->refs, 1);
        atomic_init(&q->state, ST_BODY);
        q->conn = c;
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
    (void)c;
    (void)toe;
    conn_req *q = *con_cls;
    if (!q) return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - q->t0.tv_sec) + (t1.tv_nsec - q->t0.tv_nsec) / 1e9;
    char path[256]; /* the log keeps a long URL's first 255 bytes */
    clean(path, sizeof path, q->rq.path);
    /* status 0: the client went away before an answer was queued */
    srv_log_access("%s %s %d %zu %.2fms\n", q->rq.method, path, q->status, q->bytes_out, sec * 1e3);
    srv_metrics_request(q->route_idx, q->status, sec, q->bytes_in, q->bytes_out);
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
    daemon_ = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->limits.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->limits.per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->limits.conn_timeout_sec,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&bind_addr, MHD_OPTION_END);
    if (!daemon_)
        return syn_fail(e, SYN_E_INTERNAL, "pick another --port or --bind",
                        "cannot listen on %s port %d", cfg->bind, cfg->port);
    return 0;
}

int srv_http_port(void)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

int srv_http_shutdown(int grace_sec)
{
    MHD_socket lfd = MHD_quiesce_daemon(daemon_); /* stop accepting */
    /* The pool threads may still hold the listening socket, so it is only
     * closed after MHD_stop_daemon; but shutting it down now takes it out of
     * LISTEN (Linux), so new connections are refused at once (a load
     * balancer moves on to another replica) instead of queueing in the
     * backlog for the whole grace period and then being reset. */
    if (lfd != MHD_INVALID_SOCKET) shutdown(lfd, SHUT_RDWR);
    struct timespec t0, now, nap = {0, 20 * 1000 * 1000}; /* 20 ms: cheap, and quick */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&active_) == 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= grace_sec) break;
        nanosleep(&nap, NULL);
    }
    int left = atomic_load(&jobs_), open = atomic_load(&active_);
    if (open > 0)
        fprintf(stderr, "synesthd: %d requests still open after %d s (%d conversions)\n", open,
                grace_sec, left);
    if (left > 0) return left; /* MHD_stop_daemon would panic on a suspended connection */
    MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    return 0;
}
