/* fuzz.c -- a bounded, deterministic mutation fuzzer for the decoders.
 *
 * Seeds: every PngSuite file (the directories or files named on the command
 * line, else $SYN_TESTDATA/pngsuite/png, else ../shared/testdata/pngsuite/png
 * from the repository root), plus seeds made in memory at start: a tiny BMP,
 * the WAV, FLAC and Ogg that syn_convert makes from it, a PNG spectrogram
 * drawn from that WAV (it carries a synesthd map in tEXt), and short English
 * and Chinese UTF-8 texts.
 *
 * Each iteration picks a seed and applies 1-4 mutations (bit flips, byte
 * sets, truncation, insertion, deletion, duplication, 32-bit field
 * overwrites aimed at PNG/RIFF/FLAC/Ogg/BMP header fields), sometimes
 * followed by a recomputation of PNG and Ogg CRCs so that the mutant gets
 * past the checksum checks into the decoders proper.  The mutant then goes
 * through syn_convert to image, audio and text, once with the seed's
 * modality claimed and once sniffed, and through syn_understand.
 *
 * Checks: every call returns 0 or -1; -1 leaves a defined error kind and a
 * non-empty NUL-terminated message; 0 leaves a non-empty blob that starts
 * with its format's magic (or valid UTF-8 text), or a latent whose grid and
 * axes are in [0,1].  A call that takes more than RUN_ALARM_SEC aborts with
 * the iteration and seed; so does a crash or a sanitizer report (through
 * the sanitizer's death callback, or a signal handler without one).
 *
 * Everything derives from the seed argument and the iteration number, so a
 * failure is replayed with the same arguments plus -i ITERATION.
 * Exit status: 0 all checks held, 1 a check failed, 2 bad usage or set-up. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "syn/error.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/semantic.h"

/* 2000 iterations (8 calls each) take about 15 s under ASan with a leak
 * check per iteration, 1 s without sanitizers. */
#define DEFAULT_ITERS 2000
#define DEFAULT_SECONDS 60 /* `make fuzz` must end: the budget wins over -n */
/* One call on a mutant of a small seed takes milliseconds; 5 s, even under
 * ASan, means a hang. */
#define RUN_ALARM_SEC 5
#define STR_(x) #x
#define STR(x) STR_(x)
#define MAX_SEEDS 512             /* PngSuite has 175 files; room for more */
#define MAX_SEED_BYTES (1u << 20) /* seeds are small samples, not corpora  */
#define MAX_MUTATIONS 4
#define RUN_MAX 4096   /* longest inserted, deleted or duplicated run      */
#define MAX_FIELDS 128 /* 32-bit header fields remembered per mutant       */
#define MAX_REPORTS 20 /* failures printed in full; the rest are counted   */
#define CTX_LEN 1024   /* what is running, for crash and hang messages     */

/* --- deterministic randomness: splitmix64 ---------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rng_below(rng *r, size_t n)
{
    return n ? (size_t)(rng_next(r) % n) : 0;
}

/* Run lengths: log-uniform in 1..RUN_MAX, so short runs are common and
 * long ones still happen. */
static size_t rng_run(rng *r)
{
    return 1 + rng_below(r, (size_t)1 << rng_below(r, 13));
}

/* --- seeds ---------------------------------------------------------------- */

typedef struct seed {
    char name[64];
    uint8_t *p;
    size_t n;
    const syn_modality *mod; /* what the seed is: the claim made for it */
} seed;

static seed seeds[MAX_SEEDS];
static int nseeds;
static int nfiles; /* seeds[0..nfiles) are PNG files, the rest are generated */

static const syn_modality *m_image, *m_audio, *m_text;
static syn_limits lim;

static int add_seed(const char *name, const uint8_t *p, size_t n, const syn_modality *mod)
{
    if (nseeds == MAX_SEEDS || n == 0 || n > MAX_SEED_BYTES) return -1;
    seed *s = &seeds[nseeds];
    if (!(s->p = malloc(n))) return -1;
    memcpy(s->p, p, n);
    s->n = n;
    s->mod = mod;
    snprintf(s->name, sizeof s->name, "%s", name);
    nseeds++;
    return 0;
}

static int load_file(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    uint8_t *buf = malloc(MAX_SEED_BYTES);
    size_t n = buf ? fread(buf, 1, MAX_SEED_BYTES, f) : 0;
    fclose(f);
    int rc = buf ? add_seed(name, buf, n, m_image) : -1;
    free(buf);
    return rc;
}

