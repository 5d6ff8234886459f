/* latent.c -- grid memory, the map line that travels inside outputs,
 * output blobs, the error helper with the one table of error kinds, and
 * the description of a latent.
 *
 * Ownership: syn_grid_alloc() memory is released by syn_grid_free();
 * syn_latent_free() releases a latent's grid; syn_blob_free() a blob. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/latent.h"
#include "syn/error.h"
#include "syn/fusion.h"
#include "syn/modality.h"
#include "syn/semantic.h"

int syn_fail(syn_err *e, syn_errkind kind, const char *hint, const char *fmt, ...)
{
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    snprintf(e->hint, sizeof e->hint, "%s", hint ? hint : "");
    e->kind = kind;
    return -1;
}

/* Out of memory is "internal" to a client: nothing in the request can
 * change it, and the code has always been "internal" on the wire. */
const syn_errdef syn_errdefs[] = {
    {SYN_E_BADREQ, "bad_request", "a malformed request or option value"},
    {SYN_E_EMPTY, "empty_body", "no input at all, or an empty one"},
    {SYN_E_UNSUPPORTED, "unsupported_media_type", "an unknown type, signature or codec"},
    {SYN_E_INVALID, "invalid_input", "the right type, but corrupt or truncated"},
    {SYN_E_LIMIT, "limit_exceeded", "a decoded or requested size beyond a configured limit"},
    {SYN_E_TOOLARGE, "payload_too_large", "a body beyond the byte limit"},
    {SYN_E_NOMEM, "internal", "the server ran out of memory"},
    {SYN_E_INTERNAL, "internal", "a bug or a library failure"},
    {SYN_E_DECODER, "decoder_failed",
     "the sandboxed decoder crashed, hung or ran out of memory on this input"},
    {SYN_E_BUSY, "busy", "the server-wide memory budget is full: retry after Retry-After"},
    {SYN_E_CANCELLED, "cancelled", "the client went away, or the server is stopping"},
    {SYN_OK, NULL, NULL},
};

const char *syn_errkind_code(syn_errkind kind)
{
    if (kind == SYN_OK) return "ok";
    for (const syn_errdef *d = syn_errdefs; d->code; d++)
        if (d->kind == kind) return d->code;
    return "internal";
}

/* --- the description of a latent ------------------------------------------ */

const char *syn_latent_lang(const syn_latent *l, const syn_opts *o)
{
    return o && o->lang[0] ? o->lang : l->lang[0] ? l->lang : "en";
}

int syn_latent_describe(const syn_latent *l, const syn_opts *o, syn_description *d, syn_err *e)
{
    syn_semantics neutral;
    const syn_semantics *s = &l->sem;
    if (!l->has_sem) {
        syn_sem_neutral(&neutral);
        s = &neutral;
    }
    snprintf(d->lang, sizeof d->lang, "%s", syn_latent_lang(l, o));
    int k = syn_describe(s, &l->grid, d->lang, d->text, sizeof d->text);
    if (k < 0) {
        d->text[0] = 0;
        d->len = 0;
        return syn_fail(e, SYN_E_INTERNAL, NULL, "the description could not be written");
    }
    d->len = (size_t)k < sizeof d->text ? (size_t)k : sizeof d->text - 1;
    return 0;
}

int syn_grid_alloc(syn_grid *g, int rows, int cols, int stereo)
{
    memset(g, 0, sizeof *g);
    if (rows <= 0 || cols <= 0 || (size_t)rows > SIZE_MAX / sizeof(float) / (size_t)cols) return -1;
    size_t n = (size_t)rows * (size_t)cols;
    g->v = calloc(n, sizeof(float));
    if (stereo) {
        g->left = calloc(n, sizeof(float));
        g->right = calloc(n, sizeof(float));
    }
    if (!g->v || (stereo && (!g->left || !g->right))) {
        syn_grid_free(g);
        return -1;
    }
    g->rows = rows;
    g->cols = cols;
    return 0;
}

void syn_grid_free(syn_grid *g)
{
    free(g->rgb);
    free(g->v);
    free(g->left);
    free(g->right);
    memset(g, 0, sizeof *g);
}

void syn_latent_free(syn_latent *l)
{
    syn_grid_free(&l->grid);
    free(l->text);
    l->text = NULL;
}

