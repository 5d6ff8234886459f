/* test_server.c -- the server's pure functions, without a socket: the route
 * checks (routes.c), the flag and limit parser (config.c), base64 and JSON
 * input gathering (srv_gather), the X-Synesthd-* map headers of a
 * conversion's reply, and the string builder (strbuf.c).  Linked with
 * build/libsrv.a (server/ without main.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "server.h"

/* Every SYNESTHD_* variable a row reads, unset: a test sets what it needs. */
static void clear_env(void)
{
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++)
        unsetenv(d->env);
}

static srv_config fresh_config(void)
{
    srv_config c;
    syn_err e = {0};
    clear_env();
    assert_int_equal(srv_config_init(&c, &e), 0);
    return c;
}

/* --- routes.c ---------------------------------------------------------------- */

static void every_route_row_is_found_by_its_exact_path(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    size_t n = srv_route_count();
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        if (strchr(srv_routes[i].path, '{')) continue; /* a pattern row: below */
        assert_ptr_equal(srv_route_find(srv_routes[i].path, &c), &srv_routes[i]);
    }
    /* the pattern row /v1/generate/{modality} serves every registered
     * modality that has no row of its own */
    char path[64];
    for (const syn_modality *const *m = syn_modalities(); *m; m++) {
        snprintf(path, sizeof path, "/v1/generate/%s", (*m)->name);
        const srv_route *r = srv_route_find(path, &c);
        assert_non_null(r);
        assert_true(r->methods & SRV_POST);
    }
    assert_null(srv_route_find("/v1/generate/nothing", &c));
}

static void unknown_paths_and_near_misses_are_not_found(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    static const char *const miss[] = {
        "/v1/generate/video", "/v1/", "/V1",        "/healthz/",      "/healthz?x",   "//healthz",
        "/v1/generate",       "",     "/nope.html", "/../etc/passwd", "/index.html/",
    };
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
        assert_null(srv_route_find(miss[i], &c));
}

static void an_embedded_asset_is_served_by_the_assets_route(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    const srv_route *r = srv_route_find("/index.html", &c);
    assert_non_null(r);
    assert_true(r->flags & SRV_R_ASSETS);
    assert_ptr_equal(srv_route_find("/", &c), r);
}

static void method_bits_are_exact_upper_case_names(void **state)
{
    (void)state;
    assert_int_equal(srv_method_bit("GET"), SRV_GET);
    assert_int_equal(srv_method_bit("HEAD"), SRV_HEAD);
    assert_int_equal(srv_method_bit("POST"), SRV_POST);
    static const char *const no[] = {"get", "Post", "PUT", "DELETE", "OPTIONS", "", "GETX", "GE"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal(srv_method_bit(no[i]), 0);
}

static void allow_lists_the_route_methods_in_a_fixed_order(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    char buf[64];
    srv_route_allow(srv_route_find("/healthz", &c), buf, sizeof buf);
    assert_string_equal(buf, "GET, HEAD");
    srv_route_allow(srv_route_find("/v1/generate/audio", &c), buf, sizeof buf);
    assert_string_equal(buf, "POST");
    srv_route r = {.methods = SRV_POST | SRV_GET | SRV_HEAD, .path = "/x"};
    srv_route_allow(&r, buf, sizeof buf);
    assert_string_equal(buf, "GET, HEAD, POST");
}

static void allow_never_writes_past_a_small_buffer(void **state)
{
    (void)state;
    srv_route r = {.methods = SRV_POST | SRV_GET | SRV_HEAD, .path = "/x"};
    for (size_t n = 1; n < 16; n++) {
        char buf[32];
        memset(buf, 'Z', sizeof buf);
        srv_route_allow(&r, buf, n);
        assert_true(strlen(buf) < n);
        for (size_t i = n; i < sizeof buf; i++)
            assert_int_equal(buf[i], 'Z');
        assert_int_equal(strncmp(buf, "GET, HEAD, POST", strlen(buf)), 0);
    }
}

static void conversion_routes_accept_modality_types_and_the_input_shapes(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    const srv_route *r = srv_route_find("/v1/generate/image", &c);
    static const char *const yes[] = {
        "image/png",
        "IMAGE/PNG",
        "image/png; charset=binary",
        "audio/wav",
        "text/plain; charset=utf-8",
        "application/octet-stream",
        "multipart/form-data; boundary=xyz",
        "application/json",
        "Application/JSON;charset=UTF-8",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!srv_route_accepts(r, yes[i])) fail_msg("refused %s", yes[i]);
    }
    static const char *const no[] = {"text/html",         "application/xml", "image/pngx",
                                     "application/jsonx", "multipart/mixed", "",
                                     "video/mp4"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (srv_route_accepts(r, no[i])) fail_msg("accepted %s", no[i]);
    }
}