static int png_name(const struct dirent *d)
{
    size_t l = strlen(d->d_name);
    return l > 4 && !strcmp(d->d_name + l - 4, ".png");
}

/* A directory's *.png files in name order (the seed list must not depend on
 * readdir's order, or -i would replay a different mutant), or one file. */
static int load_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        const char *base = strrchr(path, '/');
        return load_file(path, base ? base + 1 : path);
    }
    struct dirent **list;
    int k = scandir(path, &list, png_name, alphasort);
    if (k < 0) return -1;
    int loaded = 0;
    for (int i = 0; i < k; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, list[i]->d_name);
        if (load_file(full, list[i]->d_name) == 0) loaded++;
        free(list[i]);
    }
    free(list);
    return loaded > 0 ? 0 : -1;
}

static void put_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A 16x12 24-bit BMP: a diagonal gradient with a bright bar, so the sound
 * made from it has structure in both time and frequency. */
#define BMP_W 16
#define BMP_H 12
static size_t make_bmp(uint8_t *out)
{
    const size_t row = (BMP_W * 3 + 3) & ~(size_t)3; /* rows pad to 4 bytes */
    const size_t size = 54 + row * BMP_H;            /* 14 + 40 header bytes */
    memset(out, 0, size);
    out[0] = 'B';
    out[1] = 'M';
    put_le32(out + 2, (uint32_t)size);
    put_le32(out + 10, 54);
    put_le32(out + 14, 40); /* BITMAPINFOHEADER */
    put_le32(out + 18, BMP_W);
    put_le32(out + 22, BMP_H);
    put_le16(out + 26, 1);  /* planes */
    put_le16(out + 28, 24); /* bits per pixel */
    put_le32(out + 34, (uint32_t)(row * BMP_H));
    for (int y = 0; y < BMP_H; y++)
        for (int x = 0; x < BMP_W; x++) {
            uint8_t *px = out + 54 + (size_t)y * row + (size_t)x * 3;
            px[0] = (uint8_t)(x * 16);
            px[1] = (uint8_t)(y * 20);
            px[2] = y == BMP_H / 2 ? 255 : (uint8_t)((x + y) * 9);
        }
    return size;
}

/* Options shared by the seed making and the runs: short sounds and small
 * pictures keep each call to milliseconds. */
static int small_opts(syn_opts *o, const char *format)
{
    syn_err e;
    syn_opts_default(o);
    if (syn_opts_set(o, "duration", "0.5", &lim, &e) < 0 ||
        syn_opts_set(o, "width", "64", &lim, &e) < 0 ||
        syn_opts_set(o, "height", "64", &lim, &e) < 0 ||
        (format && syn_opts_set(o, "format", format, &lim, &e) < 0)) {
        fprintf(stderr, "fuzz: options: %s\n", e.message);
        return -1;
    }
    return 0;
}

static int convert_seed(const char *name, const uint8_t *p, size_t n, const syn_modality *in,
                        const syn_modality *out, const char *format)
{
    syn_opts o;
    syn_blob b;
    syn_err e;
    if (small_opts(&o, format) < 0) return -1;
    if (syn_convert(in, p, n, out, &o, &lim, &b, &e) < 0) {
        fprintf(stderr, "fuzz: cannot make seed %s: %s\n", name, e.message);
        return -1;
    }
    int rc = add_seed(name, b.data, b.len, out);
    syn_blob_free(&b);
    return rc;
}

static int make_seeds(void)
{
    uint8_t bmp[54 + ((BMP_W * 3 + 3) & ~3) * BMP_H];
    size_t nb = make_bmp(bmp);
    static const char en[] = "The quick brown fox jumps over the lazy dog at sunset.\n";
    static const char zh[] = "夜空中的星星闪烁着温暖的光，安静的湖水映着月亮。";
    if (add_seed("gen:tiny.bmp", bmp, nb, m_image) < 0 ||
        add_seed("gen:en.txt", (const uint8_t *)en, sizeof en - 1, m_text) < 0 ||
        add_seed("gen:zh.txt", (const uint8_t *)zh, sizeof zh - 1, m_text) < 0)
        return -1;
    if (convert_seed("gen:bmp.wav", bmp, nb, m_image, m_audio, "wav") < 0 ||
        convert_seed("gen:bmp.flac", bmp, nb, m_image, m_audio, "flac") < 0 ||
        convert_seed("gen:bmp.ogg", bmp, nb, m_image, m_audio, "ogg") < 0)
        return -1;
    const seed *wav = &seeds[nseeds - 3];
    return convert_seed("gen:wav.png", wav->p, wav->n, m_audio, m_image, NULL);
}

