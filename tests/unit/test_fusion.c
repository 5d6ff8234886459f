/* test_fusion.c -- the fusion core and the option table, without files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "syn/fusion.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "harness.h"

static void map_line_round_trips_every_field(void **state)
{
    (void)state;
    syn_map m, back;
    syn_map_default(&m, 44100);
    m.duration = 2.5, m.fmin = 55.5, m.scale = SYN_SCALE_MEL, m.ref_db = -31.25;
    m.synthesis = SYN_SYNTH_NOISE, m.stereo = 1, m.seed = 4000000000u, m.source = SYN_SRC_AUDIO;
    m.rows = 128, m.cols = 200;
    char line[512];
    assert_true(syn_map_format(&m, line, sizeof line) > 0);
    assert_int_equal(syn_map_parse(&back, line), 0);
    assert_int_equal(back.sample_rate, 44100);
    assert_true(fabs(back.duration - 2.5) < 1e-9 && fabs(back.ref_db + 31.25) < 1e-9);
    assert_int_equal(back.scale, SYN_SCALE_MEL);
    assert_int_equal(back.synthesis, SYN_SYNTH_NOISE);
    assert_int_equal(back.seed, 4000000000u);
    assert_int_equal(back.source, SYN_SRC_AUDIO);
    assert_int_equal(back.n_fft, m.n_fft);
    assert_int_equal(back.rows, 128);
    assert_int_equal(back.cols, 200);
}

static void map_parse_rejects_crafted_lines(void **state)
{
    (void)state;
    syn_map m;
    const char *bad[] = {
        "",
        "hello",
        "synesthd/1 sr=22050",
        "synesthd/1 sr=22050 dur=5 fmin=100 fmax=8000 range=50 ref=0 nfft=1000 hop=250",
        "synesthd/1 sr=22050 dur=5 fmin=9000 fmax=8000 range=50 ref=0 nfft=1024 hop=256",
        "synesthd/1 sr=1e12 dur=5 fmin=100 fmax=8000 range=50 ref=0 nfft=1024 hop=256",
        "synesthd/1 sr=22050 dur=nan fmin=100 fmax=8000 range=50 ref=0 nfft=1024 hop=256",
        "synesthd/1 sr=22050 dur=5 fmin=100 fmax=8000 range=50 ref=0 nfft=1024 hop=256 scale=x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(syn_map_parse(&m, bad[i]), -1);
}

static void rows_and_frequencies_invert_on_every_scale(void **state)
{
    (void)state;
    syn_map m;
    syn_map_default(&m, 22050);
    for (int s = 0; s < 3; s++) {
        m.scale = (syn_scale)s;
        syn_map_fix(&m);
        assert_true(fabs(syn_row_hz(&m, 128, 0) - m.fmax) < 1e-6);
        assert_true(fabs(syn_row_hz(&m, 128, 128) - m.fmin) < 1e-6);
        for (double y = 0.5; y < 128; y += 7.25) {
            double hz = syn_row_hz(&m, 128, y);
            assert_true(fabs(syn_hz_row(&m, 128, hz) - y) < 1e-6);
            assert_true(syn_row_hz(&m, 128, y + 1) < hz); /* row 0 is the highest pitch */
        }
    }
}

static void colormaps_have_luma_rising_linearly(void **state)
{
    (void)state;
    for (const char *const *n = syn_colormap_names(); *n; n++) {
        const uint8_t *t = syn_colormap_table(syn_colormap_find(*n));
        assert_non_null(t);
        float prev = -1;
        for (int i = 0; i < 256; i++) {
            float y = syn_luma709(t[i * 3], t[i * 3 + 1], t[i * 3 + 2]);
            assert_true(fabsf(y - i / 255.0f) <= 1.5f / 255.0f);
            assert_true(y > prev);
            prev = y;
        }
    }
    /* ember is really coloured in the middle */
    const uint8_t *e = syn_colormap_table(syn_colormap_find("ember"));
    assert_true(abs(e[128 * 3] - e[128 * 3 + 2]) > 60);
    assert_int_equal(syn_colormap_find("nope"), -1);
}

static void resample_keeps_the_mean_when_shrinking(void **state)
{
    (void)state;
    enum { W = 37, H = 23 };
    float src[W * H], dst[10 * 7];
    double mean = 0;
    for (int i = 0; i < W * H; i++)
        mean += src[i] = (float)((i * 7919) % 101) / 100.0f;
    syn_resample(src, W, H, dst, 10, 7);
    double m2 = 0;
    for (int i = 0; i < 70; i++)
        m2 += dst[i];
    assert_true(fabs(mean / (W * H) - m2 / 70) < 1e-4);
}

