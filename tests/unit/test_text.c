/* test_text.c -- the text modality (modalities/text.c, lexicon.def) and
 * text out (modalities/fusion/describe.c): the lexicon's size, monotonic
 * ladders in English and Chinese (Spearman rho computed here), synonyms
 * across the languages, negation, intensifiers, sound symbolism, input
 * validation, the text drawn into a spectrogram and read back through the
 * project's own audio -> image, and descriptions in both languages. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "syn/fusion.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/semantic.h"
#include "harness.h"

extern const syn_modality syn_text_modality, syn_image_modality;

/* --- helpers --------------------------------------------------------------- */

static syn_limits lim;

static void opts_mode(syn_opts *o, const char *mode)
{
    syn_opts_default(o);
    syn_limits_default(&lim);
    if (mode) {
        syn_err e;
        assert_int_equal(syn_opts_set(o, "mode", mode, &lim, &e), 0);
    }
}

/* Decode text for its semantics; returns 0 or -1 with *e filled. */
static int sem_of(const char *text, size_t n, syn_latent *lat, syn_err *e)
{
    syn_opts o;
    opts_mode(&o, "semantic");
    syn_decode_ctx ctx = {.opts = &o, .limits = &lim, .target = NULL, .want_sem = 1};
    return syn_text_modality.decode((const uint8_t *)text, n, &ctx, lat, e);
}

/* The value of one axis for a prompt (the prompt must touch the axis). */
static float axis_of(const char *text, syn_axis a)
{
    syn_latent lat;
    syn_err e;
    assert_int_equal(sem_of(text, strlen(text), &lat, &e), 0);
    assert_true(lat.has_sem);
    if (!(lat.sem.w[a] > 0)) fail_msg("'%s' says nothing about %s", text, syn_axis_name(a));
    float v = lat.sem.v[a];
    syn_latent_free(&lat);
    return v;
}

/* Spearman's rho of values against their intended order 0..n-1, with
 * ties given their mean rank. */
static double spearman(const float *v, int n)
{
    double rank[16];
    assert_true(n <= 16);
    for (int i = 0; i < n; i++) {
        int below = 0, equal = 0;
        for (int j = 0; j < n; j++) {
            below += v[j] < v[i];
            equal += v[j] == v[i];
        }
        rank[i] = below + (equal - 1) / 2.0;
    }
    double mx = (n - 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (i - mx) * (rank[i] - mx);
        sxx += (i - mx) * (i - mx);
        syy += (rank[i] - mx) * (rank[i] - mx);
    }
    return syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

static int has_han(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++)
        if (p[0] == 0xE4 || (p[0] > 0xE4 && p[0] <= 0xE9)) /* U+4E00..U+9FFF lead bytes */
            return 1;
    return 0;
}

static int all_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

/* --- the lexicon ------------------------------------------------------------ */

typedef struct lexword {
    const char *w;
    int kind;
    float v;
} lexword;

static const lexword lexrows[] = {
#define LEX(w, ax, val) {w, 0, (float)(val)},
#define NUDGE(w, ax, val) {w, 0, (float)(val)},
#define NEG(w) {w, 1, 0},
#define INTENS(w, g) {w, 2, (float)(g)},
#define STOP(w) {w, 3, 0},
#define BREAK(w) {w, 4, 0},
#include "../../modalities/lexicon.def"
#undef LEX
#undef NUDGE
#undef NEG
#undef INTENS
#undef STOP
#undef BREAK
};

static void lexicon_has_400_words_in_both_languages(void **state)
{
    (void)state;
    size_t n = sizeof lexrows / sizeof lexrows[0];
    int en = 0, zh = 0;
    for (size_t i = 0; i < n; i++) {
        const lexword *r = &lexrows[i];
        if (r->kind == 0) assert_true(r->v >= 0 && r->v <= 1);
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(lexrows[j].w, r->w)) {
                first = 0;
                if (lexrows[j].kind != r->kind) /* one word, one role */
                    fail_msg("'%s' is both kind %d and %d", r->w, lexrows[j].kind, r->kind);
            }
        if (!first || r->kind != 0) continue;
        if (all_ascii(r->w))
            en++;
        else if (has_han(r->w))
            zh++;
    }
    print_message("lexicon: %d English + %d Chinese = %d words\n", en, zh, en + zh);
    assert_true(en + zh >= 400);
    assert_true(en >= 150);
    assert_true(zh >= 150);
}

