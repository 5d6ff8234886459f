/* test_semantic.c -- the semantic encoders for pictures and sounds, the
 * painting and the music: monotonic ladders (Spearman rho >= 0.9, computed
 * here), cross-modal order, determinism, and the image/audio modalities in
 * semantic mode.  Every input is synthesised here. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "syn/fusion.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/semantic.h"
#include "harness.h"

#define SR 22050
#define RHO_MIN 0.9
#define SIDE 192 /* test pictures: big enough for shapes, small for speed */

/* --- Spearman's rho ------------------------------------------------------ */

static void ranks(const double *x, int n, double *r)
{
    for (int i = 0; i < n; i++) {
        int less = 0, eq = 0;
        for (int j = 0; j < n; j++)
            less += x[j] < x[i], eq += x[j] == x[i];
        r[i] = less + (eq + 1) / 2.0; /* ties share their mean rank */
    }
}

static double spearman(const double *x, const double *y, int n)
{
    double rx[64], ry[64], mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    assert_true(n <= 64);
    ranks(x, n, rx);
    ranks(y, n, ry);
    for (int i = 0; i < n; i++)
        mx += rx[i] / n, my += ry[i] / n;
    for (int i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* A ladder's steps 0..n-1 against the measured values. */
static double ladder_rho(const char *what, const double *y, int n)
{
    double x[64];
    for (int i = 0; i < n; i++)
        x[i] = i;
    double rho = spearman(x, y, n);
    print_message("  %-44s rho %.3f  [", what, rho);
    for (int i = 0; i < n; i++)
        print_message("%s%.2f", i ? " " : "", y[i]);
    print_message("]\n");
    return rho;
}

/* --- picture makers -------------------------------------------------------- */

static float *canvas(int w, int h, float r, float g, float b)
{
    float *p = malloc(sizeof(float) * 3 * w * h);
    assert_non_null(p);
    for (int i = 0; i < w * h; i++)
        p[3 * i] = r, p[3 * i + 1] = g, p[3 * i + 2] = b;
    return p;
}

/* Inside test of a shape centred at (cx, cy) with radius rad. */
typedef int (*inside_fn)(double x, double y, double rad);

static int in_circle(double x, double y, double r)
{
    return x * x + y * y <= r * r;
}

static int in_rounded_square(double x, double y, double r)
{
    double h = r * 0.85, c = r * 0.35; /* half side, corner radius */
    double dx = fmax(fabs(x) - (h - c), 0), dy = fmax(fabs(y) - (h - c), 0);
    return fabs(x) <= h && fabs(y) <= h && dx * dx + dy * dy <= c * c;
}

static int in_square(double x, double y, double r)
{
    return fabs(x) <= r * 0.85 && fabs(y) <= r * 0.85;
}

/* Inside a polygon given by n vertices (even-odd). */
static int in_poly(double x, double y, const double *vx, const double *vy, int n)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++)
        if ((vy[i] > y) != (vy[j] > y) &&
            x < vx[j] + (y - vy[j]) * (vx[i] - vx[j]) / (vy[i] - vy[j]))
            in = !in;
    return in;
}

static int in_triangle(double x, double y, double r)
{
    double vx[3], vy[3];
    for (int i = 0; i < 3; i++)
        vx[i] = r * 1.1 * sin(2 * M_PI * i / 3), vy[i] = -r * 1.1 * cos(2 * M_PI * i / 3);
    return in_poly(x, y, vx, vy, 3);
}

static int in_star(double x, double y, double r)
{
    double vx[10], vy[10];
    for (int i = 0; i < 10; i++) {
        double rr = i & 1 ? r * 0.45 : r * 1.2;
        vx[i] = rr * sin(M_PI * i / 5), vy[i] = -rr * cos(M_PI * i / 5);
    }
    return in_poly(x, y, vx, vy, 10);
}

/* Draw a white shape, 4x4 supersampled. */
static void draw(float *p, int w, int h, double cx, double cy, double rad, inside_fn in, float v)
{
    int x0 = (int)fmax(0, cx - 1.5 * rad), x1 = (int)fmin(w - 1, cx + 1.5 * rad);
    int y0 = (int)fmax(0, cy - 1.5 * rad), y1 = (int)fmin(h - 1, cy + 1.5 * rad);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            int hit = 0;
            for (int sy = 0; sy < 4; sy++)
                for (int sx = 0; sx < 4; sx++)
                    hit += in(x + (sx + 0.5) / 4 - cx, y + (sy + 0.5) / 4 - cy, rad);
            float a = hit / 16.0f;
            for (int c = 0; c < 3; c++)
                p[3 * (y * w + x) + c] += (v - p[3 * (y * w + x) + c]) * a;
        }
}

static void hsv_rgb(double h, double s, double v, float out[3])
{
    h = (h - floor(h)) * 6;
    int i = (int)h % 6;
    double f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double r[6] = {v, q, p, p, t, v}, g[6] = {t, v, v, q, p, p}, b[6] = {p, p, t, v, v, q};
    out[0] = (float)r[i], out[1] = (float)g[i], out[2] = (float)b[i];
}

static syn_semantics sem_of(const float *rgb, int w, int h)
{
    syn_semantics s;
    syn_sem_from_rgb(rgb, w, h, &s);
    return s;
}

/* --- picture ladders ------------------------------------------------------- */

static void brighter_pictures_raise_brightness(void **state)
{
    (void)state;
    double y[7];
    for (int i = 0; i < 7; i++) {
        float g = 0.08f + 0.14f * i;
        float *p = canvas(SIDE, SIDE, g, g * 0.9f, g * 0.8f);
        draw(p, SIDE, SIDE, 60, 70, 30, in_circle, fminf(1, g + 0.2f));
        syn_semantics s = sem_of(p, SIDE, SIDE);
        y[i] = s.v[SYN_AX_BRIGHTNESS];
        free(p);
    }
    assert_true(ladder_rho("picture lightness -> brightness", y, 7) >= RHO_MIN);
}

static void higher_light_raises_elevation(void **state)
{
    (void)state;
    double y[7];
    for (int i = 0; i < 7; i++) {
        float *p = canvas(SIDE, SIDE, 0.05f, 0.05f, 0.1f);
        double cy = SIDE * (0.85 - 0.7 * i / 6.0);
        draw(p, SIDE, SIDE, SIDE * 0.4, cy, 22, in_circle, 1);
        draw(p, SIDE, SIDE, SIDE * 0.7, cy + 10, 14, in_circle, 0.8f);
        syn_semantics s = sem_of(p, SIDE, SIDE);
        y[i] = s.v[SYN_AX_ELEVATION];
        free(p);
    }
    assert_true(ladder_rho("bright mass higher -> elevation", y, 7) >= RHO_MIN);
}

