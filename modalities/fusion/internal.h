/* internal.h -- private to modalities/fusion/: the FFT tables made once
 * at start-up (fft.c) and shared, read-only, by every request, and the
 * small numeric helpers every file of the core uses (one copy each). */
#ifndef SYN_FUSION_INTERNAL_H
#define SYN_FUSION_INTERNAL_H

#include <fftw3.h>
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
