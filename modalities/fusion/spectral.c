/* spectral.c -- the spectral mapping, both directions.
 *
 *   analyse:    PCM -> STFT magnitudes -> rows (frequency axis) x columns
 *               (time spans) -> dB -> grid values in [0,1]
 *   synthesise: grid -> per-frame magnitudes -> phases -> inverse STFT
 *
 * Frames: periodic Hann of n_fft samples, hop n_fft/4, centred on
 * m * hop: the one framing of internal.h (syn_frame_window), which
 * sem_audio.c's features use too.  Magnitudes are in amplitude units: a sine of amplitude a reads
 * a in its bin (|X| * 2 / sum(w) = |X| * 4 / n_fft).
 *
 * Synthesis kinds:
 * - sine: one steady partial per row, on the STFT bin nearest the row's
 *   frequency, with a seeded start phase and a phase that advances
 *   coherently from frame to frame.  Partials of the default 128 bands sit
 *   >= 2 bins apart, where a periodic Hann leaks exactly nothing, so the
 *   analysis reads each band's level back unchanged: the round trip is
 *   limited only by time blur and 16-bit rounding.
 * - noise: every bin of the band, a fresh random phase every frame.
 * - griffinlim: the magnitudes of every bin and frame, interpolated from the
 *   grid, with phases rebuilt by fast Griffin-Lim (Perraudin, Balazs &
 *   Sondergaard 2013): 32 iterations, momentum 0.99.
 *
 * Memory: analysis holds cols x bins floats, never the whole STFT; Griffin-
 * Lim holds two frames x bins complex arrays (2 x 100 MB for 5 minutes at
 * 22 kHz, bounded by the output-duration limit).  Everything returned is
 * malloc'd and named in fusion.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"
#include "syn/job.h"
#include "internal.h"

#define GL_ITERATIONS 32  /* Riffusion's setting; more gains < 0.01 SSIM */
#define GL_MOMENTUM 0.99f /* the "fast" Griffin-Lim of Perraudin et al.  */
#define PEAK_LEVEL 0.891f /* -1 dBFS: headroom for resampling players    */
#define FLOOR_AMP 1e-9    /* -180 dB: below any 24-bit signal, avoids log(0) */

/* log2 for the picture's dB: exponent from the float's bits, mantissa
 * through a degree-5 least-squares fit of log2 on [1,2) (max error 3.2e-5,
 * i.e. 0.0002 dB, far inside the 0.2 dB of an 8-bit step).  Inline and
 * branch-free, so the per-pixel loop vectorises; libm's log2f cost more
 * than the whole STFT of a 5 s sound. */
static inline float fast_log2(float x)
{
    union {
        float f;
        uint32_t i;
    } u = {x};
    float e = (float)((int)((u.i >> 23) & 0xff) - 127);
    u.i = (u.i & 0x007fffffu) | 0x3f800000u;
    float m = u.f;
    float p = ((((0.0434289078f * m - 0.404867174f) * m + 1.59390136f) * m - 3.49249428f) * m +
               5.04687604f) *
                  m -
              2.78681295f;
    return e + p;
}

static inline double amp_to_db(double a)
{
    return 20.0 * log10(a > FLOOR_AMP ? a : FLOOR_AMP);
}

/* 2^x for the synthesis levels: integer part into the float's exponent,
 * fraction through a degree-5 least-squares fit of 2^f on [0,1) (max
 * relative error 2.3e-7, 0.000002 dB).  pow() per row and frame was a
 * tenth of a picture-to-sound conversion. */
static inline float fast_exp2(float x)
{
    if (x < -126.0f) return 0.0f;
    float fi = floorf(x), f = x - fi;
    float p =
        ((((0.00189437942f * f + 0.00894058253f) * f + 0.0558765569f) * f + 0.240131692f) * f +
         0.693156777f) *
            f +
        0.99999977f;
    union {
        /* cppcheck-suppress unusedStructMember ; written to read the bits back as f */
        uint32_t i;
        float f;
    } u = {.i = (uint32_t)((int)fi + 127) << 23};
    return p * u.f;
}