/* --- mutations ------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

/* The mutation list of the current iteration, printed with any failure. */
static char mutlog[512];

static void logf_mut(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_mut(const char *fmt, ...)
{
    size_t l = strlen(mutlog);
    if (l + 2 >= sizeof mutlog) return;
    if (l) mutlog[l++] = ' ', mutlog[l] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mutlog + l, sizeof mutlog - l, fmt, ap);
    va_end(ap);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

enum fmt { F_OTHER = 0, F_PNG, F_RIFF, F_OGG, F_FLAC, F_BMP };

static enum fmt fmt_of(const uint8_t *p, size_t n)
{
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) return F_PNG;
    if (n >= 4 && !memcmp(p, "RIFF", 4)) return F_RIFF;
    if (n >= 4 && !memcmp(p, "OggS", 4)) return F_OGG;
    if (n >= 4 && !memcmp(p, "fLaC", 4)) return F_FLAC;
    if (n >= 2 && p[0] == 'B' && p[1] == 'M') return F_BMP;
    return F_OTHER;
}

typedef struct fields {
    size_t off[MAX_FIELDS];
    int n;
    int big_endian; /* PNG and FLAC store integers big-endian */
} fields;

static void field_add(fields *f, size_t off, size_t n)
{
    if (f->n < MAX_FIELDS && off + 4 <= n) f->off[f->n++] = off;
}

