/* sem_audio.c -- the semantic axes of a sound.
 *
 * Accepts: interleaved float PCM, any channel count (mixed to mono), any
 * rate from 1 kHz, at least one frame.  Two STFTs on the shared plans
 * (internal.h): a ~46 ms frame with 75 % overlap for timing and timbre
 * (onsets, centroid, flatness, band weights, register), and a frame four
 * times longer for pitch classes (a semitone at C3 is 8 Hz wide).  Fills
 * *s (each axis with a reason holding the measured figures); s->hash is
 * left 0 for the caller.  Scratch only, freed before returning.
 * Returns 0, or -1 with *e (bad arguments, no FFT plan, no memory).
 *
 * Each axis and its grounding (see syn/semantic.h):
 *   brightness  spectral centroid, log scale 100 Hz..6.4 kHz (pitch <-> lightness)
 *   elevation   median dominant frequency, 65 Hz..2 kHz     (pitch <-> elevation)
 *   energy      RMS in dBFS and onset rate                  (loudness <-> saturation)
 *   sharpness   spectral flatness, roughness, attack time   (bouba/kiki)
 *   warmth      share of 150-800 Hz, little energy above 2.5 kHz
 *   valence     major vs minor key profile (Krumhansl & Kessler), consonance
 *   density     onset rate and polyphony (strong pitch classes)
 *   hue         dominant pitch class by fifths on the colour wheel, C = red */
#include <math.h>
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

/* Best Pearson correlation of chroma with the 12 rotations of a profile. */
static double key_corr(const double c[12], const double prof[12], int *key)
{
    double best = -2;
    double mc = 0, mp = 0;
    for (int i = 0; i < 12; i++)
        mc += c[i] / 12, mp += prof[i] / 12;
    for (int k = 0; k < 12; k++) {
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 12; i++) {
            double x = c[(i + k) % 12] - mc, y = prof[i] - mp;
            sxy += x * y, sxx += x * x, syy += y * y;
        }
        double r = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
        if (r > best) best = r, *key = k;
    }
    return best;
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

