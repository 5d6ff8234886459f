/* test_image.c -- the image modality: PngSuite, limits, BMP/JPEG, and the
 * PNG it writes (palette, text chunk, round trip, determinism).
 * PngSuite is read from $SYN_TESTDATA/pngsuite/png, else
 * ../shared/testdata/pngsuite/png relative to the repository root. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "syn/fusion.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "harness.h"

extern const syn_modality syn_image_modality, syn_audio_modality;

static syn_limits lim;
static syn_opts opts;

static int reset(void **state)
{
    (void)state;
    syn_limits_default(&lim);
    syn_opts_default(&opts);
    return 0;
}

static int decode_for(const syn_modality *target, const uint8_t *p, size_t n, syn_latent *l,
                      syn_err *e)
{
    syn_decode_ctx ctx = {.opts = &opts, .limits = &lim, .target = target, .want_grid = 1};
    memset(e, 0, sizeof *e);
    return syn_image_modality.decode(p, n, &ctx, l, e);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return p;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

/* Appends one PNG chunk with a correct CRC at p; returns its length. */
static size_t png_chunk(uint8_t *p, const char *type, const uint8_t *data, uint32_t len)
{
    put32be(p, len);
    memcpy(p + 4, type, 4);
    if (len) memcpy(p + 8, data, len);
    put32be(p + 8 + len, (uint32_t)crc32(0, p + 4, len + 4));
    return 12 + len;
}

/* A grid of rows x cols with v = (r*cols + c) % 256 / 255 and a map. */
static void make_latent(syn_latent *l, int rows, int cols, int stereo)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(syn_grid_alloc(&l->grid, rows, cols, stereo), 0);
    for (int i = 0; i < rows * cols; i++) {
        l->grid.v[i] = (float)((i * 7) % 256) / 255.0f;
        if (stereo) {
            l->grid.left[i] = (float)(i % 256) / 255.0f;
            l->grid.right[i] = (float)(255 - i % 256) / 255.0f;
        }
    }
    syn_map_default(&l->map, 22050);
    l->map.duration = 3.5;
    l->map.fmin = 150;
    l->map.ref_db = -12.5;
    l->map.source = SYN_SRC_AUDIO;
    l->map.stereo = stereo;
    l->map.rows = rows;
    l->map.cols = cols;
}

static void pngsuite_x_files_are_invalid_and_all_others_decode_in_range(void **state)
{
    (void)state;
    const char *root = getenv("SYN_TESTDATA") ? getenv("SYN_TESTDATA") : "../shared/testdata";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/pngsuite/png", root);
    DIR *d = opendir(dir);
    if (!d) fail_msg("PngSuite not found at %s (set SYN_TESTDATA)", dir);
    int good = 0, bad = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".png") != 0) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t n = 0;
        uint8_t *p = slurp(path, &n);
        assert_non_null(p);
        syn_latent l;
        syn_err e;
        int rc = decode_for(&syn_image_modality, p, n, &l, &e);
        if (de->d_name[0] == 'x') {
            if (rc == 0 || (e.kind != SYN_E_INVALID && e.kind != SYN_E_LIMIT))
                fail_msg("%s: corrupt file gave rc %d kind %d", de->d_name, rc, e.kind);
            bad++;
        } else {
            if (rc != 0) fail_msg("%s: %s", de->d_name, e.message);
            /* IHDR width and height are bytes 16..23. */
            int w = (int)(p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19]);
            int h = (int)(p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23]);
            assert_int_equal(l.grid.cols, w);
            assert_int_equal(l.grid.rows, h);
            for (int i = 0; i < w * h; i++)
                if (!(l.grid.v[i] >= 0.0f && l.grid.v[i] <= 1.0f))
                    fail_msg("%s: value %g out of [0,1]", de->d_name, l.grid.v[i]);
            assert_int_equal(l.has_map, 0);
            syn_latent_free(&l);
            good++;
        }
        free(p);
    }
    closedir(d);
    assert_int_equal(bad, 14); /* PngSuite 2017 has 14 x* files */
    assert_true(good >= 150);
}

