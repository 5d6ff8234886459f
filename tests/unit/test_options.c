/* test_options.c -- the option parser reads what it is given, all of it, or
 * says why not; a map that options made impossible is refused, not mended. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "syn/fusion.h"
#include "syn/options.h"

static syn_limits lim;

static int set(syn_opts *o, const char *name, const char *v, syn_err *e)
{
    return syn_opts_set(o, name, v, &lim, e);
}

static void numbers_are_plain_decimals_read_whole(void **state)
{
    (void)state;
    syn_limits_default(&lim);
    syn_opts o;
    syn_err e;
    syn_opts_default(&o);
    static const char *const bad[] = {
        "0x10", "0X1p3", " 1",  "1 ", "\t1", "1\n", "inf",   "-inf", "infinity", "nan", "NAN(1)",
        "",     "1e",    "1e+", ".",  "-",   "+1",  "1.2.3", "1,5",  "1_000",    "５",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(set(&o, "duration", bad[i], &e), -1);
        assert_int_equal(e.kind, SYN_E_BADREQ);
        assert_non_null(strstr(e.message, "duration"));
    }
    assert_false(syn_opt_given(&o, SYN_OPT_DURATION)); /* nothing was half-set */
    assert_true(o.duration == 5);
    static const struct {
        const char *v;
        double want;
    } good[] = {{"3", 3},      {"0.5", 0.5}, {".5", 0.5},  {"2.", 2},
                {"5e-1", 0.5}, {"1E1", 10},  {"1e+1", 10}, {"0012.50", 12.5}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(set(&o, "duration", good[i].v, &e), 0);
        assert_true(fabs(o.duration - good[i].want) < 1e-12);
    }
    /* a negative number is a number: its range says what is wrong with it */
    assert_int_equal(set(&o, "duration", "-1", &e), -1);
    assert_non_null(strstr(e.message, "between"));
}

static void whole_numbers_are_digits(void **state)
{
    (void)state;
    syn_opts o;
    syn_err e;
    syn_opts_default(&o);
    assert_int_equal(set(&o, "seed", "42", &e), 0);
    assert_int_equal(o.seed, 42);
    assert_int_equal(set(&o, "seed", "4294967295", &e), 0);
    assert_int_equal(o.seed, 4294967295u);
    static const char *const bad[] = {"1e3", "10.0", "10.5", "0x2a", " 7", "4294967296"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(set(&o, "seed", bad[i], &e), -1);
        assert_int_equal(e.kind, SYN_E_BADREQ);
        assert_non_null(strstr(e.message, "seed"));
    }
    assert_int_equal(set(&o, "width", "10.5", &e), -1);
    assert_non_null(strstr(e.message, "whole"));
}

static void a_nul_byte_in_a_value_is_refused_for_every_type(void **state)
{
    (void)state;
    syn_opts o;
    syn_err e;
    syn_opts_default(&o);
    static const struct {
        const char *name, *v;
        size_t n;
    } cases[] = {
        {"duration", "3\0abc", 5},  {"mode", "spectral\0x", 10}, {"stereo", "1\0", 2},
        {"format", "auto\0png", 8}, {"seed", "7\0", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(syn_opts_setn(&o, cases[i].name, cases[i].v, cases[i].n, &lim, &e), -1);
        assert_int_equal(e.kind, SYN_E_BADREQ);
        assert_non_null(strstr(e.message, cases[i].name));
        assert_non_null(strstr(e.message, "NUL"));
    }
    assert_int_equal(o.set, 0u);
    /* the same bytes without the tail are fine: only the length differs */
    assert_int_equal(syn_opts_setn(&o, "duration", "3\0abc", 1, &lim, &e), 0);
    assert_true(o.duration == 3);
}

static void map_check_names_what_cannot_be_honoured(void **state)
{
    (void)state;
    syn_map m;
    syn_err e;
    syn_map_default(&m, 22050);
    assert_int_equal(syn_map_check(&m, &e), 0);
    m.fmax = 11025; /* exactly Nyquist: the top row edge, still representable */
    assert_int_equal(syn_map_check(&m, &e), 0);

    m.fmax = 20000;
    syn_map_fix(&m); /* fix re-derives frames; it does not move fmax any more */
    assert_true(m.fmax == 20000);
    assert_int_equal(syn_map_check(&m, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    assert_non_null(strstr(e.message, "fmax"));
    assert_non_null(strstr(e.message, "20000"));
    assert_non_null(strstr(e.message, "11025"));
    assert_non_null(strstr(e.message, "22050"));

    syn_map_default(&m, 22050);
    m.fmin = 9000;
    syn_map_fix(&m);
    assert_true(m.fmin == 9000);
    assert_int_equal(syn_map_check(&m, &e), -1);
    assert_non_null(strstr(e.message, "fmin"));
    assert_non_null(strstr(e.message, "8000"));

    syn_map_default(&m, 22050);
    m.scale = SYN_SCALE_LOG;
    m.fmin = 10;
    syn_map_fix(&m);
    assert_true(m.fmin == 10);
    assert_int_equal(syn_map_check(&m, &e), -1);
    assert_non_null(strstr(e.message, "fmin"));
    assert_non_null(strstr(e.message, "20"));
}

static void map_lines_we_would_never_write_are_not_ours(void **state)
{
    (void)state;
    syn_map m;
    /* fmax above Nyquist, or a log axis from 0 Hz: not a map we made */
    assert_int_equal(syn_map_parse(&m, "synesthd/1 sr=22050 dur=5 fmin=100 fmax=20000 range=50 "
                                       "ref=0 nfft=1024 hop=256"),
                     -1);
    assert_int_equal(syn_map_parse(&m, "synesthd/1 sr=22050 dur=5 fmin=0 fmax=8000 range=50 "
                                       "ref=0 nfft=1024 hop=256 scale=log"),
                     -1);
    assert_int_equal(syn_map_parse(&m, "synesthd/1 sr=22050 dur=5 fmin=100 fmax=11025 range=50 "
                                       "ref=0 nfft=1024 hop=256"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_are_plain_decimals_read_whole),
        cmocka_unit_test(whole_numbers_are_digits),
        cmocka_unit_test(a_nul_byte_in_a_value_is_refused_for_every_type),
        cmocka_unit_test(map_check_names_what_cannot_be_honoured),
        cmocka_unit_test(map_lines_we_would_never_write_are_not_ours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
