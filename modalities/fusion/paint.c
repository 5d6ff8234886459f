/* paint.c -- an abstract painting from the semantic axes.
 *
 * Accepts: any syn_semantics, a seed, a canvas of w x h (1..32768 per
 * side; the caller holds the output limits) and a caller-allocated rgb
 * buffer of w*h*3 floats, filled with gamma-encoded sRGB in [0,1], row 0 on
 * top.  No allocation.  Returns 0, or -1 with *e for bad arguments.
 *
 * The mapping (each after the axis grounding in syn/semantic.h):
 *   hue, warmth, valence  the palette: OKLCh colours around the hue (or the
 *                         warm or cool pole when the hue says little), with
 *                         an accent on the opposite side; sad is darker and
 *                         greyer (Valdez & Mehrabian 1994)
 *   energy                chroma, contrast and opacity; calm is translucent
 *   brightness            the canvas' lightness
 *   elevation             where the light and the shapes sit: a high sound
 *                         paints its mass high (pitch <-> elevation)
 *   sharpness             the shapes: blobs and circles (bouba) through
 *                         rounded and plain polygons to triangles, stars and
 *                         shards (kiki)
 *   density               how many shapes (3 to ~45)
 * Edges are anti-aliased from signed distances (coverage = 0.5 - d / px);
 * stb_perlin gives the ground a slow texture.  Deterministic: the seed
 * drives one splitmix64 stream and the noise's offset.
 *
 * Layout: colour (OKLCh), shapes as signed distances, then plan_palette()
 * makes the choices above from the axes and three layers are painted in
 * order: the ground, the glow, the shapes. */
#include <math.h>
#include <string.h>

#include "syn/semantic.h"
#include "internal.h"

#define STB_PERLIN_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb/stb_perlin.h>
#pragma GCC diagnostic pop

#define PAINT_MAX_SHAPES 64 /* density 1 asks for ~45; room for jitter   */
#define PAINT_MAX_VERTS 24  /* a 12-point star                           */

typedef struct col3 {
    float r, g, b;
} col3;

static double nrand(uint64_t *st) /* standard normal, Box-Muller */
{
    double u = urand(st), v = urand(st);
    return sqrt(-2 * log(u + 1e-12)) * cos(2 * M_PI * v);
}

static float srgb_gamma(float c)
{
    c = clampf(c, 0, 1);
    return c <= 0.0031308f ? 12.92f * c : 1.055f * powf(c, 1 / 2.4f) - 0.055f;
}

/* OKLab (Ottosson 2020) to linear sRGB. */
static void oklab_linear(float L, float a, float b, float out[3])
{
    float l_ = L + 0.3963377774f * a + 0.2158037573f * b;
    float m_ = L - 0.1055613458f * a - 0.0638541728f * b;
    float s_ = L - 0.0894841775f * a - 1.2914855480f * b;
    float l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_;
    out[0] = 4.0767416621f * l - 3.3077115913f * m + 0.2309699292f * s;
    out[1] = -1.2684380046f * l + 2.6097574011f * m - 0.3413193965f * s;
    out[2] = -0.0041960863f * l - 0.7034186147f * m + 1.7076147010f * s;
}

/* Our hue turn (0 red, 1/3 green, 2/3 blue, as HSV) to an OKLCh angle in
 * radians, piecewise linear through the six HSV primaries and secondaries
 * as OKLCh places them. */
static float hue_angle(float turn)
{
    static const float deg[7] = {29, 110, 142, 195, 264, 328, 389};
    turn -= floorf(turn);
    float x = turn * 6;
    int i = (int)x;
    if (i > 5) i = 5;
    float d = deg[i] + (deg[i + 1] - deg[i]) * (x - i);
    return d * (float)M_PI / 180;
}

/* An OKLCh colour as gamma-encoded sRGB, chroma reduced until in gamut. */
static col3 oklch(float L, float C, float turn)
{
    float h = hue_angle(turn), lin[3];
    L = clampf(L, 0, 1);
    for (int it = 0; it < 12; it++) {
        oklab_linear(L, C * cosf(h), C * sinf(h), lin);
        if (lin[0] >= -1e-4f && lin[1] >= -1e-4f && lin[2] >= -1e-4f && lin[0] <= 1.0001f &&
            lin[1] <= 1.0001f && lin[2] <= 1.0001f)
            break;
        C *= 0.8f;
    }
    return (col3){srgb_gamma(lin[0]), srgb_gamma(lin[1]), srgb_gamma(lin[2])};
}

