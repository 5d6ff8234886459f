/* calibrate.c -- the generators' calibration tables: what the painter and
 * the composer make of a drive on each axis, read back by the encoder of
 * their output's modality.
 *
 * A sweep sets one axis to k / (SYN_CAL_POINTS - 1), the others to one of
 * SYN_CAL_CONTEXTS fixed settings (so a table is the response in company,
 * not on a neutral canvas alone), makes the output at the loop's size (a
 * 256 px painting, 8 s of music at 22050 Hz), reads it back and averages.
 * Pool-adjacent-violators then makes each table non-decreasing, so that
 * its inverse is a function: the drive that reads back as t.  Hue needs
 * no table: the painter's hue and the composer's key are the wheel itself.
 *
 * The shipped tables are calibration.def, written by `make calibrate`
 * (tools/calibrate.c); the unit tests measure them afresh and fail when
 * they no longer match the code. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/semantic.h"
#include "internal.h"

static const syn_cal shipped[SYN_GEN_COUNT] = {
#define CAL(g, a, ...) [g].m[a] = {__VA_ARGS__},
#include "calibration.def"
#undef CAL
};

/* The atlas's readings, x 255 (atlas.def: PAINT(...) and MUSIC(...), one
 * line per entry in order, eight readings each). */
static const unsigned char atlas_paint[][SYN_AX_COUNT] = {
#define PAINT(...) {__VA_ARGS__},
#define MUSIC(...)
#include "atlas.def"
#undef PAINT
#undef MUSIC
};
static const unsigned char atlas_music[][SYN_AX_COUNT] = {
#define PAINT(...)
#define MUSIC(...) {__VA_ARGS__},
#include "atlas.def"
#undef PAINT
#undef MUSIC
};
static const unsigned char (*const atlas[SYN_GEN_COUNT])[SYN_AX_COUNT] = {
    [SYN_GEN_PAINT] = atlas_paint, [SYN_GEN_MUSIC] = atlas_music};
/* an atlas.def of another size (SYN_ATLAS_N changed since `make calibrate`) counts as none */
#define ATLAS_COUNT(t) (sizeof(t) / sizeof(t)[0] == SYN_ATLAS_N ? SYN_ATLAS_N : 0)
static const int atlas_n[SYN_GEN_COUNT] = {
    [SYN_GEN_PAINT] = ATLAS_COUNT(atlas_paint), [SYN_GEN_MUSIC] = ATLAS_COUNT(atlas_music)};

static const char *const gen_names[SYN_GEN_COUNT] = {"paint", "music"};

const syn_cal *syn_cal_table(syn_generator g)
{
    return (unsigned)g < SYN_GEN_COUNT ? &shipped[g] : NULL;
}

/* A rise between two neighbouring drives bigger than this is a step, not
 * a slope: almost a third of the scale in a tenth of the drive. */
#define CAL_STEP 0.3f

const char *syn_generator_name(syn_generator g)
{
    return (unsigned)g < SYN_GEN_COUNT ? gen_names[g] : "?";
}

float syn_cal_inverse(const syn_cal *c, syn_axis a, float t)
{
    if (a == SYN_AX_HUE || !c) return t;
    const float *m = c->m[a];
    const int n = SYN_CAL_POINTS;
    if (!(m[n - 1] - m[0] > 0.02f)) return clamp01(t); /* no table, or an axis it cannot move */
    if (t <= m[0]) return 0;
    if (t >= m[n - 1]) return 1;
    for (int k = 1; k < n; k++)
        if (t <= m[k]) {
            float span = m[k] - m[k - 1];
            /* a step (the music's mode): nothing between its two sides is
             * made, so the nearer side is the closest the generator comes */
            if (span > CAL_STEP) return (float)(t - m[k - 1] < m[k] - t ? k - 1 : k) / (n - 1);
            float f = span > 1e-6f ? (t - m[k - 1]) / span : 0;
            return ((float)(k - 1) + f) / (float)(n - 1);
        }
    return 1;
}

