/* image.c -- the image modality: PNG, JPEG and BMP in, PNG out.
 *
 * Accepts: PNG (every bit depth, palette, grey, alpha, 16-bit, interlaced),
 * baseline and progressive JPEG, and BMP, sniffed by their magic bytes.
 * Decoding is stb_image's stbi_load_from_memory, compiled here only with the
 * hardening macros below.  A PNG's chunk list is checked first (stb_image
 * does not check CRCs), and its synesthd map is read from the tEXt chunk
 * "synesthd" with libpng.
 *
 * Limits: limits->max_side and limits->max_pixels are checked from the
 * header, before any pixel is decoded (SYN_E_LIMIT); a picture for a
 * picture is shrunk to limits->max_out_side per side.
 *
 * The grid is the picture's Rec. 709 luma in [0,1] (alpha composited over
 * black: transparent is silent).  For a sound, it is resampled to the band
 * grid (syn_band_grid_size), except a spectrogram we made ourselves, which
 * keeps every row; with stereo, red is the left plane, green the right
 * (Coagula).
 *
 * When the semantic axes are wanted (ctx->want_sem), they are measured on
 * the decoded colours (alpha over black, shrunk to SEM_SHRINK_SIDE) by
 * syn_sem_from_rgb, and seeded by a hash of the input bytes; when they
 * alone are wanted (want_sem and not want_grid), no grid is made (a caller
 * asking for neither gets the grid, as before semantics).  Understanding
 * alone (ctx->target == NULL) uses the band grid, the smaller one.
 *
 * Encoding writes an 8-bit PNG with libpng: a mono grid through a colour
 * map (paletted, colour type 3), a stereo grid as RGB (R = left, G = right,
 * B = their mean), a painting (mode=semantic: syn_paint at width x height,
 * 512 x 512 by default) as RGB.  The map line goes into tEXt "synesthd"
 * before the image data.  The output is byte-deterministic (no time chunk).
 *
 * Ownership: decode fills *out, which the caller frees with
 * syn_latent_free(); encode fills *out, freed with syn_blob_free(). */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "syn/error.h"
#include "syn/fusion.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/job.h"
#include "syn/sandbox.h"

/* --- stb_image, compiled in this file only ------------------------------- */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO  /* memory only: stbi_load_from_memory                */
#define STBI_NO_LINEAR /* no float API: we never want linear-light floats    */
#define STBI_NO_HDR
/* Hardening cap on either side, applied by stb_image itself in case a check
 * of ours is ever bypassed: 32768 is above any sane default of
 * limits->max_side and keeps w*h*4 far from stb's 2^31 arithmetic edge. */
#define STBI_MAX_DIMENSIONS (1 << 15)
/* stb's allocations come zeroed, so that a decoder path that reads memory
 * it never wrote (nothings/stb #1535: a progressive scan against a Huffman
 * table no DHT defined, found here by fuzzing) reads zeros, the same on
 * every run, instead of what the heap last held.  stb 2.27 allocates with
 * STBI_MALLOC (calloc here) and grows its two buffers (zlib output, PNG
 * IDAT) with STBI_REALLOC_SIZED, which passes the old size: the grown part
 * is zeroed too.  Plain STBI_REALLOC, unused by 2.27, is realloc: without
 * the old size it cannot zero what it adds.  The cost is one memset per
 * buffer, small next to decoding into it. */
static void *img_stbi_zalloc(size_t n)
{
    return calloc(1, n ? n : 1);
}
static void *img_stbi_grow(void *p, size_t old, size_t n)
{
    unsigned char *q = realloc(p, n ? n : 1);
    if (q && n > old) memset(q + old, 0, n - old);
    return q;
}
#define STBI_MALLOC(sz) img_stbi_zalloc(sz)
#define STBI_REALLOC(p, newsz) realloc(p, newsz)
#define STBI_REALLOC_SIZED(p, oldsz, newsz) img_stbi_grow(p, oldsz, newsz)
#define STBI_FREE(p) free(p)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
/* Debian's libstb-dev puts the headers in /usr/include/stb. */
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

/* zlib level for our PNGs.  Measured with libpng 1.6.39 on a 1024x512
 * spectrogram-like picture (harmonic partials over a noise floor), one core
 * of the 2-core build machine, mean of 20 encodes, size in bytes:
 *   paletted:  L1 7.8 ms 316998   L2 9.1 ms 313847   L3 12.1 ms 309642
 *              L4 12.4 ms 303959  L5 18.8 ms 300226  L6 54.0 ms 295510
 *   RGB:       L1 24.0 ms 593873  L3 43.8 ms 573720  L6 128.2 ms 597660
 * Level 1 is ~6.9x faster than zlib's default 6 for 7% more bytes (and for
 * RGB it is even smaller than 4..6); the server is CPU-bound long before a
 * link notices 21 KB. */
#define IMG_PNG_LEVEL 1

/* Longest tEXt/zTXt/iTXt or other ancillary chunk libpng may buffer while
 * it looks for our map: an ICC profile is rarely above 1 MiB. */
#define IMG_PNG_CHUNK_MAX (4u << 20)

/* The semantic features look at 256 px (sem_image.c); 512 on the longer
 * side is enough to area-average from, and bounds the float copy at 3 MiB
 * however large the upload. */