static void redder_hues_raise_warmth(void **state)
{
    (void)state;
    double y[7];
    for (int i = 0; i < 7; i++) { /* blue (240 deg) through violet and magenta to red */
        float c[3];
        hsv_rgb((240 + 20.0 * i) / 360, 0.8, 0.85, c);
        float *p = canvas(SIDE, SIDE, c[0], c[1], c[2]);
        draw(p, SIDE, SIDE, 96, 96, 40, in_circle, 0.9f); /* a pale disc: less saturated */
        syn_semantics s = sem_of(p, SIDE, SIDE);
        y[i] = s.v[SYN_AX_WARMTH];
        free(p);
    }
    assert_true(ladder_rho("blue -> red hues -> warmth", y, 7) >= RHO_MIN);
}

static void dominant_hue_is_found_on_the_wheel(void **state)
{
    (void)state;
    for (int i = 0; i < 12; i++) {
        double hue = i / 12.0 + 0.01;
        float c[3];
        hsv_rgb(hue, 0.9, 0.9, c);
        float *p = canvas(SIDE, SIDE, 0.1f, 0.1f, 0.1f);
        for (int k = 0; k < 9; k++) { /* colour patches on a grey ground */
            for (int y = (k / 3) * 64 + 8; y < (k / 3) * 64 + 56; y++)
                for (int x = (k % 3) * 64 + 8; x < (k % 3) * 64 + 56; x++)
                    memcpy(p + 3 * (y * SIDE + x), c, sizeof c);
        }
        syn_semantics s = sem_of(p, SIDE, SIDE);
        double d = fabs(s.v[SYN_AX_HUE] - hue);
        d = fmin(d, 1 - d);
        assert_true(d < 0.03);
        assert_true(s.w[SYN_AX_HUE] > 0.5f);
        free(p);
    }
    float *p = canvas(SIDE, SIDE, 0.5f, 0.5f, 0.5f); /* grey says nothing about hue */
    syn_semantics s = sem_of(p, SIDE, SIDE);
    assert_true(s.w[SYN_AX_HUE] < 0.05f);
    free(p);
}

static void sharper_shapes_raise_sharpness(void **state)
{
    (void)state;
    inside_fn ladder[5] = {in_circle, in_rounded_square, in_square, in_triangle, in_star};
    double y[5];
    for (int i = 0; i < 5; i++) {
        float *p = canvas(SIDE, SIDE, 0, 0, 0);
        draw(p, SIDE, SIDE, 96, 96, 60, ladder[i], 1);
        syn_semantics s = sem_of(p, SIDE, SIDE);
        y[i] = s.v[SYN_AX_SHARPNESS];
        free(p);
    }
    assert_true(ladder_rho("circle -> ... -> star -> sharpness", y, 5) >= RHO_MIN);
    assert_true(y[4] - y[0] > 0.3); /* and by a visible margin */
}

/* Box blur of radius r, three passes (close to a Gaussian), in place. */
static void blur(float *p, int w, int h, int r)
{
    float *t = malloc(sizeof(float) * 3 * w * h);
    assert_non_null(t);
    for (int pass = 0; pass < 6; pass++) { /* x, y, x, y, x, y */
        int horiz = !(pass & 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    double a = 0;
                    for (int d = -r; d <= r; d++) {
                        int xx = horiz ? x + d : x, yy = horiz ? y : y + d;
                        xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                        yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                        a += p[3 * (yy * w + xx) + c];
                    }
                    t[3 * (y * w + x) + c] = (float)(a / (2 * r + 1));
                }
        memcpy(p, t, sizeof(float) * 3 * w * h);
    }
    free(t);
}

/* A scene of stars, squares and triangles on a dark ground. */
static float *angular_scene(void)
{
    float *p = canvas(SIDE, SIDE, 0.1f, 0.1f, 0.12f);
    inside_fn kinds[3] = {in_star, in_square, in_triangle};
    for (int k = 0; k < 9; k++)
        draw(p, SIDE, SIDE, 32 + (k % 3) * 64, 32 + (k / 3) * 64, 22, kinds[k % 3], 0.9f);
    return p;
}

/* People judge a blurred photograph softer than the sharp one: the same
 * scene blurred by 1.5 % of its side reads less sharp, by a margin. */
static void a_blurred_picture_is_less_sharp(void **state)
{
    (void)state;
    float *p = angular_scene();
    syn_semantics sharp = sem_of(p, SIDE, SIDE);
    blur(p, SIDE, SIDE, 2);
    syn_semantics soft = sem_of(p, SIDE, SIDE);
    print_message("  sharp scene %.2f, blurred %.2f\n", sharp.v[SYN_AX_SHARPNESS],
                  soft.v[SYN_AX_SHARPNESS]);
    assert_true(sharp.v[SYN_AX_SHARPNESS] > 0.45f);
    assert_true(soft.v[SYN_AX_SHARPNESS] < sharp.v[SYN_AX_SHARPNESS] - 0.15f);
    free(p);
}

/* Fur: soft round bodies covered in pixel-scale strands.  People call it
 * soft; the strands are texture, so they raise density, not sharpness. */
static void fur_is_dense_but_not_angular(void **state)
{
    (void)state;
    float *plain = canvas(SIDE, SIDE, 0.15f, 0.12f, 0.1f);
    for (int k = 0; k < 4; k++)
        draw(plain, SIDE, SIDE, 56 + (k % 2) * 80, 56 + (k / 2) * 80, 34, in_circle, 0.7f);
    float *fur = malloc(sizeof(float) * 3 * SIDE * SIDE);
    assert_non_null(fur);
    memcpy(fur, plain, sizeof(float) * 3 * SIDE * SIDE);
    uint32_t rng = 12345;
    for (int i = 0; i < SIDE * SIDE; i++) { /* strands: +-0.18 in luma, 1-2 px */
        rng = rng * 1664525u + 1013904223u;
        float d = ((rng >> 8) & 0xffff) / 65535.0f * 0.36f - 0.18f;
        for (int c = 0; c < 3; c++) {
            fur[3 * i + c] = fminf(1, fmaxf(0, fur[3 * i + c] + d));
            if (i + 1 < SIDE * SIDE) fur[3 * (i + 1) + c] = fur[3 * i + c];
        }
        i++;
    }
    float *stars = canvas(SIDE, SIDE, 0.15f, 0.12f, 0.1f);
    for (int k = 0; k < 4; k++)
        draw(stars, SIDE, SIDE, 56 + (k % 2) * 80, 56 + (k / 2) * 80, 30, in_star, 0.7f);
    syn_semantics a = sem_of(plain, SIDE, SIDE), b = sem_of(fur, SIDE, SIDE),
                  c = sem_of(stars, SIDE, SIDE);
    print_message("  sharpness: plain %.2f, fur %.2f, stars %.2f; density plain %.2f fur %.2f\n",
                  a.v[SYN_AX_SHARPNESS], b.v[SYN_AX_SHARPNESS], c.v[SYN_AX_SHARPNESS],
                  a.v[SYN_AX_DENSITY], b.v[SYN_AX_DENSITY]);
    assert_true(b.v[SYN_AX_SHARPNESS] < 0.3f);
    assert_true(fabsf(b.v[SYN_AX_SHARPNESS] - a.v[SYN_AX_SHARPNESS]) < 0.1f);
    assert_true(c.v[SYN_AX_SHARPNESS] > b.v[SYN_AX_SHARPNESS] + 0.3f);
    assert_true(b.v[SYN_AX_DENSITY] > a.v[SYN_AX_DENSITY] + 0.15f);
    free(plain), free(fur), free(stars);
}