float syn_cal_forward(const syn_cal *c, syn_axis a, float d)
{
    if (a == SYN_AX_HUE || !c) return d;
    const int n = SYN_CAL_POINTS;
    double x = fmin(1, fmax(0, d)) * (n - 1);
    int k = (int)x;
    if (k >= n - 1) return c->m[a][n - 1];
    return (float)(c->m[a][k] + (x - k) * (c->m[a][k + 1] - c->m[a][k]));
}

/* The contexts: fixed, varied settings of every axis (splitmix64 from a
 * constant), all with full evidence but for hue, which half of them leave
 * unsaid (as most texts do). */
static void context(int i, syn_semantics *s)
{
    uint64_t st = 0x43414c4942ull + (uint64_t)i * 0x9e3779b97f4a7c15ull; /* "CALIB" */
    syn_sem_neutral(s);
    for (int a = 0; a < SYN_AX_COUNT; a++)
        syn_sem_set(s, (syn_axis)a, (float)(0.15 + 0.7 * urand(&st)),
                    a == SYN_AX_HUE && (i & 1) ? 0.0f : 1.0f, "calibration context %d", i);
}

/* One output for a drive, read back. */
static int respond(syn_generator g, const syn_semantics *drive, uint32_t seed, float *rgb,
                   syn_semantics *made, syn_err *e)
{
    if (g == SYN_GEN_PAINT) {
        if (syn_paint(drive, seed, SYN_LOOP_SIDE, SYN_LOOP_SIDE, rgb, e) < 0) return -1;
        syn_sem_from_rgb(rgb, SYN_LOOP_SIDE, SYN_LOOP_SIDE, made);
        return 0;
    }
    float *pcm = NULL;
    size_t frames = 0;
    int ch = 0;
    if (syn_music(drive, seed, 22050, 8.0, &pcm, &frames, &ch, e) < 0) return -1;
    int rc = syn_sem_from_pcm(pcm, frames, ch, 22050, made, e);
    free(pcm);
    return rc;
}

/* Pool adjacent violators: the closest non-decreasing sequence. */
static void monotone(float *m, int n)
{
    double val[SYN_CAL_POINTS];
    int cnt[SYN_CAL_POINTS], k = 0;
    for (int i = 0; i < n; i++) {
        val[k] = m[i], cnt[k] = 1;
        while (k > 0 && val[k - 1] > val[k]) {
            val[k - 1] = (val[k - 1] * cnt[k - 1] + val[k] * cnt[k]) / (cnt[k - 1] + cnt[k]);
            cnt[k - 1] += cnt[k];
            k--;
        }
        k++;
    }
    for (int b = 0, i = 0; b < k; b++)
        for (int j = 0; j < cnt[b]; j++)
            m[i++] = (float)val[b];
}

int syn_calibrate(syn_generator g, syn_cal *out, syn_err *e)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)g >= SYN_GEN_COUNT)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "no generator %d to calibrate", (int)g);
    float *rgb = NULL;
    if (g == SYN_GEN_PAINT) {
        rgb = malloc(sizeof(float) * 3 * SYN_LOOP_SIDE * SYN_LOOP_SIDE);
        if (!rgb) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for calibration");
    }
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        if (a == SYN_AX_HUE) continue;
        for (int k = 0; k < SYN_CAL_POINTS; k++) {
            double acc = 0;
            for (int c = 0; c < SYN_CAL_CONTEXTS; c++) {
                syn_semantics drive, made;
                context(c, &drive);
                syn_sem_set(&drive, (syn_axis)a, (float)k / (SYN_CAL_POINTS - 1), 1.0f,
                            "calibration sweep");
                if (respond(g, &drive, (uint32_t)(c + 1), rgb, &made, e) < 0) {
                    free(rgb);
                    return -1;
                }
                acc += made.v[a];
            }
            out->m[a][k] = (float)(acc / SYN_CAL_CONTEXTS);
        }
        monotone(out->m[a], SYN_CAL_POINTS);
    }
    free(rgb);
    return 0;
}

/* --- the atlas ------------------------------------------------------------- */