/* --- ladders ------------------------------------------------------------- */

typedef struct ladder {
    syn_axis axis;
    const char *rung[8];
} ladder;

static const ladder ladders[] = {
    {SYN_AX_BRIGHTNESS, {"dark", "dim", "bright", "dazzling"}},
    {SYN_AX_BRIGHTNESS, {"黑暗", "昏暗", "明亮", "耀眼"}},
    {SYN_AX_BRIGHTNESS,
     {"very dark", "dark", "slightly dark", "slightly bright", "bright", "very bright"}},
    {SYN_AX_BRIGHTNESS, {"很黑暗", "黑暗", "有点暗", "有点亮", "亮", "非常亮"}},
    {SYN_AX_WARMTH, {"ice", "cold", "cool", "warm", "hot"}},
    {SYN_AX_WARMTH, {"冰", "寒冷", "凉", "温暖", "炎热"}},
    {SYN_AX_ENERGY, {"calm", "gentle", "lively", "intense", "wild"}},
    {SYN_AX_ENERGY, {"平静", "温柔", "活泼", "强烈", "激烈"}},
    {SYN_AX_VALENCE, {"sad", "melancholy", "pleasant", "happy", "joyful"}},
    {SYN_AX_VALENCE, {"悲伤", "忧郁", "愉快", "快乐", "狂喜"}},
    {SYN_AX_ELEVATION, {"underground", "ground", "mountain", "sky"}},
    {SYN_AX_ELEVATION, {"地下", "地面", "山", "天空"}},
    {SYN_AX_SHARPNESS, {"round", "smooth", "rough", "sharp", "spiky"}},
    {SYN_AX_SHARPNESS, {"圆润", "光滑", "粗糙", "尖锐", "锯齿"}},
    {SYN_AX_DENSITY, {"empty", "sparse", "full", "busy", "crowded"}},
    {SYN_AX_DENSITY, {"空旷", "稀疏", "丰富", "繁忙", "拥挤"}},
};

static void ladders_are_monotonic_in_both_languages(void **state)
{
    (void)state;
    for (size_t l = 0; l < sizeof ladders / sizeof ladders[0]; l++) {
        float v[8];
        int n = 0;
        char line[512];
        int k = snprintf(line, sizeof line, "%s:", syn_axis_name(ladders[l].axis));
        for (; n < 8 && ladders[l].rung[n]; n++) {
            v[n] = axis_of(ladders[l].rung[n], ladders[l].axis);
            if (k > 0 && (size_t)k < sizeof line)
                k += snprintf(line + k, sizeof line - k, " %s %.2f", ladders[l].rung[n], v[n]);
        }
        double rho = spearman(v, n);
        print_message("%s  rho %.2f\n", line, rho);
        if (rho < 0.9)
            fail_msg("ladder %zu on %s: rho %.2f < 0.9", l, syn_axis_name(ladders[l].axis), rho);
    }
}

