/* generate.c -- POST /v1/generate/{image,audio}: any input -> the target modality.
 *
 * Accepts one input, in one of three shapes (the router has already checked
 * the Content-Type and the body cap):
 *   a raw body typed by its Content-Type (application/octet-stream: sniffed),
 *   multipart/form-data with a part named after a modality (image, audio)
 *     and option fields,
 *   application/json {"image": "<base64>", "<option>": value, ...}.
 * Options come from the query string first, then from form fields or JSON
 * keys (which win), all through syn_opts_set().  Bytes whose magic says
 * another modality than the one they claim are refused with 415.  Runs on a worker thread
 * (SRV_R_JOB): only re-entrant calls here.  The reply owns the output blob
 * and frees it with syn_blob_free() once libmicrohttpd has sent it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "server.h"

/* One input, borrowed from the request (or owned, when decoded from JSON). */
typedef struct input {
    const syn_modality *claimed; /* by Content-Type or part name; NULL: sniff  */
    const uint8_t *p;
    size_t n;
    uint8_t *owned;   /* base64-decoded bytes to free             */
    const char *what; /* for messages: "the request body", ...    */
} input;

static const char *modality_list(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (const syn_modality *const *m = syn_modalities(); *m; m++) {
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*m)->name);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
    return buf;
}

static int set_option(syn_opts *o, const char *name, const char *value, const syn_limits *lim,
                      syn_err *e)
{
    if (syn_opts_set(o, name, value, lim, e) == 0) return 0;
    for (int i = 0; i < SYN_OPT_COUNT; i++)
        if (strcmp(syn_optdefs[i].name, name) == 0)
            return -1; /* a known option with a bad value: keep libsyn's hint */
    e->kind = SYN_E_BADREQ;
    snprintf(e->message, sizeof e->message, "unknown option '%.60s'", name);
    /* the hint lists every option name (about 130 bytes, well inside hint[]) */
    size_t used = (size_t)snprintf(e->hint, sizeof e->hint, "valid options:");
    for (int i = 0; i < SYN_OPT_COUNT && used < sizeof e->hint; i++) {
        int w = snprintf(e->hint + used, sizeof e->hint - used, "%s %s", i ? "," : "",
                         syn_optdefs[i].name);
        if (w < 0) break;
        used += (size_t)w;
    }
    return -1;
}

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

