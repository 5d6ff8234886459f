/* options.c -- the option table, parsing, and the grid-size policies.
 *
 * One table serves the query string, form fields, JSON, the CLI and
 * GET /v1: names, defaults, ranges, choices and where each value lives
 * come from its rows.  Each default carries its reason in its help line. */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syn/options.h"
#include "syn/fusion.h"
#include "syn/modality.h"

static const char *const langs[] = {"auto", "en", "zh", NULL};
static const char *const scales[] = {"linear", "mel", "log", NULL};
static const char *const syntheses[] = {"auto", "sine", "noise", "griffinlim", NULL};

/* Lists other modules own: the modes (mode.c), the colour maps
 * (colormap.c) and every modality's output formats (registry.c). */
static const char *colormap_choice(int i)
{
    const char *const *names = syn_colormap_names();
    for (int k = 0; k < i; k++)
        if (!names[k]) return NULL;
    return names[i];
}

static const char *format_choice(int i)
{
    return i == 0 ? "auto" : syn_format_at(i - 1);
}

#define AT(field) offsetof(syn_opts, field)
#define NUMOPT(n, id, t, d, lo, hi, h, st, f)                                                      \
    [id] = {n, id, t, d, lo, hi, NULL, NULL, h, st, AT(f), 0}
#define INDEXOPT(n, id, d, ch, h, f)                                                               \
    [id] = {n, id, SYN_OT_ENUM, d, 0, 0, ch, NULL, h, SYN_OS_INDEX, AT(f), 0}
#define STROPT(n, id, d, ch, fn, h, f)                                                             \
    [id] = {n, id, SYN_OT_ENUM, d, 0, 0, ch, fn, h, SYN_OS_STR, AT(f), sizeof(((syn_opts *)0)->f)}

static const syn_optdef fixed[SYN_OPT_WEIGHT] = {
    [SYN_OPT_MODE] = {"mode", SYN_OPT_MODE, SYN_OT_ENUM, "auto", 0, 0, NULL, syn_mode_choice,
                      "spectral: a picture is read as a spectrogram and a sound drawn as one, "
                      "faithful and invertible; semantic: music or a painting from the perceptual "
                      "axes; speech: espeak-ng speaks the text or the description; auto: spectral "
                      "when a picture or sound is among the inputs, semantic for text alone",
                      SYN_OS_INDEX, AT(mode), 0},
    NUMOPT("seed", SYN_OPT_SEED, SYN_OT_INT, "0", 0, 4294967295.0,
           "seeds partial phases and noise; same input, options and seed give the same bytes",
           SYN_OS_U32, seed),
    NUMOPT("duration", SYN_OPT_DURATION, SYN_OT_NUM, "5", 0.1, 3600,
           "seconds of sound made from a picture; 5 s gives a 128-column picture 39 ms per "
           "column, slow enough to hear shapes, long enough for the round trip to stay sharp",
           SYN_OS_DBL, duration),
    NUMOPT("sample_rate", SYN_OPT_SAMPLE_RATE, SYN_OT_INT, "22050", 8000, 192000,
           "Hz of generated sound; 22050 carries the default 8 kHz top band with half the "
           "bytes of 44100",
           SYN_OS_INT, sample_rate),
    NUMOPT("fmin", SYN_OPT_FMIN, SYN_OT_NUM, "100", 0, 96000,
           "Hz at the bottom row; 100 Hz is the lowest most laptop speakers play", SYN_OS_DBL,
           fmin),
    NUMOPT("fmax", SYN_OPT_FMAX, SYN_OT_NUM, "8000", 1, 96000,
           "Hz at the top row, at most sample_rate / 2 (Nyquist; 400 above); the default "
           "8 kHz (or 0.45 x sample_rate if lower) holds speech and stays pleasant",
           SYN_OS_DBL, fmax),
    INDEXOPT("scale", SYN_OPT_SCALE, "linear", scales,
             "frequency axis; linear keeps every row resolvable, so the round trip is sharp; "
             "log and mel follow pitch perception but blur the low rows",
             scale),
    NUMOPT("width", SYN_OPT_WIDTH, SYN_OT_INT, "auto", 8, 4096,
           "columns: of the picture drawn from a sound (auto: 2 x height, or the aspect "
           "of the picture the sound was made from), or of the band grid a picture is read "
           "into (auto: the picture's aspect)",
           SYN_OS_INT, width),
    NUMOPT("height", SYN_OPT_HEIGHT, SYN_OT_INT, "auto", 8, 4096,
           "rows: 512 for a picture drawn from a sound; 128 frequency bands for a sound made "
           "from a picture, the most a 5 s sound keeps apart",
           SYN_OS_INT, height),
    STROPT("colormap", SYN_OPT_COLORMAP, "ember", NULL, colormap_choice,
           "colour map of spectrograms; ember and ice are perceptually ordered and their "
           "luma rises linearly, so the picture plays back; gray is plain",
           colormap),
    STROPT("format", SYN_OPT_FORMAT, "auto", NULL, format_choice,
           "output format; auto is png for images and 16-bit wav for audio, the most "
           "widely playable",
           format),
    NUMOPT("stereo", SYN_OPT_STEREO, SYN_OT_BOOL, "0", 0, 1,
           "1: red is the left channel and green the right (Coagula, MetaSynth); a stereo "
           "sound draws red/green",
           SYN_OS_INT, stereo),
    INDEXOPT("synthesis", SYN_OPT_SYNTHESIS, "auto", syntheses,
             "auto: sine partials for pictures, Griffin-Lim phase rebuilding for "
             "spectrograms synesthd drew; noise: noise bands as in ARSS",
             synthesis),
    NUMOPT("db_range", SYN_OPT_DB_RANGE, SYN_OT_NUM, "50", 10, 120,
           "dB from black to white; 50 dB shows speech and music without the noise floor",
           SYN_OS_DBL, db_range),
    STROPT("lang", SYN_OPT_LANG, "auto", langs, NULL,
           "language of descriptions; auto follows the input text (Chinese if it has Han "
           "characters), English otherwise",
           lang),
    STROPT("voice", SYN_OPT_VOICE, "auto", langs, NULL,
           "espeak-ng voice for mode=speech: en or zh (Mandarin); auto follows lang", voice),
    NUMOPT("rounds", SYN_OPT_ROUNDS, SYN_OT_INT, "3", 1, SYN_LOOP_ROUNDS,
           "closed-loop rounds of mode=semantic: each makes the output, reads it back and "
           "corrects what missed; 1 is the calibrated guess alone, about a third of the time",
           SYN_OS_INT, rounds),
};