/* --- shapes as signed distances (px, negative inside) -------------------- */

typedef struct shape {
    float cx, cy; /* centre, px                                  */
    float r;      /* outer radius, px                            */
    int nv;       /* polygon vertices; 0 = blob                  */
    float vx[PAINT_MAX_VERTS], vy[PAINT_MAX_VERTS];
    float round;         /* rounding radius, px                         */
    float wobble, phase; /* blob: radius modulation and its noise offset */
    col3 col, hi, lo;    /* fill, its lit centre (blobs), its outline */
    float alpha, shadow, stroke;
} shape;

static float poly_sd(const shape *s, float px, float py)
{
    float best = 1e30f;
    int inside = 0;
    for (int i = 0, j = s->nv - 1; i < s->nv; j = i++) {
        float ax = s->vx[j], ay = s->vy[j], bx = s->vx[i], by = s->vy[i];
        float ex = bx - ax, ey = by - ay, wx = px - ax, wy = py - ay;
        float t = clampf((wx * ex + wy * ey) / (ex * ex + ey * ey + 1e-12f), 0, 1);
        float dx = wx - ex * t, dy = wy - ey * t, d2 = dx * dx + dy * dy;
        if (d2 < best) best = d2;
        if ((ay > py) != (by > py) && px < ax + (py - ay) * ex / (ey + 1e-30f))
            inside = !inside; /* even-odd crossing */
    }
    float d = sqrtf(best);
    return (inside ? -d : d) - s->round;
}

static float shape_sd(const shape *s, float x, float y)
{
    float px = x - s->cx, py = y - s->cy;
    if (s->nv == 0) {
        float d = sqrtf(px * px + py * py);
        float a = atan2f(py, px);
        float wob = stb_perlin_noise3(cosf(a) * 1.3f + s->phase, sinf(a) * 1.3f, s->phase, 0, 0, 0);
        return d - s->r * (1 + s->wobble * wob);
    }
    return poly_sd(s, px, py);
}

static void blend(float *px, col3 c, float a)
{
    px[0] += (c.r - px[0]) * a;
    px[1] += (c.g - px[1]) * a;
    px[2] += (c.b - px[2]) * a;
}

/* Outline of one shape from the sharpness: k in [0,1] after jitter. */
static void make_outline(shape *sh, float k, uint64_t *st)
{
    float r = sh->r, rot = (float)(urand(st) * 2 * M_PI);
    int n = 0;
    float inner = 1, aspect = 1;
    sh->round = 0;
    if (k < 0.2f) { /* bouba: a circle or a soft blob */
        sh->nv = 0;
        sh->wobble = (0.2f - k) * 0.9f * (float)urand(st);
        sh->phase = (float)(urand(st) * 64);
        return;
    } else if (k < 0.4f) { /* rounded rectangles and pentagons */
        n = urand(st) < 0.7 ? 4 : 5;
        aspect = (float)(0.6 + 0.8 * urand(st));
        sh->round = r * (0.55f - (k - 0.2f) * 1.5f);
    } else if (k < 0.6f) { /* squares, rectangles, pentagons, hexagons */
        n = 4 + (int)(urand(st) * 3);
        aspect = n == 4 ? (float)(0.5 + urand(st)) : 1;
        sh->round = r * 0.04f * (0.6f - k) / 0.2f;
    } else if (k < 0.8f) { /* triangles, some of them acute */
        n = 3;
        aspect = (float)(0.7 + 0.9 * urand(st) * (k - 0.6f) / 0.2f);
    } else if (urand(st) < 0.35) { /* shards: long thin triangles */
        n = 3;
        aspect = (float)(2.2 + 1.8 * urand(st));
    } else { /* stars, spikier as k rises */
        n = 2 * (5 + (int)(urand(st) * 4));
        inner = 0.55f - 0.35f * (k - 0.8f) / 0.2f;
    }
    if (n > PAINT_MAX_VERTS) n = PAINT_MAX_VERTS;
    float rr = r - sh->round;
    for (int i = 0; i < n; i++) {
        int star = inner < 1;
        float a = (float)(2 * M_PI * i / n);
        float rad = star && (i & 1) ? rr * inner : rr;
        float x = rad * cosf(a) * aspect, y = rad * sinf(a) / (aspect > 1 ? 1 : 1 / aspect);
        if (aspect > 1) /* shards and stretched triangles keep the size */
            y = rad * sinf(a) / aspect * 1.2f, x = rad * cosf(a) * 1.2f;
        sh->vx[i] = x * cosf(rot) - y * sinf(rot);
        sh->vy[i] = x * sinf(rot) + y * cosf(rot);
    }
    sh->nv = n;
}