/* Grid value -> partial amplitude; 0 stays silent (black is silence).
 * 10^(dB/20) = 2^(dB * log2(10) / 20). */
static inline float v_to_amp(float v, const syn_map *m)
{
    if (v <= 0.0f) return 0.0f;
    return fast_exp2((float)((m->ref_db + (v - 1.0) * m->db_range) * 0.16609640474436813));
}

/* The bin a row's partial sits on: the same rule in both directions. */
static int row_bin(const syn_map *m, int rows, int r, int n)
{
    double f = syn_row_hz(m, rows, r + 0.5);
    long k = lround(f * n / m->sample_rate);
    return k < 1 ? 1 : k > n / 2 - 1 ? n / 2 - 1 : (int)k;
}

/* ---------------------------------------------------------------- analysis */

typedef struct {
    int k0, k1; /* integer bins of the band (k0 > k1: none)  */
    float c;    /* fractional centre bin                     */
    int mode;   /* 0 peak of band, 1 interpolate, 2 one bin, 3 band rms */
} rowband;

static void row_bands(const syn_map *m, int rows, int n, int read_mode, rowband *rb)
{
    double bin = (double)m->sample_rate / n;
    for (int r = 0; r < rows; r++) {
        double hi = syn_row_hz(m, rows, r) / bin, lo = syn_row_hz(m, rows, r + 1) / bin;
        rb[r].c = (float)(syn_row_hz(m, rows, r + 0.5) / bin);
        rb[r].k0 = (int)ceil(lo);
        rb[r].k1 = (int)floor(hi);
        if (rb[r].k0 < 0) rb[r].k0 = 0;
        if (rb[r].k1 > n / 2) rb[r].k1 = n / 2;
        if (read_mode == 2) {
            rb[r].mode = 2;
            rb[r].k0 = rb[r].k1 = row_bin(m, rows, r, n);
        } else if (read_mode == 3 && rb[r].k0 <= rb[r].k1) {
            rb[r].mode = 3;
        } else {
            rb[r].mode = (hi - lo < 1.0 || rb[r].k0 > rb[r].k1) ? 1 : 0;
        }
    }
}

static inline float interp_bin(const float *s, int n, float c)
{
    if (c <= 0) return s[0];
    if (c >= n / 2) return s[n / 2];
    int k = (int)c;
    float f = c - k;
    return s[k] * (1 - f) + s[k + 1] * f;
}

static inline float row_amp(const float *s, int n, const rowband *b)
{
    switch (b->mode) {
    case 1:
        return interp_bin(s, n, b->c);
    case 2:
        return s[b->k0];
    case 3: {
        double p = 0;
        for (int k = b->k0; k <= b->k1; k++)
            p += (double)s[k] * s[k];
        return (float)sqrt(p / (b->k1 - b->k0 + 1));
    }
    default: {
        float a = interp_bin(s, n, b->c);
        for (int k = b->k0; k <= b->k1; k++)
            a = s[k] > a ? s[k] : a;
        return a;
    }
    }
}

/* rows x cols amplitudes of one channel (or the mix when ch < 0) into out
 * (row-major).  Frames arrive in time order and map to columns in order,
 * so one column's mean spectrum is accumulated at a time and turned into
 * rows as soon as the next column starts: no frames x bins matrix is ever
 * held (it was 2 MB and 500 page faults for a 1024-wide picture).  Columns
 * no frame fell in (more columns than frames) are left at -1 for the
 * caller to interpolate once the values are in dB. */
