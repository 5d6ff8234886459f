/* cli.c -- `synesthd convert INPUT -o OUTPUT [--option value ...]`.
 *
 * The same conversion as the server, without one: INPUT is a file or '-'
 * for stdin (read whole, capped at max_body_bytes like a request body);
 * OUTPUT's extension picks the target modality and, unless --format is
 * given, the format (png -> image, wav/flac/ogg -> audio); OUTPUT '-' is
 * stdout and then needs --format.  Options are the server's option names;
 * limit flags (--max-side ...) and SYNESTHD_* variables work as for serve.
 * Exit 0; 1 with "synesthd: <message> (<hint>)" when the conversion fails;
 * 2 for a bad command line.  The output file is written only after the
 * conversion succeeded, and removed if writing it fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server.h"

static int usage(const char *msg)
{
    fprintf(stderr, "synesthd: %s (usage: synesthd convert INPUT -o OUTPUT [--option value ...])\n",
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

static int write_all(const char *path, const syn_blob *b, syn_err *e)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    if (!f)
        return syn_fail(e, SYN_E_BADREQ, "check the output path", "cannot write %.200s: %s", path,
                        strerror(errno));
    int bad = fwrite(b->data, 1, b->len, f) != b->len;
    bad |= to_stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        if (!to_stdout) remove(path);
        return syn_fail(e, SYN_E_INTERNAL, "check the disk", "cannot write %.200s", path);
    }
    return 0;
}

int srv_cli_convert(int argc, char **argv, srv_config *cfg)
{
    const char *input = NULL, *output = NULL, *format = NULL;
    syn_opts o;
    syn_err e = {0};
    syn_opts_default(&o);
    if (srv_config_init(cfg, &e) < 0) return report(&e), 2;
    /* Options are range-checked against the limits: read every limit flag
     * first, then the options. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 1; i < argc; i++) {
            const char *a = argv[i];
            if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
                if (++i >= argc) return usage("-o needs a file name");
                output = argv[i];
                continue;
            }
            if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
                if (pass == 0 && input) return usage("only one INPUT");
                input = a;
                continue;
            }
            char name[64];
            const char *eq = strchr(a + 2, '='), *value;
            size_t nl = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if (nl >= sizeof name) nl = sizeof name - 1;
            memcpy(name, a + 2, nl);
            name[nl] = 0;
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                fprintf(stderr, "synesthd: --%s needs a value\n", name);
                return 2;
            }
            if (pass == 0) {
                int r = srv_config_set(cfg, name, value, &e);
                if (r < 0) return report(&e), 2;
                continue;
            }
            if (srv_config_set(cfg, name, value, &e) == 1) continue;
            if (strcmp(name, "format") == 0) format = value;
            if (syn_opts_set(&o, name, value, &cfg->limits, &e) < 0) return report(&e);
        }
        if (pass == 0 && srv_config_finish(cfg, &e) < 0) return report(&e), 2;
    }
    if (!input) return usage("missing INPUT");
    if (!output) return usage("missing -o OUTPUT");

    const char *slash = strrchr(output, '/');
    const char *dot = strrchr(slash ? slash : output, '.');
    const char *ext = dot ? dot + 1 : "";
    const syn_modality *target = *ext ? syn_modality_for_format(ext) : NULL;
    if (!target && format) target = syn_modality_for_format(format);
    if (!target) {
        syn_fail(&e, SYN_E_BADREQ, "name the output .png, .wav, .flac or .ogg, or give --format",
                 "cannot tell the target from '%.200s'", output);
        return report(&e);
    }
    if (!format && syn_opts_set(&o, "format", ext, &cfg->limits, &e) < 0) return report(&e);

    uint8_t *p = NULL;
    size_t n = 0;
    FILE *f = strcmp(input, "-") == 0 ? stdin : fopen(input, "rb");
    if (!f) {
        syn_fail(&e, SYN_E_BADREQ, "check the input path", "cannot open %.200s: %s", input,
                 strerror(errno));
        return report(&e);
    }
    int rc = read_all(f, cfg->limits.max_body_bytes, &p, &n, &e);
    if (f != stdin) fclose(f);
    if (rc < 0) return report(&e);
    if (n == 0) {
        free(p);
        syn_fail(&e, SYN_E_EMPTY, "give a picture or a sound", "the input is empty");
        return report(&e);
    }
    syn_blob blob = {0};
    rc = syn_convert(NULL, p, n, target, &o, &cfg->limits, &blob, &e);
    free(p);
    if (rc < 0) return report(&e);
    rc = write_all(output, &blob, &e);
    syn_blob_free(&blob);
    return rc < 0 ? report(&e) : 0;
}