/* --- the palette: colours and light from the axes ------------------------- */

typedef struct palette {
    float H0;           /* the palette's hue, a turn                    */
    float Lbg;          /* OKLab L of the ground                        */
    float slope;        /* light from above (+) or below (-)            */
    float Cbg, Csh;     /* chroma of the ground and of the shapes       */
    float contrast;     /* lightness step of the shapes off the ground  */
    float y0;           /* where the mass sits, 0 = top                 */
    float B, En, Sh, V; /* the axes the layers read                 */
} palette;

static void plan_palette(const syn_semantics *s, uint64_t *st, palette *p)
{
    const float B = s->v[SYN_AX_BRIGHTNESS], E = s->v[SYN_AX_ELEVATION], En = s->v[SYN_AX_ENERGY],
                W = s->v[SYN_AX_WARMTH], V = s->v[SYN_AX_VALENCE];
    /* Palette hue: the hue axis, pulled toward orange (warm) or azure
     * (cool) by warmth as far as the hue's own evidence leaves room. */
    float hw = s->w[SYN_AX_HUE];
    float pole = W >= 0.5f ? 0.07f : 0.58f, pull = fabsf(W - 0.5f) * 2 * (1 - 0.7f * hw);
    float hx = hw * cosf(2 * (float)M_PI * s->v[SYN_AX_HUE]) + pull * cosf(2 * (float)M_PI * pole);
    float hy = hw * sinf(2 * (float)M_PI * s->v[SYN_AX_HUE]) + pull * sinf(2 * (float)M_PI * pole);
    p->H0 = (hx * hx + hy * hy > 1e-6f) ? atan2f(hy, hx) / (2 * (float)M_PI) : 0.07f;
    p->H0 += (float)(urand(st) - 0.5) * 0.04f; /* a little variation per seed */

    p->Lbg = 0.14f + 0.72f * B;   /* brightness: the ground's lightness */
    p->slope = (E - 0.5f) * 0.7f; /* elevation: light from above or below */
    /* energy: chroma and contrast; valence: sad is greyer */
    p->Cbg = (0.03f + 0.08f * En) * (0.6f + 0.4f * V);
    p->Csh = (0.08f + 0.17f * En) * (0.6f + 0.4f * V);
    p->contrast = 0.10f + 0.28f * En;
    p->y0 = 0.14f + 0.72f * (1 - E); /* elevation: where the mass sits */
    p->B = B, p->En = En, p->Sh = s->v[SYN_AX_SHARPNESS], p->V = V;
}

#define RAMP_MAX_L 0.95f /* OKLab L of the ground's light end at most */

/* --- layer 1: the ground --------------------------------------------------- */

/* A vertical lightness ramp toward the light, hue drifting across it,
 * textured by slow Perlin noise. */