static int analyse_plane(const float *pcm, size_t frames, int channels, int ch, const syn_map *m,
                         int read_mode, int band_rows, int rows, int cols, float *out)
{
    const syn_fft *f = syn_fft_fwd(m->n_fft);
    int n = m->n_fft, hop = m->hop, nb = n / 2 + 1;
    float *buf = fftwf_malloc(sizeof(float) * n);
    fftwf_complex *X = fftwf_malloc(sizeof(fftwf_complex) * nb);
    float *acc = calloc((size_t)nb, sizeof(float));
    rowband *rb = malloc(sizeof(rowband) * (size_t)band_rows);
    float *bands = band_rows != rows ? malloc(sizeof(float) * (size_t)band_rows * cols) : out;
    int rc = -1;
    if (!f || !buf || !X || !acc || !rb || !bands) goto done;
    row_bands(m, band_rows, n, read_mode, rb);
    for (size_t i = 0; i < (size_t)band_rows * cols; i++)
        bands[i] = -1.0f;

    size_t nframes = syn_frame_count(frames, hop);
    float norm = 2.0f / (n / 2.0f); /* 2 / sum(w): a sine of amplitude a reads a */
    int col = -1, cnt = 0;
    for (size_t fm = 0; fm <= nframes; fm++) {
        if ((fm & 255) == 0 && syn_job_check(NULL) < 0) goto done; /* job.h checkpoint */
        int next = cols; /* past the last frame: flush the last column */
        if (fm < nframes) {
            next = (int)((double)fm * hop * cols / frames);
            if (next >= cols) next = cols - 1;
        }
        if (next != col && cnt > 0) {
            float inv = 1.0f / cnt;
            for (int k = 0; k < nb; k++)
                acc[k] *= inv;
            for (int r = 0; r < band_rows; r++)
                bands[(size_t)r * cols + col] = row_amp(acc, n, &rb[r]);
            memset(acc, 0, sizeof(float) * nb);
            cnt = 0;
        }
        if (fm == nframes) break;
        col = next;
        /* frames hanging over either end see only part of their window:
         * scale by the part inside, so a steady sound keeps its level up to
         * the edges instead of fading into a dark first and last column */
        double inside =
            syn_frame_window(f, pcm, frames, channels, channels == 1 ? 0 : ch, fm, hop, buf);
        float fnorm = inside > 1e-3 * n ? (float)(2.0 / inside) : norm;
        fftwf_execute_dft_r2c(f->r2c, buf, X);
        for (int k = 0; k < nb; k++)
            acc[k] += fnorm * sqrtf(X[k][0] * X[k][0] + X[k][1] * X[k][1]);
        cnt++;
    }
    if (bands != out) /* partials of a picture's bands: each band is a stripe */
        for (int r = 0; r < rows; r++)
            memcpy(out + (size_t)r * cols, bands + (size_t)((long)r * band_rows / rows) * cols,
                   sizeof(float) * cols);
    rc = 0;
done:
    if (bands != out) free(bands);
    fftwf_free(buf);
    fftwf_free(X);
    free(acc);
    free(rb);
    return rc;
}

/* Fill the columns that no frame fell in (marked -1; the same columns in
 * every row) by linear interpolation between the nearest filled columns;
 * the edges copy their neighbour.  The weights are worked out once from
 * the first row and applied to every row. */
static int fill_columns(float **planes, int nplanes, int rows, int cols)
{
    int *lo = malloc(sizeof(int) * (size_t)cols), *hi = malloc(sizeof(int) * (size_t)cols);
    float *t = malloc(sizeof(float) * (size_t)cols);
    if (!lo || !hi || !t) {
        free(lo), free(hi), free(t);
        return -1;
    }
    const float *first = planes[0];
    int prev = -1, nempty = 0;
    for (int c = 0; c <= cols; c++) {
        if (c < cols && first[c] < 0) continue;
        for (int g = prev + 1; g < c; g++, nempty++) {
            lo[g] = prev < 0 ? c : prev;
            hi[g] = c == cols ? lo[g] : c;
            t[g] = (prev < 0 || c == cols) ? 0.0f : (float)(g - prev) / (float)(c - prev);
        }
        prev = c;
    }
    if (nempty && prev >= 0)
        for (int p = 0; p < nplanes; p++)
            for (int r = 0; r < rows; r++) {
                float *row = planes[p] + (size_t)r * cols;
                for (int c = 0; c < cols; c++)
                    if (row[c] < 0) row[c] = row[lo[c]] + (row[hi[c]] - row[lo[c]]) * t[c];
            }
    free(lo), free(hi), free(t);
    return 0;
}

