/* modality.h -- a modality is a const struct of function pointers
 * (STYLE.md §3, after SoX's sox_effect_handler_t and FFmpeg's codec tables).
 *
 * decode: bytes -> latent.  encode: latent -> bytes.  Both report failures
 * through syn_err and never touch HTTP.  The registry (modalities/registry.c)
 * lists them; adding a modality is one file plus one line there. */
#ifndef SYN_MODALITY_H
#define SYN_MODALITY_H

#include <stddef.h>
#include <stdint.h>
#include "syn/error.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/options.h"

/* An encoded output.  Owner: the caller, released with syn_blob_free(). */
typedef struct syn_blob {
    uint8_t *data;
    size_t len;
    const char *mime;  /* static string: "image/png", "audio/wav", ...     */
    const char *ext;   /* static string: "png", "wav", ...                 */
    char map[512];     /* the map line that travels in the file ("" if none) */
    syn_report report; /* semantic outputs: asked and made (syn/semantic.h) */
    int has_report;    /* 1 when report is filled                          */
} syn_blob;

void syn_blob_free(syn_blob *b);

/* One output format: its name (the format option), MIME type and file
 * extension.  Static strings; a list ends with a row whose name is NULL. */
typedef struct syn_format {
    const char *name, *mime, *ext;
} syn_format;

/* What a modality's grid is. */
typedef enum syn_grid_kind {
    SYN_GRID_NONE = 0, /* it has none                                        */
    SYN_GRID_DRAWN,    /* drawn only when the output is the grid (text's words):
                          not a signal, so it does not make auto spectral   */
    SYN_GRID_PICTURE,  /* a picture's pixels, at the picture's size          */
    SYN_GRID_BANDS,    /* a sound's frequency bands over time: a picture
                          decoded for it is read into the band grid         */
} syn_grid_kind;

/* A grid measured from a signal, with a map line that travels in the file. */
static inline int syn_grid_is_signal(syn_grid_kind k)
{
    return k == SYN_GRID_PICTURE || k == SYN_GRID_BANDS;
}

typedef struct syn_modality syn_modality;
struct syn_iso_req; /* sandbox.h */
struct syn_iso_res;

/* What the decoder is decoding for: the target decides the grid's size
 * (a picture for a sound is resampled to the band grid; a sound for a
 * picture is analysed at the picture's size). */
typedef struct syn_decode_ctx {
    const syn_opts *opts; /* opts->mode is resolved: never SYN_MODE_AUTO */
    const syn_limits *limits;
    const syn_modality *target; /* NULL when only understanding (embed)     */
    int want_grid;              /* the grid is needed (spectral, describe)  */
    int want_sem;               /* the semantic axes are needed             */
} syn_decode_ctx;

struct syn_modality {
    const char *name;              /* "image", "audio"                        */
    const char *const *mime_types; /* accepted input types, NULL-terminated   */
    const syn_format *formats;     /* output formats, first is the default    */
    syn_grid_kind grid;
    /* fusion takes the grid of the part with the lowest rank (image 1,
     * audio 2, text 3); unused when grid is SYN_GRID_NONE */
    int grid_rank;
    /* 1: UTF-8 text without magic bytes (sniff is NULL): a claim is
     * trusted and the decoder validates it; a JSON string or a plain form
     * field is its input as it stands, not base64 */
    int text_like;
    unsigned modes; /* SYN_MODE_BIT(m) of each mode it serves as a target  */
    unsigned needs; /* SYN_NEED_* it needs as a target whatever the mode   */
    /* 1 if these leading bytes look like this modality's input */
    int (*sniff)(const uint8_t *p, size_t n);
    /* bytes -> latent; on success *out owns its grid (syn_latent_free) */
    int (*decode)(const uint8_t *p, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                  syn_err *e);
    /* bytes -> planes by a library, run by syn_isolate() in a sandboxed
     * worker (sandbox.h); NULL for a modality that decodes with our own
     * code only (text) */
    int (*isolated)(const uint8_t *p, size_t n, const struct syn_iso_req *rq,
                    struct syn_iso_res *res, syn_err *e);
    /* latent -> bytes in opts->format (or formats[0]); *out owned by caller.
     * opts->mode is resolved: one of the modes it serves. */
    int (*encode)(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_blob *out,
                  syn_err *e);
    int (*init)(void); /* once at start-up, before any thread; may be NULL */
    void (*fini)(void);
};

