/* grid.c -- resampling of float planes (pictures to band grids and back).
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

void syn_resample(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    if (sw == dw && sh == dh) {
        memcpy(dst, src, sizeof(float) * (size_t)sw * sh);
        return;
    }
    float *tmp = malloc(sizeof(float) * (size_t)dw * sh);
    if (!tmp) { /* degrade to nearest neighbour rather than fail */
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++)
                dst[(size_t)y * dw + x] = src[(size_t)(y * sh / dh) * sw + x * sw / dw];
        return;
    }
    for (int y = 0; y < sh; y++)
        resample_1d(src + (size_t)y * sw, sw, 1, tmp + (size_t)y * dw, dw, 1);
    for (int x = 0; x < dw; x++)
        resample_1d(tmp + x, sh, dw, dst + x, dh, dw);
    free(tmp);
}
