/* paint.c -- an abstract painting from the semantic axes.
 *
 * Accepts: any syn_semantics, a seed, a canvas of w x h (1..32768 per
 * side; the caller holds the output limits) and a caller-allocated rgb
 * buffer of w*h*3 floats, filled with gamma-encoded sRGB in [0,1], row 0 on
 * top.  No allocation.  Returns 0, or -1 with *e for bad arguments.
 *
 * The mapping (each after the axis grounding in syn/semantic.h):
 *   hue, warmth  the palette: OKLCh colours around the hue (or, when no hue
 *                was asked, a hue whose warmth is the asked one); where the
 *                asked warmth differs from the hue's, clouds in the ground
 *                and a share of the shapes take the warm or cool pole
 *   valence      the shapes, which carry the colour: light and vivid when
 *                happy, dark when sad (Valdez & Mehrabian 1994), whatever
 *                the ground: happy lights in a dark night
 *   energy       chroma up to the gamut's edge, the shapes' lightness
 *                spread, the ground's turbulence; calm is grey, flat and
 *                translucent
 *   brightness   the ground's lightness
 *   elevation    a soft horizon: light from above or below, and where the
 *                shapes sit (pitch <-> elevation)
 *   sharpness    the shapes: blobs and circles (bouba) through rounded and
 *                plain polygons to triangles, stars and shards (kiki), kiki
 *                ones opaque, outlined and standing off the ground
 *   density      how many shapes (3 to 63), and a ground of brush dots
 * Edges are anti-aliased from signed distances (coverage = 0.5 - d / px);
 * stb_perlin gives the ground a slow texture.  Deterministic: the seed
 * drives one splitmix64 stream and the noise's offset.
 *
 * Layout: colour (OKLCh), shapes as signed distances, then plan_palette()
 * makes the choices above from the axes and three layers are painted in
 * order: the ground, the glow, the shapes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/semantic.h"
#include "internal.h"

#define STB_PERLIN_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb/stb_perlin.h>
#pragma GCC diagnostic pop

#define PAINT_MAX_SHAPES 64 /* density 1 asks for 63                     */
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

static int in_gamut(const float lin[3])
{
    return lin[0] >= -1e-4f && lin[1] >= -1e-4f && lin[2] >= -1e-4f && lin[0] <= 1.0001f &&
           lin[1] <= 1.0001f && lin[2] <= 1.0001f;
}

/* An OKLCh colour as gamma-encoded sRGB; a chroma out of gamut is reduced
 * to the most the gamut holds at that lightness and hue (bisection), so a
 * vivid ask gets the vivid colour and not a greyer one. */