static void a_route_without_a_type_list_accepts_any_type(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    const srv_route *r = srv_route_find("/healthz", &c);
    assert_true(srv_route_accepts(r, "text/html"));
    assert_true(srv_route_accepts(r, ""));
}

static void body_caps_follow_the_limit_or_are_zero_for_bodyless_routes(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    assert_int_equal(srv_route_max_body(srv_route_find("/healthz", &c), &c.limits), 0);
    assert_int_equal(srv_route_max_body(srv_route_find("/v1", &c), &c.limits), 0);
    const srv_route *gen = srv_route_find("/v1/generate/audio", &c);
    assert_int_equal(srv_route_max_body(gen, &c.limits), c.limits.max_body_bytes);
    c.limits.max_body_bytes = 12345;
    assert_int_equal(srv_route_max_body(gen, &c.limits), 12345);
    srv_route fixed = {.methods = SRV_POST, .path = "/x", .max_body = 77};
    assert_int_equal(srv_route_max_body(&fixed, &c.limits), 77);
}

static void parts_a_and_b_are_inputs_only_of_similarity(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    const srv_route *sim = srv_route_find("/v1/similarity", &c);
    const srv_route *gen = srv_route_find("/v1/generate/image", &c);
    assert_true(srv_route_is_input(sim, "a"));
    assert_true(srv_route_is_input(sim, "b"));
    assert_false(srv_route_is_input(gen, "a"));
    assert_true(srv_route_is_input(gen, "image"));
    assert_true(srv_route_is_input(gen, "text"));
    assert_false(srv_route_is_input(gen, "seed"));
}

/* --- config.c ---------------------------------------------------------------- */

static void defaults_without_environment_are_the_documented_ones(void **state)
{
    (void)state;
    srv_config c = fresh_config(), want;
    memset(&want, 0, sizeof want);
    syn_limits_default(&want.limits);
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++)
        if (d->is_limit && srv_config_number(&c, d) != srv_config_number(&want, d))
            fail_msg("--%s is not syn_limits_default's", d->flag);
    assert_string_equal(c.bind, "127.0.0.1");
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.threads, srv_cpu_count());
    assert_string_equal(c.static_dir, "");
    assert_string_equal(c.api_key, "");
}

static void every_row_has_a_flag_an_env_a_range_and_a_reason(void **state)
{
    (void)state;
    int limits = 0;
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++) {
        char want[96] = "SYNESTHD_";
        size_t k = strlen(want);
        for (const char *p = d->flag; *p && k + 1 < sizeof want; p++)
            want[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        want[k] = 0;
        assert_string_equal(d->env, want);
        assert_true(d->min <= d->max);
        assert_true(d->help && strlen(d->help) > 10);
        limits += d->is_limit;
    }
    assert_true(limits >= 14);
}

static void sizes_take_k_m_g_suffixes_as_powers_of_1024(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        size_t want;
    } ok[] = {
        {"1024", 1024},          {"1k", 1024},       {"1K", 1024},
        {"2m", 2u << 20},        {"32M", 32u << 20}, {"32MiB", 32u << 20},
        {"32MB", 32u << 20},     {"1G", 1u << 30},   {"1.5k", 1536},
        {"4G", (size_t)4 << 30}, /* the row's maximum, included */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        srv_config c = fresh_config();
        syn_err e = {0};
        assert_int_equal(srv_config_set(&c, "max-body", ok[i].v, &e), 1);
        assert_int_equal(c.limits.max_body_bytes, ok[i].want);
    }
}