/* Offsets of the 32-bit fields a decoder trusts: sizes, counts, rates. */
static void find_fields(const uint8_t *p, size_t n, fields *f)
{
    f->n = 0;
    f->big_endian = 0;
    switch (fmt_of(p, n)) {
    case F_PNG:
        f->big_endian = 1;
        field_add(f, 16, n); /* IHDR width  */
        field_add(f, 20, n); /* IHDR height */
        for (size_t pos = 8; pos + 12 <= n;) {
            field_add(f, pos, n); /* chunk length */
            uint32_t len = be32(p + pos);
            if (len > n - pos - 12) break;
            pos += 12 + (size_t)len;
        }
        break;
    case F_RIFF:
        field_add(f, 4, n); /* RIFF size */
        for (size_t pos = 12; pos + 8 <= n;) {
            field_add(f, pos + 4, n); /* chunk size: "data" among them */
            if (!memcmp(p + pos, "fmt ", 4)) {
                field_add(f, pos + 8, n);  /* format tag + channels */
                field_add(f, pos + 12, n); /* sample rate          */
                field_add(f, pos + 16, n); /* byte rate            */
                field_add(f, pos + 20, n); /* block align + bits   */
            }
            uint32_t len = le32(p + pos + 4);
            if (len > n - pos - 8) break;
            pos += 8 + (size_t)len + (len & 1); /* chunks pad to even */
        }
        break;
    case F_OGG:
        /* every page header: granule (2 halves), serial, sequence, CRC,
         * and the segment count with the start of the lacing table */
        for (size_t pos = 0; pos + 27 <= n; pos++)
            if (!memcmp(p + pos, "OggS", 4)) {
                static const size_t rel[] = {6, 10, 14, 18, 22, 26};
                for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
                    field_add(f, pos + rel[i], n);
            }
        break;
    case F_FLAC:
        f->big_endian = 1;
        field_add(f, 8, n);  /* STREAMINFO min/max block size   */
        field_add(f, 12, n); /* min/max frame size              */
        field_add(f, 18, n); /* sample rate, channels, bits ... */
        field_add(f, 22, n); /* ... total samples               */
        for (size_t pos = 4; pos + 4 <= n;) {
            field_add(f, pos, n); /* block type + 24-bit length */
            size_t len = (size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 | p[pos + 3];
            int last = p[pos] & 0x80;
            pos += 4 + len;
            if (last) break;
        }
        break;
    case F_BMP: {
        /* file size, pixel offset, header size, width, height, planes+bpp,
         * compression, image size, colours used */
        static const size_t bmp[] = {2, 10, 14, 18, 22, 26, 30, 34, 46};
        for (size_t i = 0; i < sizeof bmp / sizeof bmp[0]; i++)
            field_add(f, bmp[i], n);
        break;
    }
    case F_OTHER:
        break;
    }
}

/* Large, negative and boundary integers: sizes past the end, the limits'
 * edges (16384 px, 40 Mpx), sign flips for signed readers. */
static uint32_t pick_int(rng *r, size_t n)
{
    static const uint32_t v[] = {0,          1,          0x7F,       0x80,       0xFF,
                                 0x7FFF,     0x8000,     0xFFFF,     0x10000,    16384,
                                 16385,      32768,      40000000,   0x3FFFFFFF, 0x40000000,
                                 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFF80};
    size_t k = rng_below(r, sizeof v / sizeof v[0] + 3);
    if (k < sizeof v / sizeof v[0]) return v[k];
    k -= sizeof v / sizeof v[0];
    return (uint32_t)n + (uint32_t)k - 1; /* the buffer's length -1, +0, +1 */
}

static int buf_reserve(buf *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t cap = need + RUN_MAX;
    uint8_t *np = realloc(b->p, cap);
    if (!np) return -1;
    b->p = np;
    b->cap = cap;
    return 0;
}

/* Open a gap of k bytes at off (off <= b->n). */
static int buf_gap(buf *b, size_t off, size_t k)
{
    if (buf_reserve(b, b->n + k) < 0) return -1;
    memmove(b->p + off + k, b->p + off, b->n - off);
    b->n += k;
    return 0;
}

static int mutate_once(buf *b, rng *r)
{
    static const uint8_t special[] = {0x00, 0xFF, 0x7F, 0x80};
    /* Field overwrites appear twice: they reach the size checks. */
    switch (rng_below(r, 8)) {
    case 0: { /* bit flip */
        if (!b->n) break;
        size_t off = rng_below(r, b->n);
        int bit = (int)rng_below(r, 8);
        b->p[off] ^= (uint8_t)(1u << bit);
        logf_mut("flip@%zu.%d", off, bit);
        return 0;
    }
    case 1: { /* byte set */
        if (!b->n) break;
        size_t off = rng_below(r, b->n);
        uint8_t v = special[rng_below(r, sizeof special)];
        b->p[off] = v;
        logf_mut("set@%zu=%02X", off, v);
        return 0;
    }
    case 2: { /* truncation: anywhere, but often near the end */
        if (!b->n) break;
        size_t cut =
            rng_below(r, 2) ? rng_below(r, b->n) : b->n - rng_below(r, b->n < 64 ? b->n : 64);
        logf_mut("trunc@%zu", cut);
        b->n = cut;
        return 0;
    }
    case 3: { /* insertion of random bytes or of one repeated byte */
        size_t off = rng_below(r, b->n + 1), k = rng_run(r);
        int fill = (int)rng_below(r, 2);
        uint8_t v = (uint8_t)rng_next(r);
        if (buf_gap(b, off, k) < 0) return -1;
        for (size_t i = 0; i < k; i++)
            b->p[off + i] = fill ? v : (uint8_t)rng_next(r);
        logf_mut("ins@%zu+%zu%s", off, k, fill ? "(rep)" : "");
        return 0;
    }
    case 4: { /* deletion */
        if (!b->n) break;
        size_t off = rng_below(r, b->n), k = rng_run(r);
        if (k > b->n - off) k = b->n - off;
        memmove(b->p + off, b->p + off + k, b->n - off - k);
        b->n -= k;
        logf_mut("del@%zu-%zu", off, k);
        return 0;
    }
    case 5: { /* duplication of a chunk somewhere else */
        if (!b->n) break;
        size_t src = rng_below(r, b->n), k = rng_run(r);
        if (k > b->n - src) k = b->n - src;
        size_t dst = rng_below(r, b->n + 1);
        /* copied out first: the gap may open inside the source run */
        static uint8_t chunk[RUN_MAX];
        memcpy(chunk, b->p + src, k);
        if (buf_gap(b, dst, k) < 0) return -1;
        memcpy(b->p + dst, chunk, k);
        logf_mut("dup%zu+%zu@%zu", src, k, dst);
        return 0;
    }
    default: { /* 32-bit field overwrite, aimed at a header field if known */
        if (b->n < 4) break;
        fields f;
        find_fields(b->p, b->n, &f);
        size_t off =
            f.n && rng_below(r, 4) ? f.off[rng_below(r, (size_t)f.n)] : rng_below(r, b->n - 3);
        uint32_t v = pick_int(r, b->n);
        int be = f.n ? f.big_endian : (int)rng_below(r, 2);
        for (int i = 0; i < 4; i++)
            b->p[off + i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
        logf_mut("u32%s@%zu=%08X", be ? "be" : "le", off, v);
        return 0;
    }
    }
    /* an empty buffer: grow it instead */
    if (buf_gap(b, 0, 1) < 0) return -1;
    b->p[0] = (uint8_t)rng_next(r);
    logf_mut("ins@0+1");
    return 0;
}

/* Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, zero initial value
 * (RFC 3533 section 6); zlib's crc32 is the reflected one PNG uses. */
static uint32_t ogg_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint32_t)p[i] << 24;
        for (int k = 0; k < 8; k++)
            c = c & 0x80000000u ? c << 1 ^ 0x04C11DB7u : c << 1;
    }
    return c;
}