#define SEM_SHRINK_SIDE 512
/* A painting's side when width/height are not given: a square the demo
 * shows at full size, drawn in ~50 ms. */
#define IMG_PAINT_SIDE 512

enum img_kind { IMG_NONE = 0, IMG_PNG, IMG_JPEG, IMG_BMP };

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static const char *const img_mimes[] = {"image/png", "image/jpeg",     "image/jpg",
                                        "image/bmp", "image/x-ms-bmp", NULL};
static const syn_format img_formats[] = {{"png", "image/png", "png"}, {NULL, NULL, NULL}};

static enum img_kind img_kind_of(const uint8_t *p, size_t n)
{
    if (n >= 8 && memcmp(p, png_sig, 8) == 0) return IMG_PNG;
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return IMG_JPEG;
    if (n >= 2 && p[0] == 'B' && p[1] == 'M') return IMG_BMP;
    return IMG_NONE;
}

static int img_sniff(const uint8_t *p, size_t n)
{
    return img_kind_of(p, n) != IMG_NONE;
}

/* Names an image format we recognise but do not decode, or NULL. */
static const char *img_other_format(const uint8_t *p, size_t n)
{
    if (n >= 4 && memcmp(p, "GIF8", 4) == 0) return "GIF";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return "WebP";
    if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0)) return "TIFF";
    if (n >= 12 && memcmp(p + 4, "ftyp", 4) == 0) return "HEIF/AVIF";
    if (n >= 4 && memcmp(p, "8BPS", 4) == 0) return "PSD";
    if (n >= 5 && (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<svg", 4) == 0)) return "SVG";
    return NULL;
}

/* --- PNG chunk walk ------------------------------------------------------ */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every chunk fits in the data with a matching CRC, IHDR first, at least one
 * IDAT, IEND last.  Bytes after IEND are ignored (some tools append them).
 * On success *w, *h hold IHDR's size. */
static int png_walk(const uint8_t *p, size_t n, uint32_t *w, uint32_t *h, syn_err *e)
{
    const char *hint = "send an undamaged PNG file";
    if (n < 8 || memcmp(p, png_sig, 8) != 0)
        return syn_fail(e, SYN_E_INVALID, "transfer PNG files in binary mode",
                        "PNG signature is damaged (text-mode transfer?)");
    size_t pos = 8;
    int idat = 0;
    uint64_t idat_bytes = 0;
    for (int index = 0;; index++) {
        if (n - pos < 12)
            return syn_fail(e, SYN_E_INVALID, hint, "PNG is truncated: no IEND chunk");
        uint32_t len = be32(p + pos);
        const uint8_t *type = p + pos + 4;
        /* PNG spec 5.3: a chunk length is at most 2^31 - 1. */
        if (len > 0x7fffffffu || len > n - pos - 12)
            return syn_fail(e, SYN_E_INVALID, hint,
                            "PNG chunk %d claims %u bytes beyond the end of the file", index,
                            (unsigned)len);
        for (int i = 0; i < 4; i++)
            if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z')))
                return syn_fail(e, SYN_E_INVALID, hint, "PNG chunk %d has a malformed type", index);
        uint32_t want = be32(type + 4 + len);
        uint32_t got = (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, (uInt)len + 4);
        if (want != got)
            return syn_fail(e, SYN_E_INVALID, hint, "PNG chunk %.4s has a bad CRC",
                            (const char *)type);
        if (index == 0) {
            /* IHDR holds 13 bytes: width, height, depth, colour, 3 methods. */
            if (memcmp(type, "IHDR", 4) != 0 || len != 13)
                return syn_fail(e, SYN_E_INVALID, hint, "PNG does not start with IHDR");
            *w = be32(type + 4);
            *h = be32(type + 8);
        } else if (memcmp(type, "IHDR", 4) == 0) {
            return syn_fail(e, SYN_E_INVALID, hint, "PNG has a second IHDR");
        }
        if (memcmp(type, "IDAT", 4) == 0) {
            idat++;
            idat_bytes += len;
        }
        pos += (size_t)len + 12;
        if (memcmp(type, "IEND", 4) == 0) break;
    }
    if (!idat) return syn_fail(e, SYN_E_INVALID, hint, "PNG has no IDAT (image data) chunk");
    /* Not even a zlib header: nothing to decode, and stb_image 2.27 would
     * append the empty chunk with memcpy(NULL, p, 0) (undefined behaviour,
     * found by fuzzing under UBSan). */
    if (idat_bytes == 0)
        return syn_fail(e, SYN_E_INVALID, hint,
                        "PNG image data is empty (its IDAT chunks hold 0 bytes)");
    return 0;
}

/* --- JPEG marker walk ------------------------------------------------------ */

/* Debian's stb_image 2.27 builds a Huffman table from the 16 code counts of
 * a DHT segment without checking that they sum to at most 256 symbols, and
 * writes past its 257-entry arrays when they do (found here by fuzzing
 * under UBSan).  It also decodes a scan with whatever table slot the SOS
 * names, defined or not (nothings/stb #1535: uninitialised heap).  Walk
 * the markers, skipping entropy-coded data, and refuse, before stb sees
 * them: such a table, a segment that runs past the end, and a scan that
 * uses a table no DHT before it defined.  Which tables a scan uses
 * (ITU T.81 G.1.2, and stb's decoder): a sequential scan, the DC and the
 * AC table of each component; a progressive DC scan (Ss = 0), the DC
 * table in its first pass (Ah = 0) and none in a refinement; a
 * progressive AC scan (Ss > 0), the AC table. */
static int jpeg_check_tables(const uint8_t *p, size_t n, syn_err *e)
{
    const char *hint = "send an undamaged JPEG file";
    size_t pos = 2;               /* after SOI */
    unsigned defined[2] = {0, 0}; /* bit th of [class]: DC (0) or AC (1) table th defined */
    int progressive = 0;          /* an SOF2 frame */
    while (pos + 1 < n) {
        if (p[pos] != 0xFF) { /* entropy-coded data: find the next marker */
            pos++;
            continue;
        }
        uint8_t m = p[pos + 1];
        /* FF00 is a stuffed data byte, FFFF fill, D0-D7 restarts, 01 TEM. */
        if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
            pos += m == 0xFF ? 1 : 2;
            continue;
        }
        if (m == 0xD9) /* EOI */
            return 0;
        pos += 2;
        if (n - pos < 2) break;
        size_t len = (size_t)p[pos] << 8 | p[pos + 1];
        if (len < 2 || len > n - pos)
            return syn_fail(e, SYN_E_INVALID, hint, "JPEG marker segment FF%02X is truncated", m);
        if (m == 0xC2) progressive = 1;
        if (m == 0xDA) { /* SOS: Ns, Ns x (component, Td << 4 | Ta), Ss, Se, Ah << 4 | Al */
            size_t ns = len > 2 ? p[pos + 2] : 0;
            if (ns == 0 || len < 2 + 1 + 2 * ns + 3)
                return syn_fail(e, SYN_E_INVALID, hint, "JPEG scan header is truncated");
            const uint8_t *q = p + pos + 3 + 2 * ns; /* Ss, Se, Ah/Al */
            int dc = !progressive || (q[0] == 0 && (q[2] >> 4) == 0);
            int ac = !progressive || q[0] != 0;
            for (size_t i = 0; i < ns; i++) {
                unsigned td = p[pos + 4 + 2 * i] >> 4, ta = p[pos + 4 + 2 * i] & 15;
                if ((dc && (td > 3 || !(defined[0] >> td & 1))) ||
                    (ac && (ta > 3 || !(defined[1] >> ta & 1))))
                    return syn_fail(e, SYN_E_INVALID, hint,
                                    "JPEG scan uses Huffman table %s%u, which no DHT before it "
                                    "defines",
                                    dc && (td > 3 || !(defined[0] >> td & 1)) ? "DC" : "AC",
                                    dc && (td > 3 || !(defined[0] >> td & 1)) ? td : ta);
            }
        }
        if (m == 0xC4) { /* DHT: class/id byte, 16 counts, the symbols */
            size_t off = pos + 2, end = pos + len;
            while (off < end) {
                if (end - off < 17)
                    return syn_fail(e, SYN_E_INVALID, hint, "JPEG Huffman table is truncated");
                unsigned tc = p[off] >> 4, th = p[off] & 15;
                if (tc > 1 || th > 3)
                    return syn_fail(e, SYN_E_INVALID, hint,
                                    "JPEG Huffman table has class %u and id %u (at most 1 and 3)",
                                    tc, th);
                defined[tc] |= 1u << th;
                size_t sum = 0;
                for (int i = 1; i <= 16; i++)
                    sum += p[off + i];
                /* 8-bit symbols: at most 256 distinct codes per table. */
                if (sum > 256 || sum > end - off - 17)
                    return syn_fail(e, SYN_E_INVALID, hint, "JPEG Huffman table declares %zu codes",
                                    sum);
                off += 17 + sum;
            }
        }
        pos += len;
    }
    return 0; /* a cut scan is stb's to judge: it pads short data */
}