static void chinese_and_english_synonyms_agree_within_0_1(void **state)
{
    (void)state;
    static const struct {
        const char *zh, *en;
        syn_axis a;
    } pairs[] = {
        {"明亮", "bright", SYN_AX_BRIGHTNESS},
        {"黑暗", "dark", SYN_AX_BRIGHTNESS},
        {"温暖", "warm", SYN_AX_WARMTH},
        {"寒冷", "cold", SYN_AX_WARMTH},
        {"平静", "calm", SYN_AX_ENERGY},
        {"激烈", "wild", SYN_AX_ENERGY},
        {"快乐", "happy", SYN_AX_VALENCE},
        {"悲伤", "sad", SYN_AX_VALENCE},
        {"红色", "red", SYN_AX_HUE},
        {"蓝色", "blue", SYN_AX_HUE},
        {"绿色", "green", SYN_AX_HUE},
        {"天空", "sky", SYN_AX_ELEVATION},
        {"尖锐", "sharp", SYN_AX_SHARPNESS},
        {"拥挤", "crowded", SYN_AX_DENSITY},
        {"很亮", "very bright", SYN_AX_BRIGHTNESS},
        {"不亮", "not bright", SYN_AX_BRIGHTNESS},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        float a = axis_of(pairs[i].zh, pairs[i].a), b = axis_of(pairs[i].en, pairs[i].a);
        float d = fabsf(a - b);
        if (pairs[i].a == SYN_AX_HUE) d = fminf(d, 1 - d); /* circular */
        if (d > 0.1f)
            fail_msg("%s %.2f vs %s %.2f on %s", pairs[i].zh, a, pairs[i].en, b,
                     syn_axis_name(pairs[i].a));
    }
}

static void negation_flips_around_the_middle(void **state)
{
    (void)state;
    float bright = axis_of("bright", SYN_AX_BRIGHTNESS);
    float not_bright = axis_of("not bright", SYN_AX_BRIGHTNESS);
    assert_true(not_bright < 0.5f && bright > 0.5f);
    /* weaker than the antonym: not bright is dim, not dark */
    assert_true(not_bright > axis_of("dark", SYN_AX_BRIGHTNESS));
    assert_true(axis_of("isn't bright", SYN_AX_BRIGHTNESS) < 0.5f);
    assert_true(axis_of("never happy", SYN_AX_VALENCE) < 0.5f);
    assert_true(axis_of("not cold", SYN_AX_WARMTH) > 0.5f);
    assert_true(axis_of("不亮", SYN_AX_BRIGHTNESS) < 0.5f);
    assert_true(axis_of("不快乐", SYN_AX_VALENCE) < 0.5f);
    assert_true(axis_of("没有光", SYN_AX_BRIGHTNESS) < 0.5f);
    assert_true(axis_of("不冷", SYN_AX_WARMTH) > 0.5f);
    /* a clause break ends the negation */
    assert_true(axis_of("not sad, but bright", SYN_AX_BRIGHTNESS) > 0.5f);
}

static void intensifiers_scale_the_distance_from_the_middle(void **state)
{
    (void)state;
    float vb = axis_of("very bright", SYN_AX_BRIGHTNESS), b = axis_of("bright", SYN_AX_BRIGHTNESS),
          sb = axis_of("slightly bright", SYN_AX_BRIGHTNESS);
    assert_true(vb > b && b > sb && sb > 0.5f);
    assert_true(axis_of("extremely bright", SYN_AX_BRIGHTNESS) > vb);
    assert_true(axis_of("very dark", SYN_AX_BRIGHTNESS) < axis_of("dark", SYN_AX_BRIGHTNESS));
    assert_true(axis_of("非常亮", SYN_AX_BRIGHTNESS) > axis_of("亮", SYN_AX_BRIGHTNESS));
    assert_true(axis_of("很亮", SYN_AX_BRIGHTNESS) > axis_of("亮", SYN_AX_BRIGHTNESS));
    assert_true(axis_of("有点亮", SYN_AX_BRIGHTNESS) < axis_of("亮", SYN_AX_BRIGHTNESS));
    assert_true(axis_of("有点亮", SYN_AX_BRIGHTNESS) > 0.5f);
}

static void english_inflections_find_their_stem(void **state)
{
    (void)state;
    assert_true(axis_of("brighter", SYN_AX_BRIGHTNESS) > 0.7f);
    assert_true(axis_of("darkness", SYN_AX_BRIGHTNESS) < 0.2f);
    assert_true(axis_of("hotter", SYN_AX_WARMTH) > 0.8f);
    assert_true(axis_of("skies", SYN_AX_ELEVATION) > 0.8f);
    assert_true(axis_of("BRIGHT", SYN_AX_BRIGHTNESS) > 0.7f);
}

