/* loop.c -- closed-loop generation: analysis by synthesis.
 *
 * A semantic generator is asked for axes; its output is read back by the
 * encoder of its own modality, from the signal alone.  The loop:
 *
 *   round 1: the drive of the atlas entry (calibrate.c) whose reading is
 *            nearest the asked axes: the atlas has measured what the
 *            generator makes when all the axes are set at once, so the
 *            start already allows for how they pull on each other (without
 *            an atlas: each axis through its calibration table's inverse)
 *   round 2: from the best round, each asked axis moved by what it missed,
 *            through the slope of its calibration table there
 *   round 3: again from the best round; after a round that did worse, by
 *            half the step
 *
 * at most SYN_LOOP_ROUNDS rounds, stopping early when every axis the input
 * speaks to (weight >= 0.5) is within LOOP_TOL.  The best round wins, by
 * the asked-weighted mean error.  Everything is deterministic: same asked
 * axes and seed, same rounds, same bytes.
 *
 * Accepts: any syn_semantics (its weights say which axes were asked);
 * painting and music arguments as syn_paint and syn_music.  Allocates
 * scratch only (a loop-sized picture, or one more PCM buffer), freed before
 * returning.  0, or -1 with *e. */
#include <math.h>
#include <stdlib.h>

#include "syn/job.h"
#include "syn/semantic.h"
#include "internal.h"

/* An axis within 0.04 of its target is closer than people tell apart on
 * these scales; the loop stops once every well-evidenced axis is there. */
#define LOOP_TOL 0.04
#define LOOP_EVIDENCE 0.5 /* axes the input speaks to (the weight >= 0.5) */

double syn_axis_error(syn_axis a, float t, float m)
{
    double d = fabs((double)t - m);
    if (a == SYN_AX_HUE) d = 2 * fmin(d, 1 - d);
    return fmin(1, d);
}

double syn_fidelity(const syn_semantics *asked, const syn_semantics *made)
{
    double num = 0, den = 0;
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        double w = asked->w[a];
        if (w <= 0) continue;
        num += w * syn_axis_error((syn_axis)a, asked->v[a], made->v[a]);
        den += w;
    }
    return den > 0 ? 1 - num / den : 1;
}

/* One generator as the loop sees it: make() renders the drive into the
 * context's current output and reads it back into *made; keep() makes the
 * current output the best one (NULL: nothing to keep, the caller remakes
 * the best drive). */
typedef struct loop_ops {
    int (*make)(void *ctx, const syn_semantics *drive, syn_semantics *made, syn_err *e);
    void (*keep)(void *ctx);
} loop_ops;

/* The signed way from m to t: linear, or the shorter way round for hue. */
static double miss(syn_axis a, float t, float m)
{
    double d = (double)t - m;
    if (a == SYN_AX_HUE) d -= floor(d + 0.5);
    return d;
}

/* The next drive: from the best round's drive, each asked axis moved by
 * step x its miss through the table's slope there (the table's reading of
 * the drive, plus the miss, back through its inverse: a Newton step on the
 * table).  Hue turns the wheel by the miss itself. */
static void correct(const syn_semantics *asked, const syn_cal *cal, const syn_semantics *from,
                    const syn_semantics *made, double step, syn_semantics *drive)
{
    *drive = *from;
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        if (asked->w[a] <= 0) continue;
        double d = step * miss((syn_axis)a, asked->v[a], made->v[a]);
        if (a == SYN_AX_HUE) {
            double h = from->v[a] + d;
            drive->v[a] = (float)(h - floor(h));
        } else {
            float t = syn_cal_forward(cal, (syn_axis)a, from->v[a]) + (float)d;
            drive->v[a] = syn_cal_inverse(cal, (syn_axis)a, t);
        }
    }
}

/* The loop itself: *best gets the best round's drive, rep->made its read
 * back, rep->rounds the rounds made. */