static col3 oklch(float L, float C, float turn)
{
    float h = hue_angle(turn), lin[3];
    L = clampf(L, 0, 1);
    oklab_linear(L, C * cosf(h), C * sinf(h), lin);
    if (!in_gamut(lin)) {
        float lo = 0, hi = C;
        for (int it = 0; it < 14; it++) {
            float mid = 0.5f * (lo + hi);
            oklab_linear(L, mid * cosf(h), mid * sinf(h), lin);
            if (in_gamut(lin))
                lo = mid;
            else
                hi = mid;
        }
        oklab_linear(L, lo * cosf(h), lo * sinf(h), lin);
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

/* A blob's outline wobbles by slow noise round the unit circle.  The noise
 * depends on the direction alone, so it is sampled WOB_N times round the
 * blob once (wobble_table) and read per pixel by the diamond angle, a
 * monotone stand-in for the angle without trigonometry. */
#define WOB_N 256

/* Diamond angle of (x, y): 0..4 once round, quadrant by quadrant. */
static float diamond(float x, float y)
{
    if (y >= 0) {
        if (x >= 0) return x + y > 0 ? y / (x + y) : 0;
        return 1 - x / (y - x);
    }
    return x < 0 ? 2 - y / (-x - y) : 3 + x / (x - y);
}

static void wobble_table(const shape *s, float wob[WOB_N + 1])
{
    for (int k = 0; k < WOB_N; k++) {
        float t = 4.0f * k / WOB_N, f = t - floorf(t), x, y;
        switch ((int)t) {
        case 0:
            x = 1 - f, y = f;
            break;
        case 1:
            x = -f, y = 1 - f;
            break;
        case 2:
            x = f - 1, y = -f;
            break;
        default:
            x = f, y = f - 1;
            break;
        }
        float inv = 1.3f / sqrtf(x * x + y * y);
        wob[k] = stb_perlin_noise3(x * inv + s->phase, y * inv, s->phase, 0, 0, 0);
    }
    wob[WOB_N] = wob[0];
}

static float shape_sd(const shape *s, const float *wob, float x, float y)
{
    float px = x - s->cx, py = y - s->cy;
    if (s->nv == 0) {
        float d = sqrtf(px * px + py * py), u = diamond(px, py) * (WOB_N / 4.0f);
        int i = (int)u;
        if (i >= WOB_N) i = WOB_N - 1;
        float w = wob[i] + (wob[i + 1] - wob[i]) * (u - (float)i);
        return d - s->r * (1 + s->wobble * w);
    }
    return poly_sd(s, px, py);
}

static col3 lerp3(col3 a, col3 b, float t)
{
    return (col3){a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
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
    float H0;           /* the palette's hue, a turn                     */
    float Hacc;         /* the accent's hue: the warm or cool pole       */
    float acc;          /* share of the shapes in the accent             */
    float Lbg;          /* OKLab L of the ground                         */
    float slope;        /* light from above (+) or below (-)             */
    float Cbg, Csh;     /* chroma of the ground and of the shapes        */
    float Lsh;          /* OKLab L the shapes gather around              */
    float contrast;     /* spread of the shapes' lightness around Lsh    */
    float y0;           /* where the mass sits, 0 = top                  */
    float dab;          /* depth of the ground's brush dabs (density)    */
    float B, En, Sh, V; /* the axes the layers read                      */
} palette;

/* How warm a hue reads: the cosine of its distance to orange, as the
 * picture encoder measures warmth (sem_image.c). */
static float hue_warmth(float turn)
{
    return cosf(2 * (float)M_PI * (turn - 1.0f / 12));
}

/* The palette's hue and its accent.  The hue axis sets the main hue as far
 * as it was asked; otherwise the main hue is one whose warmth is the asked
 * warmth.  When the asked warmth still differs from what
 * the main hue gives, a share of the shapes and clouds in the ground take
 * the warm (or cool) pole instead, spread over neighbouring hues so that
 * the main hue keeps the largest share of any one hue: a blue picture
 * with warm accents. */
static void plan_hues(const syn_semantics *s, uint64_t *st, palette *p)
{
    const float W = s->v[SYN_AX_WARMTH], hw = s->w[SYN_AX_HUE], ww = s->w[SYN_AX_WARMTH];
    /* the hue whose warmth is the asked one: orange (warm), cyan-blue
     * (cool), or between them by either side of the wheel (the seed picks) */
    float side = syn_rng_next(st) & 1 ? 1.0f : -1.0f;
    float hwarm = 1.0f / 12 + side * acosf(clampf(2 * W - 1, -1, 1)) / (2 * (float)M_PI);
    float k = ww > 0 ? 1 - hw : 0; /* the hue axis leads as far as it was said */
    float hx = hw * cosf(2 * (float)M_PI * s->v[SYN_AX_HUE]) + k * cosf(2 * (float)M_PI * hwarm);
    float hy = hw * sinf(2 * (float)M_PI * s->v[SYN_AX_HUE]) + k * sinf(2 * (float)M_PI * hwarm);
    p->H0 = (hx * hx + hy * hy > 1e-6f) ? atan2f(hy, hx) / (2 * (float)M_PI) : hwarm;
    p->H0 += (float)(urand(st) - 0.5) * 0.03f; /* a little variation per seed */
    float pole = W >= 0.5f ? 1.0f / 12 : 7.0f / 12;
    p->Hacc = pole;
    p->acc = 0;
    if (ww > 0) { /* the share f of the pole that makes the mean warmth 2W - 1 */
        float want = 2 * W - 1, c0 = hue_warmth(p->H0), cp = hue_warmth(pole);
        float f = fabsf(cp - c0) > 0.05f ? (want - c0) / (cp - c0) : 0;
        p->acc = clampf(f, 0, 1 - 0.6f * hw);
    }
}

static void plan_palette(const syn_semantics *s, uint64_t *st, palette *p)
{
    const float B = s->v[SYN_AX_BRIGHTNESS], E = s->v[SYN_AX_ELEVATION], En = s->v[SYN_AX_ENERGY],
                V = s->v[SYN_AX_VALENCE], D = s->v[SYN_AX_DENSITY];
    plan_hues(s, st, p);
    p->Lbg = 0.06f + 0.88f * B;   /* brightness: the ground's lightness */
    p->slope = (E - 0.5f) * 1.1f; /* elevation: light from above or below */
    /* energy: chroma and contrast, grey and flat when calm; a hue that was
     * asked stays visible however calm (the picture encoder calls a
     * picture under 3.5 % chroma grey).  Valence: the shapes, which carry
     * the most colour and so the picture's mood (sem_image.c), are light
     * when happy and dark when sad (Valdez & Mehrabian 1994), following
     * the ground's lightness only a third of the way: happy lights in a
     * dark night. */
    p->Cbg = 0.01f + 0.03f * s->w[SYN_AX_HUE] + 0.3f * En * En;
    p->Csh = 0.06f + 0.32f * En;
    p->Lsh = 0.1f + 0.86f * (0.65f * V + 0.35f * B);
    p->contrast = 0.03f + 0.5f * En;
    p->y0 = 0.14f + 0.72f * (1 - E); /* elevation: where the mass sits */
    p->dab = 0.3f * D * sqrtf(D);    /* density: a busy ground of brush dabs */
    p->B = B, p->En = En, p->Sh = s->v[SYN_AX_SHARPNESS], p->V = V;
}

#define RAMP_MIN_L 0.03f /* OKLab L of the ground's dark end at least  */
#define RAMP_MAX_L 0.97f /* ... and of its light end at most           */
#define GROUND_ACCENTS 6 /* hues of the ground's accent clouds            */
#define DAB_PX 3.0f      /* a brush dab's size at 256 px, scaled with the canvas */

/* --- layer 1: the ground --------------------------------------------------- */

/* The ground's two slow noise fields (texture, accent clouds), sampled
 * every `step` px on the canvas grid and read between the samples
 * bilinearly: the finest octave spans about side / 12 px, so a sample
 * every side / 128 px draws the same field at a sixteenth of the cost.
 * Two grid rows at a time, rolled down the canvas. */
typedef struct noise_rows {
    int step, gw, j;   /* sample spacing, samples a row, the upper row's index */
    float *tex, *acc;  /* [2][gw] each: rows j and j + 1                       */
    float zoff, scale; /* the seed's slice; noise units per px               */
    int want_acc;
} noise_rows;

static void noise_row(noise_rows *nr, int j, int slot)
{
    float ny = (float)(j * nr->step) * nr->scale;
    for (int i = 0; i < nr->gw; i++) {
        float nx = (float)(i * nr->step) * nr->scale;
        nr->tex[slot * nr->gw + i] = stb_perlin_fbm_noise3(nx, ny, nr->zoff, 2.0f, 0.5f, 3);
        if (nr->want_acc)
            nr->acc[slot * nr->gw + i] =
                stb_perlin_noise3(nx * 0.8f + 17.3f, ny * 0.8f, nr->zoff + 5.1f, 0, 0, 0);
    }
}

/* Rows j and j + 1 in place, for canvas row y. */
static void noise_roll(noise_rows *nr, int y)
{
    int j = y / nr->step;
    if (j == nr->j) return;
    if (j == nr->j + 1) { /* the lower row becomes the upper one */
        memcpy(nr->tex, nr->tex + nr->gw, sizeof(float) * nr->gw);
        if (nr->want_acc) memcpy(nr->acc, nr->acc + nr->gw, sizeof(float) * nr->gw);
    } else {
        noise_row(nr, j, 0);
    }
    noise_row(nr, j + 1, 1);
    nr->j = j;
}

static float noise_at(const noise_rows *nr, const float *f, int x, int y)
{
    int i = x / nr->step;
    float fx = (float)(x - i * nr->step) / nr->step, fy = (float)(y - nr->j * nr->step) / nr->step;
    float a = f[i] + (f[i + 1] - f[i]) * fx;
    float b = f[nr->gw + i] + (f[nr->gw + i + 1] - f[nr->gw + i]) * fx;
    return a + (b - a) * fy;
}

/* A vertical lightness profile toward the light (an S-curve, a soft
 * horizon), hue drifting across it, textured by slow Perlin noise and, as
 * density rises, by small brush dabs of lighter and darker paint.  0, or
 * -1 when the noise rows cannot be allocated. */
static int paint_ground(const palette *p, uint32_t seed, int w, int h, float *rgb, uint64_t *st)
{
    float zoff = (float)(seed % 997) * 0.173f; /* the noise field's slice per seed */
    float side = (float)(w > h ? w : h);
    noise_rows nr = {.step = (int)fmaxf(1, side / 128),
                     .j = -2,
                     .zoff = zoff,
                     .scale = 3.0f / side,
                     .want_acc = p->acc > 0};
    nr.gw = w / nr.step + 2;
    nr.tex = malloc(sizeof(float) * 4 * (size_t)nr.gw);
    if (!nr.tex) return -1;
    nr.acc = nr.tex + 2 * nr.gw;
    /* where an end of the profile would pass white or black, half the
     * excess moves the whole profile (the light stays where it was asked)
     * and half shrinks its step (the brightness stays near its ask) */
    float step = fabsf(p->slope), sg = p->slope >= 0 ? 1.0f : -1.0f, mid = p->Lbg;
    float over = fmaxf(0, mid + step - RAMP_MAX_L), under = fmaxf(0, RAMP_MIN_L - (mid - step));
    mid += 0.5f * (under - over);
    step = fmaxf(0, step - 0.5f * (over + under));
    float lt = mid + sg * step, lb = mid - sg * step;
    col3 top = oklch(lt, p->Cbg, p->H0 + 0.04f), bot = oklch(lb, p->Cbg * 1.2f, p->H0 - 0.05f);
    /* the accent's clouds: GROUND_ACCENTS hues spread around its pole,
     * where a second slow noise field passes a level set by its share */
    col3 atop[GROUND_ACCENTS], abot[GROUND_ACCENTS];
    for (int k = 0; k < GROUND_ACCENTS; k++) {
        float hk = p->Hacc + ((float)k / (GROUND_ACCENTS - 1) - 0.5f) * 0.24f;
        atop[k] = oklch(lt, p->Cbg, hk), abot[k] = oklch(lb, p->Cbg * 1.2f, hk);
    }
    float level = (0.5f - p->acc) * 0.8f;
    float tex = 0.02f + 0.55f * p->En * sqrtf(p->En); /* texture depth in sRGB units */
    float cell = fmaxf(2, DAB_PX * side / 256);       /* dab size, px */
    int cols = (int)(w / cell) + 2;
    const float k = 3.0f, norm = tanhf(k / 2);
    for (int y = 0; y < h; y++) {
        float t = (y + 0.5f) / h, u = 0.5f + 0.5f * tanhf(k * (t - 0.5f)) / norm;
        col3 c = lerp3(top, bot, u), ac[GROUND_ACCENTS];
        for (int a = 0; a < GROUND_ACCENTS && p->acc > 0; a++)
            ac[a] = lerp3(atop[a], abot[a], u);
        int cy = (int)(y / cell);
        noise_roll(&nr, y);
        for (int x = 0; x < w; x++) {
            float n = noise_at(&nr, nr.tex, x, y);
            float *px = rgb + ((size_t)y * w + x) * 3;
            col3 g = c;
            if (p->acc > 0) {
                float n2 = noise_at(&nr, nr.acc, x, y);
                float m = clampf((n2 - level) * 5 + 0.5f, 0, 1);
                int a = (int)clampf((n + 0.5f) * GROUND_ACCENTS, 0, GROUND_ACCENTS - 1);
                if (m > 0) g = lerp3(c, ac[a], m);
            }
            /* canvas grain, which also dithers the profile's 8-bit steps */
            float grain = ((float)(syn_rng_next(st) >> 40) / 16777216.0f - 0.5f) * 0.02f;
            float dab = 0;
            if (p->dab > 0) { /* a round dot per cell, its value hashed from the cell */
                int cx = (int)(x / cell);
                uint64_t hs =
                    ((uint64_t)cy * (uint64_t)cols + (uint64_t)cx) ^ ((uint64_t)seed << 32);
                float v = (float)(urand(&hs) * 2 - 1);
                float dx = (x + 0.5f) / cell - cx - 0.5f, dy = (y + 0.5f) / cell - cy - 0.5f;
                float r = sqrtf(dx * dx + dy * dy);
                dab = p->dab * v * clampf((0.5f - r) * 4, 0, 1);
            }
            px[0] = clampf(g.r + tex * n + grain + dab, 0, 1);
            px[1] = clampf(g.g + tex * n * 0.9f + grain + dab, 0, 1);
            px[2] = clampf(g.b + tex * n * 0.8f + grain + dab, 0, 1);
        }
    }
    free(nr.tex);
    return 0;
}

/* --- layer 2: the glow ----------------------------------------------------- */

/* A soft glow where the mass sits: the light of the picture. */
static void paint_glow(const palette *p, int w, int h, float *rgb, uint64_t *st)
{
    float gx = (float)(0.25 + 0.5 * urand(st)) * w, gy = p->y0 * h;
    float gr = 0.55f * (float)(w < h ? w : h);
    col3 gc = oklch(fminf(0.97f, p->Lbg + 0.1f + 0.2f * p->En), p->Cbg * 1.5f, p->H0 + 0.02f);
    float ga = 0.2f + 0.25f * p->V;
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

/* OKLab lightness by which a shape stands off the ground per unit of
 * sharpness above 0.3: a full kiki ask adds 0.35, enough for its outline
 * to read at the encoder's shape scale (sem_image.c, SEM_SHAPE_EDGE). */
#define KIKI_STEP 0.5f
/* One shape of n around the focus fx: size, place, outline (sharpness
 * with jitter), colour (analogous hues, or the accent). */
static void make_shape(shape *sh, const palette *p, int n, float fx, int w, int h, uint64_t *st)
{
    static const float offs[5] = {0, 0.04f, -0.04f, 0.08f, -0.07f}; /* analogous hues */
    float minside = (float)(w < h ? w : h);
    memset(sh, 0, sizeof *sh);
    sh->r = minside * (float)(0.5 + urand(st)) * 0.36f / sqrtf((float)n);
    sh->cx = clampf(fx + (float)nrand(st) * 0.26f, 0.05f, 0.95f) * w;
    sh->cy = clampf(p->y0 + (float)nrand(st) * 0.16f, 0.04f, 0.96f) * h;
    float k = clampf(p->Sh + (float)(urand(st) - 0.5) * 0.24f, 0, 1);
    make_outline(sh, k, st);
    int accent = urand(st) < p->acc;
    /* the accent spreads over a sixth of the wheel around its pole */
    float hue =
        accent ? p->Hacc + (float)(urand(st) - 0.5) * 0.24f : p->H0 + offs[syn_rng_next(st) % 5];
    /* the shapes gather around the valence's lightness, spread by energy;
     * kiki shapes stand further off the ground, so their outlines read */
    float L = p->Lsh + p->contrast * (float)(2 * urand(st) - 1);
    float off = KIKI_STEP * fmaxf(0, p->Sh - 0.3f);
    if (fabsf(L - p->Lbg) < off) L = L >= p->Lbg ? p->Lbg + off : p->Lbg - off;
    if (L > 0.97f) L = 0.97f - 0.3f * (L - 0.97f);
    if (L < 0.04f) L = 0.04f + 0.3f * (0.04f - L);
    float C = p->Csh * (float)(0.75 + 0.5 * urand(st));
    sh->col = oklch(L, C, hue);
    sh->hi = oklch(L + 0.12f, C * 0.7f, hue + 0.02f);
    sh->lo = oklch(L - 0.25f, C, hue);
    sh->stroke = p->Sh > 0.5f ? (p->Sh - 0.5f) * 1.6f : 0; /* kiki gets crisp outlines */
    /* calm shapes are translucent, but kiki ones opaque: a veiled outline
     * loses its corners */
    sh->alpha =
        fmaxf(0.6f + 0.35f * p->En, fminf(1, 0.4f + p->Sh)) * (float)(0.85 + 0.15 * urand(st));
    sh->shadow = 0.12f + 0.1f * (1 - p->B);
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
    float wob[WOB_N + 1];
    if (sh->nv == 0) wobble_table(sh, wob);
    for (int y = ya; y <= yb; y++)
        for (int x = x0; x <= x1; x++) {
            float *px = rgb + ((size_t)y * w + x) * 3;
            float ds = shape_sd(sh, wob, x + 0.5f - ox, y + 0.5f - oy);
            float cs = clampf(0.5f - ds / soft, 0, 1);
            if (cs > 0) blend(px, shadow_col, sh->shadow * cs * cs);
            float d = shape_sd(sh, wob, x + 0.5f, y + 0.5f);
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
    int n = 3 + (int)lroundf(60 * powf(D, 1.5f));
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
    if (paint_ground(&p, seed, w, h, rgb, &st) < 0)
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for a %dx%d painting's ground", w, h);
    paint_glow(&p, w, h, rgb, &st);
    paint_shapes(&p, s->v[SYN_AX_DENSITY], w, h, rgb, &st);
    return 0;
}
