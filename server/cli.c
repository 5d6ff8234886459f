/* cli.c -- `synesthd convert INPUT... [--text S] -o OUTPUT [--option value ...]`.
 *
 * The same conversion as the server, without one: each INPUT is a file or
 * '-' for stdin (read whole, capped at max_body_bytes like a request
 * body); several INPUTs and --text STRING are fused as the parts of one
 * multipart request are (syn_convert_parts: the grid from the picture, else
 * the sound; the axes blended by --weight_image ...).  A .txt INPUT is
 * text; others are sniffed from their magic bytes.  OUTPUT's extension
 * picks the target and, unless --format is given, the format: png ->
 * image, wav/flac/ogg -> audio, txt -> the description (as
 * /v1/generate/text, one line of UTF-8), json -> the /v1/embed document.
 * OUTPUT '-' is stdout and then needs --format.  Options are the server's
 * option names; limit flags (--max-side ...) and SYNESTHD_* variables work
 * as for serve.  Exit 0; 1 with "synesthd: <message> (<hint>)" when the
 * conversion fails; 2 for a bad command line.  The output file is written
 * only after the conversion succeeded, and removed if writing it fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "server.h"

static int usage(const char *msg)
{
    fprintf(stderr,
            "synesthd: %s (usage: synesthd convert INPUT... [--text STRING] -o OUTPUT [--option "
            "value ...])\n",
            msg);
    return 2;
}

static int report(const syn_err *e)
{
    if (e->hint[0])
        fprintf(stderr, "synesthd: %s (%s)\n", e->message, e->hint);
    else
        fprintf(stderr, "synesthd: %s\n", e->message);
    return 1;
}

/* Read a whole stream, at most cap bytes.  *out is malloc'd (free()). */
static int read_all(FILE *f, size_t cap, uint8_t **out, size_t *len, syn_err *e)
{
    size_t n = 0, bcap = 65536; /* 64 KiB first, doubling */
    uint8_t *p = malloc(bcap);
    if (!p) return syn_fail(e, SYN_E_NOMEM, "", "out of memory");
    for (;;) {
        if (n == bcap) {
            if (bcap > cap) {
                free(p);
                return syn_fail(e, SYN_E_TOOLARGE, "raise --max-body",
                                "the input is larger than %zu bytes", cap);
            }
            uint8_t *np = realloc(p, bcap * 2);
            if (!np) {
                free(p);
                return syn_fail(e, SYN_E_NOMEM, "", "out of memory");
            }
            p = np;
            bcap *= 2;
        }
        size_t got = fread(p + n, 1, bcap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(p);
        return syn_fail(e, SYN_E_BADREQ, "", "cannot read the input: %s", strerror(errno));
    }
    if (n > cap) {
        free(p);
        return syn_fail(e, SYN_E_TOOLARGE, "raise --max-body", "the input is larger than %zu bytes",
                        cap);
    }
    *out = p;
    *len = n;
    return 0;
}

static int write_all(const char *path, const uint8_t *data, size_t len, syn_err *e)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    if (!f)
        return syn_fail(e, SYN_E_BADREQ, "check the output path", "cannot write %.200s: %s", path,
                        strerror(errno));
    int bad = fwrite(data, 1, len, f) != len;
    bad |= to_stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        if (!to_stdout) remove(path);
        return syn_fail(e, SYN_E_INTERNAL, "check the disk", "cannot write %.200s", path);
    }
    return 0;
}

/* Up to SRV_MAX_INPUTS inputs: files read whole, and --text strings. */
typedef struct cli_inputs {
    syn_part part[SRV_MAX_INPUTS];
    uint8_t *owned[SRV_MAX_INPUTS];
    int n;
} cli_inputs;

static void cli_inputs_free(cli_inputs *in)
{
    for (int i = 0; i < in->n; i++)
        free(in->owned[i]);
    in->n = 0;
}

static int add_text(cli_inputs *in, const char *text, syn_err *e)
{
    size_t n = strlen(text);
    uint8_t *p = malloc(n + 1);
    if (!p) return syn_fail(e, SYN_E_NOMEM, "", "out of memory");
    memcpy(p, text, n + 1);
    in->owned[in->n] = p;
    in->part[in->n++] = (syn_part){.claimed = syn_modality_text(), .p = p, .n = n};
    return 0;
}

