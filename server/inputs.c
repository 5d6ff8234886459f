/* inputs.c -- the inputs and options every POST endpoint shares.
 *
 * Inputs come in one of three shapes (the router has already checked the
 * Content-Type and the body cap):
 *   a raw body typed by its Content-Type (text/plain is text;
 *     application/octet-stream is sniffed from its magic bytes),
 *   multipart/form-data with parts named after a modality (image, audio,
 *     text: a plain field -F text='slow and sad'), or a route's own input
 *     names (a and b for /v1/similarity), and option fields (weight_image
 *     ... included),
 *   application/json {"text": "...", "image": "<base64>", "<option>": v}:
 *     a text-like modality's input is the string itself, any other's is
 *     base64 (or a data: URL).
 * Options come from the query string first, then from form fields or JSON
 * keys (which win), all through syn_opts_setn() with their lengths (a form
 * field or a JSON string may hold a NUL byte, which it refuses rather than
 * reading up to it).  The
 * bytes are checked against their claims later, by convert.c.  Only
 * re-entrant calls here: it runs on worker threads.  srv_inputs_free()
 * releases what srv_gather copied (base64-decoded bytes, JSON strings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "server.h"

/* --- base64 (RFC 4648, padding optional, whitespace skipped) ------------ */
static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62; /* '-' and '_': the URL-safe alphabet */
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decode s into *out (malloc'd, caller frees).  0, or -1 on a bad character. */
static int b64_decode(const char *s, size_t n, uint8_t **out, size_t *len)
{
    uint8_t *p = malloc(n / 4 * 3 + 3);
    if (!p) return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = b64_value(c);
        if (v < 0) {
            free(p);
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            p[o++] = (uint8_t)(acc >> bits);
        }
    }
    *out = p;
    *len = o;
    return 0;
}

/* --- the three input shapes --------------------------------------------- */

/* Room for one more input, named `name`; -1 when the request has too many. */
static syn_part *add_input(srv_inputs *in, const char *name, syn_err *e)
{
    if (in->n >= SRV_MAX_INPUTS) {
        syn_fail(e, SYN_E_BADREQ, "send one image, one audio and one text part at most",
                 "the request has more than %d inputs", SRV_MAX_INPUTS);
        return NULL;
    }
    in->name[in->n] = name;
    syn_part *pt = &in->part[in->n++];
    memset(pt, 0, sizeof *pt);
    return pt;
}

/* A JSON input: text as the string itself, a picture or a sound as base64
 * (or a data: URL).  The bytes are copied: the JSON tree dies first. */
static int json_input(srv_inputs *in, const srv_route *r, const char *key, json_t *v,
                      const syn_modality *m, syn_err *e)
{
    if (!json_is_string(v))
        return syn_fail(e, SYN_E_BADREQ,
                        m && m->text_like ? "give the text as a JSON string"
                                          : "give the bytes as a base64 string",
                        "JSON key '%.40s' must be a string", key);
    /* the name must outlive the JSON tree: the route's or the modality's */
    const char *name = m->name;
    for (const char *const *i = r ? r->inputs : NULL; i && *i; i++)
        if (!strcmp(*i, key)) name = *i;
    syn_part *pt = add_input(in, name, e);
    if (!pt) return -1;
    const char *s = json_string_value(v);
    size_t sn = json_string_length(v);
    uint8_t *bytes;
    size_t len;
    pt->claimed = m;
    if (m->text_like) { /* text: the string is the input */
        if (!(bytes = malloc(sn + 1))) return syn_fail(e, SYN_E_NOMEM, "", "out of memory");
        memcpy(bytes, s, sn);
        bytes[sn] = 0;
        len = sn;
    } else {
        if (strncmp(s, "data:", 5) == 0) { /* a data: URL from a browser */
            const char *comma = memchr(s, ',', sn);
            if (comma) {
                sn -= (size_t)(comma + 1 - s);
                s = comma + 1;
            }
        }
        if (b64_decode(s, sn, &bytes, &len) < 0)
            return syn_fail(e, SYN_E_BADREQ, "encode the file with base64",
                            "JSON key '%.40s' is not valid base64", key);
    }
    in->owned[in->n - 1] = bytes;
    pt->p = bytes;
    pt->n = len;
    return 0;
}