int syn_optdef_count(void)
{
    int n;
    syn_weight_optdefs(&n);
    return SYN_OPT_WEIGHT + n;
}

const syn_optdef *syn_optdef_at(int i)
{
    int n;
    const syn_optdef *w = syn_weight_optdefs(&n);
    if (i >= 0 && i < SYN_OPT_WEIGHT) return &fixed[i];
    if (i >= SYN_OPT_WEIGHT && i < SYN_OPT_WEIGHT + n) return &w[i - SYN_OPT_WEIGHT];
    return NULL;
}

const syn_optdef *syn_optdef_find(const char *name)
{
    const syn_optdef *d;
    for (int i = 0; name && (d = syn_optdef_at(i)); i++)
        if (!strcmp(d->name, name)) return d;
    return NULL;
}

const char *syn_optdef_choice(const syn_optdef *d, int i)
{
    if (d->choice) return d->choice(i);
    if (!d->choices || i < 0) return NULL;
    for (int k = 0; k < i; k++)
        if (!d->choices[k]) return NULL;
    return d->choices[i];
}

/* Keep an already checked value in its row's field. */
static void store(syn_opts *o, const syn_optdef *d, const char *value, double x, int idx)
{
    void *f = (char *)o + d->offset; /* the row says what the field is */
    switch (d->store) {
    case SYN_OS_INT:
        *(int *)f = (int)x;
        break;
    case SYN_OS_U32:
        *(uint32_t *)f = (uint32_t)x;
        break;
    case SYN_OS_DBL:
        *(double *)f = x;
        break;
    case SYN_OS_INDEX:
        *(int *)f = idx;
        break;
    case SYN_OS_STR:
        snprintf(f, d->size, "%s", strcmp(value, "auto") ? value : "");
        break;
    }
}