/* Entry i's drive on each axis, in steps of 1/255 (splitmix64 from i). */
static void drive_values(int i, float v[SYN_AX_COUNT])
{
    uint64_t st = 0x41544c4153ull + (uint64_t)i * 0x9e3779b97f4a7c15ull; /* "ATLAS" */
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        int q = (int)(urand(&st) * 256);
        v[a] = (float)(q > 255 ? 255 : q) / 255.0f;
    }
}

void syn_atlas_drive(int i, syn_semantics *drive)
{
    float v[SYN_AX_COUNT];
    drive_values(i, v);
    syn_sem_neutral(drive);
    for (int a = 0; a < SYN_AX_COUNT; a++)
        syn_sem_set(drive, (syn_axis)a, v[a], a == SYN_AX_HUE && (i & 1) ? 0.0f : 1.0f,
                    "atlas entry %d", i);
}

int syn_atlas_measure(syn_generator g, int i, float made[SYN_AX_COUNT], syn_err *e)
{
    if ((unsigned)g >= SYN_GEN_COUNT || i < 0 || i >= SYN_ATLAS_N)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "no atlas entry %d for generator %d", i, (int)g);
    float *rgb = NULL;
    if (g == SYN_GEN_PAINT) {
        rgb = malloc(sizeof(float) * 3 * SYN_LOOP_SIDE * SYN_LOOP_SIDE);
        if (!rgb) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the atlas");
    }
    syn_semantics drive, m;
    syn_atlas_drive(i, &drive);
    int rc = respond(g, &drive, SYN_ATLAS_SEED + (uint32_t)i, rgb, &m, e);
    free(rgb);
    if (rc < 0) return -1;
    for (int a = 0; a < SYN_AX_COUNT; a++)
        made[a] = m.v[a];
    return 0;
}

void syn_atlas_made(syn_generator g, int i, float made[SYN_AX_COUNT])
{
    int ok = (unsigned)g < SYN_GEN_COUNT && i >= 0 && i < atlas_n[g];
    for (int a = 0; a < SYN_AX_COUNT; a++)
        made[a] = ok ? atlas[g][i][a] / 255.0f : -1;
}

/* The lookup's cost: the asked-weighted miss of the entry's reading (as
 * syn_fidelity), plus ATLAS_UNASKED x how far its drive strays from the
 * neutral the ask holds on each axis it says nothing about (weight 0).
 * Of two entries that read about as asked, the one that leaves the
 * unasked axes alone wins: a grey picture says nothing of warmth, so its
 * music should not take whatever timbre the nearest entry happened to
 * have (warmth sets the balance of every part, and with it the
 * brightness heard: the brightness ladder of grey pictures fell out of
 * order without this). */
#define ATLAS_UNASKED 0.25
int syn_atlas_nearest(syn_generator g, const syn_semantics *asked, syn_semantics *drive)
{
    *drive = *asked;
    if ((unsigned)g >= SYN_GEN_COUNT) return -1;
    int best = -1;
    double best_cost = INFINITY;
    /* a painting asked for no hue takes its palette from warmth: it is
     * looked up among the odd entries, which say no hue either */
    int hueless = g == SYN_GEN_PAINT && asked->w[SYN_AX_HUE] < 0.5f;
    for (int i = 0; i < atlas_n[g]; i++) {
        if (g == SYN_GEN_PAINT && (i & 1) != hueless) continue;
        float d[SYN_AX_COUNT];
        drive_values(i, d);
        double cost = 0;
        for (int a = 0; a < SYN_AX_COUNT && cost < best_cost; a++) {
            if (asked->w[a] > 0)
                cost +=
                    asked->w[a] * syn_axis_error((syn_axis)a, asked->v[a], atlas[g][i][a] / 255.0f);
            else if (!(hueless && a == SYN_AX_HUE))
                cost += ATLAS_UNASKED * syn_axis_error((syn_axis)a, asked->v[a], d[a]);
        }
        if (cost < best_cost) best_cost = cost, best = i;
    }
    if (best < 0) return -1;
    syn_atlas_drive(best, drive);
    return best;
}