static void png_header_of_100000_square_is_limit_without_decoding(void **state)
{
    (void)state;
    uint8_t buf[128];
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(buf, sig, 8);
    uint8_t ihdr[13] = {0};
    put32be(ihdr, 100000);
    put32be(ihdr + 4, 100000);
    ihdr[8] = 8; /* 8-bit grey */
    size_t n = 8;
    n += png_chunk(buf + n, "IHDR", ihdr, 13);
    /* An IDAT far too short for the picture: decoding it would fail as
     * INVALID, so LIMIT proves the check came first. */
    static const uint8_t idat[] = {0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1};
    n += png_chunk(buf + n, "IDAT", idat, sizeof idat);
    n += png_chunk(buf + n, "IEND", NULL, 0);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, buf, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    assert_null(l.grid.v);

    /* The same header within the side limit but over max_pixels. */
    lim.max_side = 200000;
    assert_int_equal(decode_for(&syn_image_modality, buf, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
}

/* A 24-bit BMP, w x h, bottom-up rows padded to 4 bytes; px is top-down RGB. */
static size_t make_bmp24(uint8_t *out, int w, int h, const uint8_t *px)
{
    int stride = (w * 3 + 3) & ~3;
    size_t size = 54 + (size_t)stride * h;
    memset(out, 0, size);
    out[0] = 'B', out[1] = 'M';
    put32le(out + 2, (uint32_t)size);
    put32le(out + 10, 54);
    put32le(out + 14, 40);
    put32le(out + 18, (uint32_t)w);
    put32le(out + 22, (uint32_t)h);
    out[26] = 1;  /* planes */
    out[28] = 24; /* bits per pixel */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *s = px + 3 * (y * w + x);
            uint8_t *d = out + 54 + (size_t)(h - 1 - y) * stride + 3 * x;
            d[0] = s[2], d[1] = s[1], d[2] = s[0]; /* BGR */
        }
    return size;
}

static void bmp_decodes_to_rec709_luma_top_row_first(void **state)
{
    (void)state;
    const uint8_t px[] = {255, 0,   0,   0, 255, 0, 0,   0,   255, /* top: red green blue */
                          255, 255, 255, 0, 0,   0, 128, 128, 128};
    uint8_t bmp[256];
    size_t n = make_bmp24(bmp, 3, 2, px);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, bmp, n, &l, &e), 0);
    assert_int_equal(l.grid.rows, 2);
    assert_int_equal(l.grid.cols, 3);
    const float want[] = {0.2126f, 0.7152f, 0.0722f, 1.0f, 0.0f, 128 / 255.0f};
    for (int i = 0; i < 6; i++)
        assert_true(fabsf(l.grid.v[i] - want[i]) < 1e-5f);
    assert_int_equal(l.map.source, SYN_SRC_IMAGE);
    syn_latent_free(&l);
}

static void bmp_alpha_is_composited_over_black(void **state)
{
    (void)state;
    /* 32-bit BI_RGB BMP, 2x1: white fully transparent, white opaque. */
    uint8_t bmp[62] = {'B', 'M'};
    put32le(bmp + 2, sizeof bmp);
    put32le(bmp + 10, 54);
    put32le(bmp + 14, 40);
    put32le(bmp + 18, 2);
    put32le(bmp + 22, 1);
    bmp[26] = 1;
    bmp[28] = 32;
    const uint8_t pix[8] = {255, 255, 255, 0, 255, 255, 255, 255}; /* BGRA */
    memcpy(bmp + 54, pix, 8);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, bmp, sizeof bmp, &l, &e), 0);
    assert_true(l.grid.v[0] < 1e-6f);
    assert_true(l.grid.v[1] > 1.0f - 1e-6f);
    syn_latent_free(&l);
}

/* A 16x8 grey baseline JPEG, left half 40, right half 200 (block-aligned,
 * so the levels survive), written once by stb_image_write at quality 90. */
static const uint8_t grey_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x84, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03,
    0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x0a, 0x07,
    0x07, 0x06, 0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d, 0x0e, 0x12, 0x10, 0x0d,
    0x0e, 0x11, 0x0e, 0x0b, 0x0b, 0x10, 0x16, 0x10, 0x11, 0x13, 0x14, 0x15, 0x15, 0x15, 0x0c, 0x0f,
    0x17, 0x18, 0x16, 0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0x01, 0x03, 0x04, 0x04, 0x05, 0x04, 0x05,
    0x09, 0x05, 0x05, 0x09, 0x14, 0x0d, 0x0b, 0x0d, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00,
    0x08, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x01,
    0xa2, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x00,
    0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01,
    0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24,
    0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
    0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
    0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3,
    0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x11, 0x00,
    0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
    0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xf8,
    0x52, 0xbf, 0x6a, 0xeb, 0xf1, 0x52, 0xbf, 0x6a, 0xe8, 0x03, 0xff, 0xd9};