static int add_file(cli_inputs *in, const char *path, size_t cap, syn_err *e)
{
    uint8_t *p = NULL;
    size_t n = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return syn_fail(e, SYN_E_BADREQ, "check the input path", "cannot open %.200s: %s", path,
                        strerror(errno));
    int rc = read_all(f, cap, &p, &n, e);
    if (f != stdin) fclose(f);
    if (rc < 0) return -1;
    if (n == 0) {
        free(p);
        return syn_fail(e, SYN_E_EMPTY, "give a picture, a sound or text",
                        "the input %.200s is empty", path);
    }
    /* A file named after a text-like modality's format (.txt) is that text;
     * others are sniffed from their magic bytes. */
    const char *dot = strrchr(path, '.');
    const syn_modality *claimed = NULL;
    if (dot && !strchr(dot, '/')) {
        const syn_modality *m = syn_modality_for_format(dot + 1);
        if (m && m->text_like) claimed = m;
    }
    in->owned[in->n] = p;
    in->part[in->n++] = (syn_part){.claimed = claimed, .p = p, .n = n};
    return 0;
}

/* .txt: the description; .json: the embed document. */
static int understand_out(const cli_inputs *in, const char *kind, const syn_opts *o,
                          const syn_limits *lim, const char *output, syn_err *e)
{
    syn_latent lat;
    if (syn_understand(in->part, in->n, o, lim, &lat, e) < 0) return -1;
    char *doc = NULL;
    if (!strcmp(kind, "txt")) {
        syn_description d = {0}; /* cppcheck cannot see syn_latent_describe only writes it */
        if (syn_latent_describe(&lat, o, &d, e) < 0) {
            syn_latent_free(&lat);
            return -1;
        }
        if ((doc = malloc(d.len + 2))) snprintf(doc, d.len + 2, "%s\n", d.text);
    } else {
        const syn_modality *mods[SRV_MAX_INPUTS];
        for (int i = 0; i < in->n; i++)
            mods[i] = in->part[i].claimed ? in->part[i].claimed
                                          : syn_modality_sniff(in->part[i].p, in->part[i].n);
        json_t *root = srv_embed_json(&lat, mods, in->n);
        if (root) {
            char *d = json_dumps(root, JSON_COMPACT);
            json_decref(root);
            if (d) {
                size_t len = strlen(d);
                doc = malloc(len + 2);
                if (doc) snprintf(doc, len + 2, "%s\n", d);
                free(d);
            }
        }
    }
    syn_latent_free(&lat);
    if (!doc) return syn_fail(e, SYN_E_NOMEM, "", "out of memory");
    int rc = write_all(output, (const uint8_t *)doc, strlen(doc), e);
    free(doc);
    return rc;
}

/* What the command line names, gathered by parse_args. */
typedef struct cli_args {
    const char *inputs[SRV_MAX_INPUTS], *output, *format;
    const char *texts[SRV_MAX_INPUTS];
    int ninputs, ntexts;
    syn_opts o;
} cli_args;

/* One argument at argv[*i] (and its value, which moves *i on); 0 to go on,
 * or the exit status. */
static int parse_arg(int pass, int argc, char **argv, int *i, srv_config *cfg, cli_args *a,
                     syn_err *e)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
        if (++*i >= argc) return usage("-o needs a file name");
        a->output = argv[*i];
        return 0;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == 0) {
        if (pass == 0) {
            if (a->ninputs + a->ntexts >= SRV_MAX_INPUTS) return usage("too many inputs");
            a->inputs[a->ninputs++] = arg;
        }
        return 0;
    }
    char name[64];
    const char *value = srv_flag_value(argc, argv, i, name, sizeof name);
    if (!value) {
        fprintf(stderr, "synesthd: --%s needs a value\n", name);
        return 2;
    }
    if (strcmp(name, "text") == 0) { /* a text part, not an option */
        if (pass == 0) {
            if (a->ninputs + a->ntexts >= SRV_MAX_INPUTS) return usage("too many inputs");
            a->texts[a->ntexts++] = value;
        }
        return 0;
    }
    if (pass == 0) {
        int r = srv_config_set(cfg, name, value, e);
        if (r < 0) return report(e), 2;
        return 0;
    }
    if (srv_config_set(cfg, name, value, e) == 1) return 0;
    if (strcmp(name, "format") == 0) {
        a->format = value;
        if (!strcasecmp(value, "txt") || !strcasecmp(value, "json"))
            return 0; /* answered here, not by a modality's encoder */
    }
    if (syn_opts_set(&a->o, name, value, &cfg->limits, e) < 0) return report(e);
    return 0;
}

