/* routes.c -- the one route table (STYLE.md §2), and the checks made on it.
 *
 * http.c's router answers 404, 405 (+ Allow), 411, 413 and 415 from these
 * rows before any handler runs, so handlers assume valid framing.
 * To add an endpoint, add one row: methods, path, handler, handler
 * argument, body cap, accepted Content-Types, flags, metrics label, the
 * one-line description GET /v1 prints, and the route's own input names.
 * Multipart parts named after a modality are inputs on every route; the
 * last column adds a route's own (a and b for /v1/similarity).  A row
 * flagged SRV_R_MODALITY ends in "{modality}": it serves that path for
 * every registered modality, and its handler gets the name as argument.
 * Nothing here allocates; every function is re-entrant. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "server.h"

/* What every conversion endpoint accepts: a raw body typed by a modality's
 * MIME type (SRV_TYPES_MODALITIES follows the registry, so a new modality
 * needs no edit here), bytes to sniff, multipart form data, or JSON. */
static const char *const input_types[] = {
    SRV_TYPES_MODALITIES,
    "application/octet-stream",
    "multipart/form-data",
    "application/json",
    NULL,
};

static const char *const similarity_inputs[] = {"a", "b", NULL};

const srv_route srv_routes[] = {
    {SRV_GET | SRV_HEAD, "/", srv_static_handler, NULL, 0, NULL, SRV_R_ASSETS, "static",
     "the web demo and its assets", NULL},
    {SRV_GET | SRV_HEAD, "/healthz", srv_health_handler, NULL, 0, NULL, 0, "healthz",
     "liveness: status, version and uptime", NULL},
    {SRV_GET | SRV_HEAD, "/metrics", srv_metrics_handler, NULL, 0, NULL, 0, "metrics",
     "Prometheus text format", NULL},
    {SRV_GET | SRV_HEAD, "/v1", srv_selfdoc_handler, NULL, 0, NULL, 0, "v1",
     "self-description: endpoints, modalities, options, limits", NULL},
    {SRV_POST, "/v1/generate/image", srv_generate_handler, "image", SRV_BODY_LIMIT, input_types,
     SRV_R_JOB, "generate_image", "any input(s) -> a picture (PNG): spectral or semantic painting",
     NULL},
    {SRV_POST, "/v1/generate/audio", srv_generate_handler, "audio", SRV_BODY_LIMIT, input_types,
     SRV_R_JOB, "generate_audio",
     "any input(s) -> a sound (WAV, FLAC or OGG): spectral, semantic music, or speech", NULL},
    {SRV_POST, "/v1/generate/text", srv_describe_text_handler, "text", SRV_BODY_LIMIT, input_types,
     SRV_R_JOB, "generate_text",
     "any input(s) -> a description in English or Chinese, JSON {text, lang, semantics}", NULL},
    /* every other registered modality (the exact rows above come first) */
    {SRV_POST, "/v1/generate/{modality}", srv_generate_handler, NULL, SRV_BODY_LIMIT, input_types,
     SRV_R_JOB | SRV_R_MODALITY, "generate",
     "any input(s) -> any registered modality (GET /v1 lists them and their formats)", NULL},
    {SRV_POST, "/v1/embed", srv_embed_handler, NULL, SRV_BODY_LIMIT, input_types, SRV_R_JOB,
     "embed",
     "any input(s) -> the latent as JSON: semantic axes with reasons, grid summary, "
     "flat vector",
     NULL},
    {SRV_POST, "/v1/similarity", srv_similarity_handler, NULL, SRV_BODY_LIMIT, input_types,
     SRV_R_JOB, "similarity",
     "parts a and b of any modalities -> {score, grid_agreement, axes: {a, b, agreement}}",
     similarity_inputs},
    {0, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
};

size_t srv_route_count(void)
{
    size_t n = 0;
    while (srv_routes[n].path)
        n++;
    return n;
}

/* The part of path a SRV_R_MODALITY row's "{modality}" stands for, when
 * it names a registered modality; else NULL. */
static const char *modality_tail(const srv_route *r, const char *path)
{
    const char *brace = strchr(r->path, '{');
    size_t k = brace ? (size_t)(brace - r->path) : 0;
    if (!brace || strncmp(r->path, path, k) != 0) return NULL;
    const syn_modality *m = syn_modality_by_name(path + k);
    return m ? m->name : NULL;
}

const srv_route *srv_route_find(const char *path, const srv_config *cfg)
{
    const srv_route *assets = NULL, *pattern = NULL;
    for (const srv_route *r = srv_routes; r->path; r++) {
        if (!(r->flags & SRV_R_MODALITY) && strcmp(r->path, path) == 0) return r;
        if (r->flags & SRV_R_ASSETS) assets = r;
        if ((r->flags & SRV_R_MODALITY) && !pattern && modality_tail(r, path)) pattern = r;
    }
    if (pattern) return pattern;
    if (assets && srv_static_exists(path, cfg)) return assets;
    return NULL;
}

const char *srv_route_arg(const srv_route *r, const char *path)
{
    return r->flags & SRV_R_MODALITY ? modality_tail(r, path) : r->arg;
}

static const struct {
    unsigned bit;
    const char *name;
} method_names[] = {
    {SRV_GET, "GET"},
    {SRV_HEAD, "HEAD"},
    {SRV_POST, "POST"},
};

unsigned srv_method_bit(const char *method)
{
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (strcmp(method, method_names[i].name) == 0) return method_names[i].bit;
    return 0;
}

void srv_route_allow(const srv_route *r, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (r->methods & method_names[i].bit) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", method_names[i].name);
            if (w < 0 || (size_t)w >= n - used) return;
            used += (size_t)w;
        }
}

/* "image/png; charset=x" -> compare "image/png" only, case-insensitively. */
static int type_is(const char *ctype, const char *want)
{
    size_t n = strcspn(ctype, "; \t");
    return strlen(want) == n && strncasecmp(ctype, want, n) == 0;
}

int srv_route_accepts(const srv_route *r, const char *ctype)
{
    if (!r->types) return 1;
    for (const char *const *t = r->types; *t; t++) {
        if (strcmp(*t, SRV_TYPES_MODALITIES) == 0) {
            if (syn_modality_by_mime(ctype)) return 1;
        } else if (type_is(ctype, *t))
            return 1;
    }
    return 0;
}

void srv_route_types_text(const srv_route *r, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    if (!r->types) return;
    for (const char *const *t = r->types; *t; t++) {
        if (strcmp(*t, SRV_TYPES_MODALITIES) == 0) {
            for (const syn_modality *const *m = syn_modalities(); *m; m++)
                for (const char *const *mt = (*m)->mime_types; mt && *mt; mt++) {
                    int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", *mt);
                    if (w < 0 || (size_t)w >= n - used) return;
                    used += (size_t)w;
                }
            continue;
        }
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", *t);
        if (w < 0 || (size_t)w >= n - used) return;
        used += (size_t)w;
    }
}

int srv_route_is_input(const srv_route *r, const char *name)
{
    if (syn_modality_by_name(name)) return 1;
    for (const char *const *i = r ? r->inputs : NULL; i && *i; i++)
        if (!strcmp(*i, name)) return 1;
    return 0;
}

size_t srv_route_max_body(const srv_route *r, const syn_limits *l)
{
    return r->max_body == SRV_BODY_LIMIT ? l->max_body_bytes : r->max_body;
}