/* Recompute the checksums that would otherwise stop most mutants at the
 * first check: every whole PNG chunk's CRC, every whole Ogg page's CRC. */
static int fix_crcs(buf *b)
{
    int fixed = 0;
    if (fmt_of(b->p, b->n) == F_PNG) {
        for (size_t pos = 8; pos + 12 <= b->n;) {
            uint32_t len = be32(b->p + pos);
            if (len > b->n - pos - 12) break;
            uint32_t c = (uint32_t)crc32(0, b->p + pos + 4, (uInt)len + 4);
            for (int i = 0; i < 4; i++)
                b->p[pos + 8 + len + i] = (uint8_t)(c >> (24 - 8 * i));
            pos += 12 + (size_t)len;
            fixed++;
        }
    } else if (fmt_of(b->p, b->n) == F_OGG) {
        for (size_t pos = 0; pos + 27 <= b->n;) {
            if (memcmp(b->p + pos, "OggS", 4)) {
                pos++;
                continue;
            }
            size_t nseg = b->p[pos + 26], body = 0;
            if (pos + 27 + nseg > b->n) break;
            for (size_t i = 0; i < nseg; i++)
                body += b->p[pos + 27 + i];
            size_t len = 27 + nseg + body;
            if (len > b->n - pos) break;
            memset(b->p + pos + 22, 0, 4);
            put_le32(b->p + pos + 22, ogg_crc(b->p + pos, len));
            pos += len;
            fixed++;
        }
    }
    return fixed;
}

/* The mutant of one iteration; mutlog names what was done. */
static int make_mutant(const seed *s, rng *r, buf *b)
{
    mutlog[0] = '\0';
    if (buf_reserve(b, s->n) < 0) return -1;
    memcpy(b->p, s->p, s->n);
    b->n = s->n;
    int k = 1 + (int)rng_below(r, MAX_MUTATIONS);
    for (int i = 0; i < k; i++)
        if (mutate_once(b, r) < 0) return -1;
    if (rng_below(r, 2) && fix_crcs(b) > 0) logf_mut("fixcrc");
    return 0;
}

/* --- crash and hang reports -------------------------------------------------- */

static char ctx_line[CTX_LEN]; /* formatted before each call */

static void write_ctx(const char *why)
{
    /* async-signal-safe: write(2) of buffers already formatted */
    if (write(2, why, strlen(why)) < 0) return;
    if (write(2, ctx_line, strlen(ctx_line)) < 0) return;
}

static void on_alarm(int sig)
{
    (void)sig;
    write_ctx("\nfuzz: HANG: a call ran longer than " STR(RUN_ALARM_SEC) " s\n");
    signal(SIGABRT, SIG_DFL); /* one report, not a second "crash" one */
    abort();
}

static void on_fatal(int sig)
{
    write_ctx("\nfuzz: CRASH (signal) while running\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_sanitizer_death(void)
{
    write_ctx("\nfuzz: the sanitizer stopped the run above while running\n");
}

/* Present only when linked with a sanitizer runtime (SAN=1). */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void install_reporters(void)
{
    signal(SIGALRM, on_alarm);
    if (__sanitizer_set_death_callback) {
        /* ASan owns SIGSEGV and prints the trace; it calls us before dying */
        __sanitizer_set_death_callback(on_sanitizer_death);
        return;
    }
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_fatal);
}

/* --- the checks ------------------------------------------------------------ */

enum { T_IMAGE = 0, T_AUDIO, T_TEXT, T_UNDERSTAND, T_COUNT };
static const char *const target_names[T_COUNT] = {"image", "audio", "text", "understand"};
#define NKIND (SYN_E_INTERNAL + 1)

static long ok_count[T_COUNT], rej_count[T_COUNT][NKIND];
static long failures;
static int verbose;               /* -v: one line per call */
static unsigned long long g_seed; /* for the failure lines */
static long g_iter;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    if (failures++ >= MAX_REPORTS) return;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fprintf(stderr, "FAIL: %s\n%s", why, ctx_line);
}

