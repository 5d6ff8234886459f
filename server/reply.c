/* reply.c -- the one error helper, JSON replies and reply headers (STYLE.md §6).
 *
 * Every error leaves as
 *     {"error":{"status":N,"code":"...","message":"...","hint":"..."}}
 * with the real HTTP status.  The message is formatted into a bounded
 * buffer and jansson escapes it, so user input can never break the JSON.
 * A srv_reply owns its body (free_fn) and headers until http.c hands them
 * to libmicrohttpd; srv_reply_clear() releases what is still owned. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "server.h"

static const struct {
    syn_errkind kind;
    int status;
    const char *code;
} kind_map[] = {
    {SYN_E_BADREQ, 400, "bad_request"},
    {SYN_E_EMPTY, 400, "empty_body"},
    {SYN_E_UNSUPPORTED, 415, "unsupported_media_type"},
    {SYN_E_INVALID, 422, "invalid_input"},
    {SYN_E_LIMIT, 422, "limit_exceeded"},
    {SYN_E_TOOLARGE, 413, "payload_too_large"},
    {SYN_E_NOMEM, 500, "internal"},
    {SYN_E_INTERNAL, 500, "internal"},
    {SYN_E_DECODER, 422, "decoder_failed"},
    {SYN_E_BUSY, 503, "busy"},
    {SYN_E_CANCELLED, 503, "cancelled"},
};

int srv_errkind_status(syn_errkind k)
{
    for (size_t i = 0; i < sizeof kind_map / sizeof kind_map[0]; i++)
        if (kind_map[i].kind == k) return kind_map[i].status;
    return 500;
}

static const char *errkind_code(syn_errkind k)
{
    for (size_t i = 0; i < sizeof kind_map / sizeof kind_map[0]; i++)
        if (kind_map[i].kind == k) return kind_map[i].code;
    return "internal";
}

/* The last-resort body when even building the JSON fails (out of memory). */
static const char oom_body[] = "{\"error\":{\"status\":500,\"code\":\"internal\",\"message\":\"out "
                               "of memory\",\"hint\":\"\"}}";

static void set_body(srv_reply *rp, int status, const char *ctype, uint8_t *body, size_t len)
{
    if (rp->free_fn) rp->free_fn(rp->free_cls);
    rp->status = status;
    rp->ctype = ctype;
    rp->body = body;
    rp->len = len;
    rp->free_fn = body ? free : NULL;
    rp->free_cls = body;
}

void srv_reply_bytes(srv_reply *rp, int status, const char *ctype, uint8_t *body, size_t len)
{
    set_body(rp, status, ctype, body, len);
}

void srv_reply_json(srv_reply *rp, int status, void *root)
{
    /* 12 digits: enough for every limit and time, without binary noise (0.512, not
     * 0.51200000000000001) */
    char *s = root ? json_dumps((json_t *)root, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref((json_t *)root);
    if (!s) {
        set_body(rp, 500, "application/json", NULL, 0);
        rp->body = (uint8_t *)oom_body;
        rp->len = sizeof oom_body - 1;
        return;
    }
    size_t n = strlen(s);
    s[n] = '\n'; /* jansson's buffer holds n+1 bytes: reuse the NUL for a newline */
    set_body(rp, status, "application/json", (uint8_t *)s, n + 1);
}

static void reply_error_text(srv_reply *rp, int status, const char *code, const char *hint,
                             const char *message)
{
    json_t *root = json_pack("{s:{s:i,s:s,s:s,s:s}}", "error", "status", status, "code", code,
                             "message", message, "hint", hint ? hint : "");
    if (!root) { /* invalid UTF-8 in the message: say so without echoing it */
        root =
            json_pack("{s:{s:i,s:s,s:s,s:s}}", "error", "status", status, "code", code, "message",
                      "the request was rejected (details were not valid UTF-8)", "hint", "");
    }
    srv_reply_json(rp, status, root);
}

void srv_reply_error(srv_reply *rp, int status, const char *code, const char *hint, const char *fmt,
                     ...)
{
    char msg[512]; /* bounded: two syn_err sentences fit */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_error_text(rp, status, code, hint, msg);
}

void srv_reply_syn_error(srv_reply *rp, const syn_err *e)
{
    int status = srv_errkind_status(e->kind);
    reply_error_text(rp, status, errkind_code(e->kind), e->hint,
                     e->message[0] ? e->message : "the conversion failed");
    /* every 503 says when to come back: the budget frees as jobs finish */
    if (status == 503) srv_reply_header(rp, "Retry-After", "1");
}

int srv_reply_header(srv_reply *rp, const char *name, const char *fmt, ...)
{
    char value[1024]; /* a map line is at most 512 bytes (syn_blob.map) */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    for (char *c = value; *c; c++) /* never let a value split the header block */
        if (*c == '\r' || *c == '\n') *c = ' ';
    srv_header *h = realloc(rp->hdrs, (rp->nhdrs + 1) * sizeof *h);
    if (!h) return -1;
    rp->hdrs = h;
    h[rp->nhdrs].name = strdup(name);
    h[rp->nhdrs].value = strdup(value);
    if (!h[rp->nhdrs].name || !h[rp->nhdrs].value) {
        free(h[rp->nhdrs].name);
        free(h[rp->nhdrs].value);
        return -1;
    }
    rp->nhdrs++;
    return 0;
}

void srv_reply_clear(srv_reply *rp)
{
    if (rp->free_fn) rp->free_fn(rp->free_cls);
    for (size_t i = 0; i < rp->nhdrs; i++) {
        free(rp->hdrs[i].name);
        free(rp->hdrs[i].value);
    }
    free(rp->hdrs);
    memset(rp, 0, sizeof *rp);
}