static int run_loop(const syn_semantics *asked, syn_generator g, const loop_ops *ops, void *ctx,
                    int rounds, syn_semantics *best, syn_report *rep, syn_err *e)
{
    const syn_cal *cal = syn_cal_table(g);
    double best_err = INFINITY, step = 1;
    rep->asked = *asked;
    rep->rounds = 0;
    if (rounds < 1) rounds = 1;
    if (rounds > SYN_LOOP_ROUNDS) rounds = SYN_LOOP_ROUNDS;
    for (int r = 0; r < rounds; r++) {
        syn_semantics drive, made;
        if (r == 0) {
            /* the atlas's nearest reading; without an atlas, the tables' inverse */
            if (syn_atlas_nearest(g, asked, &drive) < 0) {
                drive = *asked;
                for (int a = 0; a < SYN_AX_COUNT; a++)
                    if (a != SYN_AX_HUE && asked->w[a] > 0)
                        drive.v[a] = syn_cal_inverse(cal, (syn_axis)a, asked->v[a]);
            }
        } else {
            correct(asked, cal, best, &rep->made, step, &drive);
        }
        if (ops->make(ctx, &drive, &made, e) < 0) return -1;
        rep->rounds++;
        double err = 1 - syn_fidelity(asked, &made), worst = 0;
        int improved = err < best_err;
        if (improved) {
            best_err = err;
            *best = drive;
            rep->made = made;
            if (ops->keep) ops->keep(ctx);
        } else {
            step *= 0.5; /* overshot: the next step from the best is shorter */
        }
        for (int a = 0; a < SYN_AX_COUNT; a++)
            if (asked->w[a] >= LOOP_EVIDENCE)
                worst = fmax(worst, syn_axis_error((syn_axis)a, asked->v[a], rep->made.v[a]));
        if (worst < LOOP_TOL) break;
    }
    rep->fidelity = 1 - best_err;
    return 0;
}

/* --- the painter ----------------------------------------------------------- */

typedef struct paint_ctx {
    uint32_t seed;
    int w, h;
    float *rgb;
} paint_ctx;

static int paint_make(void *cls, const syn_semantics *drive, syn_semantics *made, syn_err *e)
{
    paint_ctx *c = cls;
    if (syn_paint(drive, c->seed, c->w, c->h, c->rgb, e) < 0) return -1;
    syn_sem_from_rgb(c->rgb, c->w, c->h, made);
    return 0;
}

int syn_paint_closed(const syn_semantics *asked, uint32_t seed, int w, int h, float *rgb,
                     int rounds, syn_report *rep, syn_err *e)
{
    if (w < 1 || h < 1 || w > 32768 || h > 32768)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "painting got a %dx%d canvas", w, h);
    /* The rounds are painted at most SYN_LOOP_SIDE on the longer side: the
     * picture encoder measures at 256 px whatever the size, and shapes,
     * light and noise scale with the canvas. */
    paint_ctx c = {.seed = seed, .w = w, .h = h};
    if (w > SYN_LOOP_SIDE || h > SYN_LOOP_SIDE) {
        double k = (double)SYN_LOOP_SIDE / (w > h ? w : h);
        c.w = (int)fmax(1, lround(w * k));
        c.h = (int)fmax(1, lround(h * k));
    }
    int small = c.w != w || c.h != h;
    c.rgb = small ? malloc(sizeof(float) * 3 * (size_t)c.w * c.h) : rgb;
    if (!c.rgb) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the painting's rounds");
    const loop_ops ops = {paint_make, NULL};
    syn_semantics best;
    int rc = run_loop(asked, SYN_GEN_PAINT, &ops, &c, rounds, &best, rep, e);
    if (small) free(c.rgb);
    if (rc < 0) return -1;
    /* the best drive at the asked size, and what that picture reads */
    if (syn_paint(&best, seed, w, h, rgb, e) < 0) return -1;
    syn_sem_from_rgb(rgb, w, h, &rep->made);
    rep->fidelity = syn_fidelity(asked, &rep->made);
    return syn_job_check(e);
}

/* --- the composer ---------------------------------------------------------- */

typedef struct music_ctx {
    uint32_t seed;
    int sr;
    double dur;
    float *cur, *best;
    size_t cur_frames, best_frames;
    int ch;
} music_ctx;

static int music_make(void *cls, const syn_semantics *drive, syn_semantics *made, syn_err *e)
{
    music_ctx *c = cls;
    free(c->cur);
    c->cur = NULL;
    if (syn_music(drive, c->seed, c->sr, c->dur, &c->cur, &c->cur_frames, &c->ch, e) < 0) return -1;
    if (syn_sem_from_pcm(c->cur, c->cur_frames, c->ch, c->sr, made, e) < 0) return -1;
    return syn_job_check(e);
}

static void music_keep(void *cls)
{
    music_ctx *c = cls;
    free(c->best);
    c->best = c->cur, c->best_frames = c->cur_frames;
    c->cur = NULL;
}

int syn_music_closed(const syn_semantics *asked, uint32_t seed, int sample_rate, double duration,
                     int rounds, float **pcm, size_t *frames, int *channels, syn_report *rep,
                     syn_err *e)
{
    *pcm = NULL, *frames = 0, *channels = 2;
    music_ctx c = {.seed = seed, .sr = sample_rate, .dur = duration, .ch = 2};
    const loop_ops ops = {music_make, music_keep};
    syn_semantics best;
    int rc = run_loop(asked, SYN_GEN_MUSIC, &ops, &c, rounds, &best, rep, e);
    free(c.cur);
    if (rc < 0) {
        free(c.best);
        return -1;
    }
    *pcm = c.best, *frames = c.best_frames, *channels = c.ch;
    return 0;
}