int syn_spectral_analyse(const float *pcm, size_t frames, int channels, syn_map *m, int use_ref,
                         int stereo, int rows, int cols, syn_grid *g, syn_err *e)
{
    memset(g, 0, sizeof *g);
    if (!pcm || frames == 0 || channels < 1)
        return syn_fail(e, SYN_E_INVALID, "", "the sound has no samples");
    syn_map_fix(m);
    /* here the rate is the input sound's own: nothing above its Nyquist
     * frequency was recorded, so rows up there cannot be drawn */
    if (syn_map_check(m, e) < 0) return -1;
    if (!syn_fft_fwd(m->n_fft))
        return syn_fail(e, SYN_E_INTERNAL, "", "no FFT plan for %d samples", m->n_fft);
    if (syn_grid_alloc(g, rows, cols, stereo) < 0)
        return syn_fail(e, SYN_E_NOMEM, "ask for a smaller picture", "out of memory");
    m->duration = (double)frames / m->sample_rate;

    /* A sound synesthd made from a picture says which partials it used:
     * read exactly those bins (or band energies, for noise) at the band
     * grid it was made from, and draw each band as a stripe. */
    int read_mode = 0, band_rows = rows;
    if (use_ref && m->source == SYN_SRC_IMAGE && m->rows > 0 && m->rows <= rows) {
        if (m->synthesis == SYN_SYNTH_SINE || m->synthesis == SYN_SYNTH_AUTO)
            read_mode = 2, band_rows = m->rows;
        else if (m->synthesis == SYN_SYNTH_NOISE)
            read_mode = 3, band_rows = m->rows;
    }
    size_t cells = (size_t)rows * cols;
    int rc = stereo ? analyse_plane(pcm, frames, channels, 0, m, read_mode, band_rows, rows, cols,
                                    g->left) |
                          analyse_plane(pcm, frames, channels, channels > 1 ? 1 : 0, m, read_mode,
                                        band_rows, rows, cols, g->right)
                    : analyse_plane(pcm, frames, channels, -1, m, read_mode, band_rows, rows, cols,
                                    g->v);
    if (rc < 0) {
        syn_grid_free(g);
        if (syn_job_check(e) < 0) return -1; /* stopped at a checkpoint, not out of memory */
        return syn_fail(e, SYN_E_NOMEM, "send a shorter sound", "out of memory");
    }
    if (stereo)
        for (size_t i = 0; i < cells; i++)
            g->v[i] = g->left[i] < 0 ? -1.0f : 0.5f * (g->left[i] + g->right[i]);

    /* amplitudes -> dB -> [0,1] against the reference level; a sound that
     * carries no map of ours is a recording, and its picture will be
     * played back by rebuilding its phase */
    if (!use_ref) {
        m->source = SYN_SRC_AUDIO;
        m->rows = m->cols = 0;
        double peak = FLOOR_AMP;
        for (size_t i = 0; i < cells; i++)
            peak = g->v[i] > peak ? g->v[i] : peak;
        if (stereo)
            for (size_t i = 0; i < cells; i++)
                peak = fmax(peak, fmax(g->left[i], g->right[i]));
        m->ref_db = amp_to_db(peak);
    }
    /* v = (20 log10 a - ref + range) / range, with log2f: the float log is
     * a third of the double log10's cost and far inside 8-bit precision */
    const float db_per_log2 = (float)(20.0 * log10(2.0)), inv = (float)(1.0 / m->db_range);
    const float off = (float)(m->db_range - m->ref_db);
    float *planes[3] = {g->v, g->left, g->right};
    int nplanes = stereo ? 3 : 1;
    for (int p = 0; p < nplanes; p++) {
        for (size_t i = 0; i < cells; i++) {
            float a = planes[p][i];
            if (a < 0) continue; /* a column without frames, filled below */
            float v =
                (db_per_log2 * fast_log2(a > (float)FLOOR_AMP ? a : (float)FLOOR_AMP) + off) * inv;
            planes[p][i] = clamp01(v);
        }
    }
    if (fill_columns(planes, nplanes, rows, cols) < 0) {
        syn_grid_free(g);
        return syn_fail(e, SYN_E_NOMEM, "ask for a smaller picture", "out of memory");
    }
    m->stereo = stereo;
    return 0;
}

/* -------------------------------------------------------------- synthesis */