static void unknown_words_move_sharpness_by_sound(void **state)
{
    (void)state;
    float kiki = axis_of("kiki takete", SYN_AX_SHARPNESS);
    float bouba = axis_of("bouba maluma", SYN_AX_SHARPNESS);
    print_message("sound symbolism: kiki takete %.2f, bouba maluma %.2f\n", kiki, bouba);
    assert_true(kiki > 0.5f && bouba < 0.5f && kiki > bouba);
    /* with small weight: a lexicon word outweighs it */
    syn_latent lat;
    syn_err e;
    assert_int_equal(sem_of("kiki", 4, &lat, &e), 0);
    assert_true(lat.sem.w[SYN_AX_SHARPNESS] > 0 && lat.sem.w[SYN_AX_SHARPNESS] < 0.35f);
    syn_latent_free(&lat);
    assert_true(axis_of("round kiki takete", SYN_AX_SHARPNESS) < 0.5f);
}

static void unmentioned_axes_have_no_weight_and_reasons_name_words(void **state)
{
    (void)state;
    syn_latent lat;
    syn_err e;
    assert_int_equal(sem_of("bright", 6, &lat, &e), 0);
    assert_string_equal(lat.sem.reason[SYN_AX_BRIGHTNESS], "brightness 0.85: 'bright'");
    for (int a = 0; a < SYN_AX_COUNT; a++) {
        if (a == SYN_AX_BRIGHTNESS || a == SYN_AX_VALENCE) /* bright nudges valence */
            continue;
        assert_true(lat.sem.w[a] == 0 && lat.sem.v[a] == 0.5f);
        assert_non_null(strstr(lat.sem.reason[a], "not mentioned"));
    }
    syn_latent_free(&lat);
    const char *zh = "寒冷";
    assert_int_equal(sem_of(zh, strlen(zh), &lat, &e), 0);
    assert_string_equal(lat.sem.reason[SYN_AX_WARMTH], "warmth 0.15: 寒冷");
    assert_string_equal(lat.lang, "zh");
    syn_latent_free(&lat);
    /* a long text: the reason stays bounded and valid */
    const char *many = "bright dazzling brilliant shining radiant luminous gleaming glowing "
                       "sparkling glittering vivid shiny";
    assert_int_equal(sem_of(many, strlen(many), &lat, &e), 0);
    assert_true(strlen(lat.sem.reason[SYN_AX_BRIGHTNESS]) < SYN_REASON_LEN);
    assert_non_null(strstr(lat.sem.reason[SYN_AX_BRIGHTNESS], "..."));
    syn_latent_free(&lat);
}

static void different_prompts_differ_and_equal_prompts_repeat(void **state)
{
    (void)state;
    syn_latent a, b, c;
    syn_err e;
    assert_int_equal(sem_of("a bright day", 12, &a, &e), 0);
    assert_int_equal(sem_of("a bright day!", 13, &b, &e), 0);
    assert_int_equal(sem_of("a bright day", 12, &c, &e), 0);
    assert_true(a.sem.hash != b.sem.hash);
    assert_memory_equal(&a.sem, &c.sem, sizeof a.sem);
    assert_string_equal(a.text, "a bright day");
    assert_string_equal(a.lang, "en");
    syn_latent_free(&a);
    syn_latent_free(&b);
    syn_latent_free(&c);
}

