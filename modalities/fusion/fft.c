/* fft.c -- FFTW plans, windows and phase tables, made once at start-up.
 *
 * Only fftwf_execute_* is thread-safe in FFTW, so every plan is made here,
 * before the server starts a thread, with FFTW_ESTIMATE (FFTW_MEASURE costs
 * ~190 ms per size on this machine and gains little at these sizes).
 * Requests run the shared plans on their own fftwf_malloc'd arrays, which
 * have the alignment the plans were made with. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"
#include "internal.h"

#define NSIZES 9 /* 64 .. 16384 */
static syn_fft sizes[NSIZES];
static int ready;

static int log2i(int n)
{
    int l = 0;
    while ((1 << l) < n)
        l++;
    return l;
}

const syn_fft *syn_fft_get(int n)
{
    if (!ready || n < SYN_FFT_MIN || n > SYN_FFT_MAX || (n & (n - 1)))
        return NULL;
    return &sizes[log2i(n) - log2i(SYN_FFT_MIN)];
}

static void fft_free(syn_fft *f)
{
    if (f->r2c)
        fftwf_destroy_plan(f->r2c);
    if (f->c2r)
        fftwf_destroy_plan(f->c2r);
    fftwf_free(f->window);
    fftwf_free(f->cos_t);
    fftwf_free(f->sin_t);
    memset(f, 0, sizeof *f);
}

void syn_fusion_fini(void)
{
    for (int i = 0; i < NSIZES; i++)
        fft_free(&sizes[i]);
    if (ready)
        fftwf_cleanup();
    ready = 0;
}

int syn_fusion_init(void)
{
    if (ready)
        return 0;
    for (int i = 0; i < NSIZES; i++) {
        syn_fft *f = &sizes[i];
        int n = SYN_FFT_MIN << i;
        f->n = n;
        float *re = fftwf_malloc(sizeof(float) * n);
        fftwf_complex *cx = fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1));
        f->window = fftwf_malloc(sizeof(float) * n);
        f->cos_t = fftwf_malloc(sizeof(float) * n);
        f->sin_t = fftwf_malloc(sizeof(float) * n);
        if (re && cx) {
            f->r2c = fftwf_plan_dft_r2c_1d(n, re, cx, FFTW_ESTIMATE);
            f->c2r = fftwf_plan_dft_c2r_1d(n, cx, re, FFTW_ESTIMATE);
        }
        fftwf_free(re);
        fftwf_free(cx);
        if (!f->r2c || !f->c2r || !f->window || !f->cos_t || !f->sin_t) {
            ready = 1;
            syn_fusion_fini();
            return -1;
        }
        for (int j = 0; j < n; j++) {
            double a = 2 * M_PI * j / n;
            f->window[j] = (float)(0.5 - 0.5 * cos(a));
            f->cos_t[j] = (float)cos(a);
            f->sin_t[j] = (float)sin(a);
        }
    }
    ready = 1;
    if (syn_colormap_init() < 0) {
        syn_fusion_fini();
        return -1;
    }
    return 0;
}
