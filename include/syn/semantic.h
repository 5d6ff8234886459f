/* semantic.h -- level 2 of the latent: named perceptual axes.
 *
 * A fixed vector of axes in [0,1], each grounded in crossmodal-
 * correspondence research (Spence 2011, Atten Percept Psychophys 73:971;
 * Spence & Di Stefano 2023; Ramachandran & Hubbard 2001; Valdez &
 * Mehrabian 1994).  Every modality encodes into it; every value carries a
 * one-line human-readable reason.  The correspondences are relative
 * (Spence 2019), so encoders normalise within their own input where an
 * absolute table would mislead.
 *
 * Functions are implemented in modalities/fusion/ (files named below);
 * they know no file format and no HTTP. */
#ifndef SYN_SEMANTIC_H
#define SYN_SEMANTIC_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"

struct syn_grid;

typedef enum syn_axis {
    /* pitch <-> brightness and loudness <-> brightness (Spence 2011):
     * image mean lightness; audio spectral centroid; text bright/dark 明亮/黑暗 */
    SYN_AX_BRIGHTNESS = 0,
    /* pitch <-> elevation (Spence 2011): image vertical centre of mass;
     * audio dominant register; text high/low, sky/ground */
    SYN_AX_ELEVATION,
    /* loudness <-> saturation/contrast: image saturation and contrast;
     * audio RMS and onset rate; text calm/wild 平静/激烈 */
    SYN_AX_ENERGY,
    /* harsh timbre <-> angular shape, bouba/kiki (Ramachandran & Hubbard
     * 2001): image edge density, angularity; audio spectral flatness,
     * roughness, attack; text sharp/round and k t p z i e vs b m l o u */
    SYN_AX_SHARPNESS,
    /* warm vs cool hue <-> low-mid weight, soft timbre: text warm/cold, fire/ice */
    SYN_AX_WARMTH,
    /* lightness and saturation <-> pleasure (Valdez & Mehrabian 1994);
     * major vs minor, consonance; text happy/sad 快乐/悲伤 */
    SYN_AX_VALENCE,
    /* clutter, number of regions <-> note/onset density, polyphony; busy/sparse */
    SYN_AX_DENSITY,
    /* dominant hue (circular: 0 red, 1/3 green, 2/3 blue) <-> dominant pitch
     * class (chroma <-> colour wheel, C = red, by fifths); colour words */
    SYN_AX_HUE,
    SYN_AX_COUNT
} syn_axis;

#define SYN_REASON_LEN 128

typedef struct syn_semantics {
    float v[SYN_AX_COUNT]; /* values in [0,1]; hue is a turn of the colour wheel */
    float w[SYN_AX_COUNT]; /* evidence in [0,1]: 0 = the input says nothing (v = 0.5) */
    char reason[SYN_AX_COUNT][SYN_REASON_LEN]; /* "energy 0.72: RMS -9 dBFS, 3.1 onsets/s" */
    uint32_t hash;                             /* stable hash of the input: seeds variation */
} syn_semantics;

const char *syn_axis_name(syn_axis a); /* "brightness", ... */
/* Every axis at 0.5 with weight 0 and reason "<axis> 0.50: not set". */
void syn_sem_neutral(syn_semantics *s);
/* Set one axis: value clamped (hue wrapped), weight, and a printf reason
 * that is prefixed with "<axis> <value>: ". */