static void a_bad_size_is_refused_with_the_flag_named_and_nothing_set(void **state)
{
    (void)state;
    static const char *const bad[] = {"",   "k",   "1T",  "1kk", "1 k",  "1.5",
                                      "-1", "abc", "12x", "1Gx", "1MiBB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srv_config c = fresh_config();
        size_t before = c.limits.max_body_bytes;
        syn_err e = {0};
        if (srv_config_set(&c, "max-body", bad[i], &e) != -1) fail_msg("took '%s'", bad[i]);
        assert_int_equal(e.kind, SYN_E_BADREQ);
        assert_non_null(strstr(e.message, "--max-body"));
        assert_int_equal(c.limits.max_body_bytes, before);
    }
}

static void suffixes_are_for_sizes_only(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    assert_int_equal(srv_config_set(&c, "max-pixels", "1k", &e), -1); /* a count, not bytes */
    assert_int_equal(srv_config_set(&c, "port", "8k", &e), -1);
    assert_int_equal(srv_config_set(&c, "max-audio-in", "1k", &e), -1);
    assert_int_equal(srv_config_set(&c, "max-pixels", "1000", &e), 1);
    assert_int_equal(c.limits.max_pixels, 1000);
}

static void values_outside_a_rows_range_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *flag, *v;
    } bad[] = {
        {"max-body", "0"},     {"max-body", "5G"},        {"port", "65536"},
        {"port", "-1"},        {"threads", "0"},          {"threads", "257"},
        {"max-side", "0"},     {"max-audio-in", "0"},     {"max-out-side", "7"},
        {"max-parts", "4097"}, {"max-field-bytes", "15"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srv_config c = fresh_config();
        syn_err e = {0};
        if (srv_config_set(&c, bad[i].flag, bad[i].v, &e) != -1)
            fail_msg("--%s %s was taken", bad[i].flag, bad[i].v);
        assert_non_null(strstr(e.message, "outside"));
    }
    static const struct {
        const char *flag, *v;
    } edge[] = {{"port", "0"}, {"port", "65535"}, {"threads", "1"}, {"threads", "256"}};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        srv_config c = fresh_config();
        syn_err e = {0};
        assert_int_equal(srv_config_set(&c, edge[i].flag, edge[i].v, &e), 1);
    }
}

static void whole_number_rows_refuse_fractions_and_real_rows_take_them(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    assert_int_equal(srv_config_set(&c, "port", "80.5", &e), -1);
    assert_non_null(strstr(e.hint, "whole number"));
    assert_int_equal(srv_config_set(&c, "max-audio-in", "0.5", &e), 1);
    assert_true(c.limits.max_audio_in_sec == 0.5);
    assert_int_equal(srv_config_set(&c, "max-audio-in", "inf", &e), -1);
    assert_int_equal(srv_config_set(&c, "max-audio-in", "nan", &e), -1);
}

static void an_unknown_flag_is_not_a_setting(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    assert_int_equal(srv_config_set(&c, "max-bodies", "1", &e), 0);
    assert_int_equal(srv_config_set(&c, "", "1", &e), 0);
    assert_int_equal(srv_config_set(&c, "SYNESTHD_MAX_BODY", "1", &e), 0);
}