static void paint_ground(const palette *p, uint32_t seed, int w, int h, float *rgb, uint64_t *st)
{
    float zoff = (float)(seed % 997) * 0.173f; /* the noise field's slice per seed */
    float side = (float)(w > h ? w : h);
    /* the ramp keeps its full step at any brightness: where its light end
     * would pass white, the whole ramp moves down (a bright high picture
     * stays high) */
    float lt = p->Lbg + p->slope, lb = p->Lbg - p->slope, over = fmaxf(lt, lb) - RAMP_MAX_L;
    if (over > 0) lt -= over, lb -= over;
    col3 top = oklch(lt, p->Cbg, p->H0 + 0.04f), bot = oklch(lb, p->Cbg * 1.2f, p->H0 - 0.05f);
    float tex = 0.04f + 0.06f * p->En; /* texture depth in sRGB units */
    for (int y = 0; y < h; y++) {
        float t = (y + 0.5f) / h;
        col3 c = {top.r + (bot.r - top.r) * t, top.g + (bot.g - top.g) * t,
                  top.b + (bot.b - top.b) * t};
        float ny = (float)y / side * 3.0f;
        for (int x = 0; x < w; x++) {
            float nx = (float)x / side * 3.0f;
            float n = stb_perlin_fbm_noise3(nx, ny, zoff, 2.0f, 0.5f, 3);
            float *px = rgb + ((size_t)y * w + x) * 3;
            /* canvas grain, which also dithers the ramp's 8-bit steps */
            float grain = ((float)(syn_rng_next(st) >> 40) / 16777216.0f - 0.5f) * 0.02f;
            px[0] = clampf(c.r + tex * n + grain, 0, 1);
            px[1] = clampf(c.g + tex * n * 0.9f + grain, 0, 1);
            px[2] = clampf(c.b + tex * n * 0.8f + grain, 0, 1);
        }
    }
}

/* --- layer 2: the glow ----------------------------------------------------- */

/* A soft glow where the mass sits: the light of the picture. */
static void paint_glow(const palette *p, int w, int h, float *rgb, uint64_t *st)
{
    float gx = (float)(0.25 + 0.5 * urand(st)) * w, gy = p->y0 * h;
    float gr = 0.55f * (float)(w < h ? w : h);
    col3 gc = oklch(fminf(0.97f, p->Lbg + p->contrast + 0.1f), p->Cbg * 1.5f, p->H0 + 0.02f);
    float ga = 0.45f + 0.25f * p->V;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float dx = (x - gx) / gr, dy = (y - gy) / gr, d2 = dx * dx + dy * dy;
            if (d2 < 1) {
                float f = (1 - d2) * (1 - d2);
                blend(rgb + ((size_t)y * w + x) * 3, gc, ga * f);
            }
        }
}

/* --- layer 3: the shapes --------------------------------------------------- */

/* OKLab lightness added to the step of a shape off the ground per unit of
 * sharpness above 0.3: a full kiki ask adds 0.28, enough for its outline
 * to read at the encoder's shape scale (sem_image.c, SEM_SHAPE_EDGE). */
#define KIKI_STEP 0.4f
/* One shape of n around the focus fx: size, place, outline (sharpness
 * with jitter), colour (analogous hues, accents opposite with energy). */
static void make_shape(shape *sh, const palette *p, int n, float fx, int w, int h, uint64_t *st)
{
    static const float offs[5] = {0, 0.06f, -0.06f, 0.11f, -0.10f}; /* analogous hues */
    float minside = (float)(w < h ? w : h);
    memset(sh, 0, sizeof *sh);
    sh->r = minside * (float)(0.5 + urand(st)) * 0.36f / sqrtf((float)n);
    sh->cx = clampf(fx + (float)nrand(st) * 0.26f, 0.05f, 0.95f) * w;
    sh->cy = clampf(p->y0 + (float)nrand(st) * 0.16f, 0.04f, 0.96f) * h;
    float k = clampf(p->Sh + (float)(urand(st) - 0.5) * 0.24f, 0, 1);
    make_outline(sh, k, st);
    int accent = urand(st) < 0.1 + 0.25 * p->En;
    float hue = accent ? p->H0 + 0.5f : p->H0 + offs[syn_rng_next(st) % 5];
    /* kiki shapes stand out crisply from the ground, bouba ones melt in:
     * the outline is what carries a shape's angularity to the eye */
    float dl = p->contrast * (float)(0.35 + 0.65 * urand(st)) + KIKI_STEP * fmaxf(0, p->Sh - 0.3f);
    /* mostly lighter than the ground, so the light sits with the shapes */
    float L = urand(st) < 0.8 ? p->Lbg + dl : p->Lbg - 0.6f * dl;
    if (L > 0.97f) L = 0.97f - 0.3f * (L - 0.97f);
    float C = p->Csh * (float)(0.7 + 0.5 * urand(st)) * (accent ? 1.2f : 1);
    sh->col = oklch(L, C, hue);
    sh->hi = oklch(L + 0.14f, C * 0.7f, hue + 0.02f);
    sh->lo = oklch(L - 0.25f, C, hue);
    sh->stroke = p->Sh > 0.5f ? (p->Sh - 0.5f) * 1.6f : 0; /* kiki gets crisp outlines */
    sh->alpha = (0.5f + 0.45f * p->En) * (float)(0.8 + 0.2 * urand(st));
    sh->shadow = 0.18f + 0.12f * (1 - p->B);
}

