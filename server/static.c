/* static.c -- GET / and the web demo's assets.
 *
 * Serves the copy compiled into the binary (build/static_assets.c, made by
 * embed.c), or with --static-dir the files of that directory, read on each
 * request so that an edit shows on reload.  Accepts only flat names with
 * an extension mime.h knows ("/app.js"); "/" is "/index.html".  Limits:
 * files above 16 MiB are not served from disk.  Every answer carries a
 * strong ETag (FNV-1a of the bytes) and Cache-Control: no-cache, so a
 * browser revalidates and gets a body-less 304 when nothing changed: the
 * URLs are not versioned, so a max-age would serve a stale demo after an
 * upgrade. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "mime.h"
#include "server.h"

#define STATIC_MAX_FILE (16u << 20) /* same cap as embed.c: a demo asset is kilobytes */

static const char *asset_name(const char *path)
{
    return strcmp(path, "/") == 0 ? "/index.html" : path;
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

int srv_static_exists(const char *path, const srv_config *cfg)
{
    path = asset_name(path);
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

static int etag_matches(const char *inm, const char *etag)
{
    return inm && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

void srv_static_handler(srv_request *rq, srv_reply *rp, const char *arg)
{
    (void)arg;
    const char *path = asset_name(rq->path);
    const char *mime = srv_mime_for_name(path);
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
        snprintf(etag, sizeof etag, "%s", a->etag);
        srv_reply_bytes(rp, 200, a->mime, NULL, 0);
        rp->body = (uint8_t *)a->data; /* static storage: no free_fn */
        rp->len = a->len;
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
        srv_reply_bytes(rp, 304, mime, NULL, 0); /* releases a disk copy */
    }
    srv_reply_header(rp, "ETag", "%s", etag);
    srv_reply_header(rp, "Cache-Control", "no-cache");
}