/* registry.c */
int syn_modalities_init(void); /* runs fusion's init, then every init(); 0 or -1 */
/* A long-running server calls this after init: every FFT plan is made
 * now, before threads start, instead of on first use. */
int syn_modalities_warm(void);
void syn_modalities_fini(void);
const syn_modality *const *syn_modalities(void); /* NULL-terminated */
const syn_modality *syn_modality_by_name(const char *name);
const syn_modality *syn_modality_by_mime(const char *mime); /* parameters ignored */
const syn_modality *syn_modality_sniff(const uint8_t *p, size_t n);
const syn_modality *syn_modality_for_format(const char *format); /* "wav" -> audio */
const char *syn_format_mime(const char *format);                 /* "wav" -> audio/wav */
/* The i-th output format of all modalities in registry order, NULL past
 * the last (the format option's choices). */
const char *syn_format_at(int i);
/* m's format of this name (NULL: the default, formats[0]); NULL if none. */
const syn_format *syn_format_find(const syn_modality *m, const char *name);
int syn_modality_index(const syn_modality *m); /* registry position, -1 if none */
const syn_modality *syn_modality_text(void);   /* the first text-like one, or NULL */
/* The fusion weight of m's parts: the weight_<name> option. */
double syn_modality_weight(const syn_opts *o, const syn_modality *m);
/* "image, audio, text" for messages: the registered modalities (all, or
 * those serving mode when mode is not SYN_MODE_AUTO), into buf. */
const char *syn_modality_names(syn_mode mode, char *buf, size_t n);

/* convert.c: one conversion, the same for the server and the CLI.
 * in may be NULL: the input is sniffed from its magic bytes. */
int syn_convert(const syn_modality *in, const uint8_t *p, size_t n, const syn_modality *out,
                const syn_opts *o, const syn_limits *lim, syn_blob *res, syn_err *e);

/* One input of a request.  claimed: the modality its Content-Type or form
 * part name declares (NULL: sniff the magic bytes).  The bytes are not kept. */
typedef struct syn_part {
    const syn_modality *claimed;
    const uint8_t *p;
    size_t n;
} syn_part;

/* Several inputs fused into one latent, then encoded (the rules are
 * convert.c's, and GET /v1's "fusion" prints them): the grid comes from the
 * part of lowest grid_rank that has one; the semantics are blended by the
 * weight_<name> options; the text comes from the text part. */
int syn_convert_parts(const syn_part *parts, int n, const syn_modality *out, const syn_opts *o,
                      const syn_limits *lim, syn_blob *res, syn_err *e);

/* Decode and fuse only (for /v1/embed, /v1/similarity, descriptions):
 * *out has semantics and, where an input has one, a grid.
 * Free with syn_latent_free. */
int syn_understand(const syn_part *parts, int n, const syn_opts *o, const syn_limits *lim,
                   syn_latent *out, syn_err *e);

/* The mode a request runs in: opts->mode unless auto; auto is the first
 * row of syn_modes whose auto rule holds for these inputs and which out
 * serves (out NULL: understanding only, any). */
syn_mode syn_resolve_mode(const syn_opts *o, const syn_part *parts, int n, const syn_modality *out);

/* latent.c: the description of a latent, the one home of its rules.  In
 * the lang option, else the language of the input text, else English;
 * with neutral axes when the latent has none.  Text output, speech of a
 * picture or a sound, /v1/generate/text and the CLI all call it. */
#define SYN_DESCRIPTION_MAX 4096 /* a few sentences; Chinese is 3 bytes a character */
typedef struct syn_description {
    char text[SYN_DESCRIPTION_MAX];
    size_t len;
    char lang[4]; /* "en" or "zh" */
} syn_description;
const char *syn_latent_lang(const syn_latent *l, const syn_opts *o); /* into o or l, or "en" */
int syn_latent_describe(const syn_latent *l, const syn_opts *o, syn_description *d, syn_err *e);

#endif
