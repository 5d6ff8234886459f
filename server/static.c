/* static.c -- GET / and the web demo's assets.
 *
 * Serves the copy compiled into the binary (build/static_assets.c, made by
 * tools/embed.c), or with --static-dir the files of that directory, read on each
 * request so that an edit shows on reload.  Accepts only flat names with
 * an extension mime.h knows ("/app.js"); "/" is "/index.html".  Limits:
 * files above 16 MiB are not served from disk.
 *
 * Caching.  The embedded assets form one set with one version: a hash of
 * every asset's name and FNV-1a ETag, 16 hex digits.  The page is served
 * with each quoted "/NAME" of a known asset rewritten to "/a/VERSION/NAME",
 * and those URLs are cached for a year as immutable: a new binary with any
 * changed asset has a new version, so the page (always revalidated) points
 * at new URLs.  JavaScript modules import each other by relative URLs
 * ("./radar.js"), which therefore inherit the versioned directory.  A
 * request for another version (a page from before an upgrade) gets the
 * current file with no-cache; plain "/NAME" URLs get no-cache too.  With
 * --static-dir nothing is rewritten and everything is revalidated, since
 * files change under a running server.  Every answer carries a strong ETag
 * (FNV-1a of the bytes sent), so a revalidation is a body-less 304.
 *
 * Bodies are either static storage (the embedded table) or malloc'd here
 * and handed to the srv_reply, which frees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "mime.h"
#include "server.h"

#define STATIC_MAX_FILE (16u << 20) /* same cap as tools/embed.c: a demo asset is kilobytes */
#define VERSION_DIR "/a/"           /* versioned asset URLs: "/a/<16 hex>/<name>"     */
#define VERSION_HEX 16              /* a 64-bit hash in hex                          */
#define VERSION_ADD (sizeof VERSION_DIR - 1 + VERSION_HEX) /* "/a/<hex>" put before "/NAME" */
#define NAME_MAX_LEN 64 /* longest asset name looked for in the page     */
/* A year, the longest lifetime RFC 9111 caches are advised to honour; the
 * URL carries the content's hash, so it never needs revalidating. */
#define LONG_CACHE "public, max-age=31536000, immutable"
#define FNV_PRIME 0x100000001b3ULL /* FNV-1a 64 prime, to fold the per-asset hashes */