static void bad_text_is_refused_with_the_right_kind(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        syn_errkind kind;
    } bad[] = {
        {"abc\xC3\x28", 5, SYN_E_INVALID},      /* bad continuation  */
        {"\xC0\xAF", 2, SYN_E_INVALID},         /* overlong '/'      */
        {"\xED\xA0\x80", 3, SYN_E_INVALID},     /* a UTF-16 surrogate */
        {"\xF4\x90\x80\x80", 4, SYN_E_INVALID}, /* above U+10FFFF    */
        {"\xE4\xBD", 2, SYN_E_INVALID},         /* truncated         */
        {"\xFF", 1, SYN_E_INVALID},
        {"nul\0byte", 8, SYN_E_INVALID},
        {"bell\x07", 5, SYN_E_INVALID},
        {"c1 \xC2\x85", 5, SYN_E_INVALID}, /* U+0085 NEL        */
        {" \t\r\n ", 5, SYN_E_EMPTY},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        syn_latent lat;
        syn_err e = {0};
        if (sem_of(bad[i].bytes, bad[i].n, &lat, &e) == 0) fail_msg("case %zu was accepted", i);
        assert_int_equal(e.kind, bad[i].kind);
        assert_null(lat.text);
    }
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, 'a', 5000);
    syn_latent lat;
    syn_err e = {0};
    assert_int_equal(sem_of(big, 5000, &lat, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    free(big);
    /* tabs, line breaks and a byte-order mark are fine */
    const char *ok = "\xEF\xBB\xBF"
                     "bright\r\n\tsky";
    assert_int_equal(sem_of(ok, strlen(ok), &lat, &e), 0);
    assert_string_equal(lat.text, "bright\r\n\tsky");
    syn_latent_free(&lat);
}

/* --- drawing ------------------------------------------------------------- */

static int draw(const char *text, syn_latent *lat)
{
    syn_opts o;
    opts_mode(&o, "spectral");
    syn_err e;
    syn_decode_ctx ctx = {.opts = &o, .limits = &lim, .target = NULL, .want_grid = 1};
    return syn_text_modality.decode((const uint8_t *)text, strlen(text), &ctx, lat, &e);
}

static void text_is_drawn_into_the_middle_band(void **state)
{
    (void)state;
    syn_latent lat;
    assert_int_equal(draw("Hello 你好", &lat), 0);
    const syn_grid *g = &lat.grid;
    assert_int_equal(g->rows, 128);
    assert_true(g->cols > 100 && g->cols <= lim.max_out_side);
    double mid = 0, outside = 0, peak = 0;
    for (int r = 0; r < g->rows; r++)
        for (int c = 0; c < g->cols; c++) {
            float v = g->v[(size_t)r * g->cols + c];
            if (r >= 36 && r < 96) {
                mid += v;
                peak = fmax(peak, v);
            } else if (r < 24 || r >= 104) {
                outside += v;
            }
        }
    print_message("drawn: %dx%d, ink %.0f in the middle band, %.0f outside\n", g->rows, g->cols,
                  mid, outside);
    assert_true(peak > 0.95 && mid > 500);
    assert_true(outside == 0);
    assert_int_equal(lat.map.source, SYN_SRC_IMAGE);
    assert_int_equal(lat.map.rows, 128);
    assert_int_equal(lat.map.cols, g->cols);
    syn_latent_free(&lat);

    /* a long text still fits the widest grid */
    char longtext[4001];
    for (int i = 0; i < 4000; i++)
        longtext[i] = "synesthesia "[i % 12];
    longtext[4000] = '\0';
    assert_int_equal(draw(longtext, &lat), 0);
    assert_true(lat.grid.cols <= lim.max_out_side);
    syn_latent_free(&lat);
}

/* text -> sound (spectral) -> picture with the project's own audio and
 * image modalities: the picture's luma correlates with the drawn text. */
static void drawn_text_reads_back_from_the_sound(void **state)
{
    (void)state;
    const char *text = "SYN 你好";
    syn_latent mask;
    assert_int_equal(draw(text, &mask), 0);

    syn_opts o;
    opts_mode(&o, "spectral");
    syn_blob wav, png;
    syn_err e;
    const syn_modality *audio = syn_modality_by_name("audio"),
                       *image = syn_modality_by_name("image");
    assert_non_null(audio);
    assert_non_null(image);
    if (syn_convert(&syn_text_modality, (const uint8_t *)text, strlen(text), audio, &o, &lim, &wav,
                    &e) < 0)
        fail_msg("text -> audio: %s", e.message);
    opts_mode(&o, NULL);
    if (syn_convert(audio, wav.data, wav.len, image, &o, &lim, &png, &e) < 0)
        fail_msg("audio -> image: %s", e.message);

    syn_latent pic;
    syn_decode_ctx ctx = {.opts = &o, .limits = &lim, .target = NULL, .want_grid = 1};
    assert_int_equal(image->decode(png.data, png.len, &ctx, &pic, &e), 0);
    int R = mask.grid.rows, C = mask.grid.cols;
    float *back = malloc(sizeof(float) * (size_t)R * C);
    assert_non_null(back);
    syn_resample(pic.grid.v, pic.grid.cols, pic.grid.rows, back, C, R);
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = (double)R * C;
    for (int i = 0; i < R * C; i++) {
        double a = mask.grid.v[i], b = back[i];
        sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
    }
    double r = (sab - sa * sb / n) / sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
    print_message("text -> sound -> picture (%dx%d): correlation with the drawn text %.2f\n",
                  pic.grid.rows, pic.grid.cols, r);
    assert_true(r > 0.5);
    free(back);
    syn_latent_free(&pic);
    syn_latent_free(&mask);
    syn_blob_free(&wav);
    syn_blob_free(&png);
}

/* --- descriptions -------------------------------------------------------- */

static int sentences(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '.';
    for (const char *p = s; (p = strstr(p, "。")); p += 3)
        n++;
    return n;
}

static void descriptions_speak_english_or_chinese_and_follow_the_input(void **state)
{
    (void)state;
    syn_semantics a, b;
    syn_sem_neutral(&a);
    syn_sem_set(&a, SYN_AX_BRIGHTNESS, 0.9f, 0.8f, "test");
    syn_sem_set(&a, SYN_AX_WARMTH, 0.8f, 0.7f, "test");
    syn_sem_set(&a, SYN_AX_HUE, 0.62f, 0.7f, "test");
    syn_sem_neutral(&b);
    syn_sem_set(&b, SYN_AX_BRIGHTNESS, 0.1f, 0.8f, "test");
    syn_sem_set(&b, SYN_AX_ENERGY, 0.9f, 0.7f, "test");
    char en_a[1024], en_b[1024], zh_a[1024], zh_b[1024];
    assert_true(syn_describe(&a, NULL, "en", en_a, sizeof en_a) > 0);
    assert_true(syn_describe(&b, NULL, "en", en_b, sizeof en_b) > 0);
    assert_true(syn_describe(&a, NULL, "zh", zh_a, sizeof zh_a) > 0);
    assert_true(syn_describe(&b, NULL, "zh", zh_b, sizeof zh_b) > 0);
    print_message("en: %s\nzh: %s\nen: %s\nzh: %s\n", en_a, zh_a, en_b, zh_b);
    assert_true(all_ascii(en_a) && all_ascii(en_b));
    assert_true(has_han(zh_a) && has_han(zh_b));
    assert_string_not_equal(en_a, en_b);
    assert_string_not_equal(zh_a, zh_b);
    assert_non_null(strstr(en_a, "very bright"));
    assert_non_null(strstr(en_a, "blue"));
    assert_non_null(strstr(en_b, "very dark"));
    assert_non_null(strstr(zh_a, "很明亮"));
    assert_non_null(strstr(zh_a, "蓝"));
    assert_null(strstr(en_b, "warm")); /* an axis without evidence is not mentioned */
    assert_true(sentences(en_a) >= 2 && sentences(en_a) <= 4);
    assert_true(sentences(zh_b) >= 2 && sentences(zh_b) <= 4);

    /* a small buffer truncates on a code point boundary */
    char tiny[8];
    int k = syn_describe(&a, NULL, "zh", tiny, sizeof tiny);
    assert_true(k < (int)sizeof tiny && (int)strlen(tiny) == k && k % 3 == 0);
}

/* A grid whose energy climbs from the bottom rows to the top over time. */
static void sweep(syn_grid *g, int up)
{
    assert_int_equal(syn_grid_alloc(g, 64, 100, 0), 0);
    for (int c = 0; c < 100; c++) {
        int r = up ? 60 - c * 56 / 100 : 4 + c * 56 / 100;
        g->v[(size_t)r * 100 + c] = 1;
        g->v[(size_t)(r + 1) * 100 + c] = 0.5f;
    }
}

static void descriptions_read_the_grid_structure(void **state)
{
    (void)state;
    syn_semantics s;
    syn_sem_neutral(&s);
    syn_grid up = {0}, down = {0}, low = {0}, empty = {0};
    sweep(&up, 1);
    sweep(&down, 0);
    assert_int_equal(syn_grid_alloc(&low, 64, 100, 0), 0);
    for (int c = 0; c < 100; c++)
        for (int r = 50; r < 64; r++)
            low.v[(size_t)r * 100 + c] = 0.8f;
    assert_int_equal(syn_grid_alloc(&empty, 64, 100, 0), 0);
    char t[1024];
    syn_describe(&s, &up, "en", t, sizeof t);
    print_message("up: %s\n", t);
    assert_non_null(strstr(t, "rises"));
    syn_describe(&s, &down, "en", t, sizeof t);
    assert_non_null(strstr(t, "falls"));
    syn_describe(&s, &down, "zh", t, sizeof t);
    print_message("down: %s\n", t);
    assert_non_null(strstr(t, "降低"));
    syn_describe(&s, &low, "en", t, sizeof t);
    print_message("low: %s\n", t);
    assert_non_null(strstr(t, "low register"));
    assert_non_null(strstr(t, "smooth"));
    syn_describe(&s, &empty, "en", t, sizeof t);
    assert_non_null(strstr(t, "no energy"));
    syn_grid_free(&up);
    syn_grid_free(&down);
    syn_grid_free(&low);
    syn_grid_free(&empty);
}

static void text_target_writes_the_description(void **state)
{
    (void)state;
    syn_opts o;
    opts_mode(&o, NULL);
    syn_blob out;
    syn_err e;
    const char *zh = "寒冷的冬夜，天空很黑暗。";
    assert_int_equal(syn_convert(&syn_text_modality, (const uint8_t *)zh, strlen(zh),
                                 &syn_text_modality, &o, &lim, &out, &e),
                     0);
    assert_string_equal(out.mime, "text/plain; charset=utf-8");
    assert_string_equal(out.ext, "txt");
    assert_true(out.len > 0 && strlen((const char *)out.data) == out.len);
    print_message("zh -> %s\n", (const char *)out.data);
    assert_true(has_han((const char *)out.data));
    syn_blob_free(&out);
    syn_err e2;
    assert_int_equal(syn_opts_set(&o, "lang", "en", &lim, &e2), 0);
    assert_int_equal(syn_convert(&syn_text_modality, (const uint8_t *)zh, strlen(zh),
                                 &syn_text_modality, &o, &lim, &out, &e),
                     0);
    print_message("zh, lang=en -> %s\n", (const char *)out.data);
    assert_true(all_ascii((const char *)out.data));
    assert_non_null(strstr((const char *)out.data, "cold"));
    syn_blob_free(&out);
    assert_ptr_equal(syn_modality_for_format("txt"), &syn_text_modality);
    assert_string_equal(syn_format_mime("txt"), "text/plain; charset=utf-8");
    assert_ptr_equal(syn_modality_by_mime("text/plain; charset=utf-8"), &syn_text_modality);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lexicon_has_400_words_in_both_languages),
        cmocka_unit_test(ladders_are_monotonic_in_both_languages),
        cmocka_unit_test(chinese_and_english_synonyms_agree_within_0_1),
        cmocka_unit_test(negation_flips_around_the_middle),
        cmocka_unit_test(intensifiers_scale_the_distance_from_the_middle),
        cmocka_unit_test(english_inflections_find_their_stem),
        cmocka_unit_test(unknown_words_move_sharpness_by_sound),
        cmocka_unit_test(unmentioned_axes_have_no_weight_and_reasons_name_words),
        cmocka_unit_test(different_prompts_differ_and_equal_prompts_repeat),
        cmocka_unit_test(bad_text_is_refused_with_the_right_kind),
        cmocka_unit_test(text_is_drawn_into_the_middle_band),
        cmocka_unit_test(drawn_text_reads_back_from_the_sound),
        cmocka_unit_test(descriptions_speak_english_or_chinese_and_follow_the_input),
        cmocka_unit_test(descriptions_read_the_grid_structure),
        cmocka_unit_test(text_target_writes_the_description),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