static int from_json(srv_request *rq, syn_opts *o, srv_inputs *in, syn_err *e)
{
    json_error_t jerr;
    /* JSON_ALLOW_NUL: a \u0000 in a string reaches the check that names its
     * key (an option's parser, the text decoder) instead of a parse error
     * that names neither; keys with one are still refused by jansson. */
    json_t *root = json_loadb((const char *)rq->body, rq->body_len, JSON_ALLOW_NUL, &jerr);
    if (!root)
        return syn_fail(e, SYN_E_BADREQ, "send a JSON object such as {\"text\": \"calm sea\"}",
                        "the JSON body does not parse: %.120s (line %d)", jerr.text, jerr.line);
    int rc = -1;
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        syn_fail(e, SYN_E_BADREQ, "send a JSON object such as {\"text\": \"calm sea\"}",
                 "the JSON body is not an object");
        goto out;
    }
    /* Each key is an input or an option: input names (the modalities', or
     * the route's own such as a and b of /v1/similarity) take strings;
     * option names (the option rows, checked by syn_opts_setn) take
     * strings, numbers or booleans; nothing else is allowed. */
    json_object_foreach(root, key, v)
    {
        if (srv_route_is_input(rq->route, key)) {
            const syn_modality *m = syn_modality_by_name(key);
            if (!m) /* a route's own inputs (a and b of /v1/similarity) in JSON are texts */
                m = syn_modality_text();
            if (!m) {
                syn_fail(e, SYN_E_UNSUPPORTED, "send the inputs as multipart form parts",
                         "this server has no text modality for JSON key '%.40s'", key);
                goto out;
            }
            if (json_input(in, rq->route, key, v, m, e) < 0) goto out;
            continue;
        }
        char text[64];
        const char *val = text;
        size_t vlen = 0;
        if (json_is_string(v))
            val = json_string_value(v), vlen = json_string_length(v);
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v))
            snprintf(text, sizeof text, "%.17g", json_real_value(v));
        else if (json_is_boolean(v))
            snprintf(text, sizeof text, "%s", json_is_true(v) ? "true" : "false");
        else {
            syn_fail(e, SYN_E_BADREQ, "give options as strings, numbers or booleans",
                     "JSON key '%.40s' has an unusable type", key);
            goto out;
        }
        if (val == text) vlen = strlen(text);
        if (syn_opts_setn(o, key, val, vlen, &rq->cfg->limits, e) < 0) goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Which modality a form part claims: its name when that is a modality;
 * for the generic names a and b, its Content-Type (none: a plain form
 * field, which is text; octet-stream or an unknown type: sniffed). */
static const syn_modality *part_claim(const srv_part *sp)
{
    const syn_modality *m = syn_modality_by_name(sp->name);
    if (m) return m;
    if (!sp->ctype) return syn_modality_text();
    return syn_modality_by_mime(sp->ctype);
}

static int from_multipart(srv_request *rq, syn_opts *o, srv_inputs *in, syn_err *e)
{
    for (size_t i = 0; i < rq->nfields; i++)
        if (syn_opts_setn(o, rq->fields[i].name, rq->fields[i].value, rq->fields[i].len,
                          &rq->cfg->limits, e) < 0)
            return -1;
    for (size_t i = 0; i < rq->nparts; i++) {
        syn_part *pt = add_input(in, rq->parts[i].name, e);
        if (!pt) return -1;
        pt->claimed = part_claim(&rq->parts[i]);
        pt->p = rq->parts[i].data;
        pt->n = rq->parts[i].len;
    }
    return 0;
}

static int from_raw(srv_request *rq, srv_inputs *in, syn_err *e)
{
    const char *ct = rq->ctype ? rq->ctype : "application/octet-stream";
    syn_part *pt = add_input(in, "", e);
    if (!pt) return -1;
    pt->claimed = syn_modality_by_mime(ct); /* NULL for octet-stream: sniffed */
    pt->p = rq->body;
    pt->n = rq->body_len;
    return 0;
}

void srv_inputs_free(srv_inputs *in)
{
    for (int i = 0; i < SRV_MAX_INPUTS; i++) {
        free(in->owned[i]);
        in->owned[i] = NULL;
    }
    in->n = 0;
}

int srv_gather(srv_request *rq, syn_opts *o, srv_inputs *in, syn_err *e)
{
    memset(in, 0, sizeof *in);
    for (size_t i = 0; i < rq->nargs; i++)
        if (syn_opts_setn(o, rq->args[i].name, rq->args[i].value, rq->args[i].len, &rq->cfg->limits,
                          e) < 0)
            return -1;
    int rc;
    if (rq->multipart)
        rc = from_multipart(rq, o, in, e);
    else if (rq->ctype && strncasecmp(rq->ctype, "application/json", 16) == 0)
        rc = from_json(rq, o, in, e);
    else
        rc = from_raw(rq, in, e);
    if (rc < 0) return -1;
    if (in->n == 0) {
        char names[128];
        return syn_fail(e, SYN_E_EMPTY,
                        "send a file as the body (-H 'Content-Type: image/png'), form parts "
                        "(-F image=@cat.png -F text='slow and sad') or JSON {\"text\": \"...\"}",
                        "the request has no input (inputs are named after a modality: %s)",
                        syn_modality_names(SYN_MODE_AUTO, names, sizeof names));
    }
    return 0;
}
