/* internal.h -- private to modalities/fusion/: the FFT tables made once
 * at start-up (fft.c) and shared, read-only, by every request, and the
 * small numeric helpers every file of the core uses (one copy each). */
#ifndef SYN_FUSION_INTERNAL_H
#define SYN_FUSION_INTERNAL_H

#include <fftw3.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* One STFT size: plans for new-array execution, a periodic Hann window
 * and a table of cos/sin(2 pi j / n) for phase lookups. */
typedef struct syn_fft {
    int n;
    fftwf_plan r2c, c2r; /* out-of-place, made with fftwf_malloc'd arrays */
    float *window;       /* n: 0.5 - 0.5 cos(2 pi j / n)                  */
    float *cos_t, *sin_t;
} syn_fft;

/* The table for size n (a power of two in [SYN_FFT_MIN, SYN_FFT_MAX]),
 * or NULL. */
const syn_fft *syn_fft_get(int n);
/* The same with only the forward plan (r2c) guaranteed: analysis; or only
 * the inverse (c2r): sine and noise synthesis. */
const syn_fft *syn_fft_fwd(int n);
const syn_fft *syn_fft_inv(int n);

/* --- fft.c: the one short-time framing ------------------------------------
 * Every STFT of the core (spectral.c's analysis, synthesis and Griffin-Lim,
 * sem_audio.c's features) frames a signal the same way: frame fm of size n
 * at hop `hop` is centred on sample fm * hop, so it covers
 * [fm * hop - n/2, fm * hop + n/2); samples outside the signal are zeros,
 * and frames / hop + 1 frames reach the last sample. */
static inline long syn_frame_start(size_t fm, int hop, int n)
{
    return (long)(fm * hop) - n / 2;
}

static inline size_t syn_frame_count(size_t frames, int hop)
{
    return frames / hop + 1;
}

/* The one mono mixdown: sample i of interleaved pcm averaged over its
 * channels in double; a non-finite result reads as silence. */
static inline float syn_mix_sample(const float *pcm, size_t i, int channels)
{
    if (channels == 1) return isfinite(pcm[i]) ? pcm[i] : 0;
    double v = 0;
    for (int c = 0; c < channels; c++)
        v += pcm[i * channels + c];
    v /= channels;
    return isfinite(v) ? (float)v : 0;
}

/* Frame fm of the framing above, times f->window, into buf[f->n]: channel
 * ch of interleaved pcm, or the mono mix when ch < 0.  Returns the sum of
 * the window over the samples inside the signal: exactly n/2 (the periodic
 * Hann's sum) when the frame lies wholly inside, so a caller can scale an
 * overhanging frame by the part of its window that saw the signal. */
double syn_frame_window(const syn_fft *f, const float *pcm, size_t frames, int channels, int ch,
                        size_t fm, int hop, float *buf);

/* 64 samples is 3 ms at 22.05 kHz, the shortest frame worth drawing;
 * 16384 is 85 ms at 192 kHz, the longest the rate-derived frame reaches. */
#define SYN_FFT_MIN 64
#define SYN_FFT_MAX 16384

/* Deterministic generator for phases and noise (splitmix64). */
static inline uint64_t syn_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0,1) from the top 53 bits of the generator (2^-53 steps). */
static inline double urand(uint64_t *s)
{
    return (syn_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Clamps.  NaN passes through unchanged (both comparisons are false):
 * syn_sem_set maps a non-finite value to 0.5 itself. */
static inline float clamp01(float v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static inline float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int syn_colormap_init(void);
/* music.c: stb_hexwave's shared BLEP tables; not thread-safe, so once,
 * from syn_fusion_init, before any thread. */
void syn_music_init(void);

#endif