static int from_json(srv_request *rq, syn_opts *o, input *in, syn_err *e)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)rq->body, rq->body_len, 0, &jerr);
    if (!root)
        return syn_fail(e, SYN_E_BADREQ, "send a JSON object such as {\"image\": \"<base64>\"}",
                        "the JSON body does not parse: %.120s (line %d)", jerr.text, jerr.line);
    int rc = -1;
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        syn_fail(e, SYN_E_BADREQ, "send a JSON object such as {\"image\": \"<base64>\"}",
                 "the JSON body is not an object");
        goto out;
    }
    /* The parameter table: modality names take base64 strings; option names
     * take strings, numbers or booleans; nothing else is allowed. */
    json_object_foreach(root, key, v)
    {
        const syn_modality *m = syn_modality_by_name(key);
        if (m) {
            if (!json_is_string(v)) {
                syn_fail(e, SYN_E_BADREQ, "give the bytes as a base64 string",
                         "JSON key '%.40s' must be a string", key);
                goto out;
            }
            if (in->claimed) {
                syn_fail(e, SYN_E_BADREQ, "",
                         "send one input part; fusion of several parts is not supported by "
                         "this server version");
                goto out;
            }
            const char *s = json_string_value(v);
            size_t sn = json_string_length(v);
            if (strncmp(s, "data:", 5) == 0) { /* a data: URL from a browser */
                const char *comma = memchr(s, ',', sn);
                if (comma) {
                    sn -= (size_t)(comma + 1 - s);
                    s = comma + 1;
                }
            }
            if (b64_decode(s, sn, &in->owned, &in->n) < 0) {
                syn_fail(e, SYN_E_BADREQ, "encode the file with base64",
                         "JSON key '%.40s' is not valid base64", key);
                goto out;
            }
            in->p = in->owned;
            in->claimed = m;
            in->what = "the JSON input";
            continue;
        }
        char text[64];
        const char *val = text;
        if (json_is_string(v))
            val = json_string_value(v);
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
        if (set_option(o, key, val, &rq->cfg->limits, e) < 0) goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static int from_multipart(srv_request *rq, syn_opts *o, input *in, syn_err *e)
{
    for (size_t i = 0; i < rq->nfields; i++)
        if (set_option(o, rq->fields[i].name, rq->fields[i].value, &rq->cfg->limits, e) < 0)
            return -1;
    if (rq->nparts > 1)
        return syn_fail(e, SYN_E_BADREQ, "send a single image or audio part",
                        "send one input part; fusion of several parts is not supported by this "
                        "server version");
    if (rq->nparts == 1) {
        in->claimed = syn_modality_by_name(rq->parts[0].name);
        in->p = rq->parts[0].data;
        in->n = rq->parts[0].len;
        in->what = "the input part";
    } else
        in->what = "the form (it has no image or audio part)";
    return 0;
}

static int from_raw(srv_request *rq, input *in)
{
    const char *ct = rq->ctype ? rq->ctype : "application/octet-stream";
    in->claimed = syn_modality_by_mime(ct); /* NULL for octet-stream: sniffed below */
    in->p = rq->body;
    in->n = rq->body_len;
    in->what = "the request body";
    return 0;
}

/* The bytes must look like what they claim; unclaimed bytes are sniffed. */
static const syn_modality *check_input(const input *in, syn_err *e)
{
    char names[128];
    if (!in->p || in->n == 0) {
        if (!in->what) /* JSON without an input key */
            syn_fail(e, SYN_E_EMPTY, "add a key named image or audio holding base64 bytes",
                     "the JSON body has no input");
        else
            syn_fail(e, SYN_E_EMPTY,
                     "send a file: --data-binary @cat.png -H 'Content-Type: image/png', or "
                     "-F image=@cat.png",
                     "%s is empty", in->what);
        return NULL;
    }
    const syn_modality *sniffed = syn_modality_sniff(in->p, in->n);
    if (!in->claimed) {
        if (!sniffed)
            syn_fail(e, SYN_E_UNSUPPORTED, "send a PNG/JPEG picture or a WAV/FLAC/OGG sound",
                     "the bytes are not a format this server reads (modalities: %s)",
                     modality_list(names, sizeof names));
        return sniffed;
    }
    /* Bytes that look like another modality are a wrong type (415).  Bytes
     * that look like nothing are left to the claimed decoder, which tells a
     * damaged file of its type (422, e.g. a PNG with a broken signature)
     * from an unknown format (415). */
    if (in->claimed->sniff && !in->claimed->sniff(in->p, in->n) && sniffed &&
        sniffed != in->claimed) {
        syn_fail(e, SYN_E_UNSUPPORTED, "fix the Content-Type or the part name",
                 "the input was sent as %s but its bytes look like %s", in->claimed->name,
                 sniffed->name);
        return NULL;
    }
    return in->claimed;
}

/* --- the reply ------------------------------------------------------------ */

static void blob_release(void *cls)
{
    syn_blob *b = cls;
    syn_blob_free(b);
    free(b);
}

/* "synesthd/1 sr=22050 dur=5" -> X-Synesthd-Sr: 22050, X-Synesthd-Dur: 5;
 * key n_fft -> X-Synesthd-N-Fft. */
static void map_headers(srv_reply *rp, const char *map)
{
    srv_reply_header(rp, "X-Synesthd-Map", "%s", map);
    const char *s = strchr(map, ' ');
    while (s && *s) {
        while (*s == ' ')
            s++;
        size_t tl = strcspn(s, " ");
        const char *eq = memchr(s, '=', tl);
        if (eq && eq > s && eq - s < 32) { /* 32: longer keys are not ours */
            char name[48] = "X-Synesthd-";
            size_t k = strlen(name);
            int up = 1, ok = 1;
            for (const char *c = s; c < eq; c++) {
                char ch = *c;
                if (ch == '_' || ch == '-') {
                    name[k++] = '-';
                    up = 1;
                    continue;
                }
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9'))) {
                    ok = 0;
                    break;
                }
                name[k++] = up && ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
                up = 0;
            }
            name[k] = 0;
            if (ok) srv_reply_header(rp, name, "%.*s", (int)(tl - (size_t)(eq + 1 - s)), eq + 1);
        }
        s += tl;
    }
}

void srv_generate_handler(srv_request *rq, srv_reply *rp, const char *target)
{
    const syn_limits *lim = &rq->cfg->limits;
    const syn_modality *out = syn_modality_by_name(target);
    syn_opts o;
    syn_err e = {0};
    input in = {0};
    syn_blob blob = {0};
    syn_opts_default(&o);
    if (!out) {
        srv_reply_error(rp, 500, "internal", "", "no modality '%s' is registered", target);
        return;
    }
    for (size_t i = 0; i < rq->nargs; i++)
        if (set_option(&o, rq->args[i].name, rq->args[i].value, lim, &e) < 0) goto fail;
    int rc;
    if (rq->multipart)
        rc = from_multipart(rq, &o, &in, &e);
    else if (rq->ctype && strncasecmp(rq->ctype, "application/json", 16) == 0)
        rc = from_json(rq, &o, &in, &e);
    else
        rc = from_raw(rq, &in);
    if (rc < 0) goto fail;
    const syn_modality *m = check_input(&in, &e);
    if (!m) goto fail;
    if (syn_convert(m, in.p, in.n, out, &o, lim, &blob, &e) < 0) goto fail;
    free(in.owned);
    syn_blob *keep = malloc(sizeof *keep);
    if (!keep) {
        syn_blob_free(&blob);
        srv_reply_error(rp, 500, "internal", "retry later", "out of memory");
        return;
    }
    *keep = blob;
    srv_reply_bytes(rp, 200, keep->mime, NULL, 0);
    rp->body = keep->data;
    rp->len = keep->len;
    rp->free_fn = blob_release;
    rp->free_cls = keep;
    srv_reply_header(rp, "Content-Disposition", "inline; filename=\"synesthd.%s\"", keep->ext);
    if (keep->map[0]) map_headers(rp, keep->map);
    return;
fail:
    free(in.owned);
    srv_reply_syn_error(rp, &e);
}
