/* grid.c -- the core's one resampler of float pictures (pictures to band
 * grids and back, pictures to the semantic features' working size).
 *
 * Shrinking averages the exact area each output cell covers, so a picture
 * read into 128 bands keeps its mean brightness; growing interpolates
 * bilinearly between cell centres.  Separable: rows, then columns. */
#include <stdlib.h>
#include <string.h>

#include "syn/fusion.h"

/* 1-D resample of n_in samples at stride si into n_out at stride so. */
static void resample_1d(const float *in, int n_in, int si, float *out, int n_out, int so)
{
    if (n_out == n_in) {
        for (int i = 0; i < n_in; i++)
            out[i * so] = in[i * si];
        return;
    }
    double scale = (double)n_in / n_out;
    if (n_out < n_in) {
        for (int i = 0; i < n_out; i++) {
            double a = i * scale, b = a + scale, acc = 0;
            int j = (int)a;
            while (j < n_in && j < b) {
                double lo = j > a ? j : a, hi = j + 1 < b ? j + 1 : b;
                acc += in[j * si] * (hi - lo);
                j++;
            }
            out[i * so] = (float)(acc / scale);
        }
        return;
    }
    for (int i = 0; i < n_out; i++) {
        double x = (i + 0.5) * scale - 0.5;
        if (x < 0) x = 0;
        int j = (int)x;
        if (j >= n_in - 1) {
            out[i * so] = in[(n_in - 1) * si];
            continue;
        }
        float f = (float)(x - j);
        out[i * so] = in[j * si] * (1 - f) + in[(j + 1) * si] * f;
    }
}

void syn_area_average(const float *src, int sw, int sh, int ch, float *dst, int dw, int dh)
{
    if (sw == dw && sh == dh) {
        memcpy(dst, src, sizeof(float) * (size_t)sw * sh * ch);
        return;
    }
    float *tmp = malloc(sizeof(float) * (size_t)dw * sh * ch);
    if (!tmp) { /* degrade to nearest neighbour rather than fail */
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++)
                for (int c = 0; c < ch; c++)
                    dst[((size_t)y * dw + x) * ch + c] =
                        src[((size_t)(y * sh / dh) * sw + x * sw / dw) * ch + c];
        return;
    }
    for (int y = 0; y < sh; y++)
        for (int c = 0; c < ch; c++)
            resample_1d(src + (size_t)y * sw * ch + c, sw, ch, tmp + (size_t)y * dw * ch + c, dw,
                        ch);
    for (int x = 0; x < dw; x++)
        for (int c = 0; c < ch; c++)
            resample_1d(tmp + (size_t)x * ch + c, sh, dw * ch, dst + (size_t)x * ch + c, dh,
                        dw * ch);
    free(tmp);
}

void syn_resample(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    syn_area_average(src, sw, sh, 1, dst, dw, dh);
}