/* A grey picture, even with a faint cast and noise, says nothing about
 * warmth or hue: weight 0, so the axes stay out of similarity. */
static void a_grey_picture_has_no_warmth_or_hue_evidence(void **state)
{
    (void)state;
    float *p = canvas(SIDE, SIDE, 0.52f, 0.5f, 0.49f);
    draw(p, SIDE, SIDE, 96, 96, 50, in_square, 0.8f);
    uint32_t rng = 7;
    for (int i = 0; i < 3 * SIDE * SIDE; i++) {
        rng = rng * 1664525u + 1013904223u;
        p[i] = fminf(1, fmaxf(0, p[i] + (((rng >> 8) & 0xff) / 255.0f - 0.5f) * 0.02f));
    }
    syn_semantics s = sem_of(p, SIDE, SIDE);
    assert_true(s.w[SYN_AX_WARMTH] == 0.0f);
    assert_true(s.w[SYN_AX_HUE] == 0.0f);
    assert_true(s.w[SYN_AX_BRIGHTNESS] > 0.5f); /* the rest is still read */
    free(p);
}

/* A dark night with a few lit, vivid lanterns (or with the same discs in
 * dark, muddy paint), for the valence of the salient colours. */
static float *night_with_lanterns(float r, float g, float b)
{
    float *p = canvas(SIDE, SIDE, 0.05f, 0.05f, 0.07f);
    for (int k = 0; k < 6; k++) {
        int cx = 30 + (k % 3) * 66, cy = 60 + (k / 3) * 70;
        for (int y = cy - 14; y <= cy + 14; y++)
            for (int x = cx - 14; x <= cx + 14; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= 14 * 14) {
                    float *q = p + 3 * (y * SIDE + x);
                    q[0] = r, q[1] = g, q[2] = b;
                }
    }
    return p;
}

/* The mood of a picture is that of the colours that stand out (Valdez &
 * Mehrabian's pleasure of each colour, weighted by its salience): bright
 * lanterns make a dark night cheerful, while the same night with dark,
 * muddy discs stays gloomy; both are equally dark on average.  A grey
 * picture keeps the formula on its mean lightness. */
static void lanterns_in_the_night_are_happy(void **state)
{
    (void)state;
    float *lit = night_with_lanterns(1.0f, 0.7f, 0.15f),
          *mud = night_with_lanterns(0.3f, 0.14f, 0.04f);
    syn_semantics a = sem_of(lit, SIDE, SIDE), b = sem_of(mud, SIDE, SIDE);
    print_message(
        "  lanterns: brightness %.2f valence %.2f; muddy discs: brightness %.2f valence %.2f\n",
        a.v[SYN_AX_BRIGHTNESS], a.v[SYN_AX_VALENCE], b.v[SYN_AX_BRIGHTNESS], b.v[SYN_AX_VALENCE]);
    assert_true(a.v[SYN_AX_BRIGHTNESS] < 0.25f); /* a dark picture ... */
    assert_true(a.v[SYN_AX_VALENCE] > 0.5f);     /* ... and a cheerful one */
    assert_true(a.v[SYN_AX_VALENCE] > b.v[SYN_AX_VALENCE] + 0.35f);
    float *grey = canvas(SIDE, SIDE, 0.5f, 0.5f, 0.5f);
    syn_semantics g = sem_of(grey, SIDE, SIDE);
    assert_true(fabsf(g.v[SYN_AX_VALENCE] - 0.69f * 0.5f / 0.91f) < 0.02f);
    free(lit), free(mud), free(grey);
}

static void more_shapes_raise_density(void **state)
{
    (void)state;
    const int counts[6] = {1, 2, 4, 8, 16, 32};
    double y[6];
    for (int i = 0; i < 6; i++) {
        float *p = canvas(SIDE, SIDE, 0.1f, 0.1f, 0.15f);
        for (int k = 0; k < counts[i]; k++) /* on a 6x6 lattice */
            draw(p, SIDE, SIDE, 16 + (k % 6) * 32, 16 + (k / 6) * 32, 11, in_circle, 0.9f);
        syn_semantics s = sem_of(p, SIDE, SIDE);
        y[i] = s.v[SYN_AX_DENSITY];
        free(p);
    }
    assert_true(ladder_rho("more shapes -> density", y, 6) >= RHO_MIN);
}

/* --- sound makers ---------------------------------------------------------- */

static float *tone(double hz, double amp, double dur, size_t *n)
{
    *n = (size_t)(dur * SR);
    float *p = malloc(sizeof(float) * *n);
    assert_non_null(p);
    for (size_t i = 0; i < *n; i++) {
        double t = (double)i / SR, env = fmin(1, fmin(t / 0.01, (dur - t) / 0.01));
        p[i] = (float)(amp * env * sin(2 * M_PI * hz * t));
    }
    return p;
}

static syn_semantics sem_pcm(const float *p, size_t n, int ch)
{
    syn_semantics s;
    syn_err e;
    assert_int_equal(syn_sem_from_pcm(p, n, ch, SR, &s, &e), 0);
    return s;
}

/* --- sound ladders --------------------------------------------------------- */

static void higher_tones_raise_brightness_and_elevation(void **state)
{
    (void)state;
    double yb[7], ye[7];
    for (int i = 0; i < 7; i++) { /* A2 .. A8 in half-octave steps... 110 Hz to 2.5 kHz */
        size_t n;
        float *p = tone(110 * pow(2, i * 0.75), 0.5, 1.0, &n);
        syn_semantics s = sem_pcm(p, n, 1);
        yb[i] = s.v[SYN_AX_BRIGHTNESS];
        ye[i] = s.v[SYN_AX_ELEVATION];
        free(p);
    }
    assert_true(ladder_rho("tone pitch -> brightness", yb, 7) >= RHO_MIN);
    assert_true(ladder_rho("tone pitch -> elevation", ye, 7) >= RHO_MIN);
}

static void louder_tones_raise_energy(void **state)
{
    (void)state;
    double y[6];
    for (int i = 0; i < 6; i++) {
        size_t n;
        float *p = tone(440, 0.9 * pow(10, -(5 - i) * 8 / 20.0), 1.0, &n); /* 8 dB steps */
        syn_semantics s = sem_pcm(p, n, 1);
        y[i] = s.v[SYN_AX_ENERGY];
        free(p);
    }
    assert_true(ladder_rho("tone level -> energy", y, 6) >= RHO_MIN);
}