static void a_string_must_fit_its_buffer(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    char longv[sizeof c.bind + 1];
    memset(longv, '1', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    assert_int_equal(srv_config_set(&c, "bind", longv, &e), -1);
    assert_string_equal(c.bind, "127.0.0.1");
    longv[sizeof c.bind - 1] = 0; /* exactly the room with its NUL */
    assert_int_equal(srv_config_set(&c, "bind", longv, &e), 1);
    assert_string_equal(c.bind, longv);
}

static void the_environment_overrides_defaults_and_a_flag_overrides_both(void **state)
{
    (void)state;
    srv_config c;
    syn_err e = {0};
    clear_env();
    setenv("SYNESTHD_MAX_BODY", "2M", 1);
    setenv("SYNESTHD_PORT", "9000", 1);
    assert_int_equal(srv_config_init(&c, &e), 0);
    assert_int_equal(c.limits.max_body_bytes, 2u << 20);
    assert_int_equal(c.port, 9000);
    assert_int_equal(srv_config_set(&c, "max-body", "3M", &e), 1);
    assert_int_equal(c.limits.max_body_bytes, 3u << 20);
    clear_env();
}

static void an_empty_variable_is_unset_and_a_bad_one_is_named(void **state)
{
    (void)state;
    srv_config c;
    syn_err e = {0};
    clear_env();
    setenv("SYNESTHD_MAX_BODY", "", 1);
    assert_int_equal(srv_config_init(&c, &e), 0);
    syn_limits want;
    syn_limits_default(&want);
    assert_int_equal(c.limits.max_body_bytes, want.max_body_bytes);
    setenv("SYNESTHD_MAX_BODY", "lots", 1);
    assert_int_equal(srv_config_init(&c, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    assert_non_null(strstr(e.message, "SYNESTHD_MAX_BODY"));
    clear_env();
}

static void finish_derives_the_zero_defaults(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    c.limits.max_jobs = 0;
    c.limits.decoders = 0;
    c.limits.decoder_memory = 0;
    c.limits.max_memory = 1u << 30;
    c.limits.max_request_memory = 2u << 30; /* above the whole budget */
    assert_int_equal(srv_config_finish(&c, &e), 0);
    assert_int_equal(c.limits.max_jobs, 2 * srv_cpu_count());
    assert_int_equal(c.limits.decoders, c.limits.max_jobs);
    assert_int_equal(c.limits.max_request_memory, 1u << 30);
    assert_int_equal(c.limits.decoder_memory, (1u << 30) + (256u << 20));
    c = fresh_config();
    c.limits.max_memory = 0;
    assert_int_equal(srv_config_finish(&c, &e), 0);
    assert_true(c.limits.max_memory > 0);
}

static void finish_refuses_crossed_sample_rates_and_a_named_address(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    syn_err e = {0};
    c.limits.min_sample_rate = 48000;
    c.limits.max_sample_rate = 8000;
    assert_int_equal(srv_config_finish(&c, &e), -1);
    assert_non_null(strstr(e.message, "min-sample-rate"));
    c = fresh_config();
    strcpy(c.bind, "localhost");
    assert_int_equal(srv_config_finish(&c, &e), -1);
    assert_non_null(strstr(e.message, "--bind"));
    static const char *const good[] = {"0.0.0.0", "::1", "::", "192.168.1.20"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        c = fresh_config();
        strcpy(c.bind, good[i]);
        assert_int_equal(srv_config_finish(&c, &e), 0);
    }
}

static void flag_values_come_after_an_equals_sign_or_as_the_next_word(void **state)
{
    (void)state;
    char *argv[] = {"synesthd", "--port=81", "--max-body", "1M", "--threads", NULL};
    int argc = 5, i = 1;
    char name[16];
    assert_string_equal(srv_flag_value(argc, argv, &i, name, sizeof name), "81");
    assert_string_equal(name, "port");
    assert_int_equal(i, 1);
    i = 2;
    assert_string_equal(srv_flag_value(argc, argv, &i, name, sizeof name), "1M");
    assert_string_equal(name, "max-body");
    assert_int_equal(i, 3); /* past the value */
    i = 4;
    assert_null(srv_flag_value(argc, argv, &i, name, sizeof name));
    assert_string_equal(name, "threads");
    char *eq[] = {"synesthd", "--bind=", NULL};
    i = 1;
    assert_string_equal(srv_flag_value(2, eq, &i, name, sizeof name), "");
}

static void a_long_flag_name_is_cut_to_the_buffer(void **state)
{
    (void)state;
    char *argv[] = {"synesthd", "--max-request-memory=1G", NULL};
    int i = 1;
    char name[8];
    assert_string_equal(srv_flag_value(2, argv, &i, name, sizeof name), "1G");
    assert_string_equal(name, "max-req");
}

/* --- srv_gather: base64 and JSON inputs ------------------------------------- */

/* Gather a JSON body sent to path; returns srv_gather's result. */
static int gather_json(const char *path, const char *json, srv_inputs *in, syn_err *e)
{
    static srv_config c;
    c = fresh_config();
    srv_request rq;
    memset(&rq, 0, sizeof rq);
    rq.cfg = &c;
    rq.route = srv_route_find(path, &c);
    assert_non_null(rq.route);
    rq.method = "POST";
    rq.ctype = "application/json";
    rq.body = (uint8_t *)json;
    rq.body_len = strlen(json);
    syn_opts o;
    syn_opts_default(&o);
    memset(e, 0, sizeof *e);
    return srv_gather(&rq, &o, in, e);
}

/* {"image": "<b64>"} decodes to want[n]. */
static void expect_b64(const char *b64, const char *want, size_t n)
{
    char json[256];
    snprintf(json, sizeof json, "{\"image\": \"%s\"}", b64);
    srv_inputs in;
    syn_err e;
    if (gather_json("/v1/generate/audio", json, &in, &e) != 0)
        fail_msg("'%s' refused: %s", b64, e.message);
    assert_int_equal(in.n, 1);
    assert_string_equal(in.name[0], "image");
    assert_int_equal(in.part[0].n, n);
    assert_memory_equal(in.part[0].p, want, n);
    srv_inputs_free(&in);
}

static void base64_decodes_the_standard_alphabet_with_or_without_padding(void **state)
{
    (void)state;
    expect_b64("", "", 0);
    expect_b64("Zg==", "f", 1);
    expect_b64("Zg", "f", 1);
    expect_b64("Zm8=", "fo", 2);
    expect_b64("Zm8", "fo", 2);
    expect_b64("Zm9v", "foo", 3);
    expect_b64("Zm9vYmFy", "foobar", 6);
    expect_b64("+/+/", "\xfb\xff\xbf", 3);
    expect_b64("AAAA", "\0\0\0", 3);
}

static void base64_takes_the_url_safe_alphabet_too(void **state)
{
    (void)state;
    expect_b64("-_-_", "\xfb\xff\xbf", 3);
}

static void base64_skips_whitespace_and_json_escaped_line_breaks(void **state)
{
    (void)state;
    expect_b64("Zm9v\\nYmFy", "foobar", 6);
    expect_b64("Zm9v\\r\\nYm Fy\\t", "foobar", 6);
}

static void a_data_url_prefix_is_dropped_before_decoding(void **state)
{
    (void)state;
    expect_b64("data:image/png;base64,Zm9vYmFy", "foobar", 6);
}

static void base64_with_a_foreign_character_is_a_400_naming_the_key(void **state)
{
    (void)state;
    static const char *const bad[] = {"Zm9v*", "Zm9v.YmFy", "Zm9v\\u0000", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"audio\": \"%s\"}", bad[i]);
        srv_inputs in;
        syn_err e;
        if (gather_json("/v1/generate/image", json, &in, &e) != -1)
            fail_msg("'%s' was taken", bad[i]);
        assert_int_equal(e.kind, SYN_E_BADREQ);
        assert_non_null(strstr(e.message, "'audio'"));
        assert_non_null(strstr(e.message, "base64"));
        srv_inputs_free(&in);
    }
}

static void json_text_is_taken_as_is_and_a_and_b_only_on_similarity(void **state)
{
    (void)state;
    srv_inputs in;
    syn_err e;
    assert_int_equal(gather_json("/v1/generate/image", "{\"text\": \"Zm9v\"}", &in, &e), 0);
    assert_int_equal(in.n, 1);
    assert_int_equal(in.part[0].n, 4); /* text is not base64 */
    assert_memory_equal(in.part[0].p, "Zm9v", 4);
    srv_inputs_free(&in);
    assert_int_equal(
        gather_json("/v1/similarity", "{\"a\": \"calm sea\", \"b\": \"wild fire\"}", &in, &e), 0);
    assert_int_equal(in.n, 2);
    assert_string_equal(in.name[0], "a");
    assert_string_equal(in.name[1], "b");
    srv_inputs_free(&in);
    assert_int_equal(gather_json("/v1/generate/image", "{\"a\": \"calm sea\"}", &in, &e), -1);
    assert_non_null(strstr(e.message, "'a'"));
    srv_inputs_free(&in);
}

/* --- the map headers of a conversion's reply -------------------------------- */

static const char *reply_header(const srv_reply *rp, const char *name)
{
    for (size_t i = 0; i < rp->nhdrs; i++)
        if (strcmp(rp->hdrs[i].name, name) == 0) return rp->hdrs[i].value;
    return NULL;
}

/* The X-Synesthd-* header a map key gives: "n_fft" -> "X-Synesthd-N-Fft". */
static void header_name(const char *key, size_t n, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "X-Synesthd-");
    int up = 1;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char ch = key[i];
        if (ch == '_' || ch == '-') {
            out[k++] = '-';
            up = 1;
            continue;
        }
        out[k++] = up && ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
        up = 0;
    }
    out[k] = 0;
}