static const char *asset_name(const char *path)
{
    return strcmp(path, "/") == 0 ? "/index.html" : path;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* "/a/<hex>/app.js" -> "/app.js" with ver = "<hex>"; other paths are
 * returned as they are, with ver = "". */
static const char *unversion(const char *path, char ver[VERSION_HEX + 1])
{
    ver[0] = 0;
    if (strncmp(path, VERSION_DIR, sizeof VERSION_DIR - 1) != 0) return path;
    const char *h = path + sizeof VERSION_DIR - 1;
    if (strlen(h) < VERSION_HEX + 2 || !is_hex(h, VERSION_HEX) || h[VERSION_HEX] != '/')
        return path;
    memcpy(ver, h, VERSION_HEX);
    ver[VERSION_HEX] = 0;
    return h + VERSION_HEX;
}

/* A flat, known-typed name: "/x.js" yes, "/../x", "/a/b.js", "/.env" no. */
static int safe_name(const char *path)
{
    if (path[0] != '/' || path[1] == '.' || path[1] == 0) return 0;
    if (strchr(path + 1, '/') || strchr(path, '\\')) return 0;
    return srv_mime_for_name(path) != NULL;
}

static const srv_asset *embedded(const char *path)
{
    for (const srv_asset *a = srv_assets; a->path; a++)
        if (strcmp(a->path, path) == 0) return a;
    return NULL;
}

/* The version of the embedded set: every name and ETag folded together,
 * so that a change to any asset changes every versioned URL.  Computed per
 * call: a few dozen short strings, and nothing to initialise. */
static void set_version(char out[VERSION_HEX + 1])
{
    unsigned long long h = srv_fnv1a64((const unsigned char *)"synesthd", 8);
    for (const srv_asset *a = srv_assets; a->path; a++) {
        h = (h ^ srv_fnv1a64((const unsigned char *)a->path, strlen(a->path))) * FNV_PRIME;
        h = (h ^ srv_fnv1a64((const unsigned char *)a->etag, strlen(a->etag))) * FNV_PRIME;
    }
    snprintf(out, VERSION_HEX + 1, "%016llx", h);
}

int srv_static_exists(const char *path, const srv_config *cfg)
{
    char ver[VERSION_HEX + 1];
    path = asset_name(unversion(path, ver));
    if (!safe_name(path)) return 0;
    if (!cfg->static_dir[0]) return embedded(path) != NULL;
    char file[1024];
    struct stat st;
    snprintf(file, sizeof file, "%s%s", cfg->static_dir, path);
    return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

/* Read a file whole into *out (malloc'd, caller frees).  0 or -1. */
static int read_file(const char *file, uint8_t **out, size_t *len)
{
    FILE *f = fopen(file, "rb");
    struct stat st;
    if (!f) return -1;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_FILE) {
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *p = malloc(n ? n : 1);
    if (p && fread(p, 1, n, f) != n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (!p) return -1;
    *out = p;
    *len = n;
    return 0;
}

/* If the page at p[i] holds a quoted "/NAME" of another embedded asset,
 * the length of /NAME, else 0. */
static size_t asset_ref(const uint8_t *p, size_t n, size_t i)
{
    if (p[i] != '"' || i + 2 >= n || p[i + 1] != '/') return 0;
    size_t k = i + 1;
    while (k < n && k - i <= NAME_MAX_LEN && p[k] != '"' && p[k] > ' ')
        k++;
    if (k >= n || p[k] != '"') return 0;
    char name[NAME_MAX_LEN + 2];
    size_t len = k - i - 1;
    memcpy(name, p + i + 1, len);
    name[len] = 0;
    if (strcmp(name, "/index.html") == 0 || !embedded(name)) return 0;
    return len;
}

/* The page with its asset URLs versioned: malloc'd into *out (caller
 * frees), or -1 when out of memory. */
static int versioned_page(const srv_asset *page, const char *ver, uint8_t **out, size_t *len)
{
    size_t refs = 0;
    for (size_t i = 0; i < page->len; i++)
        refs += asset_ref(page->data, page->len, i) > 0;
    size_t cap = page->len + refs * VERSION_ADD;
    uint8_t *o = malloc(cap ? cap : 1);
    if (!o) return -1;
    size_t w = 0;
    for (size_t i = 0; i < page->len; i++) {
        o[w++] = page->data[i];
        if (asset_ref(page->data, page->len, i)) { /* '"' copied; "/NAME" follows */
            memcpy(o + w, VERSION_DIR, sizeof VERSION_DIR - 1);
            memcpy(o + w + sizeof VERSION_DIR - 1, ver, VERSION_HEX);
            w += VERSION_ADD;
        }
    }
    *out = o;
    *len = w;
    return 0;
}

static int etag_matches(const char *inm, const char *etag)
{
    return inm && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

void srv_static_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    char ver[VERSION_HEX + 1];
    const char *path = asset_name(unversion(rq->path, ver));
    const char *mime = srv_mime_for_name(path);
    const char *cache = "no-cache";
    char etag[24]; /* quotes + 16 hex digits + NUL */
    if (!safe_name(path) || !mime) {
        srv_reply_error(rp, 404, "not_found", "GET /v1 lists the endpoints", "no such page");
        return;
    }
    if (!rq->cfg->static_dir[0]) {
        const srv_asset *a = embedded(path);
        if (!a) {
            srv_reply_error(rp, 404, "not_found", "GET /v1 lists the endpoints", "no such page");
            return;
        }
        char cur[VERSION_HEX + 1]; /* the running assets' version */
        set_version(cur);
        if (strcmp(path, "/index.html") == 0) {
            uint8_t *p;
            size_t n;
            if (versioned_page(a, cur, &p, &n) < 0) {
                srv_reply_error(rp, 500, "internal", "retry", "out of memory");
                return;
            }
            snprintf(etag, sizeof etag, "\"%016llx\"", srv_fnv1a64(p, n));
            srv_reply_bytes(rp, 200, a->mime, p, n);
        } else {
            snprintf(etag, sizeof etag, "%s", a->etag);
            srv_reply_bytes(rp, 200, a->mime, NULL, 0);
            rp->body = (uint8_t *)a->data; /* static storage: no free_fn */
            rp->len = a->len;
            if (strcmp(ver, cur) == 0) cache = LONG_CACHE;
        }
    } else {
        char file[1024];
        uint8_t *p;
        size_t n;
        snprintf(file, sizeof file, "%s%s", rq->cfg->static_dir, path);
        if (read_file(file, &p, &n) < 0) {
            srv_reply_error(rp, 404, "not_found", "check --static-dir", "no such page");
            return;
        }
        snprintf(etag, sizeof etag, "\"%016llx\"", srv_fnv1a64(p, n));
        srv_reply_bytes(rp, 200, mime, p, n);
    }
    if (etag_matches(rq->if_none_match, etag)) {
        srv_reply_bytes(rp, 304, mime, NULL, 0); /* releases a malloc'd copy */
    }
    srv_reply_header(rp, "ETag", "%s", etag);
    srv_reply_header(rp, "Cache-Control", "%s", cache);
}
