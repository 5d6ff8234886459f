/* fft.c -- FFTW plans, windows and phase tables, one set per frame size,
 * and the one short-time framing every STFT of the core uses (internal.h).
 *
 * FFTW's planner is not thread-safe (only fftwf_execute_* is), so every
 * plan is made under one mutex, once, and never changed afterwards.  The
 * server makes all of them at start-up (syn_fusion_warm), before its first
 * thread, so no request ever plans; the one-shot CLI plans only the size
 * it needs (13 ms for all nine sizes is most of a small conversion).
 * FFTW_ESTIMATE: FFTW_MEASURE costs ~190 ms per size here and gains little
 * at these sizes.  Requests run the shared plans on their own
 * fftwf_malloc'd arrays, which have the alignment the plans were made with. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"
#include "internal.h"

#define NSIZES 9 /* 64 .. 16384 */
static syn_fft sizes[NSIZES];
enum { FFT_FWD = 1, FFT_INV = 2 };
static int planned[NSIZES]; /* FFT_* bits: written under lock, read with acquire */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;

static int log2i(int n)
{
    int l = 0;
    while ((1 << l) < n)
        l++;
    return l;
}

static void fft_free(syn_fft *f)
{
    if (f->r2c) fftwf_destroy_plan(f->r2c);
    if (f->c2r) fftwf_destroy_plan(f->c2r);
    fftwf_free(f->window);
    fftwf_free(f->cos_t);
    fftwf_free(f->sin_t);
    memset(f, 0, sizeof *f);
}

/* Called with plan_lock held: make what `want` asks (FFT_FWD, FFT_INV)
 * and is not there yet.  The window and phase tables come with either. */
static int fft_make(syn_fft *f, int n, int want)
{
    f->n = n;
    if (!f->window) {
        f->window = fftwf_malloc(sizeof(float) * n);
        f->cos_t = fftwf_malloc(sizeof(float) * n);
        f->sin_t = fftwf_malloc(sizeof(float) * n);
        if (!f->window || !f->cos_t || !f->sin_t) return -1;
        for (int j = 0; j < n; j++) {
            double a = 2 * M_PI * j / n;
            f->window[j] = (float)(0.5 - 0.5 * cos(a));
            f->cos_t[j] = (float)cos(a);
            f->sin_t[j] = (float)sin(a);
        }
    }
    float *re = fftwf_malloc(sizeof(float) * n);
    fftwf_complex *cx = fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1));
    if (re && cx) {
        if ((want & FFT_FWD) && !f->r2c) f->r2c = fftwf_plan_dft_r2c_1d(n, re, cx, FFTW_ESTIMATE);
        if ((want & FFT_INV) && !f->c2r) f->c2r = fftwf_plan_dft_c2r_1d(n, cx, re, FFTW_ESTIMATE);
    }
    fftwf_free(re);
    fftwf_free(cx);
    return ((want & FFT_FWD) && !f->r2c) || ((want & FFT_INV) && !f->c2r) ? -1 : 0;
}

/* Planning costs ~7 M instructions a direction and size (a third of a small
 * conversion), so one-shot analysis and synthesis plan only the direction
 * they use. */
static const syn_fft *fft_get(int n, int want)
{
    if (!ready || n < SYN_FFT_MIN || n > SYN_FFT_MAX || (n & (n - 1))) return NULL;
    int i = log2i(n) - log2i(SYN_FFT_MIN);
    if ((__atomic_load_n(&planned[i], __ATOMIC_ACQUIRE) & want) == want) return &sizes[i];
    pthread_mutex_lock(&plan_lock);
    int ok = (planned[i] & want) == want || fft_make(&sizes[i], n, want) == 0;
    if (ok) __atomic_store_n(&planned[i], planned[i] | want, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&plan_lock);
    return ok ? &sizes[i] : NULL;
}

const syn_fft *syn_fft_get(int n)
{
    return fft_get(n, FFT_FWD | FFT_INV);
}

const syn_fft *syn_fft_fwd(int n)
{
    return fft_get(n, FFT_FWD);
}

const syn_fft *syn_fft_inv(int n)
{
    return fft_get(n, FFT_INV);
}

int syn_fusion_warm(void)
{
    for (int n = SYN_FFT_MIN; n <= SYN_FFT_MAX; n <<= 1)
        if (!syn_fft_get(n)) return -1;
    return 0;
}

void syn_fusion_fini(void)
{
    pthread_mutex_lock(&plan_lock);
    for (int i = 0; i < NSIZES; i++) {
        fft_free(&sizes[i]);
        planned[i] = 0;
    }
    if (ready) fftwf_cleanup();
    ready = 0;
    pthread_mutex_unlock(&plan_lock);
}

int syn_fusion_init(void)
{
    if (ready) return 0;
    if (syn_colormap_init() < 0) return -1;
    syn_music_init();
    ready = 1;
    return 0;
}

/* ------------------------------------------------------- the framing */

double syn_frame_window(const syn_fft *f, const float *pcm, size_t frames, int channels, int ch,
                        size_t fm, int hop, float *buf)
{
    int n = f->n;
    long start = syn_frame_start(fm, hop, n);
    double inside = 0.5 * n;
    if (start < 0 || (size_t)(start + n) > frames) {
        inside = 0;
        for (int j = 0; j < n; j++)
            if (start + j >= 0 && (size_t)(start + j) < frames) inside += f->window[j];
    }
    for (int j = 0; j < n; j++) {
        long i = start + j;
        float x = 0;
        if (i >= 0 && (size_t)i < frames)
            x = ch >= 0 ? pcm[(size_t)i * channels + ch] : syn_mix_sample(pcm, (size_t)i, channels);
        buf[j] = x * f->window[j];
    }
    return inside;
}
