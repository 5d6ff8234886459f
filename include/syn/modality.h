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
    const char *mime; /* static string: "image/png", "audio/wav", ...     */
    const char *ext;  /* static string: "png", "wav", ...                 */
    char map[512];    /* the map line that travels in the file ("" if none) */
} syn_blob;

void syn_blob_free(syn_blob *b);

typedef struct syn_modality syn_modality;
struct syn_iso_req; /* sandbox.h */
struct syn_iso_res;

/* What the decoder is decoding for: the target decides the grid's size
 * (a picture for a sound is resampled to the band grid; a sound for a
 * picture is analysed at the picture's size). */
typedef struct syn_decode_ctx {
    const syn_opts *opts; /* opts->mode is resolved: never "auto"     */
    const syn_limits *limits;
    const syn_modality *target; /* NULL when only understanding (embed)     */
    int want_grid;              /* the grid is needed (spectral, describe)  */
    int want_sem;               /* the semantic axes are needed             */
} syn_decode_ctx;

struct syn_modality {
    const char *name;              /* "image", "audio"                        */
    const char *const *mime_types; /* accepted input types, NULL-terminated   */
    const char *const *formats;    /* output formats, first is the default    */
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
     * opts->mode is resolved (spectral, semantic or speech). */
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

/* Several inputs fused into one latent, then encoded (FUSION.md rules in
 * the README): the grid comes from the first part that has one, image
 * before audio before text; the semantics are blended by the weight_<name>
 * options; the text comes from the text part. */
int syn_convert_parts(const syn_part *parts, int n, const syn_modality *out, const syn_opts *o,
                      const syn_limits *lim, syn_blob *res, syn_err *e);

/* Decode and fuse only (for /v1/embed, /v1/similarity, descriptions):
 * *out has semantics and, where an input has one, a grid.
 * Free with syn_latent_free. */
int syn_understand(const syn_part *parts, int n, const syn_opts *o, const syn_limits *lim,
                   syn_latent *out, syn_err *e);

/* The mode a request runs in: opts->mode unless "auto"; auto is spectral
 * when a picture or a sound is among the inputs, semantic for text alone. */
const char *syn_resolve_mode(const syn_opts *o, const syn_part *parts, int n,
                             const syn_modality *out);

#endif