static void faster_clicks_raise_energy_and_density(void **state)
{
    (void)state;
    const double rates[6] = {1, 2, 3, 5, 8, 12};
    double ye[6], yd[6];
    for (int i = 0; i < 6; i++) {
        size_t n = 2 * SR;
        float *p = calloc(n, sizeof(float));
        assert_non_null(p);
        for (double t = 0.05; t < 2; t += 1 / rates[i]) { /* 3 ms decaying clicks */
            size_t k0 = (size_t)(t * SR);
            for (size_t k = 0; k < (size_t)(0.03 * SR) && k0 + k < n; k++)
                p[k0 + k] =
                    (float)(0.8 * exp(-(double)k / (0.003 * SR)) * sin(2 * M_PI * 2500.0 * k / SR));
        }
        syn_semantics s = sem_pcm(p, n, 1);
        ye[i] = s.v[SYN_AX_ENERGY];
        yd[i] = s.v[SYN_AX_DENSITY];
        free(p);
    }
    assert_true(ladder_rho("click rate -> energy", ye, 6) >= RHO_MIN);
    assert_true(ladder_rho("click rate -> density", yd, 6) >= RHO_MIN);
}

static float *triad(int root_midi, int minor, size_t *n)
{
    *n = SR; /* 1 s */
    float *p = calloc(*n, sizeof(float));
    assert_non_null(p);
    const int iv[3] = {0, minor ? 3 : 4, 7};
    for (int k = 0; k < 3; k++) {
        double hz = 440 * pow(2, (root_midi + iv[k] - 69) / 12.0);
        for (size_t i = 0; i < *n; i++)
            p[i] += (float)(0.25 * sin(2 * M_PI * hz * i / SR));
    }
    return p;
}

static void major_triads_are_happier_than_minor(void **state)
{
    (void)state;
    int roots[5] = {60, 62, 65, 67, 57}; /* C D F G A */
    for (int r = 0; r < 5; r++) {
        size_t n;
        float *maj = triad(roots[r], 0, &n), *min = triad(roots[r], 1, &n);
        syn_semantics a = sem_pcm(maj, n, 1), b = sem_pcm(min, n, 1);
        print_message("  triad root %d: major valence %.2f, minor %.2f (%s | %s)\n", roots[r],
                      a.v[SYN_AX_VALENCE], b.v[SYN_AX_VALENCE], a.reason[SYN_AX_VALENCE],
                      b.reason[SYN_AX_VALENCE]);
        assert_true(a.v[SYN_AX_VALENCE] > b.v[SYN_AX_VALENCE] + 0.1f);
        free(maj), free(min);
    }
}

static void pitch_class_maps_to_hue_by_fifths(void **state)
{
    (void)state;
    for (int pc = 0; pc < 12; pc++) {
        size_t n;
        float *p = tone(261.63 * pow(2, pc / 12.0), 0.5, 0.6, &n);
        syn_semantics s = sem_pcm(p, n, 1);
        double want = (5 * pc % 12) / 12.0;
        assert_true(fabs(s.v[SYN_AX_HUE] - want) < 1e-3);
        free(p);
    }
}

static void sound_features_reject_bad_arguments(void **state)
{
    (void)state;
    syn_semantics s;
    syn_err e;
    float x = 0;
    assert_int_equal(syn_sem_from_pcm(NULL, 10, 1, SR, &s, &e), -1);
    assert_int_equal(syn_sem_from_pcm(&x, 0, 1, SR, &s, &e), -1);
    assert_int_equal(syn_sem_from_pcm(&x, 1, 1, 10, &s, &e), -1);
    /* one sample of silence and a tiny picture still give axes */
    assert_int_equal(syn_sem_from_pcm(&x, 1, 1, SR, &s, &e), 0);
    float px[3] = {0.5f, 0.5f, 0.5f};
    syn_sem_from_rgb(px, 1, 1, &s);
    assert_true(fabs(s.v[SYN_AX_BRIGHTNESS] - 0.5) < 0.05);
}

/* --- cross-modal order ------------------------------------------------------ */

/* Spectral centroid of the PCM, measured here: 2048-point frames, a
 * naive real DFT of every 8th frame (enough for a mean). */
static double centroid(const float *pcm, size_t frames, int ch)
{
    enum { N = 1024 };
    static double cs[N], sn[N];
    for (int k = 0; k < N; k++)
        cs[k] = cos(2 * M_PI * k / N), sn[k] = sin(2 * M_PI * k / N);
    double num = 0, den = 0;
    for (size_t f0 = 0; f0 + N <= frames; f0 += N * 4) {
        double x[N];
        for (int j = 0; j < N; j++) {
            double v = 0;
            for (int c = 0; c < ch; c++)
                v += pcm[(f0 + j) * ch + c];
            x[j] = v * (0.5 - 0.5 * cs[j]);
        }
        for (int k = 1; k < N / 2; k++) {
            double re = 0, im = 0;
            for (int j = 0; j < N; j++) {
                int idx = (int)(((long)k * j) % N);
                re += x[j] * cs[idx], im -= x[j] * sn[idx];
            }
            double p = re * re + im * im;
            num += p * k * (double)SR / N;
            den += p;
        }
    }
    return den > 0 ? num / den : 0;
}

static void picture_brightness_ladder_raises_music_centroid(void **state)
{
    (void)state;
    double y[5];
    for (int i = 0; i < 5; i++) {
        float g = 0.1f + 0.2f * i;
        float *p = canvas(96, 96, g, g, g);
        syn_semantics s = sem_of(p, 96, 96);
        float *pcm;
        size_t n;
        int ch;
        syn_err e;
        assert_int_equal(syn_music(&s, 7, SR, 3.0, &pcm, &n, &ch, &e), 0);
        assert_int_equal(ch, 2);
        y[i] = centroid(pcm, n, ch);
        free(pcm), free(p);
    }
    assert_true(ladder_rho("picture lightness -> music centroid (Hz)", y, 5) >= RHO_MIN);
}

static void pitch_ladder_raises_painting_lightness_and_height(void **state)
{
    (void)state;
    enum { W = 160, H = 120 };
    double yl[6], ye[6];
    float *rgb = malloc(sizeof(float) * 3 * W * H);
    assert_non_null(rgb);
    for (int i = 0; i < 6; i++) {
        size_t n;
        float *p = tone(110 * pow(2, i * 0.8), 0.5, 1.0, &n);
        syn_semantics s = sem_pcm(p, n, 1);
        syn_err e;
        assert_int_equal(syn_paint(&s, 11, W, H, rgb, &e), 0);
        double sum = 0, ysum = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const float *q = rgb + 3 * (y * W + x);
                double l = 0.2126 * q[0] + 0.7152 * q[1] + 0.0722 * q[2];
                sum += l, ysum += l * (1 - (y + 0.5) / H);
            }
        yl[i] = sum / (W * H);
        ye[i] = ysum / sum;
        free(p);
    }
    free(rgb);
    assert_true(ladder_rho("tone pitch -> painting mean lightness", yl, 6) >= RHO_MIN);
    assert_true(ladder_rho("tone pitch -> painting centre of light (up)", ye, 6) >= RHO_MIN);
}