void syn_sem_set(syn_semantics *s, syn_axis a, float v, float w, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
uint32_t syn_hash_bytes(const void *p, size_t n); /* FNV-1a 32 */

/* --- fusion/sem_image.c: picture features -------------------------------- */
/* rgb: w*h*3 floats in [0,1] (gamma-encoded sRGB), row-major, row 0 on top. */
void syn_sem_from_rgb(const float *rgb, int w, int h, syn_semantics *s);

/* --- fusion/sem_audio.c: sound features ---------------------------------- */
/* pcm interleaved float; computes its own STFT on the shared plans. */
int syn_sem_from_pcm(const float *pcm, size_t frames, int channels, int sample_rate,
                     syn_semantics *s, syn_err *e);

/* --- fusion/semantic.c: fusion and similarity ---------------------------- */
/* Weighted blend: each axis is the mean of the parts' values weighted by
 * weight[i] * w[axis]; hue by a weighted circular mean.  Reasons name the
 * parts that contributed. */
void syn_sem_blend(const syn_semantics *const *parts, const float *weights, int n,
                   syn_semantics *out);
/* Score in [0,1] and per-axis agreement in [0,1] (1 - distance, circular
 * for hue), weighted by both sides' evidence. */
double syn_sem_similarity(const syn_semantics *a, const syn_semantics *b,
                          float agreement[SYN_AX_COUNT]);
/* Whole-latent similarity: the axes' score, and the agreement of the two
 * grid summaries (1 - mean absolute difference) when both inputs have a
 * grid, weighted by how alike the two layouts are (their correlation,
 * squared, times the axes' total evidence): a sound drawn from a picture
 * finds that picture by its layout, music made from its meaning by the
 * axes. */
double syn_similarity(const syn_semantics *a, const struct syn_grid *ga, const syn_semantics *b,
                      const struct syn_grid *gb, float agreement[SYN_AX_COUNT],
                      double *grid_agreement);
#define SYN_SUMMARY_SIDE 8
/* 8x8 area means of the grid (0 when the grid is empty). */
void syn_grid_summary(const struct syn_grid *g, float out[SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE]);
/* Flat vector for similarity search: the axes (hue as cos/sin), then the
 * grid summary.  Returns its length (SYN_EMBED_DIM). */
#define SYN_EMBED_DIM (SYN_AX_COUNT + 1 + SYN_SUMMARY_SIDE * SYN_SUMMARY_SIDE)
int syn_embed_vector(const syn_semantics *s, const struct syn_grid *g, float out[SYN_EMBED_DIM]);

/* --- fusion/paint.c: semantic painting ----------------------------------- */
/* Palette from hue, warmth and valence; saturation and contrast from
 * energy; lightness from brightness; round shapes for low sharpness and
 * angular ones for high; their count from density; their height from
 * elevation.  rgb: w*h*3 floats in [0,1], caller-allocated. */
int syn_paint(const syn_semantics *s, uint32_t seed, int w, int h, float *rgb, syn_err *e);

/* --- fusion/music.c: semantic music -------------------------------------- */
/* A few seconds of music: tempo from energy, mode from valence, key from
 * hue, register from brightness and elevation, timbre from warmth and
 * sharpness, notes per beat from density; stereo.  *pcm malloc'd (free()),
 * interleaved, *channels = 2. */
int syn_music(const syn_semantics *s, uint32_t seed, int sample_rate, double duration, float **pcm,
              size_t *frames, int *channels, syn_err *e);

/* --- fusion/loop.c: closed-loop generation (analysis by synthesis) ------- */
/* What a semantic output was asked for and what its own encoder reads back
 * from it.  asked: the latent's axes; made: the output's axes, measured on
 * the signal the caller writes (no metadata); fidelity: 1 - the mean error
 * over the asked axes, weighted by the asked evidence (1 when nothing was
 * asked); rounds: how many times the output was made. */
typedef struct syn_report {
    syn_semantics asked, made;
    double fidelity;
    int rounds;
} syn_report;

/* |t - m| on a linear axis; 2 x the shorter way round the wheel for hue
 * (opposite hues are 1 apart), the distance syn_sem_similarity uses. */
double syn_axis_error(syn_axis a, float t, float m);
/* 1 - sum w_a err_a / sum w_a over the axes of *asked with weight > 0. */
double syn_fidelity(const syn_semantics *asked, const syn_semantics *made);

/* The painter in a closed loop: paints, reads the painting back with
 * syn_sem_from_rgb, moves the drive of each asked axis by what it missed,
 * and paints again: at most `rounds` rounds (clamped to 1..SYN_LOOP_ROUNDS,
 * the `rounds` option) at the loop's size (the
 * longer side at most SYN_LOOP_SIDE), then the best drive at w x h into
 * rgb, read back for *rep.  Deterministic; allocates scratch only.
 * 0, or -1 with *e. */
#define SYN_LOOP_ROUNDS 3
#define SYN_LOOP_SIDE 256
int syn_paint_closed(const syn_semantics *asked, uint32_t seed, int w, int h, float *rgb,
                     int rounds, syn_report *rep, syn_err *e);
/* The composer in a closed loop: as syn_paint_closed, every round a whole
 * syn_music at the asked rate and duration; the best round's PCM is kept. */
int syn_music_closed(const syn_semantics *asked, uint32_t seed, int sample_rate, double duration,
                     int rounds, float **pcm, size_t *frames, int *channels, syn_report *rep,
                     syn_err *e);

/* Calibration (fusion/calibrate.c): each generator's response, read back
 * by its output's encoder, to a drive of k / (SYN_CAL_POINTS - 1) on one
 * axis, averaged over SYN_CAL_CONTEXTS fixed settings of the others and
 * made monotone.  The tables that ship are modalities/fusion/calibration.def,
 * written by `make calibrate`; syn_calibrate measures them afresh. */
#define SYN_CAL_POINTS 11
#define SYN_CAL_CONTEXTS 4
typedef enum syn_generator { SYN_GEN_PAINT = 0, SYN_GEN_MUSIC, SYN_GEN_COUNT } syn_generator;
typedef struct syn_cal {
    float m[SYN_AX_COUNT][SYN_CAL_POINTS]; /* read back at each drive; hue: unused */
} syn_cal;
const syn_cal *syn_cal_table(syn_generator g);   /* the shipped tables */
const char *syn_generator_name(syn_generator g); /* "paint", "music" */
int syn_calibrate(syn_generator g, syn_cal *out, syn_err *e);
/* The drive that the table says reads back as t (hue: t itself). */
float syn_cal_inverse(const syn_cal *c, syn_axis a, float t);
/* What the table says a drive of d reads back as (hue: d itself). */
float syn_cal_forward(const syn_cal *c, syn_axis a, float d);

/* The atlas (fusion/calibrate.c): each generator's output for SYN_ATLAS_N
 * drives that set every axis at once (entry i's drive is a fixed function
 * of i, in steps of 1/255, rendered with seed SYN_ATLAS_SEED + i), read
 * back by its encoder.  The tables say what one axis does on average; the
 * atlas says what the axes do together, where they pull on each other.
 * It ships as modalities/fusion/atlas.def, written by `make calibrate`. */
#define SYN_ATLAS_N 4000
#define SYN_ATLAS_SEED 0x41544c00u /* "ATL\0": no request's seed 1..16 */
void syn_atlas_drive(int i, syn_semantics *drive);
/* Entry i made afresh: made[a] read back, for the tests.  0 or -1 with *e. */
int syn_atlas_measure(syn_generator g, int i, float made[SYN_AX_COUNT], syn_err *e);
/* The shipped reading of entry i (-1 on every axis past the shipped ones). */
void syn_atlas_made(syn_generator g, int i, float made[SYN_AX_COUNT]);
/* The entry whose reading is nearest *asked (the error weighted by the
 * asked evidence, as syn_fidelity; of near ties, the one whose drive keeps
 * nearest the ask's neutral on the axes it does not speak to): its drive
 * in *drive, its index returned; -1 and *drive = *asked when the atlas is
 * empty. */
int syn_atlas_nearest(syn_generator g, const syn_semantics *asked, syn_semantics *drive);

/* --- fusion/describe.c: text out ---------------------------------------- */
/* A description of the latent in "en" or "zh", from the axes and the
 * grid's structure ("most of the energy sits in the low register and rises
 * over time").  Returns the length written (always NUL-terminated). */
int syn_describe(const syn_semantics *s, const struct syn_grid *g, const char *lang, char *buf,
                 size_t n);

#endif