static int valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t k = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!k || k > n - i || c == 0) return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return 0;
        i += k;
    }
    return 1;
}

static int in_unit(float v)
{
    return v >= 0.0f && v <= 1.0f; /* false for NaN too */
}

/* rc is 0 or -1; -1 leaves a defined kind and a usable message. */
static int check_err(int t, int rc, const syn_err *e)
{
    if (rc != 0 && rc != -1) {
        fail("%s returned %d, not 0 or -1", target_names[t], rc);
        return -1;
    }
    if (verbose)
        printf("    %s: %s %s\n", target_names[t], rc ? syn_errkind_code(e->kind) : "ok",
               rc ? e->message : "");
    if (rc == 0) return 0;
    if ((int)e->kind <= SYN_OK || (int)e->kind >= NKIND) {
        fail("%s failed with undefined error kind %d", target_names[t], (int)e->kind);
        return -1;
    }
    if (!memchr(e->message, '\0', sizeof e->message) || !memchr(e->hint, '\0', sizeof e->hint)) {
        fail("%s: error message or hint not NUL-terminated", target_names[t]);
        return -1;
    }
    if (!e->message[0]) {
        fail("%s failed (%s) with an empty message", target_names[t], syn_errkind_code(e->kind));
        return -1;
    }
    /* Allowed, but a 500 for a bad input deserves a look: say where. */
    if (e->kind == SYN_E_INTERNAL && rej_count[t][e->kind] < MAX_REPORTS)
        fprintf(stderr, "NOTE: %s failed with internal: %s\n%s", target_names[t], e->message,
                ctx_line);
    rej_count[t][e->kind]++;
    return -1;
}

static void check_blob(int t, const syn_blob *b, const char *format)
{
    if (!b->data || b->len == 0) {
        fail("%s: success with an empty blob", target_names[t]);
        return;
    }
    if (!b->mime || !b->ext || !memchr(b->map, '\0', sizeof b->map)) {
        fail("%s: blob without mime/ext or with an unterminated map", target_names[t]);
        return;
    }
    const char *want;
    int good;
    if (t == T_IMAGE) {
        want = "PNG signature";
        good = fmt_of(b->data, b->len) == F_PNG;
    } else if (t == T_TEXT) {
        want = "UTF-8 text";
        good = valid_utf8(b->data, b->len);
    } else if (!strcmp(format, "flac")) {
        want = "fLaC";
        good = fmt_of(b->data, b->len) == F_FLAC;
    } else if (!strcmp(format, "ogg")) {
        want = "OggS";
        good = fmt_of(b->data, b->len) == F_OGG;
    } else {
        want = "RIFF/WAVE";
        good = b->len >= 12 && !memcmp(b->data, "RIFF", 4) && !memcmp(b->data + 8, "WAVE", 4);
    }
    if (!good)
        fail("%s: output (%zu bytes) does not start with %s", target_names[t], b->len, want);
    else
        ok_count[t]++;
}

static void check_latent(const syn_latent *l)
{
    const syn_grid *g = &l->grid;
    if (g->rows < 0 || g->cols < 0 || (g->rows > 0 && (g->cols == 0 || !g->v))) {
        fail("understand: grid %dx%d (v %s)", g->rows, g->cols, g->v ? "set" : "NULL");
        return;
    }
    size_t cells = (size_t)g->rows * (size_t)g->cols;
    for (size_t i = 0; i < cells; i++)
        if (!in_unit(g->v[i]) || (g->left && !in_unit(g->left[i])) ||
            (g->right && !in_unit(g->right[i]))) {
            fail("understand: grid cell %zu is %g, outside [0,1]", i, (double)g->v[i]);
            return;
        }
    if (l->has_sem)
        for (int a = 0; a < SYN_AX_COUNT; a++)
            if (!in_unit(l->sem.v[a]) || !in_unit(l->sem.w[a]) ||
                !memchr(l->sem.reason[a], '\0', SYN_REASON_LEN)) {
                fail("understand: axis %s is %g (weight %g)", syn_axis_name((syn_axis)a),
                     (double)l->sem.v[a], (double)l->sem.w[a]);
                return;
            }
    ok_count[T_UNDERSTAND]++;
}

/* --- one iteration ---------------------------------------------------------- */

static const char *const audio_formats[] = {"wav", "wav-float", "flac", "ogg"};
static syn_opts opts_image, opts_text, opts_audio[4];