/* Onsets of a stereo PCM, counted here: 10 ms frames of the first
 * difference's energy; an onset is a rise of 6 dB over the quietest of
 * the previous 40 ms, at least 60 ms after the last. */
/* The beat's tempo in BPM, from the signal alone: the onset strength (rises
 * of the 10 ms level, in dB), autocorrelated; the strongest lag between
 * 60 and 200 BPM. */
static double tempo_bpm(const float *pcm, size_t frames)
{
    size_t hop = SR / 100, nf = frames / hop;
    double *db = malloc(sizeof(double) * nf), *on = calloc(nf, sizeof(double));
    assert_non_null(db);
    assert_non_null(on);
    for (size_t f = 0; f < nf; f++) {
        double acc = 1e-12;
        for (size_t i = f * hop + 1; i < (f + 1) * hop; i++) {
            double d = (pcm[2 * i] + pcm[2 * i + 1]) - (pcm[2 * i - 2] + pcm[2 * i - 1]);
            acc += d * d;
        }
        db[f] = 10 * log10(acc / hop);
        if (f) on[f] = fmax(0, db[f] - db[f - 1]);
    }
    double best = -1;
    int lag_best = 0;
    for (int lag = 30; lag <= 100; lag++) { /* 200 .. 60 BPM at 100 frames/s */
        double acc = 0;
        for (size_t f = (size_t)lag; f < nf; f++)
            acc += on[f] * on[f - lag];
        acc /= (double)(nf - lag);
        if (acc > best) best = acc, lag_best = lag;
    }
    free(db), free(on);
    return 6000.0 / lag_best;
}

static double rms(const float *pcm, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)pcm[i] * pcm[i];
    return sqrt(acc / n);
}

static void calm_versus_wild_raises_tempo_and_rms(void **state)
{
    (void)state;
    double on[2], lv[2];
    for (int i = 0; i < 2; i++) {
        syn_semantics s;
        syn_sem_neutral(&s);
        syn_sem_set(&s, SYN_AX_ENERGY, i ? 0.9f : 0.1f, 1, "test");
        /* density sets the notes per second whatever the tempo: held low,
         * the notes fall on the beat the plain estimator listens for */
        syn_sem_set(&s, SYN_AX_DENSITY, 0.1f, 1, "test");
        float *pcm;
        size_t n;
        int ch;
        syn_err e;
        assert_int_equal(syn_music(&s, 3, SR, 6.0, &pcm, &n, &ch, &e), 0);
        on[i] = tempo_bpm(pcm, n);
        lv[i] = 20 * log10(rms(pcm, 2 * n));
        free(pcm);
    }
    print_message("  calm vs wild music: %.0f vs %.0f BPM, RMS %.1f vs %.1f dBFS\n", on[0], on[1],
                  lv[0], lv[1]);
    /* the wild beat may be heard at half speed by this plain estimator
     * (kick on every beat), never slower than the calm one */
    assert_true(on[1] > on[0] && (on[1] > 1.5 * on[0] || 2 * on[1] > 1.5 * on[0]));
    assert_true(lv[1] > lv[0] + 2);
}

/* --- judged alike: sound pairs whose order listeners agree on ---------------- */

/* Scales p[n] to an RMS of db dBFS. */
static void set_level(float *p, size_t n, double db)
{
    double g = pow(10, db / 20) / fmax(rms(p, n), 1e-12);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(p[i] * g);
}

/* The tempo in an energy reason ("... tempo 96 BPM ..."), 0 if none. */
static double reason_bpm(const syn_semantics *s)
{
    const char *t = strstr(s->reason[SYN_AX_ENERGY], "tempo ");
    double bpm = 0;
    return t && sscanf(t, "tempo %lf BPM", &bpm) == 1 ? bpm : 0;
}

/* I IV V I in A major, or i iv v i in A minor: 2 s, four root-position
 * triads from A3, each note a triangle wave's first partials (1, 3, 5
 * at 1/k^2), 10 ms fades at each chord. */
static float *progression(int minor, size_t *n)
{
    const int roots[4] = {57, 62, 64, 57}; /* A3 D4 E4 A3 */
    const double len = 0.5;
    size_t per = (size_t)(len * SR);
    *n = 4 * per;
    float *p = calloc(*n, sizeof(float));
    assert_non_null(p);
    for (int c = 0; c < 4; c++)
        for (int v = 0; v < 3; v++) {
            int midi = roots[c] + (v == 0 ? 0 : v == 1 ? (minor ? 3 : 4) : 7);
            double hz = 440 * pow(2, (midi - 69) / 12.0);
            for (size_t i = 0; i < per; i++) {
                double t = (double)i / SR, env = fmin(1, fmin(t / 0.01, (len - t) / 0.01));
                double x = 0;
                for (int k = 1; k <= 5; k += 2)
                    x += (k % 4 == 1 ? 1 : -1) * sin(2 * M_PI * k * hz * t) / (k * k);
                p[c * per + i] += (float)(0.2 * env * x);
            }
        }
    return p;
}

static void minor_progression_is_sadder_than_its_major_version(void **state)
{
    (void)state;
    size_t n;
    float *maj = progression(0, &n), *min = progression(1, &n);
    syn_semantics a = sem_pcm(maj, n, 1), b = sem_pcm(min, n, 1);
    print_message("  A major I IV V I: %s\n  A minor i iv v i: %s\n", a.reason[SYN_AX_VALENCE],
                  b.reason[SYN_AX_VALENCE]);
    assert_true(a.v[SYN_AX_VALENCE] >= b.v[SYN_AX_VALENCE] + 0.3f);
    assert_true(a.v[SYN_AX_VALENCE] > 0.5f && b.v[SYN_AX_VALENCE] < 0.4f);
    free(maj), free(min);
}

/* A click track: 4 s of 3 ms decaying 2.5 kHz clicks at bpm, at an RMS
 * of db dBFS. */
static float *clicks(double bpm, double db, size_t *n)
{
    *n = 4 * SR;
    float *p = calloc(*n, sizeof(float));
    assert_non_null(p);
    for (double t = 0.05; t < 4; t += 60 / bpm) {
        size_t k0 = (size_t)(t * SR);
        for (size_t k = 0; k < (size_t)(0.03 * SR) && k0 + k < *n; k++)
            p[k0 + k] = (float)(exp(-(double)k / (0.003 * SR)) * sin(2 * M_PI * 2500.0 * k / SR));
    }
    set_level(p, *n, db);
    return p;
}