void syn_blob_free(syn_blob *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static const char *const scale_names[] = {"linear", "mel", "log"};
static const char *const synth_names[] = {"auto", "sine", "noise", "griffinlim"};
static const char *const source_names[] = {"image", "audio"};

const char *syn_scale_name(syn_scale s)
{
    return (unsigned)s < 3 ? scale_names[s] : "linear";
}

const char *syn_synth_name(syn_synth s)
{
    return (unsigned)s < 4 ? synth_names[s] : "auto";
}

/* %.9g keeps every double the options produce exactly enough that the
 * reverse mapping lands on the same rows; %.6g would move ref_db by up to
 * 5e-6 dB, which is harmless, but 9 digits costs nothing. */
int syn_map_format(const syn_map *m, char *buf, size_t n)
{
    int w = snprintf(buf, n,
                     "synesthd/1 sr=%d dur=%.9g fmin=%.9g fmax=%.9g scale=%s range=%.9g "
                     "ref=%.9g nfft=%d hop=%d synth=%s stereo=%d seed=%u src=%s rows=%d cols=%d",
                     m->sample_rate, m->duration, m->fmin, m->fmax, syn_scale_name(m->scale),
                     m->db_range, m->ref_db, m->n_fft, m->hop, syn_synth_name(m->synthesis),
                     m->stereo ? 1 : 0, (unsigned)m->seed, source_names[m->source == SYN_SRC_AUDIO],
                     m->rows, m->cols);
    if (w < 0) return 0;
    return (size_t)w < n ? w : (int)(n ? n - 1 : 0);
}

static int pick(const char *v, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(v, names[i])) return i;
    return -1;
}

static int num(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi) return -1;
    *out = d;
    return 0;
}

/* Parses what syn_map_format writes.  Every field is checked against a
 * sane physical range, because the line arrives inside user files: a
 * crafted "nfft=-1" or "sr=1e12" must not reach the DSP. */
int syn_map_parse(syn_map *out, const char *s)
{
    if (!s || strncmp(s, "synesthd/1 ", 11)) return -1;
    syn_map m = {0};
    unsigned seen = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s + 11);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) return -1;
        *eq = 0;
        const char *k = tok, *v = eq + 1;
        double d;
        int i;
#define NUMF(key, bit, lo, hi, dst)                                                                \
    if (!strcmp(k, key)) {                                                                         \
        if (num(v, lo, hi, &d)) return -1;                                                         \
        dst;                                                                                       \
        seen |= 1u << bit;                                                                         \
        continue;                                                                                  \
    }
        NUMF("sr", 0, 1000, 768000, m.sample_rate = (int)d)
        NUMF("dur", 1, 0.001, 86400, m.duration = d)
        NUMF("fmin", 2, 0, 384000, m.fmin = d)
        NUMF("fmax", 3, 1, 384000, m.fmax = d)
        NUMF("range", 4, 1, 200, m.db_range = d)
        NUMF("ref", 5, -400, 400, m.ref_db = d)
        NUMF("nfft", 6, 16, 65536, m.n_fft = (int)d)
        NUMF("hop", 7, 1, 65536, m.hop = (int)d)
        NUMF("stereo", 8, 0, 1, m.stereo = (int)d)
        NUMF("seed", 9, 0, 4294967295.0, m.seed = (uint32_t)d)
        NUMF("rows", 10, 0, 1 << 20, m.rows = (int)d)
        NUMF("cols", 11, 0, 1 << 20, m.cols = (int)d)
#undef NUMF
        if (!strcmp(k, "scale")) {
            if ((i = pick(v, scale_names, 3)) < 0) return -1;
            m.scale = (syn_scale)i;
        } else if (!strcmp(k, "synth")) {
            if ((i = pick(v, synth_names, 4)) < 0) return -1;
            m.synthesis = (syn_synth)i;
        } else if (!strcmp(k, "src")) {
            if ((i = pick(v, source_names, 2)) < 0) return -1;
            m.source = (syn_source)i;
        }
        /* unknown keys are skipped: a newer writer may add fields */
    }
    /* sr, dur, fmin, fmax, range, ref, nfft, hop are required; a map whose
     * frequencies syn_map_check refuses is not one we wrote (we never write
     * one), so the input is read as a plain picture or sound instead. */
    if ((seen & 0xff) != 0xff || m.hop > m.n_fft || (m.n_fft & (m.n_fft - 1)) ||
        syn_map_check(&m, NULL) < 0)
        return -1;
    *out = m;
    return 0;
}