static void set_ctx(const seed *s, const char *call, const syn_modality *claim)
{
    snprintf(ctx_line, sizeof ctx_line,
             "  iteration %ld, seed %llu: %s (%s claimed as %s); mutations: %s\n"
             "  replay: fuzz -s %llu -i %ld\n",
             g_iter, g_seed, call, s->name, claim ? claim->name : "nothing (sniffed)", mutlog,
             g_seed, g_iter);
}

/* Each call starts from a poisoned error record, so a -1 that never went
 * through syn_fail shows up as an undefined kind or unterminated text. */
static void run_one(const seed *s, const buf *b, rng *r)
{
    const syn_modality *claims[2] = {s->mod, NULL};
    const syn_modality *targets[3] = {m_image, m_audio, m_text};
    int fi = (int)rng_below(r, 4);
    for (int c = 0; c < 2; c++) {
        for (int t = 0; t < 3; t++) {
            const syn_opts *o = t == T_IMAGE   ? &opts_image
                                : t == T_AUDIO ? &opts_audio[fi]
                                               : &opts_text;
            char call[64];
            snprintf(call, sizeof call, "syn_convert to %s%s%s", target_names[t],
                     t == T_AUDIO ? " format=" : "", t == T_AUDIO ? audio_formats[fi] : "");
            set_ctx(s, call, claims[c]);
            syn_blob res;
            syn_err e;
            memset(&e, 0xA5, sizeof e);
            alarm(RUN_ALARM_SEC);
            int rc = syn_convert(claims[c], b->p, b->n, targets[t], o, &lim, &res, &e);
            alarm(0);
            if (check_err(t, rc, &e) == 0) check_blob(t, &res, audio_formats[fi]);
            if (rc == 0) syn_blob_free(&res);
        }
        set_ctx(s, "syn_understand", claims[c]);
        syn_part part = {.claimed = claims[c], .p = b->p, .n = b->n};
        syn_latent l;
        syn_err e;
        memset(&e, 0xA5, sizeof e);
        alarm(RUN_ALARM_SEC);
        int rc = syn_understand(&part, 1, &opts_image, &lim, &l, &e);
        alarm(0);
        if (check_err(T_UNDERSTAND, rc, &e) == 0) check_latent(&l);
        if (rc == 0) syn_latent_free(&l);
    }
}

/* The iteration's generator depends on the seed argument and the iteration
 * number only, so -i replays one iteration without running the others. */
static void iter_rng(rng *r, unsigned long long seedarg, long iter)
{
    r->s = seedarg * 0xD1342543DE82EF95ull ^ (uint64_t)iter * 0x9E3779B97F4A7C15ull;
    rng_next(r);
}

/* Half the iterations start from a generated seed: the seven of them are the
 * only sounds, texts and BMP, and would otherwise drown among PngSuite's 175. */
static const seed *pick_seed(rng *r)
{
    if (nfiles == 0 || nfiles == nseeds) return &seeds[rng_below(r, (size_t)nseeds)];
    if (rng_below(r, 2)) return &seeds[nfiles + (int)rng_below(r, (size_t)(nseeds - nfiles))];
    return &seeds[rng_below(r, (size_t)nfiles)];
}