/* --- libpng plumbing shared by reading and writing ----------------------- */

typedef struct img_pngctx {
    char msg[128];
    int oom;
} img_pngctx;

static void img_png_error(png_structp png, png_const_charp msg)
{
    img_pngctx *c = png_get_error_ptr(png);
    if (c && !c->msg[0]) snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void img_png_warning(png_structp png, png_const_charp msg)
{
    (void)png; /* warnings (odd gamma, unknown chunks) are not our business */
    (void)msg;
}

typedef struct img_reader {
    const uint8_t *p;
    size_t n, pos;
} img_reader;

static void img_png_read(png_structp png, png_bytep out, size_t len)
{
    img_reader *r = png_get_io_ptr(png);
    if (len > r->n - r->pos) png_error(png, "read past the end of the data");
    memcpy(out, r->p + r->pos, len);
    r->pos += len;
}

/* The text of tEXt/zTXt/iTXt "synesthd" before the first IDAT, into
 * line[n] ("" if none).  Returns 0, or -1 with *e when libpng rejects the
 * file. */
static int png_read_map(const uint8_t *p, size_t n, char *line, size_t cap, syn_err *e)
{
    img_pngctx ctx = {{0}, 0};
    img_reader rd = {p, n, 0};
    line[0] = '\0';
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, img_png_error, img_png_warning);
    if (!png) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory reading PNG text");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory reading PNG text");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return syn_fail(e, SYN_E_INVALID, "send an undamaged PNG file", "PNG rejected: %s",
                        ctx.msg[0] ? ctx.msg : "libpng error");
    }
    png_set_read_fn(png, &rd, img_png_read);
    png_set_chunk_malloc_max(png, IMG_PNG_CHUNK_MAX);
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu); /* sizes were checked already */
    png_read_info(png, info);
    png_textp text = NULL;
    int ntext = png_get_text(png, info, &text, NULL);
    for (int i = 0; i < ntext; i++) {
        if (text[i].key && strcmp(text[i].key, "synesthd") == 0 && text[i].text) {
            snprintf(line, cap, "%s", text[i].text);
            break;
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/* --- decode --------------------------------------------------------------- */

/* Size of the grid for this picture and target; *keep_full for our own
 * spectrograms going back to sound. */
static void img_grid_size(const syn_decode_ctx *ctx, const syn_map *map, int has_map, int w, int h,
                          int *rows, int *cols)
{
    int to_bands = ctx->target && ctx->target->grid == SYN_GRID_BANDS;
    if (to_bands || !ctx->target) { /* understanding only: the small band grid */
        if (has_map && map->source == SYN_SRC_AUDIO) {
            *rows = h;
            *cols = w;
        } else {
            syn_band_grid_size(ctx->opts, ctx->limits, w, h, rows, cols);
        }
        return;
    }
    *rows = h;
    *cols = w;
    int cap = ctx->limits->max_out_side;
    if (cap > 0 && (w > cap || h > cap)) {
        double s = fmin((double)cap / w, (double)cap / h);
        *cols = (int)fmax(1.0, fmin(cap, lround(w * s)));
        *rows = (int)fmax(1.0, fmin(cap, lround(h * s)));
    }
}

/* One plane at the picture's size into dst at the grid's size. */
static void img_fit(const float *src, int w, int h, float *dst, int cols, int rows)
{
    if (w == cols && h == rows)
        memcpy(dst, src, sizeof(float) * (size_t)w * (size_t)h);
    else
        syn_resample(src, w, h, dst, cols, rows);
}

/* The semantic axes of the decoded picture: alpha over black, area-averaged
 * to at most SEM_SHRINK_SIDE per side.  0, or -1 with *e. */
static int img_semantics(const uint8_t *rgba, int w, int h, syn_semantics *s, syn_err *e)
{
    int W = w, H = h;
    if (w > SEM_SHRINK_SIDE || h > SEM_SHRINK_SIDE) {
        double k = (double)SEM_SHRINK_SIDE / (w > h ? w : h);
        W = (int)fmax(1, lround(w * k));
        H = (int)fmax(1, lround(h * k));
    }
    float *rgb = malloc(sizeof(float) * 3 * (size_t)W * (size_t)H);
    if (!rgb) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the picture's features");
    for (int y = 0; y < H; y++) {
        int y0 = (int)((long)y * h / H), y1 = (int)((long)(y + 1) * h / H);
        if (y1 <= y0) y1 = y0 + 1;
        for (int x = 0; x < W; x++) {
            int x0 = (int)((long)x * w / W), x1 = (int)((long)(x + 1) * w / W);
            if (x1 <= x0) x1 = x0 + 1;
            double acc[3] = {0, 0, 0};
            for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++) {
                    const uint8_t *px = rgba + 4 * ((size_t)yy * w + xx);
                    double a = px[3] / 255.0; /* over black, as the grid */
                    for (int c = 0; c < 3; c++)
                        acc[c] += px[c] * a;
                }
            double k = 1.0 / (255.0 * (y1 - y0) * (x1 - x0));
            for (int c = 0; c < 3; c++)
                rgb[3 * ((size_t)y * W + x) + c] = (float)(acc[c] * k);
        }
    }
    syn_sem_from_rgb(rgb, W, H, s);
    free(rgb);
    return 0;
}

extern const syn_modality syn_image_modality;

/* --- the isolated decode: every library call on the bytes ------------------ */

/* What the worker hands back: num[] holds these, the planes are RGBA8. */
enum { IMG_NUM_W = 0, IMG_NUM_H, IMG_NUM_KIND };

static const char *img_kind_name(enum img_kind k)
{
    return k == IMG_PNG ? "PNG" : k == IMG_JPEG ? "JPEG" : "BMP";
}

/* In the sandbox (sandbox.h): the header's size against the limits, the
 * budget for the decode, stb_image's decode into the shared planes, and
 * libpng's read of our map.  The caller has run the cheap pre-checks. */
static int img_isolated(const uint8_t *p, size_t n, const syn_iso_req *rq, syn_iso_res *res,
                        syn_err *e)
{
    const char *hint = "send a PNG, JPEG or BMP image";
    if (n > INT_MAX) /* stb_image takes an int length */
        return syn_fail(e, SYN_E_TOOLARGE, NULL, "the image is over 2 GiB");
    enum img_kind kind = (enum img_kind)rq->op;
    int iw = 0, ih = 0, comp = 0;
    if (!stbi_info_from_memory(p, (int)n, &iw, &ih, &comp)) {
        const char *why = stbi_failure_reason();
        if (why && strcmp(why, "too large") == 0)
            return syn_fail(e, SYN_E_LIMIT, "send a smaller image",
                            "image sides are over %d pixels", STBI_MAX_DIMENSIONS);
        return syn_fail(e, SYN_E_INVALID, hint, "%s header is corrupt: %s", img_kind_name(kind),
                        why ? why : "unknown");
    }
    long w = iw, h = ih;
    if (w <= 0 || h <= 0)
        return syn_fail(e, SYN_E_INVALID, hint, "image has a zero width or height");
    if (w > rq->max_side || h > rq->max_side || w * h > rq->max_pixels)
        return syn_fail(e, SYN_E_LIMIT, "send a smaller image",
                        "image is %ldx%ld; the limits are %ld per side and %ld pixels", w, h,
                        rq->max_side, rq->max_pixels);
    /* stb holds its RGBA result and, while it works, about as much again
     * (PNG's inflated scanlines, JPEG's component planes); ~25 ns a pixel. */
    size_t px = (size_t)w * (size_t)h;
    if (syn_iso_budget(res, px * 4 * 2, px * 25e-9, "decoding the picture",
                       "send a picture with fewer pixels", e) < 0)
        return -1;
    uint8_t *rgba = stbi_load_from_memory(p, (int)n, &iw, &ih, &comp, 4);
    if (!rgba) {
        const char *why = stbi_failure_reason();
        if (why && strcmp(why, "outofmem") == 0)
            return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory decoding the image");
        if (why && strcmp(why, "too large") == 0)
            return syn_fail(e, SYN_E_LIMIT, "send a smaller image",
                            "image is too large for the decoder (%d per side at most)",
                            STBI_MAX_DIMENSIONS);
        return syn_fail(e, SYN_E_INVALID, hint, "%s is corrupt: %s", img_kind_name(kind),
                        why ? why : "unknown");
    }
    if (iw != w || ih != h) { /* stb's two passes disagree */
        stbi_image_free(rgba);
        return syn_fail(e, SYN_E_INVALID, hint, "image size in the header is inconsistent");
    }
    uint8_t *dst = syn_iso_output(res, px * 4, e);
    if (!dst) {
        stbi_image_free(rgba);
        return -1;
    }
    memcpy(dst, rgba, px * 4); /* the one copy: into the shared planes */
    stbi_image_free(rgba);
    res->len = px * 4;
    res->num[IMG_NUM_W] = w;
    res->num[IMG_NUM_H] = h;
    /* The map: ours from a PNG we made (tEXt "synesthd"). */
    if (kind == IMG_PNG && png_read_map(p, n, res->text, sizeof res->text, e) < 0) return -1;
    return 0;
}

/* --- decode --------------------------------------------------------------- */

/* The input's kind from its magic, or IMG_NONE with *e. */
static enum img_kind img_detect_kind(const uint8_t *p, size_t n, syn_err *e)
{
    enum img_kind kind = img_kind_of(p, n);
    if (kind == IMG_NONE) {
        /* A PNG signature with one or two bytes changed is a PNG damaged in
         * transit (CR/LF translation, 7-bit channel): say so. */
        int diff = 0;
        for (size_t i = 0; i < 8 && n >= 8; i++)
            diff += p[i] != png_sig[i];
        if (n >= 8 && diff <= 2) kind = IMG_PNG;
    }
    if (kind == IMG_NONE) {
        const char *hint = "send a PNG, JPEG or BMP image";
        const char *other = img_other_format(p, n);
        if (other)
            syn_fail(e, SYN_E_UNSUPPORTED, hint, "%s images are not supported", other);
        else
            syn_fail(e, SYN_E_INVALID, hint, "not a PNG, JPEG or BMP image (no known magic)");
    }
    return kind;
}

/* Cheap pre-checks of our own, with good messages, before any library
 * sees the bytes; a PNG's size is checked here from IHDR.  0, or -1 with *e. */
static int img_precheck(enum img_kind kind, const uint8_t *p, size_t n, const syn_limits *lim,
                        syn_err *e)
{
    if (kind == IMG_PNG) {
        uint32_t pw = 0, ph = 0;
        if (png_walk(p, n, &pw, &ph, e) < 0) return -1;
        long w = (long)pw, h = (long)ph;
        if (w <= 0 || h <= 0)
            return syn_fail(e, SYN_E_INVALID, "send a PNG, JPEG or BMP image",
                            "image has a zero width or height");
        if (w > lim->max_side || h > lim->max_side || w * h > lim->max_pixels)
            return syn_fail(e, SYN_E_LIMIT, "send a smaller image",
                            "image is %ldx%ld; the limits are %d per side and %ld pixels", w, h,
                            lim->max_side, lim->max_pixels);
    } else if (kind == IMG_JPEG && jpeg_check_tables(p, n, e) < 0) {
        return -1;
    }
    return 0;
}

/* The libraries, in the sandbox: *iso holds iw x ih RGBA8 pixels, which the
 * caller gives back with syn_iso_release.  0, or -1 with *e (iso released). */
static int img_decode_sandboxed(enum img_kind kind, const uint8_t *p, size_t n,
                                const syn_limits *lim, syn_iso_res *iso, int *iw, int *ih,
                                syn_err *e)
{
    syn_iso_req rq = {.op = kind, .max_side = lim->max_side, .max_pixels = lim->max_pixels};
    if (syn_isolate(&syn_image_modality, p, n, &rq, iso, e) < 0) {
        syn_iso_release(iso);
        return -1;
    }
    *iw = (int)iso->num[IMG_NUM_W];
    *ih = (int)iso->num[IMG_NUM_H];
    if (*iw <= 0 || *ih <= 0 || !iso->data || iso->len != (size_t)*iw * (size_t)*ih * 4) {
        syn_iso_release(iso);
        return syn_fail(e, SYN_E_DECODER, "send a PNG, JPEG or BMP image",
                        "the image decoder returned no pixels");
    }
    return 0;
}

/* The map: ours from a PNG we made (text), else the defaults for a picture;
 * then the grid's size and the options.  Returns has_map. */
static int img_map(const syn_decode_ctx *ctx, const char *text, int iw, int ih, syn_map *map,
                   int *rows, int *cols)
{
    int has_map = 0;
    if (text[0] && syn_map_parse(map, text) == 0) has_map = 1;
    if (!has_map) {
        syn_map_default(map, ctx->opts->sample_rate);
        map->source = SYN_SRC_IMAGE;
    }
    img_grid_size(ctx, map, has_map, iw, ih, rows, cols);
    map->rows = *rows;
    map->cols = *cols;
    syn_map_apply_opts(map, ctx->opts);
    return has_map;
}

/* Our own work on the pixels: the features' shrunk copy, the planes at
 * the picture's size and the grid, ~10 ns a pixel. */
static int img_reserve(size_t np, int rows, int cols, int stereo, int want_planes, syn_err *e)
{
    size_t need = (size_t)3 * SEM_SHRINK_SIDE * SEM_SHRINK_SIDE * sizeof(float);
    if (want_planes)
        need += np * sizeof(float) * (stereo ? 3 : 1) +
                (size_t)rows * (size_t)cols * sizeof(float) * (stereo ? 3 : 1);
    return syn_job_reserve(need, np * 10e-9, "reading the picture",
                           "send a picture with fewer pixels", e);
}

/* Planes at the picture's size: luma, and red/green when red is not NULL. */
static void img_planes(const uint8_t *rgba, size_t np, float *luma, float *red, float *green)
{
    for (size_t i = 0; i < np; i++) {
        const uint8_t *px = rgba + 4 * i;
        float a = px[3] / 255.0f; /* over black: transparent is silent */
        float r = px[0] * a, g = px[1] * a, b = px[2] * a;
        float v = syn_luma709(r, g, b);
        luma[i] = v > 1.0f ? 1.0f : v;
        if (red) {
            red[i] = r / 255.0f;
            green[i] = g / 255.0f;
        }
    }
}

/* The pixels in *iso (released here once they are in the planes) into a
 * rows x cols grid.  0, or -1 with *e; a partial grid is the caller's to free. */
static int img_grid(syn_iso_res *iso, int iw, int ih, int rows, int cols, int stereo,
                    syn_grid *grid, syn_err *e)
{
    int rc = -1;
    size_t np = (size_t)iw * (size_t)ih;
    float *luma = malloc(sizeof(float) * np);
    float *red = stereo ? malloc(sizeof(float) * np) : NULL;
    float *green = stereo ? malloc(sizeof(float) * np) : NULL;
    if (!luma || (stereo && (!red || !green))) {
        syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the image planes");
        goto done;
    }
    img_planes(iso->data, np, luma, red, green);
    syn_iso_release(iso); /* the pixels are in the planes now */

    if (syn_grid_alloc(grid, rows, cols, stereo) < 0) {
        syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for a %dx%d grid", rows, cols);
        goto done;
    }
    img_fit(luma, iw, ih, grid->v, cols, rows);
    if (stereo) {
        img_fit(red, iw, ih, grid->left, cols, rows);
        img_fit(green, iw, ih, grid->right, cols, rows);
    }
    rc = 0;
done:
    free(luma);
    free(red);
    free(green);
    return rc;
}

static int img_decode(const uint8_t *p, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                      syn_err *e)
{
    memset(out, 0, sizeof *out);
    if (!ctx || !ctx->opts || !ctx->limits)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "image decode called without options");
    const syn_limits *lim = ctx->limits;
    if (!p || n == 0)
        return syn_fail(e, SYN_E_EMPTY, "send a PNG, JPEG or BMP image", "the image is empty");
    if (n > INT_MAX) /* stb_image takes an int length */
        return syn_fail(e, SYN_E_TOOLARGE, NULL, "the image is over 2 GiB");
    enum img_kind kind = img_detect_kind(p, n, e);
    if (kind == IMG_NONE || img_precheck(kind, p, n, lim, e) < 0) return -1;

    syn_iso_res iso;
    int iw = 0, ih = 0;
    if (img_decode_sandboxed(kind, p, n, lim, &iso, &iw, &ih, e) < 0) return -1;
    syn_map map;
    int rows = 0, cols = 0;
    int has_map = img_map(ctx, iso.text, iw, ih, &map, &rows, &cols);
    int stereo = map.stereo != 0;

    int rc = -1;
    int want_planes = !(ctx->want_sem && !ctx->want_grid);
    if (img_reserve((size_t)iw * (size_t)ih, rows, cols, stereo, want_planes, e) < 0) goto done;
    if (ctx->want_sem) {
        if (img_semantics(iso.data, iw, ih, &out->sem, e) < 0) goto done;
        out->sem.hash = syn_hash_bytes(p, n);
        out->has_sem = 1;
    }
    /* semantics only: no grid to make */
    if (want_planes && img_grid(&iso, iw, ih, rows, cols, stereo, &out->grid, e) < 0) goto done;
    out->map = map;
    out->has_map = has_map;
    rc = 0;
done:
    syn_iso_release(&iso);
    if (rc < 0) syn_latent_free(out);
    return rc;
}