void syn_opts_default(syn_opts *o)
{
    memset(o, 0, sizeof *o);
    const syn_optdef *d;
    for (int i = 0; (d = syn_optdef_at(i)); i++) {
        int idx = 0;
        if (d->type == SYN_OT_ENUM)
            while (syn_optdef_choice(d, idx) && strcmp(syn_optdef_choice(d, idx), d->def))
                idx++;
        /* "auto" for a number: 0, which the size policies read as theirs */
        double x = d->type == SYN_OT_ENUM || !strcmp(d->def, "auto") ? 0 : strtod(d->def, NULL);
        store(o, d, d->def, x, idx);
    }
}

double syn_optdef_max(const syn_optdef *d, const syn_limits *lim)
{
    switch (d->id) {
    case SYN_OPT_DURATION:
        return fmin(d->max, lim->max_audio_out_sec);
    case SYN_OPT_SAMPLE_RATE:
        return fmin(d->max, lim->max_sample_rate);
    case SYN_OPT_WIDTH:
    case SYN_OPT_HEIGHT:
        return fmin(d->max, lim->max_out_side);
    default:
        return d->max;
    }
}

static double optdef_min(const syn_optdef *d, const syn_limits *lim)
{
    if (d->id == SYN_OPT_SAMPLE_RATE) return fmax(d->min, lim->min_sample_rate);
    return d->min;
}

static int choice_index(const syn_optdef *d, const char *v)
{
    const char *c;
    for (int i = 0; (c = syn_optdef_choice(d, i)); i++)
        if (!strcmp(c, v)) return i;
    return -1;
}

static int bad_choice(syn_err *e, const syn_optdef *d, const char *v)
{
    char list[160] = "";
    const char *c;
    for (int i = 0; (c = syn_optdef_choice(d, i)); i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, c, sizeof list - strlen(list) - 1);
    }
    return syn_fail(e, SYN_E_BADREQ, "", "option %s must be one of: %s (got \"%.40s\")", d->name,
                    list, v);
}

/* A plain decimal: [-] digits [. digits] [e [+-] digits], at least one
 * digit before the exponent, nothing else.  strtod alone would also take
 * hex (0x10), inf, nan, leading white space and a locale's own forms, so
 * the grammar is checked first and strtod only converts what passed.
 * A '-' is allowed so that the range check can say what is wrong with a
 * negative value; no option's range takes one today.  whole: no fraction
 * and no exponent (seed=1e3 is a number, but not the way to write 1000). */
static int plain_decimal(const char *s, int whole, double *x)
{
    const char *p = s;
    int digits = 0;
    if (*p == '-') p++;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.' && !whole) {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits) return -1;
    if ((*p == 'e' || *p == 'E') && !whole) {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p) return -1;
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    /* ERANGE on underflow (1e-400) is a tiny number the range refuses;
     * on overflow it is not finite */
    return end == p && isfinite(*x) ? 0 : -1;
}

int syn_opts_set(syn_opts *o, const char *name, const char *value, const syn_limits *lim,
                 syn_err *e)
{
    return syn_opts_setn(o, name, value, strlen(value), lim, e);
}

