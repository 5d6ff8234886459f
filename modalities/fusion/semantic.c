/* semantic.c -- the semantic axes: names, setting with reasons, fusion of
 * several inputs, similarity, and the flat embedding vector.
 *
 * Fusion blends each axis by part weight x evidence, so a text that says
 * nothing about brightness leaves a picture's brightness alone; hue is
 * blended as a circular mean on the colour wheel. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syn/semantic.h"
#include "syn/latent.h"
#include "internal.h"

static const char *const names[SYN_AX_COUNT] = {
    "brightness", "elevation", "energy", "sharpness", "warmth", "valence", "density", "hue",
};

const char *syn_axis_name(syn_axis a)
{
    return (unsigned)a < SYN_AX_COUNT ? names[a] : "?";
}

static float wrap01(float v)
{
    v = v - floorf(v);
    return v >= 1.0f ? 0.0f : v;
}

void syn_sem_neutral(syn_semantics *s)
{
    memset(s, 0, sizeof *s);
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        s->v[a] = 0.5f;
        snprintf(s->reason[a], SYN_REASON_LEN, "%s 0.50: not set", names[a]);
    }
}

void syn_sem_set(syn_semantics *s, syn_axis a, float v, float w, const char *fmt, ...)
{
    if ((unsigned)a >= SYN_AX_COUNT) return;
    v = isfinite(v) ? v : 0.5f;
    s->v[a] = a == SYN_AX_HUE ? wrap01(v) : clamp01(v);
    s->w[a] = clamp01(isfinite(w) ? w : 0);
    int k = snprintf(s->reason[a], SYN_REASON_LEN, "%s %.2f: ", names[a], s->v[a]);
    if (k < 0 || k >= SYN_REASON_LEN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason[a] + k, SYN_REASON_LEN - k, fmt, ap);
    va_end(ap);
}

uint32_t syn_hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint32_t h = 2166136261u; /* FNV-1a: stable across runs and machines */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

void syn_sem_blend(const syn_semantics *const *parts, const float *weights, int n,
                   syn_semantics *out)
{
    syn_sem_neutral(out);
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ parts[i]->hash) * 16777619u;
    out->hash = h;
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        double sw = 0, sv = 0, sx = 0, sy = 0, wmax = 0;
        int strongest = -1;
        for (int i = 0; i < n; i++) {
            double w = (double)weights[i] * parts[i]->w[a];
            if (w <= 0) continue;
            sw += w;
            sv += w * parts[i]->v[a];
            sx += w * cos(2 * M_PI * parts[i]->v[a]);
            sy += w * sin(2 * M_PI * parts[i]->v[a]);
            wmax = fmax(wmax, parts[i]->w[a]);
            if (strongest < 0 || w > (double)weights[strongest] * parts[strongest]->w[a])
                strongest = i;
        }
        if (sw <= 0) continue;
        float v = a == SYN_AX_HUE ? (float)(atan2(sy, sx) / (2 * M_PI)) : (float)(sv / sw);
        /* keep the strongest part's own reason after the blend's figure */
        const char *why = strchr(parts[strongest]->reason[a], ':');
        syn_sem_set(out, (syn_axis)a, v, (float)wmax, "blend of %d input%s, mostly%s", n,
                    n == 1 ? "" : "s", why ? why + 1 : "");
    }
}

double syn_sem_similarity(const syn_semantics *a, const syn_semantics *b,
                          float agreement[SYN_AX_COUNT])
{
    double num = 0, den = 0;
    for (int x = 0; x < SYN_AX_COUNT; x++) {
        double d = fabs((double)a->v[x] - b->v[x]);
        if (x == SYN_AX_HUE) /* circular: red at 0.98 is close to red at 0.02; 0.5 is opposite */
            d = 2 * fmin(d, 1 - d);
        float agree = (float)(1 - fmin(1, d));
        if (agreement) agreement[x] = agree;
        double w = sqrt((double)a->w[x] * b->w[x]);
        num += w * agree;
        den += w;
    }
    return den > 0 ? num / den : 0.5;
}

void syn_grid_summary(const syn_grid *g, float out[SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE])
{
    enum { S = SYN_SUMMARY_SIDE };
    memset(out, 0, sizeof(float) * S * S);
    if (!g || !g->v || g->rows < 1 || g->cols < 1) return;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            int r0 = y * g->rows / S, r1 = (y + 1) * g->rows / S;
            int c0 = x * g->cols / S, c1 = (x + 1) * g->cols / S;
            if (r1 <= r0) r1 = r0 + 1;
            if (c1 <= c0) c1 = c0 + 1;
            double acc = 0;
            int cnt = 0;
            for (int r = r0; r < r1 && r < g->rows; r++)
                for (int c = c0; c < c1 && c < g->cols; c++, cnt++)
                    acc += g->v[(size_t)r * g->cols + c];
            out[y * S + x] = cnt ? (float)(acc / cnt) : 0;
        }
}

int syn_embed_vector(const syn_semantics *s, const syn_grid *g, float out[SYN_EMBED_DIM])
{
    int k = 0;
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        if (a == SYN_AX_HUE) {
            out[k++] = (float)(0.5 + 0.5 * cos(2 * M_PI * s->v[a]));
            out[k++] = (float)(0.5 + 0.5 * sin(2 * M_PI * s->v[a]));
        } else {
            out[k++] = s->v[a];
        }
    }
    syn_grid_summary(g, out + k);
    return SYN_EMBED_DIM;
}

/* Pearson correlation of two summaries (0 when either is flat). */
static double summary_corr(const float *x, const float *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++)
        mx += x[i] / n, my += y[i] / n;
    for (int i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
    }
    return sxx > 1e-12 && syy > 1e-12 ? sxy / sqrt(sxx * syy) : 0;
}

double syn_similarity(const syn_semantics *a, const syn_grid *ga, const syn_semantics *b,
                      const syn_grid *gb, float agreement[SYN_AX_COUNT], double *grid_agreement)
{
    double score = syn_sem_similarity(a, b, agreement);
    if (grid_agreement) *grid_agreement = -1;
    if (!ga || !gb || ga->rows < 1 || gb->rows < 1) return score;
    enum { N = SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE };
    float sa[N], sb[N];
    syn_grid_summary(ga, sa);
    syn_grid_summary(gb, sb);
    double d = 0;
    for (int i = 0; i < N; i++)
        d += fabs((double)sa[i] - sb[i]);
    double g = 1 - d / N;
    if (grid_agreement) *grid_agreement = g;
    /* The grids are evidence as far as they show the same layout: a sound
     * drawn from a picture (spectral mode) has the picture's layout in its
     * spectrogram, r ~ 0.9, and then the grid counts as much as all the
     * axes together; a piece of music made from the picture's meaning has
     * an unrelated layout, r ~ 0, and the axes decide. */
    double den = 0;
    for (int x = 0; x < SYN_AX_COUNT; x++)
        den += sqrt((double)a->w[x] * b->w[x]);
    double r = summary_corr(sa, sb, N), wg = (den > 0 ? den : 1) * (r > 0 ? r * r : 0);
    if (den + wg <= 0) return score;
    return (score * den + g * wg) / (den + wg);
}