static void jpeg_decodes_to_its_grey_levels(void **state)
{
    (void)state;
    const uint8_t *jpg = grey_jpeg;
    size_t n = sizeof grey_jpeg;
    assert_true(syn_image_modality.sniff(jpg, n));
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, jpg, n, &l, &e), 0);
    assert_int_equal(l.grid.cols, 16);
    assert_int_equal(l.grid.rows, 8);
    assert_true(fabsf(l.grid.v[0] - 40 / 255.0f) < 4 / 255.0f);
    assert_true(fabsf(l.grid.v[15] - 200 / 255.0f) < 4 / 255.0f);
    syn_latent_free(&l);

    /* Cut inside its tables, or inside its entropy-coded data: refused as
     * INVALID or decoded (stb pads a short scan), never a crash. */
    const size_t cuts[] = {n / 2, n - 40};
    for (int k = 0; k < 2; k++) {
        int rc = decode_for(&syn_image_modality, jpg, cuts[k], &l, &e);
        if (rc == 0)
            syn_latent_free(&l);
        else
            assert_int_equal(e.kind, SYN_E_INVALID);
    }
}

static void jpeg_huffman_table_over_256_codes_is_invalid_before_stb(void **state)
{
    (void)state;
    uint8_t jpg[sizeof grey_jpeg];
    memcpy(jpg, grey_jpeg, sizeof jpg);
    size_t dht = 0;
    for (size_t i = 2; i + 1 < sizeof jpg && !dht; i++)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC4) dht = i;
    assert_true(dht > 0);
    /* 16 counts of 20: 320 codes, more than 8-bit symbols allow. */
    memset(jpg + dht + 5, 20, 16);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, jpg, sizeof jpg, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "Huffman"));
}

/* SOI, SOF2 (1x1, one component), SOS of an AC scan (Ss 1, Se 63) naming
 * DC/AC table 0, EOI: no DHT defines table 0 (nothings/stb #1535). */
static const uint8_t prog_jpeg_no_dht[] = {0xff, 0xd8, 0xff, 0xc2, 0x00, 0x0b, 0x08, 0x00, 0x01,
                                           0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xff, 0xda, 0x00,
                                           0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x00, 0xff, 0xd9};

static void jpeg_scan_with_undefined_huffman_table_is_refused(void **state)
{
    (void)state;
    syn_latent l;
    syn_err e;
    assert_int_equal(
        decode_for(&syn_image_modality, prog_jpeg_no_dht, sizeof prog_jpeg_no_dht, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "Huffman table AC0"));
    /* A DC refinement scan (Ss 0, Ah 1) reads bits, no table: not refused
     * by the check (stb decides; it must not crash). */
    uint8_t refine[sizeof prog_jpeg_no_dht];
    memcpy(refine, prog_jpeg_no_dht, sizeof refine);
    refine[22] = 0x00; /* Ss */
    refine[23] = 0x00; /* Se */
    refine[24] = 0x10; /* Ah 1, Al 0 */
    if (decode_for(&syn_image_modality, refine, sizeof refine, &l, &e) == 0)
        syn_latent_free(&l);
    else
        assert_false(strstr(e.message, "which no DHT") != NULL);
}

static void jpeg_baseline_scan_naming_a_table_no_dht_defined_is_refused(void **state)
{
    (void)state;
    uint8_t jpg[sizeof grey_jpeg];
    memcpy(jpg, grey_jpeg, sizeof jpg);
    size_t sos = 0;
    for (size_t i = 2; i + 1 < sizeof jpg && !sos; i++)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xDA) sos = i;
    assert_true(sos > 0);
    jpg[sos + 6] = 0x23; /* the first component: DC table 2, AC table 3, never defined */
    syn_latent l;
    syn_err e;
    assert_int_equal(decode_for(&syn_image_modality, jpg, sizeof jpg, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "Huffman table DC2"));
}

static void png_whose_idat_chunks_hold_zero_bytes_is_refused(void **state)
{
    (void)state;
    uint8_t png[128], ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0}; /* 1x1 grey */
    for (int nidat = 1; nidat <= 2; nidat++) {
        size_t n = 8;
        memcpy(png, "\x89PNG\r\n\x1a\n", 8);
        n += png_chunk(png + n, "IHDR", ihdr, 13);
        for (int i = 0; i < nidat; i++)
            n += png_chunk(png + n, "IDAT", NULL, 0);
        n += png_chunk(png + n, "IEND", NULL, 0);
        syn_latent l;
        syn_err e;
        assert_int_equal(decode_for(&syn_image_modality, png, n, &l, &e), -1);
        assert_int_equal(e.kind, SYN_E_INVALID);
        assert_non_null(strstr(e.message, "IDAT chunks hold 0 bytes"));
    }
}

