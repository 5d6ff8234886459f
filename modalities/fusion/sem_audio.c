/* sem_audio.c -- the semantic axes of a sound.
 *
 * Accepts: interleaved float PCM, any channel count (mixed to mono), any
 * rate from 1 kHz, at least one frame.  Two STFTs on the shared plans
 * (internal.h): a ~46 ms frame with 75 % overlap for timing and timbre
 * (onsets, tempo, centroid, flatness, band weights, register), and a
 * frame four times longer for pitch classes (a semitone at C3 is 8 Hz
 * wide).  Fills *s (each axis with a reason holding the measured
 * figures); s->hash is left 0 for the caller.  Scratch only, freed before
 * returning.
 * Returns 0, or -1 with *e (bad arguments, no FFT plan, no memory).
 *
 * Layout: measure() runs the two passes into a sem_feat of measured
 * figures (one small function per feature, below); then one axis_*()
 * function per axis maps those figures to the axis, its evidence and its
 * reason, with its grounding beside it.
 *
 * Each axis and its grounding (see syn/semantic.h):
 *   brightness  spectral centroid, log scale 100 Hz..6.4 kHz (pitch <-> lightness)
 *   elevation   median dominant frequency, 65 Hz..2 kHz     (pitch <-> elevation)
 *   energy      RMS in dBFS, tempo (onset autocorrelation), onset rate
 *                                                           (loudness, tempo <-> arousal)
 *   sharpness   spectral flatness, roughness, attack time   (bouba/kiki)
 *   warmth      share of 150-800 Hz, little energy above 2.5 kHz
 *   valence     major vs minor key profiles (Krumhansl & Kessler), consonance
 *   density     onset rate and polyphony (strong pitch classes)
 *   hue         dominant pitch class by fifths on the colour wheel, C = red */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/semantic.h"
#include "internal.h"

#define SEM_MAX_PEAKS 12 /* partials for roughness: a chord and its overtones */

static int pow2_near(double want)
{
    int n = SYN_FFT_MIN;
    while (n < SYN_FFT_MAX && n * 1.5 < want)
        n <<= 1;
    return n;
}

/* Krumhansl & Kessler (1982) probe-tone ratings, tonic first. */
static const double kk_major[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                                    2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
static const double kk_minor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                                    2.54, 4.75, 3.98, 2.69, 3.34, 3.17};

/* Pearson correlation of chroma with the profile rotated to each tonic. */
static void key_corrs(const double c[12], const double prof[12], double r[12])
{
    double mc = 0, mp = 0;
    for (int i = 0; i < 12; i++)
        mc += c[i] / 12, mp += prof[i] / 12;
    for (int k = 0; k < 12; k++) {
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 12; i++) {
            double x = c[(i + k) % 12] - mc, y = prof[i] - mp;
            sxy += x * y, sxx += x * x, syy += y * y;
        }
        r[k] = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
    }
}

static int argmax12(const double r[12])
{
    int k = 0;
    for (int i = 1; i < 12; i++)
        if (r[i] > r[k]) k = i;
    return k;
}

/* Sensory roughness of a set of partials (Plomp & Levelt's curve in
 * Sethares's parametrisation), 0 (smooth) .. 1 (every pair at the
 * roughest spacing). */
static double roughness(const double *f, const double *a, int n)
{
    double d = 0, norm = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double lo = fmin(f[i], f[j]), df = fabs(f[i] - f[j]);
            double sc = 0.24 / (0.021 * lo + 19); /* critical bandwidth scale */
            double x = sc * df;
            d += a[i] * a[j] * (exp(-3.5 * x) - exp(-5.75 * x));
            norm += a[i] * a[j];
        }
    /* 0.181 is the curve's maximum, at x = 0.22. */
    return norm > 0 ? clampd(d / (0.181 * norm), 0, 1) : 0;
}

typedef struct stft {
    const syn_fft *f;
    float *in;
    fftwf_complex *out;
    int n, hop, nb;
    size_t nframes;
} stft;

static int stft_open(stft *t, int n, int hop, size_t frames, syn_err *e)
{
    memset(t, 0, sizeof *t);
    t->f = syn_fft_fwd(n);
    if (!t->f) return syn_fail(e, SYN_E_INTERNAL, NULL, "no FFT plan for %d samples", n);
    t->n = n, t->hop = hop, t->nb = n / 2 + 1;
    t->nframes = frames <= (size_t)n ? 1 : 1 + (frames - n + hop - 1) / hop;
    t->in = fftwf_malloc(sizeof(float) * n);
    t->out = fftwf_malloc(sizeof(fftwf_complex) * t->nb);
    if (!t->in || !t->out) {
        fftwf_free(t->in), fftwf_free(t->out);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the sound's analysis");
    }
    return 0;
}