int syn_opts_setn(syn_opts *o, const char *name, const char *value, size_t len,
                  const syn_limits *lim, syn_err *e)
{
    const syn_optdef *d = syn_optdef_find(name);
    if (!d) {
        char hint[sizeof e->hint] = "valid options: "; /* the rows' names, as GET /v1 lists them */
        for (int i = 0; (d = syn_optdef_at(i)); i++) {
            strncat(hint, i ? ", " : "", sizeof hint - strlen(hint) - 1);
            strncat(hint, d->name, sizeof hint - strlen(hint) - 1);
        }
        return syn_fail(e, SYN_E_BADREQ, hint, "unknown option '%.60s'", name);
    }
    /* A form field or a JSON string carries a length; a NUL inside it would
     * end the C string early, and "3\0abc" would read as 3. */
    if (memchr(value, 0, len))
        return syn_fail(e, SYN_E_BADREQ, "send the value without NUL bytes (%00)",
                        "option %s holds a NUL byte (got \"%.40s\" and %zu more bytes)", d->name,
                        value, len - strlen(value));
    double x = 0;
    int idx = 0;
    if (d->type == SYN_OT_ENUM) {
        if ((idx = choice_index(d, value)) < 0) return bad_choice(e, d, value);
    } else if (d->type == SYN_OT_BOOL) {
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
            x = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
            x = 0;
        else
            return syn_fail(e, SYN_E_BADREQ, "use 0 or 1", "option %s must be 0 or 1", d->name);
    } else {
        double lo = optdef_min(d, lim), hi = syn_optdef_max(d, lim);
        if (plain_decimal(value, 0, &x) < 0)
            return syn_fail(e, SYN_E_BADREQ,
                            "write it as plain decimal digits, such as 2.5 or 1e3; no hex, inf "
                            "or nan, no spaces",
                            "option %s must be a decimal number (got \"%.40s\")", d->name, value);
        if (d->type == SYN_OT_INT && plain_decimal(value, 1, &x) < 0)
            return syn_fail(e, SYN_E_BADREQ, "write it as digits alone",
                            "option %s must be a whole number (got \"%.40s\")", d->name, value);
        if (x < lo || x > hi)
            return syn_fail(e, SYN_E_BADREQ, "GET /v1 lists every option's range",
                            "option %s must be between %g and %g (got %g)", d->name, lo, hi, x);
    }
    store(o, d, value, x, idx);
    o->set |= (uint64_t)1 << d->id;
    return 0;
}

void syn_map_apply_opts(syn_map *m, const syn_opts *o)
{
    int sr_given = syn_opt_given(o, SYN_OPT_SAMPLE_RATE);
    if (sr_given) m->sample_rate = o->sample_rate;
    if (syn_opt_given(o, SYN_OPT_DURATION)) m->duration = o->duration;
    if (syn_opt_given(o, SYN_OPT_FMIN)) m->fmin = o->fmin;
    if (syn_opt_given(o, SYN_OPT_FMAX)) m->fmax = o->fmax;
    if (syn_opt_given(o, SYN_OPT_SCALE)) m->scale = o->scale;
    if (syn_opt_given(o, SYN_OPT_DB_RANGE)) m->db_range = o->db_range;
    if (syn_opt_given(o, SYN_OPT_SYNTHESIS)) m->synthesis = o->synthesis;
    if (syn_opt_given(o, SYN_OPT_STEREO)) m->stereo = o->stereo;
    if (syn_opt_given(o, SYN_OPT_SEED)) m->seed = o->seed;
    if (sr_given) m->n_fft = 0; /* re-derive the frame for the new rate */
    syn_map_fix(m);
}

static int clampi(long v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* 128 bands: at the default 100-8000 Hz linear axis they sit 62 Hz apart,
 * three STFT bins of the 46 ms analysis frame, so every band comes back
 * separate; 5 s / 128 columns = 39 ms, close to the frame's time blur. */
#define SYN_DEFAULT_BANDS 128
/* 512 rows: finer than the 21.5 Hz analysis bins up to 8 kHz, so a
 * sound's picture loses nothing to the picture's own resolution. */
#define SYN_DEFAULT_PICTURE_ROWS 512

void syn_band_grid_size(const syn_opts *o, const syn_limits *lim, int img_w, int img_h, int *rows,
                        int *cols)
{
    int side = lim->max_out_side > 8 ? lim->max_out_side : 4096;
    *rows = syn_opt_given(o, SYN_OPT_HEIGHT) ? o->height : SYN_DEFAULT_BANDS;
    if (syn_opt_given(o, SYN_OPT_WIDTH))
        *cols = o->width;
    else
        *cols = clampi(lround((double)*rows * img_w / (img_h > 0 ? img_h : 1)), 8, side);
}

void syn_picture_size(const syn_opts *o, const syn_limits *lim, const syn_map *m, int *rows,
                      int *cols)
{
    int side = lim->max_out_side > 8 ? lim->max_out_side : 4096;
    *rows = syn_opt_given(o, SYN_OPT_HEIGHT) ? o->height : SYN_DEFAULT_PICTURE_ROWS;
    if (syn_opt_given(o, SYN_OPT_WIDTH))
        *cols = o->width;
    else if (m && m->rows > 0 && m->cols > 0)
        *cols = clampi(lround((double)*rows * m->cols / m->rows), 8, side);
    else
        *cols = clampi(2L * *rows, 8, side);
}