static void click_tempo_is_read_and_faster_clicks_are_more_energetic(void **state)
{
    (void)state;
    const double bpm[2] = {80, 160};
    syn_semantics s[2];
    for (int i = 0; i < 2; i++) {
        size_t n;
        float *p = clicks(bpm[i], -20, &n);
        s[i] = sem_pcm(p, n, 1);
        print_message("  clicks at %.0f BPM: %s\n", bpm[i], s[i].reason[SYN_AX_ENERGY]);
        assert_true(fabs(reason_bpm(&s[i]) / bpm[i] - 1) < 0.05);
        free(p);
    }
    assert_true(s[1].v[SYN_AX_ENERGY] > s[0].v[SYN_AX_ENERGY] + 0.05f);
}

static void a_strike_or_steady_noise_has_no_tempo_and_less_energy_evidence(void **state)
{
    (void)state;
    size_t n = 2 * SR;
    float *bell = calloc(n, sizeof(float)), *noise = malloc(sizeof(float) * n);
    assert_non_null(bell);
    assert_non_null(noise);
    uint32_t st = 12345;
    for (size_t i = 0; i < n; i++) { /* one struck 660 Hz bell; white noise */
        double t = (double)i / SR;
        bell[i] =
            (float)(exp(-t / 0.4) * (sin(2 * M_PI * 660 * t) + 0.5 * sin(2 * M_PI * 1650 * t)));
        st = st * 1664525u + 1013904223u;
        noise[i] = (float)((st >> 8) / 16777216.0 * 2 - 1);
    }
    set_level(bell, n, -20), set_level(noise, n, -20);
    size_t nc;
    float *pulse = clicks(120, -20, &nc);
    syn_semantics b = sem_pcm(bell, n, 1), w = sem_pcm(noise, n, 1), c = sem_pcm(pulse, nc, 1);
    print_message("  bell: %s (w %.2f)\n  noise: %s (w %.2f)\n  clicks: %s (w %.2f)\n",
                  b.reason[SYN_AX_ENERGY], b.w[SYN_AX_ENERGY], w.reason[SYN_AX_ENERGY],
                  w.w[SYN_AX_ENERGY], c.reason[SYN_AX_ENERGY], c.w[SYN_AX_ENERGY]);
    assert_true(reason_bpm(&b) == 0 && reason_bpm(&w) == 0);
    assert_true(b.w[SYN_AX_ENERGY] < c.w[SYN_AX_ENERGY] - 0.2f);
    assert_true(w.w[SYN_AX_ENERGY] < c.w[SYN_AX_ENERGY] - 0.2f);
    free(bell), free(noise), free(pulse);
}

/* Reads x and y (mono, n samples each), prints their sharpness reasons
 * under the labels, and checks that x reads sharper than y by more than
 * gap; their semantics into *sx and *sy. */
static void assert_sharper(const float *x, const float *y, size_t n, const char *lx, const char *ly,
                           float gap, syn_semantics *sx, syn_semantics *sy)
{
    *sx = sem_pcm(x, n, 1), *sy = sem_pcm(y, n, 1);
    print_message("  %s: %s\n  %s: %s\n", lx, sx->reason[SYN_AX_SHARPNESS], ly,
                  sy->reason[SYN_AX_SHARPNESS]);
    assert_true(sx->v[SYN_AX_SHARPNESS] > sy->v[SYN_AX_SHARPNESS] + gap);
}

static void white_noise_is_sharper_than_a_sine(void **state)
{
    (void)state;
    size_t n;
    float *sine = tone(440, 0.5, 1.0, &n), *noise = malloc(sizeof(float) * n);
    assert_non_null(noise);
    uint32_t st = 777;
    for (size_t i = 0; i < n; i++) {
        st = st * 1664525u + 1013904223u;
        noise[i] = (float)((st >> 8) / 16777216.0 * 2 - 1);
    }
    set_level(sine, n, -15), set_level(noise, n, -15);
    syn_semantics a, b;
    assert_sharper(noise, sine, n, "noise", "sine", 0.2f, &a, &b);
    free(sine), free(noise);
}

/* 4 s: a held 220 Hz pad and, every 0.5 s, a 660 Hz note that rises in
 * rise_s and falls over 0.3 s. */
static float *notes_over_a_pad(double rise_s, size_t *n)
{
    *n = 4 * SR;
    float *p = malloc(sizeof(float) * *n);
    assert_non_null(p);
    for (size_t i = 0; i < *n; i++) {
        double t = (double)i / SR, u = fmod(t, 0.5);
        double env = u < rise_s ? u / rise_s : exp(-(u - rise_s) / 0.1);
        p[i] = (float)(0.3 * sin(2 * M_PI * 220 * t) + 0.5 * env * sin(2 * M_PI * 660 * t));
    }
    set_level(p, *n, -15);
    return p;
}

/* A plucked note over a held chord is heard as plucked, and a bowed one
 * as bowed: the attack is the rise of the new note over what still
 * sounds, not of the whole mix from silence. */
static void plucked_notes_over_a_pad_are_sharper_than_bowed_ones(void **state)
{
    (void)state;
    size_t n;
    float *pluck = notes_over_a_pad(0.003, &n), *bow = notes_over_a_pad(0.15, &n);
    syn_semantics a, b;
    assert_sharper(pluck, bow, n, "plucked", "bowed", 0.1f, &a, &b);
    free(pluck), free(bow);
}

/* 4 s of A4 and Bb4 (440 and 466 Hz, a semitone): together, or in turn
 * every 0.5 s, each note with 20 ms fades. */
static float *semitones(int together, size_t *n)
{
    *n = 4 * SR;
    float *p = malloc(sizeof(float) * *n);
    assert_non_null(p);
    for (size_t i = 0; i < *n; i++) {
        double t = (double)i / SR;
        int odd = (int)(t / 0.5) % 2;
        double u = fmod(t, 0.5), f = fmin(1, fmin(u, 0.5 - u) / 0.02);
        double a = together ? sin(2 * M_PI * 440 * t) : !odd ? f * sin(2 * M_PI * 440 * t) : 0;
        double b = together ? sin(2 * M_PI * 466.16 * t) : odd ? f * sin(2 * M_PI * 466.16 * t) : 0;
        p[i] = (float)(0.3 * (a + b));
    }
    set_level(p, *n, -15);
    return p;
}

static double reason_roughness(const syn_semantics *s)
{
    const char *t = strstr(s->reason[SYN_AX_SHARPNESS], "roughness ");
    double r = -1;
    return t && sscanf(t, "roughness %lf", &r) == 1 ? r : -1;
}

/* Roughness is of tones that sound together (Plomp & Levelt 1965): a
 * semitone struck as a cluster is rough, the same two notes in turn are
 * a melody's step, and smooth. */