/* --- encode --------------------------------------------------------------- */

typedef struct img_buf {
    uint8_t *p;
    size_t len, cap;
    img_pngctx *ctx;
} img_buf;

static void img_png_write(png_structp png, png_bytep data, size_t len)
{
    img_buf *b = png_get_io_ptr(png);
    if (len > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 1u << 16; /* 64 KiB: a small picture */
        while (cap - b->len < len) {
            if (cap > SIZE_MAX / 2) {
                b->ctx->oom = 1;
                png_error(png, "output too large");
            }
            cap *= 2;
        }
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->ctx->oom = 1;
            png_error(png, "out of memory");
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void img_png_flush(png_structp png)
{
    (void)png; /* memory output: nothing to flush */
}

/* Round half up to 8 bits, clamped; inline arithmetic rather than lrintf,
 * which is a libm call per pixel (half a million for a spectrogram). */
static inline uint8_t img_byte(float v)
{
    float x = v * 255.0f + 0.5f;
    return (uint8_t)(x <= 0.0f ? 0 : x >= 255.0f ? 255 : (int)x);
}

/* The grid as an 8-bit PNG into buf: paletted through table, or RGB when
 * table is NULL, from the colour plane if there is one, else from the
 * stereo planes.  Kept apart from img_encode so that nothing the longjmp
 * path reads lives in a register.  0, or -1 with the reason in buf->ctx. */
static int img_png_encode(const syn_grid *g, const uint8_t *table, char *line, img_buf *buf)
{
    int stereo = table == NULL;
    size_t rowbytes = (size_t)g->cols * (stereo ? 3 : 1);
    uint8_t *row = malloc(rowbytes);
    if (!row) {
        buf->ctx->oom = 1;
        return -1;
    }
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, buf->ctx, img_png_error, img_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(row);
        buf->ctx->oom = 1;
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    png_set_write_fn(png, buf, img_png_write, img_png_flush);
    png_set_compression_level(png, IMG_PNG_LEVEL);
    png_set_IHDR(png, info, (png_uint_32)g->cols, (png_uint_32)g->rows, 8,
                 stereo ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color pal[256];
    if (!stereo) {
        for (int i = 0; i < 256; i++) {
            pal[i].red = table[3 * i];
            pal[i].green = table[3 * i + 1];
            pal[i].blue = table[3 * i + 2];
        }
        png_set_PLTE(png, info, pal, 256);
    }
    png_text text[2];
    memset(text, 0, sizeof text);
    text[0].compression = PNG_TEXT_COMPRESSION_NONE;
    text[0].key = (png_charp) "synesthd";
    text[0].text = line;
    text[1].compression = PNG_TEXT_COMPRESSION_NONE;
    text[1].key = (png_charp) "Software";
    text[1].text = (png_charp) "synesthd";
    png_set_text(png, info, text, 2);
    png_write_info(png, info); /* the text goes out here, before IDAT */

    for (int r = 0; r < g->rows; r++) {
        size_t base = (size_t)r * (size_t)g->cols;
        if (stereo && g->rgb) {
            for (size_t c = 0; c < 3 * (size_t)g->cols; c++)
                row[c] = img_byte(g->rgb[3 * base + c]);
        } else if (stereo) {
            for (int c = 0; c < g->cols; c++) {
                float L = g->left[base + c], R = g->right[base + c];
                row[3 * c] = img_byte(L);
                row[3 * c + 1] = img_byte(R);
                row[3 * c + 2] = img_byte(0.5f * (L + R));
            }
        } else {
            for (int c = 0; c < g->cols; c++)
                row[c] = img_byte(g->v[base + c]);
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

/* Writes grid g (paletted through table, or RGB when table is NULL) with
 * map line `line` into *out. */
static int img_write(const syn_grid *g, const uint8_t *table, char *line, syn_blob *out, syn_err *e)
{
    img_pngctx ctx = {{0}, 0};
    img_buf buf = {NULL, 0, 0, &ctx};
    if (img_png_encode(g, table, line, &buf) < 0) {
        free(buf.p);
        if (ctx.oom) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory writing the PNG");
        return syn_fail(e, SYN_E_INTERNAL, NULL, "libpng: %s", ctx.msg);
    }
    out->data = buf.p;
    out->len = buf.len;
    out->mime = img_formats[0].mime;
    out->ext = img_formats[0].ext;
    snprintf(out->map, sizeof out->map, "%s", line);
    return 0;
}

/* mode=semantic: an abstract painting of the latent's axes, seeded by the
 * seed option and the input's hash, with a map line for playing it back. */
static int img_encode_painting(syn_latent *in, const syn_opts *o, const syn_limits *lim,
                               syn_blob *out, syn_err *e)
{
    if (!in->has_sem)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "semantic painting without semantics");
    int w = o && syn_opt_given(o, SYN_OPT_WIDTH) && o->width > 0 ? o->width : IMG_PAINT_SIDE;
    int h = o && syn_opt_given(o, SYN_OPT_HEIGHT) && o->height > 0 ? o->height : IMG_PAINT_SIDE;
    if (lim && lim->max_out_side > 0 && (w > lim->max_out_side || h > lim->max_out_side))
        return syn_fail(e, SYN_E_LIMIT, "ask for a smaller picture",
                        "painting %dx%d is over the %d pixel side limit", w, h, lim->max_out_side);
    /* float RGB, then the PNG of it: 15 bytes a pixel; ~0.2 us a pixel
     * painted and read back; the closed loop's rounds on at most a
     * SYN_LOOP_SIDE canvas besides (syn_paint_closed) */
    size_t px = (size_t)w * (size_t)h, lp = (size_t)SYN_LOOP_SIDE * SYN_LOOP_SIDE;
    int rounds = o ? o->rounds : SYN_LOOP_ROUNDS;
    if (syn_job_reserve(px * 15 + lp * 12, (px + lp * rounds) * 0.3e-6, "painting",
                        "lower width or height", e) < 0)
        return -1;
    syn_grid g = {.rows = h, .cols = w};
    g.rgb = malloc(sizeof(float) * 3 * (size_t)w * (size_t)h);
    if (!g.rgb) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for a %dx%d painting", w, h);
    uint32_t seed = (o ? o->seed : 0) ^ in->sem.hash;
    if (syn_paint_closed(&in->sem, seed, w, h, g.rgb, rounds, &out->report, e) < 0) {
        free(g.rgb);
        return -1;
    }
    /* The painting is a picture like any other: played back, it is read
     * with the picture defaults and the options given. */
    syn_map m;
    syn_map_default(&m, o ? o->sample_rate : 0);
    m.source = SYN_SRC_IMAGE;
    m.seed = o ? o->seed : 0;
    if (o) syn_map_apply_opts(&m, o);
    char line[sizeof out->map];
    syn_map_format(&m, line, sizeof line);
    syn_report rep = out->report; /* img_write fills the rest of *out */
    int rc = img_write(&g, NULL, line, out, e);
    free(g.rgb);
    out->report = rep;
    out->has_report = rc == 0;
    return rc;
}

static int img_encode(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_blob *out,
                      syn_err *e)
{
    memset(out, 0, sizeof *out);
    if (o && !syn_format_find(&syn_image_modality, o->format))
        return syn_fail(e, SYN_E_BADREQ, "use format=png", "images are written as png, not %.15s",
                        o->format);
    if (o && o->mode == SYN_MODE_SEMANTIC) return img_encode_painting(in, o, lim, out, e);
    const syn_grid *g = &in->grid;
    if (!g->v || g->rows <= 0 || g->cols <= 0)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "image encode got an empty grid");
    if (lim && lim->max_out_side > 0 &&
        (g->rows > lim->max_out_side || g->cols > lim->max_out_side))
        return syn_fail(e, SYN_E_LIMIT, "ask for a smaller picture",
                        "picture %dx%d is over the %d pixel side limit", g->cols, g->rows,
                        lim->max_out_side);
    int stereo = g->left && g->right;
    const uint8_t *table = NULL;
    if (!stereo) {
        const char *name = o && o->colormap[0] ? o->colormap : "ember";
        int id = syn_colormap_find(name);
        if (id < 0)
            return syn_fail(e, SYN_E_BADREQ, "see GET /v1 for the colour maps",
                            "unknown colormap '%.15s'", name);
        table = syn_colormap_table(id);
        if (!table)
            return syn_fail(e, SYN_E_INTERNAL, NULL, "colour map '%.15s' has no table", name);
    }

    /* the PNG: at most 3 bytes a cell, and a row */
    if (syn_job_reserve((size_t)g->rows * (size_t)g->cols * 3, 0, "writing the picture",
                        "lower width or height", e) < 0)
        return -1;
    char line[sizeof out->map];
    syn_map_format(&in->map, line, sizeof line);
    return img_write(g, table, line, out, e);
}

const syn_modality syn_image_modality = {
    .name = "image",
    .mime_types = img_mimes,
    .formats = img_formats,
    .grid = SYN_GRID_PICTURE,
    .grid_rank = 1,
    .modes = SYN_MODE_BIT(SYN_MODE_SPECTRAL) | SYN_MODE_BIT(SYN_MODE_SEMANTIC),
    .sniff = img_sniff,
    .decode = img_decode,
    .isolated = img_isolated,
    .encode = img_encode,
};