static void a_conversion_reply_carries_its_map_and_one_header_per_key(void **state)
{
    (void)state;
    srv_config c = fresh_config();
    srv_request rq;
    memset(&rq, 0, sizeof rq);
    rq.cfg = &c;
    rq.route = srv_route_find("/v1/generate/audio", &c);
    rq.method = "POST";
    rq.ctype = "application/json";
    const char *body = "{\"text\": \"calm sea\", \"duration\": 0.5, \"sample_rate\": 8000}";
    rq.body = (uint8_t *)body;
    rq.body_len = strlen(body);
    srv_reply rp;
    memset(&rp, 0, sizeof rp);
    srv_generate_handler(&rq, &rp, "audio");
    assert_int_equal(rp.status, 200);
    const char *map = reply_header(&rp, "X-Synesthd-Map");
    assert_non_null(map);
    assert_int_equal(strncmp(map, "synesthd/1 ", 11), 0);
    assert_non_null(strstr(map, " sr=8000"));
    size_t keys = 0;
    for (const char *s = strchr(map, ' '); s && *s;) {
        while (*s == ' ')
            s++;
        size_t tl = strcspn(s, " ");
        const char *eq = memchr(s, '=', tl);
        assert_non_null(eq);
        char name[64];
        header_name(s, (size_t)(eq - s), name, sizeof name);
        const char *v = reply_header(&rp, name);
        if (!v) fail_msg("no %s header for map key '%.*s'", name, (int)tl, s);
        assert_int_equal(strlen(v), tl - (size_t)(eq + 1 - s));
        assert_memory_equal(v, eq + 1, strlen(v));
        keys++;
        s += tl;
    }
    assert_true(keys >= 5);
    assert_string_equal(reply_header(&rp, "X-Synesthd-Sr"), "8000");
    /* Semantic music reports what it was asked and what it made: the axes
     * the text speaks to ('calm': energy), the same axes read back. */
    const char *asked = reply_header(&rp, "X-Synesthd-Asked");
    const char *made = reply_header(&rp, "X-Synesthd-Made");
    assert_non_null(asked);
    assert_non_null(made);
    assert_non_null(strstr(asked, "energy="));
    assert_non_null(strstr(made, "energy="));
    assert_int_equal(strlen(asked), strlen(made)); /* "axis=0.00" each, same axes */
    double fid = atof(reply_header(&rp, "X-Synesthd-Fidelity"));
    assert_true(fid > 0 && fid <= 1);
    int rounds = atoi(reply_header(&rp, "X-Synesthd-Rounds"));
    assert_true(rounds >= 1 && rounds <= SYN_LOOP_ROUNDS);
    /* The map, Content-Disposition, one header per key and the report's
     * four: nothing else. */
    assert_int_equal(rp.nhdrs, keys + 2 + 4);
    assert_non_null(reply_header(&rp, "Content-Disposition"));
    srv_reply_clear(&rp); /* frees the blob through the reply's free_fn */
}