static void a_semitone_cluster_is_rough_and_the_same_notes_in_turn_are_not(void **state)
{
    (void)state;
    size_t n;
    float *both = semitones(1, &n), *turn = semitones(0, &n);
    syn_semantics a, b;
    assert_sharper(both, turn, n, "together", "in turn", 0.1f, &a, &b);
    assert_true(reason_roughness(&a) > 0.5 && reason_roughness(&b) >= 0);
    assert_true(reason_roughness(&b) < 0.25);
    free(both), free(turn);
}

/* The band energies hold at any rate: a 300 Hz tone sampled at 8 kHz (a
 * phone recording, whose Nyquist is under the 8 kHz top of the warmth's
 * band) is all low-mid energy, as at 22.05 kHz. */
static void warmth_bands_hold_at_8_khz(void **state)
{
    (void)state;
    enum { R8 = 8000 };
    size_t n = 3 * R8;
    float *p = malloc(sizeof(float) * n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(0.3 * sin(2 * M_PI * 300.0 * (double)i / R8));
    syn_semantics s;
    syn_err e;
    assert_int_equal(syn_sem_from_pcm(p, n, 1, R8, &s, &e), 0);
    print_message("  300 Hz at 8 kHz: %s\n", s.reason[SYN_AX_WARMTH]);
    assert_non_null(strstr(s.reason[SYN_AX_WARMTH], "100% of the energy at 150-800 Hz"));
    assert_true(s.v[SYN_AX_WARMTH] > 0.95f);
    free(p);
}

static void a_220_hz_tone_sits_lower_than_an_880_hz_tone(void **state)
{
    (void)state;
    size_t n;
    float *lo = tone(220, 0.5, 1.0, &n), *hi = tone(880, 0.5, 1.0, &n);
    syn_semantics a = sem_pcm(lo, n, 1), b = sem_pcm(hi, n, 1);
    print_message("  220 Hz: %s\n  880 Hz: %s\n", a.reason[SYN_AX_ELEVATION],
                  b.reason[SYN_AX_ELEVATION]);
    assert_true(b.v[SYN_AX_ELEVATION] > a.v[SYN_AX_ELEVATION] + 0.2f);
    free(lo), free(hi);
}

static void the_same_sound_12_db_louder_is_more_energetic(void **state)
{
    (void)state;
    size_t n, m;
    float *soft = progression(0, &n), *loud = progression(0, &m);
    set_level(soft, n, -30), set_level(loud, m, -18);
    syn_semantics a = sem_pcm(soft, n, 1), b = sem_pcm(loud, m, 1);
    print_message("  -30 dBFS: %s\n  -18 dBFS: %s\n", a.reason[SYN_AX_ENERGY],
                  b.reason[SYN_AX_ENERGY]);
    assert_true(b.v[SYN_AX_ENERGY] > a.v[SYN_AX_ENERGY] + 0.1f);
    free(soft), free(loud);
}

/* The closed loop the music generator is calibrated with: its tempo
 * (60 + 120 energy BPM) and its mode (valence >= 0.5: major) read back. */
static void music_reads_back_its_tempo_and_mode(void **state)
{
    (void)state;
    const float en[3] = {0.3f, 0.5f, 0.8f}, va[2] = {0.05f, 0.95f};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            syn_semantics s;
            syn_sem_neutral(&s);
            syn_sem_set(&s, SYN_AX_ENERGY, en[i], 1, "test");
            syn_sem_set(&s, SYN_AX_VALENCE, va[j], 1, "test");
            float *pcm;
            size_t n;
            int ch;
            syn_err e;
            assert_int_equal(syn_music(&s, 5, SR, 8.0, &pcm, &n, &ch, &e), 0);
            syn_semantics r = sem_pcm(pcm, n, ch);
            double want = 66 + 100 * en[i]; /* music.c: 66..166 BPM */
            print_message("  energy %.1f valence %.1f (%.0f BPM): %s | %s\n", en[i], va[j], want,
                          r.reason[SYN_AX_ENERGY], r.reason[SYN_AX_VALENCE]);
            assert_true(fabs(reason_bpm(&r) / want - 1) < 0.05);
            /* the poles of valence: a plain major or minor key */
            assert_true(va[j] > 0.5f ? r.v[SYN_AX_VALENCE] > 0.7f : r.v[SYN_AX_VALENCE] < 0.3f);
            free(pcm);
        }
}

/* Between the poles of valence the music sounds its mode less surely
 * (music.c: the third and sixth sound less, as open fifths at 0.5), and
 * the ear, and the encoder, hear it in between: the mean valence read
 * back over seeds rises with the valence asked, and the middle is not a
 * pole. */
static void valence_between_the_poles_reads_between(void **state)
{
    (void)state;
    enum { STEPS = 5, SEEDS = 4 };
    double y[STEPS];
    for (int k = 0; k < STEPS; k++) {
        y[k] = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
            syn_semantics s;
            syn_sem_neutral(&s);
            syn_sem_set(&s, SYN_AX_VALENCE, 0.1f + 0.2f * k, 1, "test");
            float *pcm;
            size_t n;
            int ch;
            syn_err e;
            assert_int_equal(syn_music(&s, (uint32_t)seed, SR, 8.0, &pcm, &n, &ch, &e), 0);
            y[k] += sem_pcm(pcm, n, ch).v[SYN_AX_VALENCE] / SEEDS;
            free(pcm);
        }
    }
    assert_true(ladder_rho("music valence 0.1 .. 0.9 -> valence", y, STEPS) >= RHO_MIN);
    assert_true(y[1] > y[0] + 0.1 && y[1] < y[4] - 0.1);
}

/* --- determinism and bounds --------------------------------------------------- */