/* Column interpolation for frame fm: weights between columns c0 and c0+1. */
static void frame_col(size_t fm, int hop, int sr, double duration, int cols, int *c0, float *t)
{
    double x = ((double)fm * hop / sr) * cols / duration - 0.5;
    if (x <= 0) {
        *c0 = 0, *t = 0;
    } else if (x >= cols - 1) {
        *c0 = cols - 1, *t = 0;
    } else {
        *c0 = (int)x;
        *t = (float)(x - *c0);
    }
}

static inline float grid_at(const float *p, int cols, int r, int c0, float t)
{
    const float *row = p + (size_t)r * cols;
    return t > 0 ? row[c0] * (1 - t) + row[c0 + 1] * t : row[c0];
}

typedef struct {
    const syn_map *m;
    const syn_fft *f;
    int rows, cols, n, hop, nb;
    size_t frames, nframes;
} synth_ctx;

/* Overlap-add of one frame into y with the frame's window weights. */
static void ola(const synth_ctx *s, size_t fm, const float *frame, float *y, float *wsum, int sq)
{
    long start = syn_frame_start(fm, s->hop, s->n);
    for (int j = 0; j < s->n; j++) {
        long i = start + j;
        if (i < 0 || (size_t)i >= s->frames) continue;
        float w = s->f->window[j];
        y[i] += w * frame[j];
        wsum[i] += sq ? w * w : w;
    }
}

static int synth_sine(const synth_ctx *s, const float *plane, float *y)
{
    int n = s->n, nb = s->nb;
    float *wsum = calloc(s->frames, sizeof(float));
    float *amp = calloc((size_t)nb, sizeof(float));
    int *bin = malloc(sizeof(int) * (size_t)s->rows);
    int *phase0 = malloc(sizeof(int) * (size_t)nb);
    float *frame = fftwf_malloc(sizeof(float) * n);
    fftwf_complex *X = fftwf_malloc(sizeof(fftwf_complex) * nb);
    int rc = -1;
    if (!wsum || !amp || !bin || !phase0 || !frame || !X) goto done;
    uint64_t rng = s->m->seed ^ 0x5157a11e5ull;
    for (int k = 0; k < nb; k++)
        phase0[k] = (int)(syn_rng_next(&rng) % (uint64_t)n);
    for (int r = 0; r < s->rows; r++)
        bin[r] = row_bin(s->m, s->rows, r, n);
    for (size_t fm = 0; fm < s->nframes; fm++) {
        if ((fm & 255) == 0 && syn_job_check(NULL) < 0) goto done; /* job.h checkpoint */
        int c0;
        float t;
        frame_col(fm, s->hop, s->m->sample_rate, s->m->duration, s->cols, &c0, &t);
        memset(X, 0, sizeof(fftwf_complex) * nb);
        for (int r = 0; r < s->rows; r++) /* rows sharing a bin: the louder wins */
            amp[bin[r]] = fmaxf(amp[bin[r]], v_to_amp(grid_at(plane, s->cols, r, c0, t), s->m));
        long long origin = syn_frame_start(fm, s->hop, n);
        for (int r = 0; r < s->rows; r++) {
            int k = bin[r];
            if (amp[k] <= 0) continue;
            long long idx = ((long long)k * origin + phase0[k]) % n;
            if (idx < 0) idx += n;
            X[k][0] = 0.5f * amp[k] * s->f->cos_t[idx];
            X[k][1] = 0.5f * amp[k] * s->f->sin_t[idx];
            amp[k] = 0;
        }
        fftwf_execute_dft_c2r(s->f->c2r, X, frame);
        ola(s, fm, frame, y, wsum, 0);
    }
    for (size_t i = 0; i < s->frames; i++)
        y[i] = wsum[i] > 1e-6f ? y[i] / wsum[i] : 0;
    rc = 0;
done:
    free(wsum);
    free(amp);
    free(bin);
    free(phase0);
    fftwf_free(frame);
    fftwf_free(X);
    return rc;
}

