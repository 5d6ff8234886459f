/* fusion.h -- the shared fusion core (modalities/fusion/).
 *
 * Signal processing on the latent: frequency axes, STFT/ISTFT on FFTW3f,
 * spectral analysis (PCM -> grid), synthesis (grid -> PCM), grid resampling
 * and colour maps.  It knows no file format and no HTTP.
 *
 * Thread safety: FFTW plans are made once per frame size under one lock
 * (only fftwf_execute_* is thread-safe); a server calls syn_fusion_warm()
 * at start-up so that no request ever plans.  Everything else is
 * re-entrant: per call, fresh fftwf_malloc'd arrays run the shared plans. */
#ifndef SYN_FUSION_H
#define SYN_FUSION_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"
#include "syn/latent.h"

int syn_fusion_init(void); /* colour tables; cheap */
int syn_fusion_warm(void); /* every FFT plan now, not on first use   */
void syn_fusion_fini(void);

/* --- scale.c: frequency axes -------------------------------------------- */
double syn_hz_to_axis(syn_scale s, double hz);
double syn_axis_to_hz(syn_scale s, double a);
/* Frequency at fractional row position y in [0, rows] (0 = top edge = fmax,
 * rows = bottom edge = fmin); a row's centre is y = r + 0.5. */
double syn_row_hz(const syn_map *m, int rows, double y);
/* Inverse: fractional row position of frequency hz. */
double syn_hz_row(const syn_map *m, int rows, double hz);

/* --- fusion/scale.c: defaults that depend on the sample rate ------------- */
/* Fill *m with the spectral defaults for this rate (n_fft ~ 46 ms, hop = n_fft/4,
 * fmin 100 Hz, fmax min(8000, 0.45 sr), linear axis, 50 dB). */
void syn_map_default(syn_map *m, int sample_rate);
/* Re-derive n_fft/hop after sample_rate changed, and mend what no option can
 * set (a rate under 1000 Hz, a negative fmin, no duration or dB range).
 * It never moves fmin or fmax: those are the user's, and a pair that
 * cannot be honoured is syn_map_check's 400, not a quiet repair. */
void syn_map_fix(syn_map *m);
/* 0 when the map's frequencies can be honoured: fmax at most the Nyquist
 * frequency (sample_rate / 2), fmin below fmax, fmin >= 20 Hz on a log axis.
 * Else -1 with SYN_E_BADREQ and a message naming the values. */
int syn_map_check(const syn_map *m, syn_err *e);

/* --- spectral.c: the two directions of the spectral mapping -------------- */
/* PCM (interleaved float, `channels` channels) -> grid of g->rows x g->cols,
 * which the caller sets before the call (the grid memory is allocated here).
 * m->duration is set to the input's length.  With m->has_ref == 0 the dB
 * reference is the loudest cell (ref_db is written back); otherwise ref_db
 * is used as given.  stereo: also fill the left/right planes. */
int syn_spectral_analyse(const float *pcm, size_t frames, int channels, syn_map *m, int use_ref,
                         int stereo, int rows, int cols, syn_grid *g, syn_err *e);

/* grid -> PCM at m->sample_rate for m->duration seconds, 1 or 2 channels
 * (2 when the grid has left/right planes).  Peak-normalised to -1 dBFS;
 * m->ref_db is updated so the reverse mapping reads the same levels.
 * *pcm is malloc'd (free()), interleaved. */
int syn_spectral_synthesise(const syn_grid *g, syn_map *m, float **pcm, size_t *frames,
                            int *channels, syn_err *e);

/* --- grid.c: the one resampler -------------------------------------------- */
/* Resample an interleaved float picture of ch channels from sw x sh to
 * dw x dh, per axis: the exact area average when shrinking (each output
 * cell the mean of the input area it covers, fractional pixels weighted),
 * bilinear between cell centres when growing.  dst is the caller's
 * (dw*dh*ch floats); the scratch is one dw*sh*ch float plane (on its
 * allocation failure, nearest neighbour). */
void syn_area_average(const float *src, int sw, int sh, int ch, float *dst, int dw, int dh);
/* The same for one plane (ch = 1). */
void syn_resample(const float *src, int sw, int sh, float *dst, int dw, int dh);

/* --- colormap.c: 256-entry tables computed at init ------------------------ */
/* "ember" (default): black -> violet -> red -> amber -> white, Rec. 709 luma
 * rising linearly with the value, so a picture reads back by its luma alone;
 * "gray"; "ice": black -> blue -> cyan -> white, also luma-linear. */
int syn_colormap_find(const char *name);     /* id, or -1 */
const char *const *syn_colormap_names(void); /* NULL-terminated */
const uint8_t *syn_colormap_table(int id);   /* 256 x RGB */

/* Rec. 709 luma of 8-bit gamma-encoded RGB, in [0,1]. */
static inline float syn_luma709(float r, float g, float b)
{
    return (0.2126f * r + 0.7152f * g + 0.0722f * b) / 255.0f;
}

#endif