static void painting_and_music_are_deterministic(void **state)
{
    (void)state;
    syn_semantics s;
    syn_sem_neutral(&s);
    syn_sem_set(&s, SYN_AX_SHARPNESS, 0.9f, 1, "test");
    syn_sem_set(&s, SYN_AX_DENSITY, 0.7f, 1, "test");
    enum { W = 97, H = 61 };
    float *a = malloc(sizeof(float) * 3 * W * H), *b = malloc(sizeof(float) * 3 * W * H);
    assert_non_null(a);
    assert_non_null(b);
    syn_err e;
    assert_int_equal(syn_paint(&s, 42, W, H, a, &e), 0);
    assert_int_equal(syn_paint(&s, 42, W, H, b, &e), 0);
    assert_memory_equal(a, b, sizeof(float) * 3 * W * H);
    assert_int_equal(syn_paint(&s, 43, W, H, b, &e), 0);
    assert_true(memcmp(a, b, sizeof(float) * 3 * W * H) != 0);
    for (int i = 0; i < 3 * W * H; i++)
        assert_true(a[i] >= 0 && a[i] <= 1);
    free(a), free(b);

    float *p, *q;
    size_t n, m;
    int ch;
    assert_int_equal(syn_music(&s, 42, 16000, 2.0, &p, &n, &ch, &e), 0);
    assert_int_equal(syn_music(&s, 42, 16000, 2.0, &q, &m, &ch, &e), 0);
    assert_int_equal(n, 32000);
    assert_int_equal(n, m);
    assert_memory_equal(p, q, sizeof(float) * 2 * n);
    float peak = 0;
    for (size_t i = 0; i < 2 * n; i++)
        peak = fmaxf(peak, fabsf(p[i]));
    assert_true(peak <= 0.892f && peak > 0.01f); /* never over -1 dBFS, never silent */
    free(q);
    assert_int_equal(syn_music(&s, 41, 16000, 2.0, &q, &m, &ch, &e), 0);
    assert_true(memcmp(p, q, sizeof(float) * 2 * n) != 0);
    free(p), free(q);
    assert_int_equal(syn_music(&s, 1, SR, 0, &p, &n, &ch, &e), -1);
    assert_int_equal(syn_paint(&s, 1, 0, 10, a = NULL, &e), -1);
}

/* --- through the modalities ---------------------------------------------------- */

static void semantic_mode_turns_a_picture_into_music_and_back_into_a_painting(void **state)
{
    (void)state;
    const syn_modality *img = syn_modality_by_name("image"), *aud = syn_modality_by_name("audio");
    assert_non_null(img);
    assert_non_null(aud);
    syn_limits lim;
    syn_limits_default(&lim);
    syn_opts o;
    syn_opts_default(&o);
    syn_err e;
    assert_int_equal(syn_opts_set(&o, "mode", "semantic", &lim, &e), 0);
    assert_int_equal(syn_opts_set(&o, "duration", "2", &lim, &e), 0);

    /* a painting from neutral-ish axes via a sound: sound -> painting */
    size_t n;
    float *t = tone(880, 0.5, 1.0, &n);
    syn_semantics s = sem_pcm(t, n, 1);
    free(t);
    syn_latent lat;
    memset(&lat, 0, sizeof lat);
    lat.sem = s;
    lat.has_sem = 1;
    assert_int_equal(syn_opts_set(&o, "width", "200", &lim, &e), 0);
    assert_int_equal(syn_opts_set(&o, "height", "120", &lim, &e), 0);
    syn_blob png;
    assert_int_equal(img->encode(&lat, &o, &lim, &png, &e), 0);
    assert_string_equal(png.mime, "image/png");
    assert_true(strstr(png.map, "synesthd/1") == png.map);

    /* the PNG decodes; its semantics say what a painting of a high tone
     * should: light, and lit from above */
    syn_decode_ctx ctx = {.opts = &o, .limits = &lim, .target = aud, .want_grid = 0, .want_sem = 1};
    syn_latent back;
    assert_int_equal(img->decode(png.data, png.len, &ctx, &back, &e), 0);
    assert_int_equal(back.has_sem, 1);
    assert_true(back.sem.hash == syn_hash_bytes(png.data, png.len));
    assert_true(back.sem.v[SYN_AX_ELEVATION] > 0.5f);

    /* picture -> music */
    syn_blob wav;
    assert_int_equal(aud->encode(&back, &o, &lim, &wav, &e), 0);
    assert_string_equal(wav.mime, "audio/wav");
    syn_latent heard;
    ctx.target = NULL; /* understanding only */
    assert_int_equal(aud->decode(wav.data, wav.len, &ctx, &heard, &e), 0);
    assert_int_equal(heard.has_sem, 1);
    assert_true(fabs(heard.map.duration - 2.0) < 0.01);
    /* the spectral path still reads our music (a grid when asked) */
    ctx.want_grid = 1;
    syn_latent grid;
    assert_int_equal(aud->decode(wav.data, wav.len, &ctx, &grid, &e), 0);
    assert_true(grid.grid.rows > 0);

    /* without semantics, semantic mode is a bug, not a user error */
    syn_latent none;
    memset(&none, 0, sizeof none);
    syn_blob bad;
    assert_int_equal(img->encode(&none, &o, &lim, &bad, &e), -1);
    assert_int_equal(e.kind, SYN_E_INTERNAL);

    syn_latent_free(&back), syn_latent_free(&heard), syn_latent_free(&grid);
    syn_blob_free(&png), syn_blob_free(&wav);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(brighter_pictures_raise_brightness),
        cmocka_unit_test(higher_light_raises_elevation),
        cmocka_unit_test(redder_hues_raise_warmth),
        cmocka_unit_test(dominant_hue_is_found_on_the_wheel),
        cmocka_unit_test(sharper_shapes_raise_sharpness),
        cmocka_unit_test(a_blurred_picture_is_less_sharp),
        cmocka_unit_test(fur_is_dense_but_not_angular),
        cmocka_unit_test(a_grey_picture_has_no_warmth_or_hue_evidence),
        cmocka_unit_test(lanterns_in_the_night_are_happy),
        cmocka_unit_test(more_shapes_raise_density),
        cmocka_unit_test(higher_tones_raise_brightness_and_elevation),
        cmocka_unit_test(louder_tones_raise_energy),
        cmocka_unit_test(faster_clicks_raise_energy_and_density),
        cmocka_unit_test(major_triads_are_happier_than_minor),
        cmocka_unit_test(pitch_class_maps_to_hue_by_fifths),
        cmocka_unit_test(sound_features_reject_bad_arguments),
        cmocka_unit_test(picture_brightness_ladder_raises_music_centroid),
        cmocka_unit_test(pitch_ladder_raises_painting_lightness_and_height),
        cmocka_unit_test(calm_versus_wild_raises_tempo_and_rms),
        cmocka_unit_test(minor_progression_is_sadder_than_its_major_version),
        cmocka_unit_test(click_tempo_is_read_and_faster_clicks_are_more_energetic),
        cmocka_unit_test(a_strike_or_steady_noise_has_no_tempo_and_less_energy_evidence),
        cmocka_unit_test(white_noise_is_sharper_than_a_sine),
        cmocka_unit_test(warmth_bands_hold_at_8_khz),
        cmocka_unit_test(plucked_notes_over_a_pad_are_sharper_than_bowed_ones),
        cmocka_unit_test(a_semitone_cluster_is_rough_and_the_same_notes_in_turn_are_not),
        cmocka_unit_test(a_220_hz_tone_sits_lower_than_an_880_hz_tone),
        cmocka_unit_test(the_same_sound_12_db_louder_is_more_energetic),
        cmocka_unit_test(music_reads_back_its_tempo_and_mode),
        cmocka_unit_test(valence_between_the_poles_reads_between),
        cmocka_unit_test(painting_and_music_are_deterministic),
        cmocka_unit_test(semantic_mode_turns_a_picture_into_music_and_back_into_a_painting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