/* Grid position (row, fraction) of every bin inside [fmin, fmax]. */
static void bin_rows(const synth_ctx *s, int *r0, float *rt)
{
    double bw = (double)s->m->sample_rate / s->n;
    for (int k = 0; k < s->nb; k++) {
        double hz = k * bw;
        if (hz < s->m->fmin || hz > s->m->fmax) {
            r0[k] = -1;
            continue;
        }
        double y = syn_hz_row(s->m, s->rows, hz) - 0.5;
        if (y <= 0) {
            r0[k] = 0, rt[k] = 0;
        } else if (y >= s->rows - 1) {
            r0[k] = s->rows - 1, rt[k] = 0;
        } else {
            r0[k] = (int)y;
            rt[k] = (float)(y - r0[k]);
        }
    }
}

/* Magnitudes of frame fm over all bins, in amplitude units. */
static void frame_mags(const synth_ctx *s, const float *plane, const int *r0, const float *rt,
                       size_t fm, float *mag)
{
    int c0;
    float t;
    frame_col(fm, s->hop, s->m->sample_rate, s->m->duration, s->cols, &c0, &t);
    for (int k = 0; k < s->nb; k++) {
        if (r0[k] < 0) {
            mag[k] = 0;
            continue;
        }
        float a = v_to_amp(grid_at(plane, s->cols, r0[k], c0, t), s->m);
        if (rt[k] > 0)
            a = a * (1 - rt[k]) + v_to_amp(grid_at(plane, s->cols, r0[k] + 1, c0, t), s->m) * rt[k];
        mag[k] = a;
    }
}

static int synth_noise(const synth_ctx *s, const float *plane, float *y)
{
    int nb = s->nb;
    float *wsum = calloc(s->frames, sizeof(float));
    int *r0 = malloc(sizeof(int) * (size_t)nb);
    float *rt = malloc(sizeof(float) * (size_t)nb), *mag = malloc(sizeof(float) * (size_t)nb);
    float *frame = fftwf_malloc(sizeof(float) * s->n);
    fftwf_complex *X = fftwf_malloc(sizeof(fftwf_complex) * nb);
    int rc = -1;
    if (!wsum || !r0 || !rt || !mag || !frame || !X) goto done;
    bin_rows(s, r0, rt);
    uint64_t rng = s->m->seed ^ 0x7015e5eedull;
    for (size_t fm = 0; fm < s->nframes; fm++) {
        if ((fm & 255) == 0 && syn_job_check(NULL) < 0) goto done; /* job.h checkpoint */
        frame_mags(s, plane, r0, rt, fm, mag);
        for (int k = 0; k < nb; k++) {
            int idx = (int)(syn_rng_next(&rng) % (uint64_t)s->n);
            X[k][0] = 0.5f * mag[k] * s->f->cos_t[idx];
            X[k][1] = 0.5f * mag[k] * s->f->sin_t[idx];
        }
        fftwf_execute_dft_c2r(s->f->c2r, X, frame);
        ola(s, fm, frame, y, wsum, 1);
    }
    /* frames with independent phases add in power: divide by the root of
     * the summed squared window to keep each band's level */
    for (size_t i = 0; i < s->frames; i++)
        y[i] = wsum[i] > 1e-6f ? y[i] / sqrtf(wsum[i]) : 0;
    rc = 0;
done:
    free(wsum);
    free(r0);
    free(rt);
    free(mag);
    fftwf_free(frame);
    fftwf_free(X);
    return rc;
}

/* Inverse STFT (least squares: sum w*frame / sum w^2) of nframes spectra. */
static void istft(const synth_ctx *s, fftwf_complex *spec, float *frame, fftwf_complex *tmp,
                  float *y, float *wsum)
{
    memset(y, 0, sizeof(float) * s->frames);
    memset(wsum, 0, sizeof(float) * s->frames);
    float inv = 1.0f / s->n;
    for (size_t fm = 0; fm < s->nframes; fm++) {
        memcpy(tmp, spec + fm * s->nb, sizeof(fftwf_complex) * s->nb); /* c2r destroys input */
        fftwf_execute_dft_c2r(s->f->c2r, tmp, frame);
        for (int j = 0; j < s->n; j++)
            frame[j] *= inv;
        ola(s, fm, frame, y, wsum, 1);
    }
    for (size_t i = 0; i < s->frames; i++)
        y[i] = wsum[i] > 1e-6f ? y[i] / wsum[i] : 0;
}