/* Power spectrum of frame i of mono into pw[nb]. */
static void stft_power(stft *t, const float *mono, size_t frames, size_t i, float *pw)
{
    size_t start = i * (size_t)t->hop;
    for (int j = 0; j < t->n; j++) {
        size_t k = start + j;
        t->in[j] = k < frames ? mono[k] * t->f->window[j] : 0;
    }
    fftwf_execute_dft_r2c(t->f->r2c, t->in, t->out);
    for (int k = 0; k < t->nb; k++)
        pw[k] = t->out[k][0] * t->out[k][0] + t->out[k][1] * t->out[k][1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int syn_sem_from_pcm(const float *pcm, size_t frames, int channels, int sample_rate,
                     syn_semantics *s, syn_err *e)
{
    syn_sem_neutral(s);
    if (!pcm || frames == 0 || channels < 1 || sample_rate < 1000)
        return syn_fail(e, SYN_E_INTERNAL, NULL,
                        "sound analysis got %zu frames, %d channels, %d Hz", frames, channels,
                        sample_rate);
    double sr = sample_rate, dur = frames / sr;
    int n1 = pow2_near(0.046 * sr); /* 46 ms: the frame of speech and music analysis */
    int n2 = n1 * 4 > SYN_FFT_MAX ? SYN_FFT_MAX : n1 * 4;
    stft a, b;
    if (stft_open(&a, n1, n1 / 4, frames, e) < 0) return -1;
    if (stft_open(&b, n2, n2 / 2, frames, e) < 0) {
        stft_close(&a);
        return -1;
    }
    int block = (int)fmax(1, sr / 500); /* 2 ms envelope blocks for attack times */
    size_t nblocks = (frames + block - 1) / block;
    float *mono = malloc(sizeof(float) * frames);
    float *pw = malloc(sizeof(float) * (size_t)(a.nb + a.nb + b.nb));
    double *ltas = calloc((size_t)b.nb, sizeof(double));
    double *flux = calloc(a.nframes, sizeof(double));
    double *fpk = malloc(sizeof(double) * a.nframes * 2), *fen = NULL;
    float *env = malloc(sizeof(float) * nblocks);
    size_t *onset = malloc(sizeof(size_t) * a.nframes);
    if (!mono || !pw || !ltas || !flux || !fpk || !env || !onset) {
        free(mono), free(pw), free(ltas), free(flux), free(fpk), free(env), free(onset);
        stft_close(&a), stft_close(&b);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the sound's analysis");
    }
    fen = fpk + a.nframes;
    double sumsq = 0;
    for (size_t i = 0; i < frames; i++) {
        double v = 0;
        for (int c = 0; c < channels; c++)
            v += pcm[i * channels + c];
        v /= channels;
        mono[i] = isfinite(v) ? (float)v : 0;
        sumsq += (double)mono[i] * mono[i];
    }
    for (size_t j = 0; j < nblocks; j++) {
        double acc = 0;
        size_t k0 = j * block, k1 = k0 + block < frames ? k0 + block : frames;
        for (size_t k = k0; k < k1; k++)
            acc += (double)mono[k] * mono[k];
        env[j] = (float)sqrt(acc / (double)(k1 - k0));
    }

    /* --- pass 1: timing and timbre ------------------------------------ */
    float *cur = pw, *prev = pw + a.nb;
    memset(prev, 0, sizeof(float) * a.nb);
    double hz1 = sr / n1;
    double c_num = 0, c_den = 0, flat_num = 0, flat_den = 0;
    double e_lowmid = 0, e_high = 0, e_all = 0, fmaxpow = 0;
    size_t npk = 0;
    int k50 = (int)ceil(50 / hz1), k5k = (int)fmin(a.nb - 1, 5000 / hz1);
    for (size_t i = 0; i < a.nframes; i++) {
        stft_power(&a, mono, frames, i, cur);
        double fe = 0, fl = 0, fx = 0, pk = 0;
        int pki = 0;
        for (int k = 1; k < a.nb; k++) {
            double p = cur[k], f = k * hz1;
            fe += p;
            fl += log(p + 1e-12);
            double d = sqrt(p) - sqrt((double)prev[k]);
            fx += d > 0 ? d : 0;
            c_num += p * f;
            if (f >= 50 && f < 8000) e_all += p;
            if (f >= 150 && f < 800) e_lowmid += p;
            if (f >= 2500) e_high += p;
            if (k >= k50 && k <= k5k && p > pk) pk = p, pki = k;
        }
        c_den += fe;
        flux[i] = fx;
        /* Flatness: geometric over arithmetic mean of the power spectrum,
         * weighted by the frame's energy so silence does not count. */
        double am = fe / (a.nb - 1);
        if (am > 1e-12) {
            flat_num += fe * exp(fl / (a.nb - 1)) / am;
            flat_den += fe;
        }
        fen[i] = fe;
        if (fe > fmaxpow) fmaxpow = fe;
        /* Dominant frequency, parabolic interpolation on log power. */
        if (pki > 1 && pki < a.nb - 1) {
            double l0 = log(cur[pki - 1] + 1e-12), l1 = log(cur[pki] + 1e-12),
                   l2 = log(cur[pki + 1] + 1e-12);
            double den = l0 - 2 * l1 + l2;
            double off = den < 0 ? clampd(0.5 * (l0 - l2) / den, -0.5, 0.5) : 0;
            fpk[i] = (pki + off) * hz1;
        } else {
            fpk[i] = 0;
        }
        float *t = prev;
        prev = cur, cur = t;
    }
    /* Register: the median dominant frequency of the frames within 30 dB
     * of the loudest (the tail of a decay does not vote). */
    npk = 0;
    for (size_t i = 0; i < a.nframes; i++)
        if (fpk[i] > 0 && fen[i] >= 1e-3 * fmaxpow) fpk[npk++] = fpk[i];
    double rms = sqrt(sumsq / frames);
    double rms_db = rms > 1e-6 ? 20 * log10(rms) : -120;
    double centroid = c_den > 0 ? c_num / c_den : 0;
    double flat = flat_den > 0 ? flat_num / flat_den : 0;

    /* Onsets: peaks of the spectral flux above an adaptive threshold
     * (the local mean plus a tenth of the loudest peak), 50 ms apart. */
    double fmax_flux = 0;
    for (size_t i = 0; i < a.nframes; i++)
        fmax_flux = fmax(fmax_flux, flux[i]);
    size_t nons = 0;
    size_t gap = (size_t)ceil(0.05 * sr / a.hop);
    for (size_t i = 0; i < a.nframes && fmax_flux > 0; i++) {
        double l = 0;
        int cnt = 0;
        for (long j = (long)i - 8; j <= (long)i + 8; j++)
            if (j >= 0 && (size_t)j < a.nframes) l += flux[j], cnt++;
        double thr = l / cnt + 0.1 * fmax_flux;
        int is_peak = flux[i] > thr && (i == 0 || flux[i] > flux[i - 1]) &&
                      (i + 1 == a.nframes || flux[i] >= flux[i + 1]);
        if (is_peak && rms > 1e-5 && (nons == 0 || i - onset[nons - 1] >= gap)) onset[nons++] = i;
    }
    double rate = nons / dur;

    /* Attack: 10 % to 90 % of the peak of the 2 ms envelope after each
     * onset (median over onsets). */
    double attack_ms = -1;
    {
        double *att = fen; /* frame energies are no longer needed */
        size_t na = 0, room = a.nframes;
        for (size_t o = 0; o < nons && na < room; o++) {
            size_t j0 = onset[o] * a.hop / block;
            size_t j1 = (onset[o] * a.hop + n1) / block + (size_t)(0.2 * sr / block);
            j0 = j0 > (size_t)(n1 / block) ? j0 - n1 / block : 0;
            if (j1 > nblocks) j1 = nblocks;
            size_t jp = j0;
            for (size_t j = j0; j < j1; j++)
                if (env[j] > env[jp]) jp = j;
            if (env[jp] <= 0) continue;
            size_t j90 = jp, j10 = j0;
            while (j90 > j0 && env[j90 - 1] >= 0.9f * env[jp])
                j90--;
            for (size_t j = j90; j > j0; j--)
                if (env[j - 1] < 0.1f * env[jp]) {
                    j10 = j - 1;
                    break;
                }
            att[na++] = (double)(j90 - j10) * block / sr * 1000;
        }
        if (na) {
            qsort(att, na, sizeof *att, cmp_double);
            attack_ms = att[na / 2];
        }
    }
    double reg = 0;
    if (npk) {
        qsort(fpk, npk, sizeof *fpk, cmp_double);
        reg = fpk[npk / 2];
    }

    /* --- pass 2: pitch classes, partials -------------------------------- */
    double chroma[12] = {0}, hz2 = sr / n2, poly_sum = 0, poly_w = 0;
    float *p2 = pw + 2 * a.nb;
    for (size_t i = 0; i < b.nframes; i++) {
        stft_power(&b, mono, frames, i, p2);
        double fc[12] = {0}, fe = 0;
        for (int k = 1; k < b.nb; k++) {
            ltas[k] += p2[k];
            fe += p2[k];
        }
        for (int k = 2; k < b.nb - 1; k++) {
            double f = k * hz2;
            if (f < 65 || f > 4200) /* C2 .. C8: where pitch classes are heard */
                continue;
            if (!(p2[k] > p2[k - 1] && p2[k] >= p2[k + 1])) continue;
            int pc = (int)lround(12 * log2(f / 440.0) + 69) % 12;
            fc[pc] += sqrt(p2[k]);
        }
        double mx = 0;
        for (int c = 0; c < 12; c++)
            chroma[c] += fc[c], mx = fmax(mx, fc[c]);
        if (mx > 0 && fe > 0) {
            int strong = 0;
            for (int c = 0; c < 12; c++)
                strong += fc[c] >= 0.3 * mx;
            poly_sum += strong * fe;
            poly_w += fe;
        }
    }
    double poly = poly_w > 0 ? poly_sum / poly_w : 0;
    /* Partials of the long-term spectrum within 30 dB of the strongest. */
    double pf[SEM_MAX_PEAKS], pa[SEM_MAX_PEAKS], lmax = 0;
    int np = 0;
    for (int k = 1; k < b.nb; k++)
        lmax = fmax(lmax, ltas[k]);
    for (int k = 2; k < b.nb - 1 && lmax > 0; k++) {
        double f = k * hz2;
        if (f < 50 || f > 5000 || !(ltas[k] > ltas[k - 1] && ltas[k] >= ltas[k + 1]) ||
            ltas[k] < 1e-3 * lmax)
            continue;
        double amp = sqrt(ltas[k] / lmax);
        int slot = np < SEM_MAX_PEAKS ? np++ : -1;
        if (slot < 0) { /* replace the weakest if this one is stronger */
            slot = 0;
            for (int q = 1; q < SEM_MAX_PEAKS; q++)
                if (pa[q] < pa[slot]) slot = q;
            if (pa[slot] >= amp) continue;
        }
        pf[slot] = f, pa[slot] = amp;
    }
    double rough = roughness(pf, pa, np);

    /* --- axes ------------------------------------------------------------ */
    /* 100 Hz .. 6.4 kHz, six octaves: a low hum to a hiss-bright mix */
    double bright = centroid > 0 ? log2(centroid / 100) / 6 : 0;
    syn_sem_set(s, SYN_AX_BRIGHTNESS, (float)bright, rms > 1e-5 ? 1.0f : 0.1f,
                "spectral centroid %.0f Hz", centroid);

    double elev = reg > 0 ? log2(reg / 65.4) / 5 : 0.5; /* C2 .. C7 */
    syn_sem_set(s, SYN_AX_ELEVATION, (float)elev, reg > 0 ? 1.0f : 0.1f,
                "dominant register %.0f Hz", reg);

    /* -50 dBFS is a whisper, -6 dBFS a full mix; 8 onsets/s is a fast
     * sixteenth-note pulse. */
    double loud = clampd((rms_db + 50) / 44, 0, 1);
    double rate_s = fmin(1, rate / 8);
    syn_sem_set(s, SYN_AX_ENERGY, (float)(0.6 * loud + 0.4 * rate_s), 1.0f,
                "RMS %.0f dBFS, %.1f onsets/s", rms_db, rate);

    /* White noise reads ~0.55 flatness; 5 ms is a click's attack, 300 ms a
     * bowed or swelled one. */
    double att_s =
        attack_ms < 0 ? 0.3 : 1 - clampd(log(fmax(attack_ms, 5) / 5) / log(300.0 / 5), 0, 1);
    double sharp = 0.45 * fmin(1, flat / 0.4) + 0.3 * rough + 0.25 * att_s;
    syn_sem_set(s, SYN_AX_SHARPNESS, (float)sharp, 0.9f,
                "flatness %.2f, roughness %.2f, attack %.0f ms", flat, rough,
                attack_ms < 0 ? 0 : attack_ms);

    double share = e_all > 0 ? e_lowmid / e_all : 0, hf = e_all > 0 ? e_high / e_all : 0;
    double warm = 0.6 * fmin(1, share / 0.7) + 0.4 * (1 - fmin(1, hf / 0.4));
    syn_sem_set(s, SYN_AX_WARMTH, (float)warm, 0.8f,
                "%.0f%% of the energy at 150-800 Hz, %.0f%% above 2.5 kHz", 100 * share, 100 * hf);

    static const char *const pcn[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                        "F#", "G",  "Ab", "A",  "Bb", "B"};
    int kM = 0, km = 0;
    double csum = 0;
    for (int c = 0; c < 12; c++)
        csum += chroma[c];
    double rM = csum > 0 ? key_corr(chroma, kk_major, &kM) : 0;
    double rm = csum > 0 ? key_corr(chroma, kk_minor, &km) : 0;
    double mode = clampd(0.5 + 2 * (rM - rm), 0, 1);
    double val = 0.7 * mode + 0.3 * (1 - rough);
    double tonal = clampd(fmax(rM, rm), 0, 1) * (1 - fmin(1, flat / 0.4));
    syn_sem_set(s, SYN_AX_VALENCE, (float)val, (float)(0.3 + 0.7 * tonal),
                "%s %s (key fit %.2f major, %.2f minor), roughness %.2f",
                rM >= rm ? pcn[kM] : pcn[km], rM >= rm ? "major" : "minor", rM, rm, rough);

    double dens = 0.6 * fmin(1, rate / 8) + 0.4 * clampd((poly - 1) / 5, 0, 1);
    syn_sem_set(s, SYN_AX_DENSITY, (float)dens, 1.0f, "%.1f onsets/s, %.1f voices", rate, poly);

    int pc = 0;
    for (int c = 1; c < 12; c++)
        if (chroma[c] > chroma[pc]) pc = c;
    double peaky = csum > 0 ? (chroma[pc] - csum / 12) / chroma[pc] : 0;
    /* C = red, then by fifths around the wheel: hue = (5 pc mod 12) / 12. */
    syn_sem_set(s, SYN_AX_HUE, (float)((5 * pc) % 12) / 12.0f,
                clamp01((float)(peaky * (1 - fmin(1, flat / 0.4)))), "dominant pitch class %s",
                pcn[pc]);

    free(mono), free(pw), free(ltas), free(flux), free(fpk), free(env), free(onset);
    stft_close(&a), stft_close(&b);
    return 0;
}