/* One shape onto the canvas: its soft shadow, its anti-aliased fill (blobs
 * lit toward the centre) and its outline. */
static void draw_shape(const shape *sh, col3 shadow_col, int w, int h, float *rgb)
{
    float soft = 0.10f * sh->r + 1;               /* shadow penumbra, px */
    float ox = 0.05f * sh->r, oy = 0.08f * sh->r; /* light from above-left */
    float ext = sh->r * (sh->nv == 0 ? 1.5f : 1.3f) + soft + ox + oy + 2;
    int x0 = (int)fmaxf(0, sh->cx - ext), x1 = (int)fminf(w - 1, sh->cx + ext);
    int ya = (int)fmaxf(0, sh->cy - ext), yb = (int)fminf(h - 1, sh->cy + ext);
    for (int y = ya; y <= yb; y++)
        for (int x = x0; x <= x1; x++) {
            float *px = rgb + ((size_t)y * w + x) * 3;
            float ds = shape_sd(sh, x + 0.5f - ox, y + 0.5f - oy);
            float cs = clampf(0.5f - ds / soft, 0, 1);
            if (cs > 0) blend(px, shadow_col, sh->shadow * cs * cs);
            float d = shape_sd(sh, x + 0.5f, y + 0.5f);
            float cov = clampf(0.5f - d, 0, 1); /* one pixel of anti-aliasing */
            if (cov > 0) {
                col3 c = sh->col;
                if (sh->nv == 0) { /* blobs are lit orbs: lighter to the centre */
                    float t = clampf(-d / sh->r, 0, 1) * 0.8f;
                    c.r += (sh->hi.r - c.r) * t, c.g += (sh->hi.g - c.g) * t;
                    c.b += (sh->hi.b - c.b) * t;
                }
                blend(px, c, sh->alpha * cov);
            }
            float sc = sh->stroke * clampf(1.3f - fabsf(d), 0, 1);
            if (sc > 0) blend(px, sh->lo, sc);
        }
}

/* The shapes, biggest first; their count from density. */
static void paint_shapes(const palette *p, float D, int w, int h, float *rgb, uint64_t *st)
{
    int n = 4 + (int)lroundf(40 * powf(D, 1.5f));
    if (n > PAINT_MAX_SHAPES) n = PAINT_MAX_SHAPES;
    float fx = (float)(0.3 + 0.4 * urand(st)); /* the composition's focus */
    shape shapes[PAINT_MAX_SHAPES];
    for (int i = 0; i < n; i++)
        make_shape(&shapes[i], p, n, fx, w, h, st);
    for (int i = 1; i < n; i++) /* insertion sort: big ones behind */
        for (int j = i; j > 0 && shapes[j].r > shapes[j - 1].r; j--) {
            shape t = shapes[j];
            shapes[j] = shapes[j - 1];
            shapes[j - 1] = t;
        }
    col3 shadow_col = oklch(p->Lbg * 0.35f, p->Cbg, p->H0);
    for (int i = 0; i < n; i++)
        draw_shape(&shapes[i], shadow_col, w, h, rgb);
}

int syn_paint(const syn_semantics *s, uint32_t seed, int w, int h, float *rgb, syn_err *e)
{
    if (!s || !rgb || w < 1 || h < 1 || w > 32768 || h > 32768)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "painting got a %dx%d canvas", w, h);
    uint64_t st = (uint64_t)seed * 0x9e3779b97f4a7c15ull ^ 0x5041494e54ull; /* "PAINT" */
    palette p;
    plan_palette(s, &st, &p);
    paint_ground(&p, seed, w, h, rgb, &st);
    paint_glow(&p, w, h, rgb, &st);
    paint_shapes(&p, s->v[SYN_AX_DENSITY], w, h, rgb, &st);
    return 0;
}