static void stft_close(stft *t)
{
    fftwf_free(t->in);
    fftwf_free(t->out);
}

/* Power spectrum of frame i of mono into pw[nb].  These frames start at
 * i * hop (the first holds the sound's first sample whole, which the onset
 * and attack measures rely on): that is the core's one centred framing
 * (internal.h) shifted by the half frame, a whole number of hops here. */
static void stft_power(stft *t, const float *mono, size_t frames, size_t i, float *pw)
{
    size_t lead = (size_t)(t->n / 2 / t->hop); /* n/2 is 2 hops (pass 1) or 1 (pass 2) */
    syn_frame_window(t->f, mono, frames, 1, 0, i + lead, t->hop, t->in);
    fftwf_execute_dft_r2c(t->f->r2c, t->in, t->out);
    for (int k = 0; k < t->nb; k++)
        pw[k] = t->out[k][0] * t->out[k][0] + t->out[k][1] * t->out[k][1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) /* sorts v */
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ------------------------------------------------ the measured figures */

/* Scratch, one buffer per purpose, all freed by scratch_free. */
typedef struct sem_scratch {
    float *mono;   /* frames: the mono mix                                */
    float *env;    /* nblocks: RMS of each 2 ms block, for attack times    */
    float *cur;    /* a.nb: pass 1, this frame's power spectrum            */
    float *prev;   /* a.nb: pass 1, the previous frame's magnitudes (flux)  */
    float *pw2;    /* b.nb: pass 2, one frame's power spectrum             */
    double *flux;  /* a.nframes: spectral flux of each frame               */
    double *odf;   /* a.nframes: onset strength, for the tempo             */
    double *fpk;   /* a.nframes: dominant frequency of each frame (0: none) */
    double *fen;   /* a.nframes: energy of each frame                      */
    double *att;   /* a.nframes: attack time after each onset, ms          */
    size_t *onset; /* a.nframes: frames where an onset was found           */
} sem_scratch;

/* Everything the axes are computed from. */
typedef struct sem_feat {
    double sr, dur;
    double rms, rms_db;             /* of the mono mix                          */
    double centroid, flat;          /* energy-weighted over the frames          */
    double e_lowmid, e_high, e_all; /* 150-800 Hz, >= 2.5 kHz, 50 Hz-8 kHz  */
    double reg;                     /* median dominant frequency, Hz (0: none)  */
    size_t nons;                    /* onsets                                   */
    double rate;                    /* onsets per second                        */
    double bpm, pulse;              /* tempo (0: none), its periodicity 0..1    */
    double attack_ms;               /* median attack, ms (-1: no onset)         */
    double chroma[12], poly;        /* pitch-class weights, mean strong classes */
    double rough;                   /* roughness of the long-term partials      */
} sem_feat;

static void scratch_free(sem_scratch *sc)
{
    free(sc->mono), free(sc->env), free(sc->cur), free(sc->prev), free(sc->pw2);
    free(sc->flux), free(sc->odf), free(sc->fpk), free(sc->fen), free(sc->att), free(sc->onset);
}

static int scratch_alloc(sem_scratch *sc, size_t frames, size_t nblocks, const stft *a,
                         const stft *b)
{
    memset(sc, 0, sizeof *sc);
    sc->mono = malloc(sizeof(float) * frames);
    sc->env = malloc(sizeof(float) * nblocks);
    sc->cur = malloc(sizeof(float) * (size_t)a->nb);
    sc->prev = calloc((size_t)a->nb, sizeof(float));
    sc->pw2 = malloc(sizeof(float) * (size_t)b->nb);
    sc->flux = calloc(a->nframes, sizeof(double));
    sc->odf = malloc(sizeof(double) * a->nframes);
    sc->fpk = malloc(sizeof(double) * a->nframes);
    sc->fen = malloc(sizeof(double) * a->nframes);
    sc->att = malloc(sizeof(double) * a->nframes);
    sc->onset = malloc(sizeof(size_t) * a->nframes);
    if (sc->mono && sc->env && sc->cur && sc->prev && sc->pw2 && sc->flux && sc->odf && sc->fpk &&
        sc->fen && sc->att && sc->onset)
        return 0;
    scratch_free(sc);
    return -1;
}

/* The mono mix (internal.h's one mixdown); returns its sum of squares. */
static double mix_mono(const float *pcm, size_t frames, int channels, float *mono)
{
    double sumsq = 0;
    for (size_t i = 0; i < frames; i++) {
        mono[i] = syn_mix_sample(pcm, i, channels);
        sumsq += (double)mono[i] * mono[i];
    }
    return sumsq;
}

/* RMS of each block of `block` samples (the last may be shorter). */
static void envelope(const float *mono, size_t frames, int block, size_t nblocks, float *env)
{
    for (size_t j = 0; j < nblocks; j++) {
        double acc = 0;
        size_t k0 = j * block, k1 = k0 + block < frames ? k0 + block : frames;
        for (size_t k = k0; k < k1; k++)
            acc += (double)mono[k] * mono[k];
        env[j] = (float)sqrt(acc / (double)(k1 - k0));
    }
}

/* --- pass 1: timing and timbre (46 ms frames) ----------------------------- */

/* Dominant frequency of a power spectrum's peak bin pki, by parabolic
 * interpolation on log power; 0 at the ends of the spectrum. */
static double peak_hz(const float *pw, int nb, int pki, double hz)
{
    if (!(pki > 1 && pki < nb - 1)) return 0;
    double l0 = log(pw[pki - 1] + 1e-12), l1 = log(pw[pki] + 1e-12), l2 = log(pw[pki + 1] + 1e-12);
    double den = l0 - 2 * l1 + l2;
    double off = den < 0 ? clampd(0.5 * (l0 - l2) / den, -0.5, 0.5) : 0;
    return (pki + off) * hz;
}

/* The first bin k with k * hz >= f, nb if none. */
static int bin_at(double f, double hz, int nb)
{
    int k = (int)fmax(0, fmin(nb, floor(f / hz) - 1));
    while (k < nb && k * hz < f)
        k++;
    return k;
}

/* sum of p[k] for k in [k0, k1) */
static double band_sum(const float *p, int k0, int k1)
{
    double s = 0;
    for (int k = k0; k < k1; k++)
        s += p[k];
    return s;
}

/* Per frame: energy, flux, dominant frequency; over all frames: centroid,
 * flatness and the band energies.  Returns the loudest frame's energy.
 * sc->prev holds the previous frame's magnitudes, for the flux. */
static double pass_timbre(stft *a, sem_scratch *sc, size_t frames, sem_feat *ft)
{
    double hz1 = ft->sr / a->n;
    double c_num = 0, c_den = 0, flat_num = 0, flat_den = 0, fmaxpow = 0;
    const int nb = a->nb;
    int k50 = (int)ceil(50 / hz1), k5k = (int)fmin(nb - 1, 5000 / hz1);
    int ka0 = bin_at(50, hz1, nb), ka1 = bin_at(8000, hz1, nb);
    int kl0 = bin_at(150, hz1, nb), kl1 = bin_at(800, hz1, nb), kh0 = bin_at(2500, hz1, nb);
    if (ka0 < 1) ka0 = 1;
    if (kl0 < 1) kl0 = 1;
    if (kh0 < 1) kh0 = 1;
    float *cur = sc->cur, *prev = sc->prev;
    memset(prev, 0, sizeof(float) * (size_t)nb);
    for (size_t i = 0; i < a->nframes; i++) {
        stft_power(a, sc->mono, frames, i, cur);
        double fe = 0, fl = 0, fx = 0, fk = 0, pk = 0;
        int pki = 0;
        for (int k = 1; k < nb; k++) {
            float p = cur[k], mg = sqrtf(p), d = mg - prev[k];
            prev[k] = mg;
            fe += p;
            fl += logf(p + 1e-12f);
            fx += d > 0 ? d : 0;
            fk += (double)p * k;
        }
        for (int k = k50; k <= k5k; k++)
            if (cur[k] > pk) pk = cur[k], pki = k;
        ft->e_all += band_sum(cur, ka0, ka1);
        ft->e_lowmid += band_sum(cur, kl0, kl1);
        ft->e_high += band_sum(cur, kh0, nb);
        c_num += fk * hz1;
        c_den += fe;
        sc->flux[i] = fx;
        /* Flatness: geometric over arithmetic mean of the power spectrum,
         * weighted by the frame's energy so silence does not count. */
        double am = fe / (nb - 1);
        if (am > 1e-12) {
            flat_num += fe * exp(fl / (nb - 1)) / am;
            flat_den += fe;
        }
        sc->fen[i] = fe;
        if (fe > fmaxpow) fmaxpow = fe;
        sc->fpk[i] = peak_hz(cur, nb, pki, hz1);
    }
    ft->centroid = c_den > 0 ? c_num / c_den : 0;
    ft->flat = flat_den > 0 ? flat_num / flat_den : 0;
    return fmaxpow;
}

/* Register: the median dominant frequency of the frames within 30 dB of
 * the loudest (the tail of a decay does not vote).  Compacts fpk. */
static double dominant_register(double *fpk, const double *fen, size_t nframes, double fmaxpow)
{
    size_t npk = 0;
    for (size_t i = 0; i < nframes; i++)
        if (fpk[i] > 0 && fen[i] >= 1e-3 * fmaxpow) fpk[npk++] = fpk[i];
    return npk ? median(fpk, npk) : 0;
}

/* Onsets: peaks of the spectral flux above an adaptive threshold (the
 * local mean plus a tenth of the loudest peak), 50 ms apart.  None in a
 * silent sound.  Returns their count, frames in onset[]. */
static size_t find_onsets(const double *flux, size_t nframes, int hop, double sr, double rms,
                          size_t *onset)
{
    double fmax_flux = 0;
    for (size_t i = 0; i < nframes; i++)
        fmax_flux = fmax(fmax_flux, flux[i]);
    size_t nons = 0;
    size_t gap = (size_t)ceil(0.05 * sr / hop);
    for (size_t i = 0; i < nframes && fmax_flux > 0; i++) {
        double l = 0;
        int cnt = 0;
        for (long j = (long)i - 8; j <= (long)i + 8; j++)
            if (j >= 0 && (size_t)j < nframes) l += flux[j], cnt++;
        double thr = l / cnt + 0.1 * fmax_flux;
        int is_peak = flux[i] > thr && (i == 0 || flux[i] > flux[i - 1]) &&
                      (i + 1 == nframes || flux[i] >= flux[i + 1]);
        if (is_peak && rms > 1e-5 && (nons == 0 || i - onset[nons - 1] >= gap)) onset[nons++] = i;
    }
    return nons;
}

/* Attack: the rise of each onset's own energy, 10 % to 90 % of its peak
 * over the foot (the quietest 2 ms block between the onset's window start
 * and its peak), median over onsets, in ms; -1 when there is none.  The
 * foot, not silence, is the reference: in a mix a note starts over the
 * notes still sounding, and a plucked note over a held pad is heard as
 * plucked (the attack a listener hears is the rise of the new sound). */
static double attack_time(const sem_scratch *sc, size_t nons, const stft *a, int block,
                          size_t nblocks, double sr)
{
    const float *env = sc->env;
    int n1 = a->n;
    size_t na = 0;
    for (size_t o = 0; o < nons && na < a->nframes; o++) {
        size_t j0 = sc->onset[o] * a->hop / block;
        size_t j1 = (sc->onset[o] * a->hop + n1) / block + (size_t)(0.2 * sr / block);
        j0 = j0 > (size_t)(n1 / block) ? j0 - n1 / block : 0;
        if (j1 > nblocks) j1 = nblocks;
        if (j0 >= j1) continue;
        size_t jp = j0;
        for (size_t j = j0; j < j1; j++)
            if (env[j] > env[jp]) jp = j;
        size_t jf = j0; /* the foot */
        for (size_t j = j0; j < jp; j++)
            if (env[j] < env[jf]) jf = j;
        float rise = env[jp] - env[jf];
        if (!(rise > 0)) continue;
        float hi = env[jf] + 0.9f * rise, lo = env[jf] + 0.1f * rise;
        size_t j90 = jp, j10 = jf;
        while (j90 > jf && env[j90 - 1] >= hi)
            j90--;
        for (size_t j = j90; j > jf; j--)
            if (env[j - 1] < lo) {
                j10 = j - 1;
                break;
            }
        sc->att[na++] = (double)(j90 - j10) * block / sr * 1000;
    }
    return na ? median(sc->att, na) : -1;
}

/* --- tempo: the periodicity of the onsets -------------------------------- */

#define TEMPO_MIN 60.0  /* BPM: the range the music plays (music.c) and most */
#define TEMPO_MAX 180.0 /* tapped tempi fall in (Moelants 2002)              */
/* Below this periodicity there is no pulse to speak of: steady noise's
 * autocorrelation peaks at ~0.05, a single strike's at ~0; three even
 * clicks score 0.67, the music's sparsest pieces ~0.3. */
#define TEMPO_PULSE_MIN 0.15

/* Onset strength: the flux above its moving mean over `half` frames each
 * side (a swell or a steady hiss is no onset), less its own mean, so that
 * its autocorrelation is near 0 at lags where nothing repeats. */
static void onset_strength(const double *flux, size_t n, size_t half, double *odf)
{
    double run = 0, mean = 0;
    size_t lo = 0, hi = 0; /* the window [lo, hi) */
    for (size_t i = 0; i < n; i++) {
        for (; hi < n && hi <= i + half; hi++)
            run += flux[hi];
        for (; lo + half < i; lo++)
            run -= flux[lo];
        double d = flux[i] - run / (double)(hi - lo);
        odf[i] = d > 0 ? d : 0;
        mean += odf[i] / n;
    }
    for (size_t i = 0; i < n; i++)
        odf[i] -= mean;
}

static double autocorr(const double *x, size_t n, size_t lag)
{
    double r = 0;
    for (size_t i = 0; i + lag < n; i++)
        r += x[i] * x[i + lag];
    return r;
}

/* A parabola through r at lag-1, lag, lag+1: its vertex's offset from
 * lag (in [-0.5, 0.5]) into *off, its height returned. */
static double acf_vertex(const double *x, size_t n, size_t lag, double *off)
{
    double l = autocorr(x, n, lag - 1), c = autocorr(x, n, lag), r = autocorr(x, n, lag + 1);
    double den = l - 2 * c + r;
    *off = den < 0 ? clampd(0.5 * (l - r) / den, -0.5, 0.5) : 0;
    return c - 0.25 * (l - r) * *off;
}

/* Tempo: the beat period, clamped to 60..180 BPM, at the peak of the onset
 * strength's autocorrelation that scores best once weighted by a
 * log-Gaussian prior around 120 BPM, one octave wide (listeners tap near
 * 120 BPM when a pulse allows several: van Noorden & Moelants 1999,
 * Moelants 2002), which keeps octave errors rare.  Peaks are compared
 * at their parabolic vertices (between frames), so a short lag's sharp
 * peak does not win by falling on a frame.  *pulse is the peak over the
 * value at lag 0: the autocorrelation is not divided by the overlap, so a
 * beat heard K times scores at most (K-1)/K; near 0 for one strike or
 * steady noise.  Returns BPM, or 0 (no pulse) when *pulse is under
 * TEMPO_PULSE_MIN or the sound is too short for two beats. */
static double find_tempo(const double *odf, size_t n, double fps, double *pulse)
{
    /* a quarter beyond each end: a peak just outside (58 BPM) is clamped
     * to the range rather than a lesser peak inside taken for it */
    size_t lmin = (size_t)floor(fps * 60 / (1.25 * TEMPO_MAX));
    size_t lmax = (size_t)ceil(fps * 60 / (0.8 * TEMPO_MIN));
    double r0 = autocorr(odf, n, 0), best = 0, bpm = 0;
    *pulse = 0;
    if (lmin < 2 || n < 2 * lmin + 2 || !(r0 > 0)) return 0;
    if (lmax > n / 2) lmax = n / 2;
    double prev = autocorr(odf, n, lmin - 1), cur = autocorr(odf, n, lmin);
    for (size_t l = lmin; l <= lmax; l++) {
        double next = autocorr(odf, n, l + 1);
        if (cur > 0 && cur >= prev && cur >= next) {
            double off, h = acf_vertex(odf, n, l, &off) / r0;
            double b = fps * 60 / (l + off), oct = log2(b / 120);
            double score = h * exp(-0.5 * oct * oct);
            if (score > best) best = score, bpm = b, *pulse = clampd(h, 0, 1);
        }
        prev = cur, cur = next;
    }
    if (*pulse < TEMPO_PULSE_MIN) return 0;
    return clampd(bpm, TEMPO_MIN, TEMPO_MAX);
}

/* --- pass 2: pitch classes and partials (frames four times longer) -------- */

/* Whether spectral peak k is the 3rd or 5th harmonic of a peak a twelfth
 * or two octaves and a major third below, and 6 dB or more under it.
 * Harmonics fuse into their fundamental's pitch (Terhardt 1974), but
 * folded into pitch classes they would vote for its fifth and its major
 * third, so a minor chord of rich tones would lean major.  A chord tone
 * as loud as the bass two octaves under it still counts. */
static int is_overtone(const float *pw, int k)
{
    for (int h = 3; h <= 5; h += 2) {
        int j = (int)lround((double)k / h);
        for (int q = j - 1; q <= j + 1; q++)
            if (q >= 2 && 0.25 * pw[q] >= pw[k] && pw[q] > pw[q - 1] && pw[q] >= pw[q + 1])
                return 1;
    }
    return 0;
}

/* Roughness of one frame's partials: its peaks from 50 Hz to 5 kHz within
 * 30 dB of the strongest, the SEM_MAX_PEAKS strongest kept. */
static double partial_roughness(const float *pw, int nb, double hz2)
{
    double pf[SEM_MAX_PEAKS], pa[SEM_MAX_PEAKS], lmax = 0;
    int np = 0;
    for (int k = 1; k < nb; k++)
        lmax = fmax(lmax, pw[k]);
    for (int k = 2; k < nb - 1 && lmax > 0; k++) {
        double f = k * hz2;
        if (f < 50 || f > 5000 || !(pw[k] > pw[k - 1] && pw[k] >= pw[k + 1]) || pw[k] < 1e-3 * lmax)
            continue;
        double amp = sqrt(pw[k] / lmax);
        int slot = np < SEM_MAX_PEAKS ? np++ : -1;
        if (slot < 0) { /* replace the weakest if this one is stronger */
            slot = 0;
            for (int q = 1; q < SEM_MAX_PEAKS; q++)
                if (pa[q] < pa[slot]) slot = q;
            if (pa[slot] >= amp) continue;
        }
        pf[slot] = f, pa[slot] = amp;
    }
    return roughness(pf, pa, np);
}

/* Chroma (spectral peaks from C2 to C8 folded into pitch classes, less
 * the overtones above), the energy-weighted mean count of strong classes
 * over all peaks (polyphony), and the roughness of the partials sounding
 * together, frame by frame (Plomp & Levelt's dissonance is of
 * simultaneous tones: a melody's steps in turn are not rough), weighted
 * by each frame's energy. */
static void pass_chroma(stft *b, sem_scratch *sc, size_t frames, sem_feat *ft)
{
    double hz2 = ft->sr / b->n, poly_sum = 0, poly_w = 0, rough_sum = 0, rough_w = 0;
    float *p2 = sc->pw2;
    for (size_t i = 0; i < b->nframes; i++) {
        stft_power(b, sc->mono, frames, i, p2);
        double fc[12] = {0}, fe = 0;
        for (int k = 1; k < b->nb; k++)
            fe += p2[k];
        if (fe > 0) {
            rough_sum += fe * partial_roughness(p2, b->nb, hz2);
            rough_w += fe;
        }
        for (int k = 2; k < b->nb - 1; k++) {
            double f = k * hz2;
            if (f < 65 || f > 4200) /* C2 .. C8: where pitch classes are heard */
                continue;
            if (!(p2[k] > p2[k - 1] && p2[k] >= p2[k + 1])) continue;
            int pc = (int)lround(12 * log2(f / 440.0) + 69) % 12;
            fc[pc] += sqrt(p2[k]);
            if (!is_overtone(p2, k)) ft->chroma[pc] += sqrt(p2[k]);
        }
        double mx = 0;
        for (int c = 0; c < 12; c++)
            mx = fmax(mx, fc[c]);
        if (mx > 0 && fe > 0) {
            int strong = 0;
            for (int c = 0; c < 12; c++)
                strong += fc[c] >= 0.3 * mx;
            poly_sum += strong * fe;
            poly_w += fe;
        }
    }
    ft->poly = poly_w > 0 ? poly_sum / poly_w : 0;
    ft->rough = rough_w > 0 ? rough_sum / rough_w : 0;
}

/* Both passes and what follows from them, into *ft.  0, or -1 with *e. */
static int measure(const float *pcm, size_t frames, int channels, int sample_rate, sem_feat *ft,
                   syn_err *e)
{
    memset(ft, 0, sizeof *ft);
    ft->sr = sample_rate, ft->dur = frames / ft->sr;
    int n1 = pow2_near(0.046 * ft->sr); /* 46 ms: the frame of speech and music analysis */
    int n2 = n1 * 4 > SYN_FFT_MAX ? SYN_FFT_MAX : n1 * 4;
    stft a, b;
    if (stft_open(&a, n1, n1 / 4, frames, e) < 0) return -1;
    if (stft_open(&b, n2, n2 / 2, frames, e) < 0) {
        stft_close(&a);
        return -1;
    }
    int block = (int)fmax(1, ft->sr / 500); /* 2 ms envelope blocks for attack times */
    size_t nblocks = (frames + block - 1) / block;
    sem_scratch sc;
    if (scratch_alloc(&sc, frames, nblocks, &a, &b) < 0) {
        stft_close(&a), stft_close(&b);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the sound's analysis");
    }
    double sumsq = mix_mono(pcm, frames, channels, sc.mono);
    envelope(sc.mono, frames, block, nblocks, sc.env);
    ft->rms = sqrt(sumsq / frames);
    ft->rms_db = ft->rms > 1e-6 ? 20 * log10(ft->rms) : -120;

    double fmaxpow = pass_timbre(&a, &sc, frames, ft);
    ft->reg = dominant_register(sc.fpk, sc.fen, a.nframes, fmaxpow);
    ft->nons = find_onsets(sc.flux, a.nframes, a.hop, ft->sr, ft->rms, sc.onset);
    ft->rate = ft->nons / ft->dur;
    ft->attack_ms = attack_time(&sc, ft->nons, &a, block, nblocks, ft->sr);
    double fps = ft->sr / a.hop; /* onset-strength frames per second */
    onset_strength(sc.flux, a.nframes, (size_t)(0.25 * fps), sc.odf);
    ft->bpm = find_tempo(sc.odf, a.nframes, fps, &ft->pulse);

    pass_chroma(&b, &sc, frames, ft);

    scratch_free(&sc);
    stft_close(&a), stft_close(&b);
    return 0;
}

/* ------------------------------------------------------------ the axes */

static const char *const pc_names[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                         "F#", "G",  "Ab", "A",  "Bb", "B"};

/* White noise reads ~0.55 flatness: 0.4 and above is noise-like, which
 * lowers the evidence of the tonal axes (valence, hue). */
static double noisiness(const sem_feat *ft)
{
    return fmin(1, ft->flat / 0.4);
}

/* brightness: spectral centroid, pitch <-> lightness (Spence 2011).
 * 100 Hz .. 6.4 kHz, six octaves: a low hum to a hiss-bright mix. */
static void axis_brightness(syn_semantics *s, const sem_feat *ft)
{
    double bright = ft->centroid > 0 ? log2(ft->centroid / 100) / 6 : 0;
    syn_sem_set(s, SYN_AX_BRIGHTNESS, (float)bright, ft->rms > 1e-5 ? 1.0f : 0.1f,
                "spectral centroid %.0f Hz", ft->centroid);
}

/* elevation: the dominant register, pitch <-> elevation (Spence 2011),
 * C2 .. C7. */
static void axis_elevation(syn_semantics *s, const sem_feat *ft)
{
    double elev = ft->reg > 0 ? log2(ft->reg / 65.4) / 5 : 0.5;
    syn_sem_set(s, SYN_AX_ELEVATION, (float)elev, ft->reg > 0 ? 1.0f : 0.1f,
                "dominant register %.0f Hz", ft->reg);
}

/* energy: loudness and tempo <-> arousal; faster, louder music is matched
 * to more saturated colours (Palmer et al. 2013, PNAS 110:8836).
 * -50 dBFS is a whisper, -6 dBFS a full mix.  The tempo's place in
 * 60..180 BPM counts as far as the pulse is steady (0.5 and over: fully),
 * so a strike or a hiss leans on its loudness, with less evidence.  The
 * onset rate (8/s: a fast sixteenth-note pulse) keeps a share: felt speed
 * follows the surface rate as well as the beat (London 2011, Empir.
 * Musicol. Rev. 6:43), and clicks at 12/s are busier than at 3/s though
 * both are tapped in 60..180 BPM. */
static void axis_energy(syn_semantics *s, const sem_feat *ft)
{
    double loud = clampd((ft->rms_db + 50) / 44, 0, 1);
    double rate_s = fmin(1, ft->rate / 8);
    double steady = ft->bpm > 0 ? clampd((ft->pulse - TEMPO_PULSE_MIN) / 0.35, 0, 1) : 0;
    double tempo_s = ft->bpm > 0 ? (ft->bpm - TEMPO_MIN) / (TEMPO_MAX - TEMPO_MIN) : 0;
    double w_tempo = 0.35 * steady, w_rate = 0.3;
    double en = (1 - w_tempo - w_rate) * loud + w_tempo * tempo_s + w_rate * rate_s;
    char tempo[40] = "no steady pulse";
    if (ft->bpm > 0)
        snprintf(tempo, sizeof tempo, "tempo %.0f BPM (pulse %.2f)", ft->bpm, ft->pulse);
    syn_sem_set(s, SYN_AX_ENERGY, (float)en, (float)(0.6 + 0.4 * steady),
                "RMS %.0f dBFS, %s, %.1f onsets/s", ft->rms_db, tempo, ft->rate);
}

/* sharpness: flatness, roughness and attack, bouba/kiki (Ramachandran &
 * Hubbard 2001).  5 ms is a click's attack, 300 ms a bowed or swelled one. */
static void axis_sharpness(syn_semantics *s, const sem_feat *ft)
{
    double att_s = ft->attack_ms < 0
                       ? 0.3
                       : 1 - clampd(log(fmax(ft->attack_ms, 5) / 5) / log(300.0 / 5), 0, 1);
    double sharp = 0.45 * noisiness(ft) + 0.3 * ft->rough + 0.25 * att_s;
    syn_sem_set(s, SYN_AX_SHARPNESS, (float)sharp, 0.9f,
                "flatness %.2f, roughness %.2f, attack %.0f ms", ft->flat, ft->rough,
                ft->attack_ms < 0 ? 0 : ft->attack_ms);
}

/* warmth: low-mid weight and little hiss, a soft timbre. */
static void axis_warmth(syn_semantics *s, const sem_feat *ft)
{
    double share = ft->e_all > 0 ? ft->e_lowmid / ft->e_all : 0;
    double hf = ft->e_all > 0 ? ft->e_high / ft->e_all : 0;
    double warm = 0.6 * fmin(1, share / 0.7) + 0.4 * (1 - fmin(1, hf / 0.4));
    syn_sem_set(s, SYN_AX_WARMTH, (float)warm, 0.8f,
                "%.0f%% of the energy at 150-800 Hz, %.0f%% above 2.5 kHz", 100 * share, 100 * hf);
}

/* valence: the mode, major vs minor (Krumhansl & Kessler 1982 key
 * profiles; major is heard as happy, minor as sad: Hevner 1935, Gagnon &
 * Peretz 2003), and a smaller consonance term (roughness is unpleasant:
 * Plomp & Levelt 1965).  The mode contrast d is the mean of two fit
 * differences: the best major key against the best minor key, and the
 * parallel keys on the best key's tonic (same tonic, either mode: the
 * contrast that decides a chord's quality, which a major chord's
 * relative minor blurs in the first).  A tanh of d / 0.15 keeps it
 * continuous: d = +-0.2, a clear major or minor triad, gives a mode of
 * 0.93 or 0.07 (valence ~0.9 or ~0.1).  It counts as far as some key fits (0.7 and over: fully; 0.4
 * and under, a bell's or a ring tone's, not at all), so a sound with no key is not called sad.  The
 * evidence is how tonal the sound is. */
static void axis_valence(syn_semantics *s, const sem_feat *ft)
{
    double rM[12] = {0}, rm[12] = {0}, csum = 0;
    for (int c = 0; c < 12; c++)
        csum += ft->chroma[c];
    if (csum > 0) key_corrs(ft->chroma, kk_major, rM), key_corrs(ft->chroma, kk_minor, rm);
    int kM = argmax12(rM), km = argmax12(rm), major = rM[kM] >= rm[km];
    int t = major ? kM : km; /* the best key's tonic */
    double d = 0.5 * (rM[kM] - rm[km]) + 0.5 * (rM[t] - rm[t]);
    double best = fmax(rM[kM], rm[km]), clear = clampd((best - 0.4) / 0.3, 0, 1);
    double mode = 0.5 + 0.5 * tanh(d / 0.15) * clear;
    double val = 0.85 * mode + 0.15 * (1 - ft->rough);
    double tonal = clampd(best, 0, 1) * (1 - noisiness(ft));
    syn_sem_set(s, SYN_AX_VALENCE, (float)val, (float)(0.3 + 0.7 * tonal),
                "%s %s (key fit %.2f major, %.2f minor; %s %s %.2f), roughness %.2f", pc_names[t],
                major ? "major" : "minor", rM[kM], rm[km], pc_names[t], major ? "minor" : "major",
                major ? rm[t] : rM[t], ft->rough);
}

/* density: onset rate and polyphony (voices: strong pitch classes). */
static void axis_density(syn_semantics *s, const sem_feat *ft)
{
    double dens = 0.6 * fmin(1, ft->rate / 8) + 0.4 * clampd((ft->poly - 1) / 5, 0, 1);
    syn_sem_set(s, SYN_AX_DENSITY, (float)dens, 1.0f, "%.1f onsets/s, %.1f voices", ft->rate,
                ft->poly);
}

/* hue: the dominant pitch class, chroma <-> colour wheel; C = red, then by
 * fifths around the wheel: hue = (5 pc mod 12) / 12.  The evidence is how
 * far the class stands out, and how tonal the sound is. */
static void axis_hue(syn_semantics *s, const sem_feat *ft)
{
    const double *chroma = ft->chroma;
    double csum = 0;
    for (int c = 0; c < 12; c++)
        csum += chroma[c];
    int pc = 0;
    for (int c = 1; c < 12; c++)
        if (chroma[c] > chroma[pc]) pc = c;
    double peaky = csum > 0 ? (chroma[pc] - csum / 12) / chroma[pc] : 0;
    syn_sem_set(s, SYN_AX_HUE, (float)((5 * pc) % 12) / 12.0f,
                clamp01((float)(peaky * (1 - noisiness(ft)))), "dominant pitch class %s",
                pc_names[pc]);
}

/* The axes in the order syn_semantics lists them; each function above is one
 * axis and carries its grounding. */
static void (*const axes[])(syn_semantics *, const sem_feat *) = {
    axis_brightness, axis_elevation, axis_energy,  axis_sharpness,
    axis_warmth,     axis_valence,   axis_density, axis_hue,
};

int syn_sem_from_pcm(const float *pcm, size_t frames, int channels, int sample_rate,
                     syn_semantics *s, syn_err *e)
{
    syn_sem_neutral(s);
    if (!pcm || frames == 0 || channels < 1 || sample_rate < 1000)
        return syn_fail(e, SYN_E_INTERNAL, NULL,
                        "sound analysis got %zu frames, %d channels, %d Hz", frames, channels,
                        sample_rate);
    sem_feat ft;
    if (measure(pcm, frames, channels, sample_rate, &ft, e) < 0) return -1;
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++)
        axes[i](s, &ft);
    return 0;
}