/* --- main ------------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fuzz [-v] [-n ITERATIONS] [-s SEED] [-t SECONDS] [-i ITERATION [-o MUTANT]]\n"
            "            [PNG file or directory ...]\n"
            "  -n  iterations to run (default %d)\n"
            "  -s  seed of every random choice (default 1)\n"
            "  -t  time budget in seconds; the run stops cleanly after it (default %d)\n"
            "  -i  run only this iteration (replay a failure); -o writes its mutant\n"
            "  -v  print every call's outcome\n"
            "PNG seeds default to $SYN_TESTDATA/pngsuite/png or ../shared/testdata/pngsuite/png\n",
            DEFAULT_ITERS, DEFAULT_SECONDS);
}

static int parse_num(const char *s, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static void summary(long ran, long asked, double secs, int stopped)
{
    printf("fuzz: seed %llu, %ld of %ld iterations in %.1f s%s, %d seeds\n", g_seed, ran, asked,
           secs, stopped ? " (time budget reached)" : "", nseeds);
    for (int t = 0; t < T_COUNT; t++) {
        printf("  %-10s ok %6ld", target_names[t], ok_count[t]);
        for (int k = 1; k < NKIND; k++)
            if (rej_count[t][k])
                printf("  %s %ld", syn_errkind_code((syn_errkind)k), rej_count[t][k]);
        printf("\n");
    }
    printf("fuzz: %ld failure%s\n", failures, failures == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
    unsigned long long iters = DEFAULT_ITERS, seconds = DEFAULT_SECONDS, only = 0, v;
    int have_only = 0;
    const char *out_path = NULL;
    g_seed = 1;
    int c;
    while ((c = getopt(argc, argv, "n:s:t:i:o:vh")) != -1) {
        if (c == 'o' || c == 'v') {
            if (c == 'o')
                out_path = optarg;
            else
                verbose = 1;
            continue;
        }
        if (c == 'h' || c == '?' || parse_num(optarg, &v) < 0) {
            usage();
            return 2;
        }
        if (c == 'n')
            iters = v;
        else if (c == 's')
            g_seed = v;
        else if (c == 't')
            seconds = v;
        else if (c == 'i')
            only = v, have_only = 1;
    }
    if (out_path && !have_only) {
        usage();
        return 2;
    }

    syn_limits_default(&lim); /* the server's limits: the fuzzer tests those */
    if (syn_modalities_init() < 0) {
        fprintf(stderr, "fuzz: syn_modalities_init failed\n");
        return 2;
    }
    m_image = syn_modality_by_name("image");
    m_audio = syn_modality_by_name("audio");
    m_text = syn_modality_by_name("text");
    int rc = 2;
    if (!m_image || !m_audio || !m_text || small_opts(&opts_image, NULL) < 0 ||
        small_opts(&opts_text, NULL) < 0)
        goto out;
    for (int i = 0; i < 4; i++)
        if (small_opts(&opts_audio[i], audio_formats[i]) < 0) goto out;

    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            if (load_path(argv[i]) < 0) {
                fprintf(stderr, "fuzz: no PNG seeds in %s\n", argv[i]);
                goto out;
            }
    } else {
        const char *td = getenv("SYN_TESTDATA");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/pngsuite/png", td && *td ? td : "../shared/testdata");
        if (load_path(dir) < 0) {
            fprintf(stderr, "fuzz: no PngSuite in %s (set SYN_TESTDATA or name a directory)\n",
                    dir);
            goto out;
        }
    }
    nfiles = nseeds;
    if (make_seeds() < 0) goto out;
    install_reporters();

    buf b = {0};
    double t0 = now();
    long ran = 0;
    int stopped = 0, leaked = 0;
    for (unsigned long long i = have_only ? only : 0; i < (have_only ? only + 1 : iters); i++) {
        if (!have_only && now() - t0 >= (double)seconds) {
            stopped = 1;
            break;
        }
        rng r;
        g_iter = (long)i;
        iter_rng(&r, g_seed, g_iter);
        const seed *s = pick_seed(&r);
        snprintf(ctx_line, sizeof ctx_line, "  iteration %ld, seed %llu: mutating %s\n", g_iter,
                 g_seed, s->name);
        if (make_mutant(s, &r, &b) < 0) {
            fprintf(stderr, "fuzz: out of memory for a mutant\n");
            break;
        }
        if (have_only) {
            printf("fuzz: iteration %ld: %s, %zu -> %zu bytes; mutations: %s\n", g_iter, s->name,
                   s->n, b.n, mutlog);
            FILE *f = out_path ? fopen(out_path, "wb") : NULL;
            if (out_path && (!f || fwrite(b.p, 1, b.n, f) != b.n))
                fprintf(stderr, "fuzz: cannot write %s\n", out_path);
            if (f) fclose(f);
        }
        run_one(s, &b, &r);
        ran++;
        /* Under LeakSanitizer, look for leaks after every iteration until the
         * first one, so that it names the iteration that leaked; leaked
         * blocks stay unreachable, so later checks would only repeat it
         * (the exit-time check lists them all). */
        if (!leaked && __lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check()) {
            leaked = 1;
            set_ctx(s, "one of the calls above", NULL);
            fail("memory leaked in this iteration (LeakSanitizer report above)");
        }
    }
    summary(ran, have_only ? 1 : (long)iters, now() - t0, stopped);
    /* the exit-time leak check may die before stdio is flushed */
    fflush(stdout);
    snprintf(ctx_line, sizeof ctx_line,
             "  at exit, after iteration %ld, seed %llu: a FAIL line above names the first "
             "iteration that leaked\n",
             g_iter, g_seed);
    free(b.p);
    rc = failures ? 1 : 0;
out:
    for (int i = 0; i < nseeds; i++)
        free(seeds[i].p);
    syn_modalities_fini();
    return rc;
}