/* 0 when the command line is complete, or the exit status. */
static int parse_args(int argc, char **argv, srv_config *cfg, cli_args *a, syn_err *e)
{
    /* Options are range-checked against the limits: read every limit flag
     * first, then the options. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 1; i < argc; i++) {
            int st = parse_arg(pass, argc, argv, &i, cfg, a, e);
            if (st) return st;
        }
        if (pass == 0 && srv_config_finish(cfg, e) < 0) return report(e), 2;
    }
    if (!a->ninputs && !a->ntexts) return usage("missing INPUT (or --text STRING)");
    if (!a->output) return usage("missing -o OUTPUT");
    return 0;
}

/* The output's kind (--format, else the extension) and, unless it is .txt or
 * .json, the modality that encodes it; 0 to go on, or the exit status. */
static int pick_target(cli_args *a, const srv_config *cfg, const char **kind, int *understand_only,
                       const syn_modality **target, syn_err *e)
{
    const char *slash = strrchr(a->output, '/');
    const char *dot = strrchr(slash ? slash : a->output, '.');
    const char *ext = dot ? dot + 1 : "";
    *kind = a->format ? a->format : ext;
    *understand_only = !strcasecmp(*kind, "txt") || !strcasecmp(*kind, "json");
    *target = *understand_only ? NULL : *ext ? syn_modality_for_format(ext) : NULL;
    if (!*target && !*understand_only && a->format) *target = syn_modality_for_format(a->format);
    if (!*target && !*understand_only) {
        syn_fail(e, SYN_E_BADREQ,
                 "name the output .png, .wav, .flac, .ogg, .txt or .json, or give --format",
                 "cannot tell the target from '%.200s'", a->output);
        return report(e);
    }
    if (*target && !a->format && syn_opts_set(&a->o, "format", ext, &cfg->limits, e) < 0)
        return report(e);
    return 0;
}

int srv_cli_convert(int argc, char **argv, srv_config *cfg)
{
    cli_args a = {0};
    syn_err e = {0};
    syn_opts_default(&a.o);
    if (srv_config_init(cfg, &e) < 0) return report(&e), 2;
    int st = parse_args(argc, argv, cfg, &a, &e);
    if (st) return st;
    const char *kind;
    int understand_only;
    const syn_modality *target;
    st = pick_target(&a, cfg, &kind, &understand_only, &target, &e);
    if (st) return st;

    cli_inputs in = {0};
    int rc = 0;
    for (int i = 0; i < a.ninputs && rc == 0; i++)
        rc = add_file(&in, a.inputs[i], cfg->limits.max_body_bytes, &e);
    for (int i = 0; i < a.ntexts && rc == 0; i++)
        rc = add_text(&in, a.texts[i], &e);
    if (rc == 0 && understand_only) {
        char k[8];
        snprintf(k, sizeof k, "%s", !strcasecmp(kind, "txt") ? "txt" : "json");
        rc = understand_out(&in, k, &a.o, &cfg->limits, a.output, &e);
    } else if (rc == 0) {
        syn_blob blob = {0};
        rc = syn_convert_parts(in.part, in.n, target, &a.o, &cfg->limits, &blob, &e);
        if (rc == 0) rc = write_all(a.output, blob.data, blob.len, &e);
        syn_blob_free(&blob);
    }
    cli_inputs_free(&in);
    return rc < 0 ? report(&e) : 0;
}
