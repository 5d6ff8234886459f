/* scale.c -- frequency axes between fmin and fmax, and map defaults.
 *
 * linear: rows equally spaced in Hz.  Every row stays as resolvable as the
 *         STFT allows, which is what makes the spectral round trip sharp.
 * mel:    2595 log10(1 + f/700) (O'Shaughnessy 1987): linear-ish below
 *         ~700 Hz, logarithmic above, like pitch perception.
 * log:    log2(f): equal rows per octave, as The vOICe and ARSS space them;
 *         low rows sit closer than one STFT bin and blur in a round trip. */
#include <math.h>

#include "syn/fusion.h"
#include "internal.h"

double syn_hz_to_axis(syn_scale s, double hz)
{
    switch (s) {
    case SYN_SCALE_MEL:
        return 2595.0 * log10(1.0 + hz / 700.0);
    case SYN_SCALE_LOG:
        return log2(hz > 1e-3 ? hz : 1e-3);
    default:
        return hz;
    }
}

double syn_axis_to_hz(syn_scale s, double a)
{
    switch (s) {
    case SYN_SCALE_MEL:
        return 700.0 * (pow(10.0, a / 2595.0) - 1.0);
    case SYN_SCALE_LOG:
        return exp2(a);
    default:
        return a;
    }
}

double syn_row_hz(const syn_map *m, int rows, double y)
{
    double top = syn_hz_to_axis(m->scale, m->fmax), bot = syn_hz_to_axis(m->scale, m->fmin);
    return syn_axis_to_hz(m->scale, top + (bot - top) * y / rows);
}

double syn_hz_row(const syn_map *m, int rows, double hz)
{
    double top = syn_hz_to_axis(m->scale, m->fmax), bot = syn_hz_to_axis(m->scale, m->fmin);
    return rows * (syn_hz_to_axis(m->scale, hz) - top) / (bot - top);
}

/* The frame is the power of two nearest 40 ms or above: 1024 samples
 * (46 ms) at 22.05 kHz, i.e. 21.5 Hz bins, which keeps the default 128
 * bands three bins apart while blurring time by less than one 39 ms column. */
static int frame_for_rate(int sr)
{
    int n = SYN_FFT_MIN;
    while (n < SYN_FFT_MAX && n < 0.04 * sr)
        n <<= 1;
    return n;
}

void syn_map_fix(syn_map *m)
{
    if (m->sample_rate < 1000) m->sample_rate = 22050;
    /* A map read from a file keeps its frame if it is one we have plans
     * for and its hop is the 75 % overlap our windows need; anything else
     * (a new rate, a crafted line) gets the frame of its rate. */
    if (m->n_fft < SYN_FFT_MIN || m->n_fft > SYN_FFT_MAX || (m->n_fft & (m->n_fft - 1)) ||
        m->hop != m->n_fft / 4) {
        m->n_fft = frame_for_rate(m->sample_rate);
        m->hop = m->n_fft / 4; /* 75 % overlap: Hann windows sum to a constant */
    }
    /* fmax above Nyquist and fmin at or above fmax are left as they are:
     * only options can make them (syn_map_parse refuses such map lines),
     * and syn_map_check refuses them with the reason. */
    if (m->fmin < 0) m->fmin = 0;
    if (m->duration <= 0) m->duration = 5;
    if (m->db_range < 1) m->db_range = 50;
}

/* log2(0) has no row; 20 Hz is the edge of hearing. */
#define SYN_LOG_FMIN_HZ 20

int syn_map_check(const syn_map *m, syn_err *e)
{
    double nyq = 0.5 * m->sample_rate;
    if (m->fmax > nyq)
        return syn_fail(e, SYN_E_BADREQ,
                        "lower fmax to the Nyquist frequency or below, or raise sample_rate to "
                        "twice fmax (GET /v1 lists the limits)",
                        "fmax %g Hz is above %g Hz, the Nyquist frequency of the %d Hz sample "
                        "rate (sample_rate / 2)",
                        m->fmax, nyq, m->sample_rate);
    if (m->scale == SYN_SCALE_LOG && m->fmin < SYN_LOG_FMIN_HZ)
        return syn_fail(e, SYN_E_BADREQ, "give fmin=20 or more, or another scale",
                        "fmin %g Hz has no row on a log axis: with scale=log fmin must be at "
                        "least %d Hz",
                        m->fmin, SYN_LOG_FMIN_HZ);
    if (m->fmin >= m->fmax)
        return syn_fail(e, SYN_E_BADREQ, "lower fmin or raise fmax",
                        "fmin %g Hz must be below fmax, which is %g Hz here", m->fmin, m->fmax);
    return 0;
}

void syn_map_default(syn_map *m, int sample_rate)
{
    *m = (syn_map){
        .sample_rate = sample_rate > 0 ? sample_rate : 22050,
        .duration = 5,
        .fmin = 100,
        .scale = SYN_SCALE_LINEAR,
        .db_range = 50,
        .ref_db = 0,
        .synthesis = SYN_SYNTH_AUTO,
        .source = SYN_SRC_IMAGE,
    };
    /* 8 kHz holds speech and most musical energy; 0.45 sr leaves room for
     * the anti-alias roll-off of whatever plays it. */
    m->fmax = fmin(8000.0, 0.45 * m->sample_rate);
    syn_map_fix(m);
}