/* One bright band of a 128-band grid comes back as the brightest band. */
static void one_bright_band_is_heard_at_its_row(void **state)
{
    (void)state;
    syn_grid g;
    syn_map m;
    syn_err e;
    syn_map_default(&m, 22050);
    m.duration = 1;
    assert_int_equal(syn_grid_alloc(&g, 128, 32, 0), 0);
    for (int c = 0; c < 32; c++)
        g.v[40 * 32 + c] = 1.0f;
    float *pcm;
    size_t n;
    int ch;
    assert_int_equal(syn_spectral_synthesise(&g, &m, &pcm, &n, &ch, &e), 0);
    assert_int_equal(ch, 1);
    assert_int_equal(n, 22050);
    syn_grid_free(&g);
    syn_map fresh;
    syn_map_default(&fresh, 22050);
    assert_int_equal(syn_spectral_analyse(pcm, n, 1, &fresh, 0, 0, 128, 32, &g, &e), 0);
    for (int c = 4; c < 28; c++) {
        int best = 0;
        for (int r = 1; r < 128; r++)
            if (g.v[r * 32 + c] > g.v[best * 32 + c]) best = r;
        assert_int_equal(best, 40);
    }
    free(pcm);
    syn_grid_free(&g);
}

/* A smooth grid survives grid -> sine partials -> analysis with the map. */
static void sine_round_trip_reads_levels_back(void **state)
{
    (void)state;
    enum { R = 128, C = 128 };
    syn_grid g, back;
    syn_map m;
    syn_err e;
    syn_map_default(&m, 22050);
    assert_int_equal(syn_grid_alloc(&g, R, C, 0), 0);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            g.v[r * C + c] = 0.5f + 0.45f * sinf(r * 0.11f) * cosf(c * 0.07f);
    float *pcm;
    size_t n;
    int ch;
    assert_int_equal(syn_spectral_synthesise(&g, &m, &pcm, &n, &ch, &e), 0);
    assert_int_equal(m.rows, R);
    assert_int_equal(syn_spectral_analyse(pcm, n, 1, &m, 1, 0, R, C, &back, &e), 0);
    double err = 0;
    for (int i = 0; i < R * C; i++)
        err += fabs(back.v[i] - g.v[i]);
    assert_true(err / (R * C) < 0.02);
    free(pcm);
    syn_grid_free(&g);
    syn_grid_free(&back);
}

static void synthesis_is_deterministic_and_seeded(void **state)
{
    (void)state;
    syn_grid g;
    syn_err e;
    assert_int_equal(syn_grid_alloc(&g, 16, 16, 0), 0);
    for (int i = 0; i < 256; i++)
        g.v[i] = (i % 5) / 4.0f;
    float *a, *b, *c;
    size_t n;
    int ch;
    for (int kind = SYN_SYNTH_SINE; kind <= SYN_SYNTH_GRIFFINLIM; kind++) {
        syn_map m1, m2, m3;
        syn_map_default(&m1, 22050);
        m1.duration = 0.5;
        m1.synthesis = (syn_synth)kind;
        m2 = m3 = m1;
        m3.seed = 99;
        assert_int_equal(syn_spectral_synthesise(&g, &m1, &a, &n, &ch, &e), 0);
        assert_int_equal(syn_spectral_synthesise(&g, &m2, &b, &n, &ch, &e), 0);
        assert_int_equal(syn_spectral_synthesise(&g, &m3, &c, &n, &ch, &e), 0);
        assert_memory_equal(a, b, n * sizeof(float));
        assert_memory_not_equal(a, c, n * sizeof(float));
        free(a), free(b), free(c);
    }
    syn_grid_free(&g);
}

static void options_reject_unknown_names_and_bad_values(void **state)
{
    (void)state;
    syn_opts o;
    syn_limits lim;
    syn_err e;
    syn_limits_default(&lim);
    syn_opts_default(&o);
    assert_int_equal(syn_opts_set(&o, "duration", "2.5", &lim, &e), 0);
    assert_true(syn_opt_given(&o, SYN_OPT_DURATION) && o.duration == 2.5);
    assert_int_equal(syn_opts_set(&o, "scale", "log", &lim, &e), 0);
    assert_int_equal(o.scale, SYN_SCALE_LOG);
    assert_int_equal(syn_opts_set(&o, "bogus", "1", &lim, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    assert_int_equal(syn_opts_set(&o, "duration", "-1", &lim, &e), -1);
    assert_int_equal(syn_opts_set(&o, "duration", "5s", &lim, &e), -1);
    assert_int_equal(syn_opts_set(&o, "width", "10.5", &lim, &e), -1);
    assert_int_equal(syn_opts_set(&o, "scale", "cubic", &lim, &e), -1);
    assert_non_null(strstr(e.message, "linear"));
    lim.max_audio_out_sec = 10;
    assert_int_equal(syn_opts_set(&o, "duration", "11", &lim, &e), -1);
    assert_int_equal(syn_opts_set(&o, "stereo", "true", &lim, &e), 0);
    assert_int_equal(o.stereo, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_line_round_trips_every_field),
        cmocka_unit_test(map_parse_rejects_crafted_lines),
        cmocka_unit_test(rows_and_frequencies_invert_on_every_scale),
        cmocka_unit_test(colormaps_have_luma_rising_linearly),
        cmocka_unit_test(resample_keeps_the_mean_when_shrinking),
        cmocka_unit_test(one_bright_band_is_heard_at_its_row),
        cmocka_unit_test(sine_round_trip_reads_levels_back),
        cmocka_unit_test(synthesis_is_deterministic_and_seeded),
        cmocka_unit_test(options_reject_unknown_names_and_bad_values),
    };
    return cmocka_run_group_tests_name("fusion", tests, setup, teardown);
}
