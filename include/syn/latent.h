/* latent.h -- the shared latent every request passes through.
 *
 *   bytes -> modality decode -> syn_latent -> modality encode -> bytes
 *
 * Level 1, the grid: rows x cols energies in [0,1].  Row 0 is the top of a
 * picture and the highest pitch of a sound; column 0 is the left edge and
 * the start in time.  An image's grid is its luma; a sound's grid is its
 * spectrogram in dB, normalised to the map's dB range.  Optional left/right
 * planes carry stereo (Coagula: red = left, green = right).
 *
 * The map is the spectral mapping that ties grid cells to frequencies and
 * times.  It travels inside every output (PNG tEXt, WAV comment) so that
 * the reverse conversion inverts with the same parameters.
 *
 * Level 2, the semantic axes (syn/semantic.h), is a fixed vector of named
 * perceptual axes every modality produces and consumes. */
#ifndef SYN_LATENT_H
#define SYN_LATENT_H

#include <stddef.h>
#include <stdint.h>

#include "syn/semantic.h"

typedef enum syn_scale { SYN_SCALE_LINEAR = 0, SYN_SCALE_MEL, SYN_SCALE_LOG } syn_scale;
typedef enum syn_synth {
    SYN_SYNTH_AUTO = 0,  /* sine for pictures, griffinlim for our own spectrograms */
    SYN_SYNTH_SINE,      /* one steady partial per row (ARSS, The vOICe)           */
    SYN_SYNTH_NOISE,     /* band-limited noise per row (ARSS noise, Coagula blue)  */
    SYN_SYNTH_GRIFFINLIM /* phase rebuilt from magnitudes (fast Griffin-Lim)      */
} syn_synth;
typedef enum syn_source { SYN_SRC_IMAGE = 0, SYN_SRC_AUDIO } syn_source;

typedef struct syn_grid {
    int rows, cols;
    float *v;            /* rows*cols, row-major, each in [0,1]; owner frees  */
    float *left, *right; /* stereo planes of the same shape, or both NULL     */
    float *rgb;          /* rows*cols*3 colour picture in [0,1], or NULL: a
                            semantic painting, drawn as an RGB PNG          */
} syn_grid;

typedef struct syn_map {
    int sample_rate;   /* Hz                                               */
    double duration;   /* seconds spanned by the grid's columns            */
    double fmin, fmax; /* Hz at the bottom and top row edges               */
    syn_scale scale;   /* frequency axis between fmin and fmax             */
    double db_range;   /* dB between grid 0 and grid 1                     */
    double ref_db;     /* dBFS of one partial at grid 1.0                  */
    int n_fft, hop;    /* STFT frame and hop, samples                      */
    syn_synth synthesis;
    int stereo;        /* 1: grid has left/right planes                    */
    uint32_t seed;     /* phases and noise                                 */
    syn_source source; /* what the grid was first made from                */
    int rows, cols;    /* size of the grid that made a sound (0 = unknown)  */
} syn_map;

typedef struct syn_latent {
    syn_grid grid; /* rows == 0: none (text that was not drawn)           */
    syn_map map;
    int has_map; /* 1 when the input carried a synesthd map (PNG/WAV tag) */
    syn_semantics sem;
    int has_sem;  /* 1 when sem was computed                             */
    char *text;   /* the input text, UTF-8, malloc'd; NULL if none       */
    char lang[4]; /* "en" or "zh": the language of the text, "" if none  */
} syn_latent;

/* Grid memory: syn_grid_alloc zero-fills (no rgb plane: allocate
 * rows*cols*3 floats with malloc yourself); syn_grid_free frees every
 * plane and zeroes; syn_latent_free frees the grid and the text.
 * Returns 0, or -1 on overflow or allocation failure. */
int syn_grid_alloc(syn_grid *g, int rows, int cols, int stereo);
void syn_grid_free(syn_grid *g);
void syn_latent_free(syn_latent *l);

/* The map as one line of text, "synesthd/1 sr=22050 dur=5 fmin=100 ..."
 * (written into PNG tEXt "synesthd" and the WAV/FLAC/OGG comment).
 * syn_map_format returns the length written (truncates safely) ;
 * syn_map_parse returns 0 when s is a synesthd map, -1 otherwise, and
 * leaves *m untouched on failure. */
int syn_map_format(const syn_map *m, char *buf, size_t n);
int syn_map_parse(syn_map *m, const char *s);

const char *syn_scale_name(syn_scale s);
const char *syn_synth_name(syn_synth s);

#endif