static void stft_frame(const synth_ctx *s, const float *y, size_t fm, float *frame,
                       fftwf_complex *out)
{
    syn_frame_window(s->f, y, s->frames, 1, 0, fm, s->hop, frame);
    fftwf_execute_dft_r2c(s->f->r2c, frame, out);
}

static int synth_griffinlim(const synth_ctx *s, const float *plane, float *y)
{
    int nb = s->nb;
    size_t total = s->nframes * (size_t)nb;
    fftwf_complex *c = fftwf_malloc(sizeof(fftwf_complex) * total);
    fftwf_complex *prev = fftwf_malloc(sizeof(fftwf_complex) * total);
    float *target = malloc(sizeof(float) * total);
    float *wsum = malloc(sizeof(float) * s->frames);
    int *r0 = malloc(sizeof(int) * (size_t)nb);
    float *rt = malloc(sizeof(float) * (size_t)nb);
    float *frame = fftwf_malloc(sizeof(float) * s->n);
    fftwf_complex *tmp = fftwf_malloc(sizeof(fftwf_complex) * nb);
    int rc = -1;
    if (!c || !prev || !target || !wsum || !r0 || !rt || !frame || !tmp) goto done;
    bin_rows(s, r0, rt);
    /* target |X| = a * sum(w) / 2 = a * n / 4 for a partial of amplitude a */
    uint64_t rng = s->m->seed ^ 0x6d1f1e55ull;
    for (size_t fm = 0; fm < s->nframes; fm++) {
        float *t = target + fm * nb;
        frame_mags(s, plane, r0, rt, fm, t);
        for (int k = 0; k < nb; k++) {
            t[k] *= s->n / 4.0f;
            int idx = (int)(syn_rng_next(&rng) % (uint64_t)s->n);
            c[fm * nb + k][0] = t[k] * s->f->cos_t[idx];
            c[fm * nb + k][1] = t[k] * s->f->sin_t[idx];
        }
    }
    memset(prev, 0, sizeof(fftwf_complex) * total);
    for (int it = 0; it < GL_ITERATIONS; it++) {
        if (syn_job_check(NULL) < 0) goto done; /* job.h checkpoint */
        istft(s, c, frame, tmp, y, wsum);
        for (size_t fm = 0; fm < s->nframes; fm++) {
            if ((fm & 255) == 0 && syn_job_check(NULL) < 0) goto done; /* job.h checkpoint */
            stft_frame(s, y, fm, frame, tmp);
            for (int k = 0; k < nb; k++) {
                size_t i = fm * nb + k;
                float re = tmp[k][0], im = tmp[k][1];
                float ar = re + GL_MOMENTUM * (re - prev[i][0]);
                float ai = im + GL_MOMENTUM * (im - prev[i][1]);
                prev[i][0] = re, prev[i][1] = im;
                float mag = sqrtf(ar * ar + ai * ai);
                if (mag > 1e-20f) {
                    c[i][0] = target[i] * ar / mag;
                    c[i][1] = target[i] * ai / mag;
                } else {
                    c[i][0] = target[i], c[i][1] = 0;
                }
            }
        }
    }
    istft(s, c, frame, tmp, y, wsum);
    rc = 0;
done:
    fftwf_free(c);
    fftwf_free(prev);
    free(target);
    free(wsum);
    free(r0);
    free(rt);
    fftwf_free(frame);
    fftwf_free(tmp);
    return rc;
}

