/* convert.c -- one conversion, the same for the server and the CLI:
 * bytes -> input modality decode -> latent -> target modality encode.
 *
 * Input: the bytes (not retained) and, optionally, the modality the caller
 * already knows (from Content-Type); the magic bytes must agree with it.
 * Output: *res, owned by the caller (syn_blob_free). */
#include <string.h>

#include "syn/modality.h"

static int check_format(const syn_modality *out, const syn_opts *o, syn_err *e)
{
    if (!o->format[0])
        return 0;
    for (const char *const *f = out->formats; f && *f; f++)
        if (!strcmp(*f, o->format))
            return 0;
    return syn_fail(e, SYN_E_BADREQ, "GET /v1 lists each modality's formats",
                    "format %s is not a %s format", o->format, out->name);
}

int syn_convert(const syn_modality *in, const uint8_t *p, size_t n, const syn_modality *out,
                const syn_opts *o, const syn_limits *lim, syn_blob *res, syn_err *e)
{
    memset(res, 0, sizeof *res);
    if (!p || n == 0)
        return syn_fail(e, SYN_E_EMPTY, "send the file as the request body or a form part",
                        "the input is empty");
    if (!out)
        return syn_fail(e, SYN_E_BADREQ, "", "no target modality");
    if (check_format(out, o, e) < 0)
        return -1;
    if (syn_opt_given(o, SYN_OPT_FMIN) && syn_opt_given(o, SYN_OPT_FMAX) && o->fmin >= o->fmax)
        return syn_fail(e, SYN_E_BADREQ, "", "fmin (%g Hz) must be below fmax (%g Hz)", o->fmin,
                        o->fmax);

    /* Declared as one of ours but matching no magic: a damaged file of that
     * type (PngSuite's x*.png with broken signatures) is corrupt input, 422.
     * Undeclared and unknown: nothing we read, 415. */
    const syn_modality *sniffed = syn_modality_sniff(p, n);
    if (!sniffed && in)
        return syn_fail(e, SYN_E_INVALID, "check that the file is complete and not damaged",
                        "the input was declared as %s but its first bytes are not a valid %s "
                        "file signature",
                        in->name, in->name);
    if (!sniffed)
        return syn_fail(e, SYN_E_UNSUPPORTED,
                        "send a PNG, JPEG or BMP picture, or a WAV, FLAC, OGG or MP3 sound",
                        "the input's first bytes match no supported format");
    if (in && in != sniffed)
        return syn_fail(e, SYN_E_UNSUPPORTED, "set Content-Type to match the file",
                        "the content type says %s but the bytes are %s", in->name, sniffed->name);

    syn_latent lat;
    memset(&lat, 0, sizeof lat);
    syn_decode_ctx ctx = {.opts = o, .limits = lim, .target = out};
    if (sniffed->decode(p, n, &ctx, &lat, e) < 0) {
        syn_latent_free(&lat);
        return -1;
    }
    int rc = out->encode(&lat, o, lim, res, e);
    syn_latent_free(&lat);
    if (rc < 0)
        syn_blob_free(res);
    return rc;
}