/* --- strbuf.c ----------------------------------------------------------------- */

static void the_string_builder_grows_past_its_first_size(void **state)
{
    (void)state;
    srv_strbuf b;
    assert_int_equal(srv_strbuf_init(&b, 4), 0);
    for (int i = 0; i < 1000; i++)
        srv_strbuf_printf(&b, "%d,", i % 10);
    srv_strbuf_printf(&b, "%s", "");
    size_t len;
    char *s = srv_strbuf_take(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 2000);
    assert_int_equal(strlen(s), 2000);
    assert_int_equal(strncmp(s, "0,1,2,", 6), 0);
    assert_null(b.p);
    free(s);
}

static void a_failed_builder_gives_nothing_back(void **state)
{
    (void)state;
    srv_strbuf b;
    assert_int_equal(srv_strbuf_init(&b, 16), 0);
    srv_strbuf_printf(&b, "kept?");
    b.bad = 1; /* as after a failed realloc */
    srv_strbuf_printf(&b, "more");
    size_t len = 99;
    assert_null(srv_strbuf_take(&b, &len));
    assert_int_equal(len, 0);
}

static void join_separates_with_comma_space_and_stops_at_the_buffer(void **state)
{
    (void)state;
    char buf[12];
    size_t used = 0;
    buf[0] = 0;
    assert_int_equal(srv_join(buf, sizeof buf, &used, "png"), 0);
    assert_int_equal(srv_join(buf, sizeof buf, &used, "wav"), 0);
    assert_string_equal(buf, "png, wav");
    assert_int_equal(used, 8);
    assert_int_equal(srv_join(buf, sizeof buf, &used, "flac"), -1); /* 14 > 11 */
    assert_int_equal(used, 8);
    assert_true(strlen(buf) < sizeof buf);
    assert_int_equal(strncmp(buf, "png, wav", 8), 0);
    used = 0;
    assert_int_equal(srv_join(buf, 0, &used, "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_row_is_found_by_its_exact_path),
        cmocka_unit_test(unknown_paths_and_near_misses_are_not_found),
        cmocka_unit_test(an_embedded_asset_is_served_by_the_assets_route),
        cmocka_unit_test(method_bits_are_exact_upper_case_names),
        cmocka_unit_test(allow_lists_the_route_methods_in_a_fixed_order),
        cmocka_unit_test(allow_never_writes_past_a_small_buffer),
        cmocka_unit_test(conversion_routes_accept_modality_types_and_the_input_shapes),
        cmocka_unit_test(a_route_without_a_type_list_accepts_any_type),
        cmocka_unit_test(body_caps_follow_the_limit_or_are_zero_for_bodyless_routes),
        cmocka_unit_test(parts_a_and_b_are_inputs_only_of_similarity),
        cmocka_unit_test(defaults_without_environment_are_the_documented_ones),
        cmocka_unit_test(every_row_has_a_flag_an_env_a_range_and_a_reason),
        cmocka_unit_test(sizes_take_k_m_g_suffixes_as_powers_of_1024),
        cmocka_unit_test(a_bad_size_is_refused_with_the_flag_named_and_nothing_set),
        cmocka_unit_test(suffixes_are_for_sizes_only),
        cmocka_unit_test(values_outside_a_rows_range_are_refused),
        cmocka_unit_test(whole_number_rows_refuse_fractions_and_real_rows_take_them),
        cmocka_unit_test(an_unknown_flag_is_not_a_setting),
        cmocka_unit_test(a_string_must_fit_its_buffer),
        cmocka_unit_test(the_environment_overrides_defaults_and_a_flag_overrides_both),
        cmocka_unit_test(an_empty_variable_is_unset_and_a_bad_one_is_named),
        cmocka_unit_test(finish_derives_the_zero_defaults),
        cmocka_unit_test(finish_refuses_crossed_sample_rates_and_a_named_address),
        cmocka_unit_test(flag_values_come_after_an_equals_sign_or_as_the_next_word),
        cmocka_unit_test(a_long_flag_name_is_cut_to_the_buffer),
        cmocka_unit_test(base64_decodes_the_standard_alphabet_with_or_without_padding),
        cmocka_unit_test(base64_takes_the_url_safe_alphabet_too),
        cmocka_unit_test(base64_skips_whitespace_and_json_escaped_line_breaks),
        cmocka_unit_test(a_data_url_prefix_is_dropped_before_decoding),
        cmocka_unit_test(base64_with_a_foreign_character_is_a_400_naming_the_key),
        cmocka_unit_test(json_text_is_taken_as_is_and_a_and_b_only_on_similarity),
        cmocka_unit_test(a_conversion_reply_carries_its_map_and_one_header_per_key),
        cmocka_unit_test(the_string_builder_grows_past_its_first_size),
        cmocka_unit_test(a_failed_builder_gives_nothing_back),
        cmocka_unit_test(join_separates_with_comma_space_and_stops_at_the_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
