/* options.h -- the conversion options, one table for every front end.
 *
 * The HTTP query string, multipart form fields, JSON bodies and the CLI's
 * --name value pairs all go through syn_opts_set[n](); GET /v1 prints the
 * table (name, type, default, range, choices, help).  Each row says where
 * its value lives (offsetof), so parsing and defaults read the rows alone;
 * the lists other modules own (modes, colour maps, formats) are read from
 * them.  An option the user
 * gave explicitly overrides the map an input carries; one left out does not. */
#ifndef SYN_OPTIONS_H
#define SYN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/mode.h"

/* The most modalities the registry may list: each has a fusion weight
 * option and a bit in syn_opts.set (registry.c checks its list fits). */
#define SYN_MAX_MODALITIES 16

typedef enum syn_optid {
    SYN_OPT_MODE = 0,
    SYN_OPT_SEED,
    SYN_OPT_DURATION,
    SYN_OPT_SAMPLE_RATE,
    SYN_OPT_FMIN,
    SYN_OPT_FMAX,
    SYN_OPT_SCALE,
    SYN_OPT_WIDTH,
    SYN_OPT_HEIGHT,
    SYN_OPT_COLORMAP,
    SYN_OPT_FORMAT,
    SYN_OPT_STEREO,
    SYN_OPT_SYNTHESIS,
    SYN_OPT_DB_RANGE,
    SYN_OPT_LANG,
    SYN_OPT_VOICE,
    SYN_OPT_ROUNDS,
    SYN_OPT_WEIGHT, /* weight_<name>: SYN_OPT_WEIGHT + the modality's registry position */
    SYN_OPT_COUNT = SYN_OPT_WEIGHT + SYN_MAX_MODALITIES
} syn_optid;

typedef enum syn_opttype { SYN_OT_INT, SYN_OT_NUM, SYN_OT_ENUM, SYN_OT_BOOL } syn_opttype;

/* How a row's value is kept in syn_opts, at its offset. */
typedef enum syn_optstore {
    SYN_OS_INT,   /* int                                                  */
    SYN_OS_U32,   /* uint32_t                                             */
    SYN_OS_DBL,   /* double                                               */
    SYN_OS_INDEX, /* int (an enum): the index of the choice               */
    SYN_OS_STR,   /* char[size]: the choice's text, "" for "auto"         */
} syn_optstore;

typedef struct syn_optdef {
    const char *name;
    syn_optid id;
    syn_opttype type;
    const char *def;              /* default as text ("auto" where derived: 0 or "") */
    double min, max;              /* numeric range (INT, NUM)                 */
    const char *const *choices;   /* ENUM: NULL-terminated, or NULL and ...   */
    const char *(*choice)(int i); /* ... the i-th choice of a list owned elsewhere
                                     (modes, colour maps, formats), NULL past the end */
    const char *help;             /* one line, with the reason for the default */
    syn_optstore store;
    size_t offset, size; /* where in syn_opts; size for SYN_OS_STR */
} syn_optdef;

/* Every option: the fixed rows, then one weight_<name> row per registered
 * modality (registry.c makes those).  The id of row i is i. */
int syn_optdef_count(void);
const syn_optdef *syn_optdef_at(int i);              /* NULL outside 0..count-1 */
const syn_optdef *syn_optdef_find(const char *name); /* NULL: no such option */
/* The i-th choice of an ENUM row, NULL past the last. */
const char *syn_optdef_choice(const syn_optdef *d, int i);
/* The weight_<name> rows, one per modality in registry order (registry.c). */
const syn_optdef *syn_weight_optdefs(int *n);

typedef struct syn_opts {
    uint64_t set;  /* bit (1 << SYN_OPT_x) when given explicitly   */
    syn_mode mode; /* SYN_MODE_AUTO until convert.c resolves it     */
    uint32_t seed;
    double duration; /* seconds of generated audio                  */
    int sample_rate;
    double fmin, fmax;
    syn_scale scale;
    int width, height; /* 0 = auto                                    */
    char colormap[16]; /* "ember", "gray", ...                        */
    char format[16];   /* "" = the target's default; png, wav, ...    */
    int stereo;
    syn_synth synthesis;
    double db_range;
    char lang[4];                      /* "" = follow the input text, "en", "zh"      */
    char voice[4];                     /* "" = follow lang, "en", "zh"                */
    int rounds;                        /* closed-loop rounds of semantic generation   */
    double weight[SYN_MAX_MODALITIES]; /* fusion weights, by registry position */
} syn_opts;

/* Every row's default (its def text). */
void syn_opts_default(syn_opts *o);

/* Parse and range-check one option (limits bound duration, rates, sizes).
 * Numbers are plain decimals read whole: [-]digits[.digits][e[+-]digits],
 * whole numbers digits alone; no hex, inf, nan or white space.
 * Returns 0, or -1 with SYN_E_BADREQ for an unknown name or a bad value;
 * on -1 *o is unchanged.  syn_opts_setn takes the value's length (a form
 * field or a JSON string may hold a NUL byte, which is refused);
 * syn_opts_set is for C strings (argv). */
int syn_opts_set(syn_opts *o, const char *name, const char *value, const syn_limits *lim,
                 syn_err *e);
int syn_opts_setn(syn_opts *o, const char *name, const char *value, size_t len,
                  const syn_limits *lim, syn_err *e);

static inline int syn_opt_given(const syn_opts *o, int id)
{
    return (int)((o->set >> id) & 1u);
}

/* Explicitly given options override the map's fields (sample_rate, duration,
 * fmin, fmax, scale, db_range, synthesis, stereo, seed); then syn_map_fix(). */
void syn_map_apply_opts(syn_map *m, const syn_opts *o);

/* Grid size policies, one place for all front ends.
 * Picture -> sound: rows = height option or 128 bands; cols = width option,
 * or rows * img_w / img_h (the picture's aspect), clamped to [8, max_out_side]. */
void syn_band_grid_size(const syn_opts *o, const syn_limits *lim, int img_w, int img_h, int *rows,
                        int *cols);
/* Sound -> picture: height option or 512; width option, or height*cols/rows
 * when the sound carries the grid it was made from, else 2*height. */
void syn_picture_size(const syn_opts *o, const syn_limits *lim, const syn_map *m, int *rows,
                      int *cols);

/* The effective upper bound of a numeric option under these limits
 * (duration, sample_rate, width, height follow the limits). */
double syn_optdef_max(const syn_optdef *d, const syn_limits *lim);

#endif