int syn_spectral_synthesise(const syn_grid *g, syn_map *m, float **pcm, size_t *frames,
                            int *channels, syn_err *e)
{
    *pcm = NULL;
    *frames = 0;
    *channels = 0;
    if (!g->v || g->rows < 1 || g->cols < 1) return syn_fail(e, SYN_E_INTERNAL, "", "empty grid");
    syn_map_fix(m);
    /* the rate is the output's: the option, the picture's own map, or the default */
    if (syn_map_check(m, e) < 0) return -1;
    syn_synth kind = m->synthesis;
    if (kind == SYN_SYNTH_AUTO)
        kind = m->source == SYN_SRC_AUDIO ? SYN_SYNTH_GRIFFINLIM : SYN_SYNTH_SINE;
    /* Griffin-Lim goes both ways; partials and noise only need the inverse */
    synth_ctx s = {.m = m,
                   .f =
                       kind == SYN_SYNTH_GRIFFINLIM ? syn_fft_get(m->n_fft) : syn_fft_inv(m->n_fft),
                   .rows = g->rows,
                   .cols = g->cols,
                   .n = m->n_fft,
                   .hop = m->hop,
                   .nb = m->n_fft / 2 + 1};
    if (!s.f) return syn_fail(e, SYN_E_INTERNAL, "", "no FFT plan for %d samples", m->n_fft);
    s.frames = (size_t)llround(m->duration * m->sample_rate);
    if (s.frames < 1) s.frames = 1;
    s.nframes = syn_frame_count(s.frames, s.hop);

    int nch = (g->left && g->right) ? 2 : 1;
    /* The cost, before the work (job.h): the output and one channel's
     * signal; Griffin-Lim also holds two complex spectrograms and the
     * target magnitudes (20 bytes a bin), and runs an FFT pair per frame
     * and iteration where partials and noise run one inverse FFT. */
    double bins = (double)s.nframes * s.nb;
    double need = 4.0 * s.frames * (nch + 2) + (kind == SYN_SYNTH_GRIFFINLIM ? 20.0 * bins : 0);
    double ffts =
        (double)s.nframes * nch * (kind == SYN_SYNTH_GRIFFINLIM ? 2 * GL_ITERATIONS + 1 : 1);
    /* partials and noise also fill every bin of every frame: ~13 ns each
     * (60 s of 44.1 kHz: 0.11 s measured, 0.04 s of it FFTs) */
    double cpu = syn_cost_fft(ffts, s.n) + (kind == SYN_SYNTH_GRIFFINLIM ? 0 : 13e-9 * bins * nch);
    if (need > (double)SIZE_MAX / 2 ||
        syn_job_reserve((size_t)need, cpu, "synthesising the sound",
                        "lower duration or sample_rate, or use synthesis=sine", e) < 0)
        return need > (double)SIZE_MAX / 2
                   ? syn_fail(e, SYN_E_LIMIT, "lower duration", "the sound asked for is too long")
                   : -1;
    const float *planes[2] = {nch == 2 ? g->left : g->v, g->right};
    float *out = malloc(sizeof(float) * s.frames * nch);
    float *y = calloc(s.frames, sizeof(float));
    if (!out || !y) {
        free(out);
        free(y);
        return syn_fail(e, SYN_E_NOMEM, "ask for a shorter sound", "out of memory");
    }
    for (int c = 0; c < nch; c++) {
        memset(y, 0, sizeof(float) * s.frames);
        int rc = kind == SYN_SYNTH_NOISE        ? synth_noise(&s, planes[c], y)
                 : kind == SYN_SYNTH_GRIFFINLIM ? synth_griffinlim(&s, planes[c], y)
                                                : synth_sine(&s, planes[c], y);
        if (rc < 0) {
            free(out);
            free(y);
            if (syn_job_check(e) < 0) return -1; /* stopped at a checkpoint, not out of memory */
            return syn_fail(e, SYN_E_NOMEM, "ask for a shorter sound", "out of memory");
        }
        for (size_t i = 0; i < s.frames; i++)
            out[i * nch + c] = y[i];
    }
    free(y);

    /* peak-normalise and move the reference with the gain, so the reverse
     * mapping reads the grid's levels back */
    float peak = 0;
    for (size_t i = 0; i < s.frames * nch; i++)
        peak = fmaxf(peak, fabsf(out[i]));
    if (peak > 0) {
        float gain = PEAK_LEVEL / peak;
        for (size_t i = 0; i < s.frames * nch; i++)
            out[i] *= gain;
        m->ref_db += 20.0 * log10(gain);
    }
    m->synthesis = kind;
    m->stereo = nch == 2;
    m->rows = g->rows;
    m->cols = g->cols;
    *pcm = out;
    *frames = s.frames;
    *channels = nch;
    return 0;
}