static void png_we_write_reads_back_with_its_map_and_values(void **state)
{
    (void)state;
    syn_latent in, back;
    make_latent(&in, 24, 40, 0);
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    assert_string_equal(b.mime, "image/png");
    assert_string_equal(b.ext, "png");
    char line[512];
    syn_map_format(&in.map, line, sizeof line);
    assert_string_equal(b.map, line);

    assert_int_equal(decode_for(&syn_image_modality, b.data, b.len, &back, &e), 0);
    assert_int_equal(back.has_map, 1);
    char line2[512];
    syn_map_format(&back.map, line2, sizeof line2);
    assert_string_equal(line2, line);
    assert_int_equal(back.grid.rows, 24);
    assert_int_equal(back.grid.cols, 40);
    for (int i = 0; i < 24 * 40; i++)
        if (fabsf(back.grid.v[i] - in.grid.v[i]) > 1.0f / 255.0f)
            fail_msg("cell %d: wrote %g, read %g", i, in.grid.v[i], back.grid.v[i]);
    syn_latent_free(&back);

    /* For a sound, our own spectrogram keeps every row and column. */
    assert_int_equal(decode_for(&syn_audio_modality, b.data, b.len, &back, &e), 0);
    assert_int_equal(back.grid.rows, 24);
    assert_int_equal(back.grid.cols, 40);
    syn_latent_free(&back);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void picture_for_a_sound_is_resampled_to_the_band_grid(void **state)
{
    (void)state;
    syn_latent in, back;
    make_latent(&in, 300, 600, 0);
    in.map.source = SYN_SRC_IMAGE;
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    int rows = 0, cols = 0;
    syn_band_grid_size(&opts, &lim, 600, 300, &rows, &cols);
    assert_int_equal(decode_for(&syn_audio_modality, b.data, b.len, &back, &e), 0);
    assert_int_equal(back.grid.rows, rows);
    assert_int_equal(back.grid.cols, cols);
    assert_int_equal(back.map.rows, rows);
    assert_int_equal(back.map.cols, cols);
    assert_true(rows < 300);
    syn_latent_free(&back);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void picture_for_a_picture_is_shrunk_to_max_out_side(void **state)
{
    (void)state;
    syn_latent in, back;
    make_latent(&in, 50, 200, 0);
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    lim.max_out_side = 100;
    assert_int_equal(decode_for(&syn_image_modality, b.data, b.len, &back, &e), 0);
    assert_int_equal(back.grid.cols, 100);
    assert_int_equal(back.grid.rows, 25);
    syn_latent_free(&back);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

/* Index of the first occurrence of the 4-byte chunk type, or -1. */
static long find_chunk(const syn_blob *b, const char *type)
{
    for (size_t i = 8; i + 8 <= b->len;) {
        uint32_t len = (uint32_t)b->data[i] << 24 | b->data[i + 1] << 16 | b->data[i + 2] << 8 |
                       b->data[i + 3];
        if (memcmp(b->data + i + 4, type, 4) == 0) return (long)i;
        i += 12 + (size_t)len;
    }
    return -1;
}

static void mono_output_is_paletted_with_the_map_text_before_idat(void **state)
{
    (void)state;
    syn_latent in;
    make_latent(&in, 8, 8, 0);
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    assert_int_equal(b.data[24], 8); /* IHDR bit depth */
    assert_int_equal(b.data[25], 3); /* IHDR colour type 3: palette */
    long plte = find_chunk(&b, "PLTE"), text = find_chunk(&b, "tEXt"),
         idat = find_chunk(&b, "IDAT");
    assert_true(plte > 0 && text > 0 && idat > 0);
    assert_true(text < idat);
    assert_memory_equal(b.data + text + 8, "synesthd\0synesthd/1", 19);
    /* The palette is the colour map's table: entry 255 of ember. */
    const uint8_t *t = syn_colormap_table(syn_colormap_find("ember"));
    assert_memory_equal(b.data + plte + 8 + 3 * 255, t + 3 * 255, 3);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void stereo_grid_is_written_as_rgb_and_read_back_as_planes(void **state)
{
    (void)state;
    syn_latent in, back;
    make_latent(&in, 16, 16, 1);
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    assert_int_equal(b.data[25], 2); /* colour type 2: RGB */
    assert_int_equal(decode_for(&syn_audio_modality, b.data, b.len, &back, &e), 0);
    assert_non_null(back.grid.left);
    assert_non_null(back.grid.right);
    for (int i = 0; i < 256; i++) {
        assert_true(fabsf(back.grid.left[i] - in.grid.left[i]) <= 1.0f / 255.0f);
        assert_true(fabsf(back.grid.right[i] - in.grid.right[i]) <= 1.0f / 255.0f);
    }
    syn_latent_free(&back);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void png_output_is_byte_deterministic(void **state)
{
    (void)state;
    syn_latent in;
    make_latent(&in, 64, 96, 0);
    syn_blob a, b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &a, &e), 0);
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    syn_blob_free(&a);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void unknown_colormap_is_a_bad_request(void **state)
{
    (void)state;
    syn_latent in;
    make_latent(&in, 4, 4, 0);
    snprintf(opts.colormap, sizeof opts.colormap, "plaid");
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    assert_null(b.data);
    syn_latent_free(&in);
}

static void png_with_a_flipped_idat_byte_is_invalid_by_crc(void **state)
{
    (void)state;
    syn_latent in, back;
    make_latent(&in, 8, 8, 0);
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_image_modality.encode(&in, &opts, &lim, &b, &e), 0);
    long idat = find_chunk(&b, "IDAT");
    b.data[idat + 9] ^= 0x40;
    assert_int_equal(decode_for(&syn_image_modality, b.data, b.len, &back, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "CRC"));

    /* Cut before IEND. */
    b.data[idat + 9] ^= 0x40;
    assert_int_equal(decode_for(&syn_image_modality, b.data, b.len - 12, &back, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void garbage_after_each_magic_is_invalid_and_gif_is_unsupported(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    syn_latent l;
    syn_err e;
    const char *magic[] = {"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "BM"};
    for (int k = 0; k < 3; k++) {
        memcpy(buf, magic[k], strlen(magic[k]));
        assert_true(syn_image_modality.sniff(buf, sizeof buf));
        assert_int_equal(decode_for(&syn_image_modality, buf, sizeof buf, &l, &e), -1);
        assert_int_equal(e.kind, SYN_E_INVALID);
        assert_true(e.message[0] != '\0');
    }
    memcpy(buf, "GIF89a", 6);
    assert_false(syn_image_modality.sniff(buf, sizeof buf));
    assert_int_equal(decode_for(&syn_image_modality, buf, sizeof buf, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_UNSUPPORTED);
    assert_int_equal(decode_for(&syn_image_modality, buf, 0, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_EMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(pngsuite_x_files_are_invalid_and_all_others_decode_in_range, reset),
        cmocka_unit_test_setup(png_header_of_100000_square_is_limit_without_decoding, reset),
        cmocka_unit_test_setup(bmp_decodes_to_rec709_luma_top_row_first, reset),
        cmocka_unit_test_setup(bmp_alpha_is_composited_over_black, reset),
        cmocka_unit_test_setup(jpeg_decodes_to_its_grey_levels, reset),
        cmocka_unit_test_setup(jpeg_huffman_table_over_256_codes_is_invalid_before_stb, reset),
        cmocka_unit_test_setup(jpeg_scan_with_undefined_huffman_table_is_refused, reset),
        cmocka_unit_test_setup(jpeg_baseline_scan_naming_a_table_no_dht_defined_is_refused, reset),
        cmocka_unit_test_setup(png_whose_idat_chunks_hold_zero_bytes_is_refused, reset),
        cmocka_unit_test_setup(png_we_write_reads_back_with_its_map_and_values, reset),
        cmocka_unit_test_setup(picture_for_a_sound_is_resampled_to_the_band_grid, reset),
        cmocka_unit_test_setup(picture_for_a_picture_is_shrunk_to_max_out_side, reset),
        cmocka_unit_test_setup(mono_output_is_paletted_with_the_map_text_before_idat, reset),
        cmocka_unit_test_setup(stereo_grid_is_written_as_rgb_and_read_back_as_planes, reset),
        cmocka_unit_test_setup(png_output_is_byte_deterministic, reset),
        cmocka_unit_test_setup(unknown_colormap_is_a_bad_request, reset),
        cmocka_unit_test_setup(png_with_a_flipped_idat_byte_is_invalid_by_crc, reset),
        cmocka_unit_test_setup(garbage_after_each_magic_is_invalid_and_gif_is_unsupported, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
