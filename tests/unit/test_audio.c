/* test_audio.c -- the audio modality: WAV/FLAC/OGG round trips with the map
 * line, determinism, and the refusals (truncated, garbage, foreign codecs,
 * limits).  Test inputs are written here, by hand or with libsndfile. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sndfile.h>

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

static int decode(const uint8_t *p, size_t n, syn_latent *l, syn_err *e)
{
    syn_decode_ctx ctx = {
        .opts = &opts, .limits = &lim, .target = &syn_image_modality, .want_grid = 1};
    memset(e, 0, sizeof *e);
    return syn_audio_modality.decode(p, n, &ctx, l, e);
}

static void put16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

/* A 16-bit PCM WAV by hand: channel c of frame i is a sine of hz[c] at
 * half scale (hz[c] == 0: silence).  *n gets the size; free() the result. */
static uint8_t *make_wav(int sr, int ch, int frames, const double *hz, size_t *n)
{
    size_t data = (size_t)frames * ch * 2;
    uint8_t *p = calloc(44 + data, 1);
    memcpy(p, "RIFF", 4);
    put32le(p + 4, (uint32_t)(36 + data));
    memcpy(p + 8, "WAVEfmt ", 8);
    put32le(p + 16, 16);
    put16le(p + 20, 1); /* PCM */
    put16le(p + 22, (uint32_t)ch);
    put32le(p + 24, (uint32_t)sr);
    put32le(p + 28, (uint32_t)(sr * ch * 2));
    put16le(p + 32, (uint32_t)(ch * 2));
    put16le(p + 34, 16);
    memcpy(p + 36, "data", 4);
    put32le(p + 40, (uint32_t)data);
    for (int i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++) {
            double v = hz[c] > 0 ? 0.5 * sin(2 * M_PI * hz[c] * i / sr) : 0.0;
            put16le(p + 44 + 2 * ((size_t)i * ch + c), (uint32_t)(int16_t)lrint(v * 32767));
        }
    *n = 44 + data;
    return p;
}

/* One second of a 440 Hz sine through libsndfile in any format, via a
 * temporary file.  NULL if this libsndfile cannot write that format. */
static uint8_t *make_sf(int format, int sr, size_t *n)
{
    char path[] = "/tmp/syn_test_audio_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    SF_INFO info = {.samplerate = sr, .channels = 1, .format = format};
    SNDFILE *sf = sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE);
    if (!sf) {
        unlink(path);
        return NULL;
    }
    float buf[1000];
    for (int k = 0; k < sr / 1000; k++) {
        for (int i = 0; i < 1000; i++)
            buf[i] = 0.5f * sinf(2 * (float)M_PI * 440 * (k * 1000 + i) / sr);
        sf_writef_float(sf, buf, 1000);
    }
    sf_close(sf);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*n);
    assert_int_equal(fread(p, 1, *n, f), *n);
    fclose(f);
    unlink(path);
    return p;
}

/* A latent as a picture would give it: smooth bands, a map of 1 s. */
static void make_latent(syn_latent *l, int rows, int cols)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(syn_grid_alloc(&l->grid, rows, cols, 0), 0);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            l->grid.v[r * cols + c] = (r % 8 == 3) ? 0.5f + 0.5f * (float)c / cols : 0.0f;
    syn_map_default(&l->map, 22050);
    l->map.duration = 1.0;
    l->map.seed = 7;
    l->map.source = SYN_SRC_IMAGE;
    l->map.rows = rows;
    l->map.cols = cols;
}

static void encode_as(syn_latent *l, const char *fmt, syn_blob *b)
{
    syn_err e = {0};
    snprintf(opts.format, sizeof opts.format, "%s", fmt);
    if (syn_audio_modality.encode(l, &opts, &lim, b, &e) != 0)
        fail_msg("encode %s: %s", fmt, e.message);
    opts.format[0] = '\0';
}

static void wav_flac_ogg_round_trip_keeps_the_map_line_and_duration(void **state)
{
    (void)state;
    const char *fmts[] = {"wav", "wav-float", "flac", "ogg"};
    const char *mimes[] = {"audio/wav", "audio/wav", "audio/flac", "audio/ogg"};
    for (int k = 0; k < 4; k++) {
        syn_latent in, back;
        make_latent(&in, 32, 40);
        syn_blob b;
        encode_as(&in, fmts[k], &b);
        assert_string_equal(b.mime, mimes[k]);
        assert_true(syn_audio_modality.sniff(b.data, b.len));
        syn_map sent;
        assert_int_equal(syn_map_parse(&sent, b.map), 0);

        syn_err e;
        if (decode(b.data, b.len, &back, &e) != 0) fail_msg("%s: %s", fmts[k], e.message);
        assert_int_equal(back.has_map, 1);
        assert_int_equal(back.map.sample_rate, 22050);
        assert_true(fabs(back.map.duration - 1.0) < 1e-3);
        assert_true(fabs(back.map.fmin - sent.fmin) < 1e-9);
        assert_true(fabs(back.map.fmax - sent.fmax) < 1e-9);
        assert_true(fabs(back.map.ref_db - sent.ref_db) < 1e-6);
        assert_int_equal(back.map.seed, 7);
        assert_int_equal(back.map.source, SYN_SRC_IMAGE);
        assert_int_equal(back.map.rows, 32);
        assert_int_equal(back.map.cols, 40);
        /* The picture keeps the aspect of the grid the sound was made from. */
        int rows = 0, cols = 0;
        syn_picture_size(&opts, &lim, &back.map, &rows, &cols);
        assert_int_equal(back.grid.rows, rows);
        assert_int_equal(back.grid.cols, cols);
        assert_int_equal(cols * 32, rows * 40);
        for (int i = 0; i < rows * cols; i++)
            assert_true(back.grid.v[i] >= 0.0f && back.grid.v[i] <= 1.0f);
        syn_latent_free(&back);
        syn_blob_free(&b);
        syn_latent_free(&in);
    }
}

static void every_output_format_is_byte_deterministic(void **state)
{
    (void)state;
    const char *fmts[] = {"wav", "wav-float", "flac", "ogg"};
    for (int k = 0; k < 4; k++) {
        syn_latent in1, in2;
        make_latent(&in1, 16, 20);
        make_latent(&in2, 16, 20);
        syn_blob a, b;
        encode_as(&in1, fmts[k], &a);
        encode_as(&in2, fmts[k], &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            fail_msg("%s output differs between two runs", fmts[k]);
        syn_blob_free(&a);
        syn_blob_free(&b);
        syn_latent_free(&in1);
        syn_latent_free(&in2);
    }
}

static void a_sine_lights_the_row_of_its_frequency(void **state)
{
    (void)state;
    size_t n;
    const double hz[1] = {1000};
    uint8_t *wav = make_wav(22050, 1, 22050, hz, &n);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(wav, n, &l, &e), 0);
    assert_int_equal(l.has_map, 0);
    assert_int_equal(l.map.source, SYN_SRC_AUDIO);
    assert_null(l.grid.left);
    int rows = l.grid.rows, cols = l.grid.cols, c = cols / 2, best = 0;
    for (int r = 1; r < rows; r++)
        if (l.grid.v[r * cols + c] > l.grid.v[best * cols + c]) best = r;
    double want = syn_hz_row(&l.map, rows, 1000.0);
    assert_true(fabs(best + 0.5 - want) < 3.0);
    syn_latent_free(&l);
    free(wav);
}

static void stereo_option_gives_left_and_right_planes_from_the_channels(void **state)
{
    (void)state;
    size_t n;
    const double hz[2] = {1000, 0}; /* left sings, right is silent */
    uint8_t *wav = make_wav(22050, 2, 22050, hz, &n);
    syn_err e;
    assert_int_equal(syn_opts_set(&opts, "stereo", "1", &lim, &e), 0);
    syn_latent l;
    assert_int_equal(decode(wav, n, &l, &e), 0);
    assert_non_null(l.grid.left);
    assert_non_null(l.grid.right);
    assert_int_equal(l.map.stereo, 1);
    int cols = l.grid.cols, r = (int)syn_hz_row(&l.map, l.grid.rows, 1000.0);
    size_t i = (size_t)r * cols + cols / 2;
    assert_true(l.grid.left[i] > 0.5f);
    assert_true(l.grid.right[i] < l.grid.left[i] - 0.3f);
    syn_latent_free(&l);
    free(wav);
}

static void wav_truncated_inside_its_data_is_invalid(void **state)
{
    (void)state;
    size_t n;
    const double hz[1] = {440};
    uint8_t *wav = make_wav(22050, 1, 22050, hz, &n);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(wav, n - 1000, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "truncated"));
    assert_null(l.grid.v);
    free(wav);
}

static void flac_and_ogg_cut_in_half_are_invalid(void **state)
{
    (void)state;
    const char *fmts[] = {"flac", "ogg"};
    for (int k = 0; k < 2; k++) {
        syn_latent in, l;
        make_latent(&in, 16, 20);
        syn_blob b;
        encode_as(&in, fmts[k], &b);
        syn_err e;
        int rc = decode(b.data, b.len / 2, &l, &e);
        if (rc == 0) fail_msg("%s cut in half decoded as %g s", fmts[k], l.map.duration);
        assert_int_equal(e.kind, SYN_E_INVALID);
        syn_blob_free(&b);
        syn_latent_free(&in);
    }
}

static void ogg_page_with_a_flipped_byte_is_invalid_by_crc(void **state)
{
    (void)state;
    syn_latent in, l;
    make_latent(&in, 16, 20);
    syn_blob b;
    encode_as(&in, "ogg", &b);
    b.data[b.len / 2] ^= 0x10;
    syn_err e;
    assert_int_equal(decode(b.data, b.len, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "CRC"));
    syn_blob_free(&b);
    syn_latent_free(&in);
}

static void flac_refuses_a_rate_its_frame_header_cannot_store(void **state)
{
    (void)state;
    syn_latent l;
    make_latent(&l, 16, 20);
    l.map.sample_rate = 65536; /* above 65535 and not in tens of Hz */
    snprintf(opts.format, sizeof opts.format, "flac");
    syn_blob b;
    syn_err e = {0};
    assert_int_equal(syn_audio_modality.encode(&l, &opts, &lim, &b, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    assert_non_null(strstr(e.message, "65536"));
    l.map.sample_rate = 96000; /* a multiple of 10 is fine */
    assert_int_equal(syn_audio_modality.encode(&l, &opts, &lim, &b, &e), 0);
    syn_blob_free(&b);
    opts.format[0] = '\0';
    syn_latent_free(&l);
}

/* A page renumbered (CRC fixed up, so only the sequence is wrong) is
 * refused before libsndfile, which leaks on such streams. */
static void ogg_pages_out_of_sequence_are_invalid(void **state)
{
    (void)state;
    syn_latent in, l;
    make_latent(&in, 16, 20);
    syn_blob b;
    encode_as(&in, "ogg", &b);
    b.data[18] = 0x01; /* the first page claims sequence number 0x4001 */
    b.data[19] = 0x40;
    memset(b.data + 22, 0, 4);
    size_t len = 27 + b.data[26];
    for (int i = 0; i < b.data[26]; i++)
        len += b.data[27 + i];
    uint32_t crc = 0; /* Ogg's CRC-32: polynomial 0x04c11db7, no reflection */
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint32_t)b.data[i] << 24;
        for (int k = 0; k < 8; k++)
            crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u : crc << 1;
    }
    put32le(b.data + 22, crc);
    syn_err e;
    assert_int_equal(decode(b.data, b.len, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "stream"));
    syn_blob_free(&b);
    syn_latent_free(&in);
}

/* --- hand-made Ogg Vorbis headers ----------------------------------------- */

/* One Ogg page holding one whole packet (len < 255), correct CRC, at p;
 * returns its length. */
static size_t ogg_page1(uint8_t *p, uint8_t flags, uint32_t seq, const uint8_t *pkt, size_t len)
{
    memset(p, 0, 27);
    memcpy(p, "OggS", 4);
    p[5] = flags;
    put32le(p + 14, 0x53594e45u); /* serial */
    put32le(p + 18, seq);
    p[26] = 1;
    p[27] = (uint8_t)len;
    memcpy(p + 28, pkt, len);
    uint32_t crc = 0; /* Ogg's CRC-32: polynomial 0x04c11db7, no reflection */
    for (size_t i = 0; i < 28 + len; i++) {
        crc ^= (uint32_t)p[i] << 24;
        for (int k = 0; k < 8; k++)
            crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u : crc << 1;
    }
    put32le(p + 22, crc);
    return 28 + len;
}

/* A valid identification header: version 0, 1 channel, 8000 Hz, block
 * sizes 2^6 and 2^8, framing bit. */
static void vorbis_id(uint8_t h[30])
{
    memset(h, 0, 30);
    memcpy(h, "\x01vorbis", 7);
    h[11] = 1;
    put32le(h + 12, 8000);
    h[28] = 0x86;
    h[29] = 1;
}

/* ID header, then (when comment is given) a comment and a setup page. */
static size_t vorbis_stream(uint8_t *p, const uint8_t id[30], const uint8_t *comment, size_t clen)
{
    static const uint8_t setup_hdr[] = "\x05vorbis-not-really-a-codebook";
    size_t n = ogg_page1(p, comment ? 0x02 : 0x06, 0, id, 30);
    if (!comment) return n;
    n += ogg_page1(p + n, 0x00, 1, comment, clen);
    n += ogg_page1(p + n, 0x04, 2, setup_hdr, sizeof setup_hdr - 1);
    return n;
}

/* libsndfile leaks 5.8 KB (vorbis_info_init) when the header packets fail
 * after it: each broken header is refused before it gets there. */
static void ogg_vorbis_id_header_with_a_bad_field_is_refused_before_libsndfile(void **state)
{
    (void)state;
    static const struct {
        int at;
        uint8_t value;
        const char *says;
    } bad[] = {
        {7, 1, "version is 1"},    {11, 0, "0 channels"},      {12, 0, "channels at 0 Hz"},
        {28, 0x85, "2^5 and 2^8"}, {28, 0xe8, "2^8 and 2^14"}, {28, 0x68, "2^8 and 2^6"},
        {29, 0, "framing bit"},
    };
    uint8_t buf[256], id[30];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        vorbis_id(id);
        if (bad[k].at == 12)
            memset(id + 12, 0, 4);
        else
            id[bad[k].at] = bad[k].value; /* 0x85: a short block of 2^5 */
        size_t n = vorbis_stream(buf, id, NULL, 0);
        syn_latent l;
        syn_err e;
        assert_int_equal(decode(buf, n, &l, &e), -1);
        assert_int_equal(e.kind, SYN_E_INVALID);
        if (!strstr(e.message, bad[k].says))
            fail_msg("case %zu: '%s' does not say '%s'", k, e.message, bad[k].says);
    }
}

static void ogg_vorbis_stream_ending_after_its_id_header_is_refused(void **state)
{
    (void)state;
    uint8_t buf[256], id[30];
    vorbis_id(id);
    size_t n = vorbis_stream(buf, id, NULL, 0);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(buf, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    assert_non_null(strstr(e.message, "ends after 1 of its 3 header packets"));
}

static void ogg_vorbis_comment_header_past_its_packet_or_out_of_order_is_refused(void **state)
{
    (void)state;
    uint8_t buf[512], id[30];
    vorbis_id(id);
    /* vendor "x", 1 comment "a=b", framing: well-formed */
    static const uint8_t good[] = "\x03vorbis\x01\x00\x00\x00x\x01\x00\x00\x00\x03\x00\x00\x00"
                                  "a=b\x01";
    /* the vendor string claims 99 bytes */
    static const uint8_t longer[] = "\x03vorbis\x63\x00\x00\x00x\x01\x00\x00\x00\x03\x00\x00\x00"
                                    "a=b\x01";
    /* no framing bit */
    static const uint8_t unframed[] = "\x03vorbis\x01\x00\x00\x00x\x00\x00\x00\x00\x00";
    /* a setup header where the comment header belongs */
    static const uint8_t swapped[] = "\x05vorbis\x01\x00\x00\x00x\x00\x00\x00\x00\x01";
    syn_latent l;
    syn_err e;
    size_t n = vorbis_stream(buf, id, good, sizeof good - 1);
    /* well-formed headers pass the check; the fake setup header is then
     * libsndfile's to refuse */
    assert_int_equal(decode(buf, n, &l, &e), -1);
    assert_null(strstr(e.message, "Vorbis comment"));
    const uint8_t *bad[] = {longer, unframed, swapped};
    const size_t len[] = {sizeof longer - 1, sizeof unframed - 1, sizeof swapped - 1};
    const char *says[] = {"comment header is truncated", "lacks its framing bit", "not a type 3"};
    for (int k = 0; k < 3; k++) {
        n = vorbis_stream(buf, id, bad[k], len[k]);
        assert_int_equal(decode(buf, n, &l, &e), -1);
        assert_int_equal(e.kind, SYN_E_INVALID);
        if (!strstr(e.message, says[k])) fail_msg("case %d: '%s'", k, e.message);
    }
}

static void garbage_is_invalid_or_unsupported(void **state)
{
    (void)state;
    uint8_t buf[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u; /* any fixed pseudo-random bytes */
        buf[i] = (uint8_t)(x >> 16);
    }
    const char *heads[] = {"", "RIFF\x10\0\0\0WAVEfmt ", "fLaC", "OggS", "ID3"};
    for (int k = 0; k < 5; k++) {
        memcpy(buf, heads[k], strlen(heads[k]));
        syn_latent l;
        syn_err e;
        assert_int_equal(decode(buf, sizeof buf, &l, &e), -1);
        if (e.kind != SYN_E_INVALID && e.kind != SYN_E_UNSUPPORTED)
            fail_msg("head %d: kind %d (%s)", k, e.kind, e.message);
    }
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(buf, 0, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_EMPTY);
}

static void zero_frames_is_invalid(void **state)
{
    (void)state;
    size_t n;
    const double hz[1] = {440};
    uint8_t *wav = make_wav(22050, 1, 0, hz, &n);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(wav, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_INVALID);
    free(wav);
}

static void ima_adpcm_and_ulaw_wavs_are_unsupported_naming_the_codec(void **state)
{
    (void)state;
    const int fmts[] = {SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, SF_FORMAT_WAV | SF_FORMAT_ULAW};
    for (int k = 0; k < 2; k++) {
        size_t n;
        uint8_t *p = make_sf(fmts[k], 22050, &n);
        assert_non_null(p);
        syn_latent l;
        syn_err e;
        assert_int_equal(decode(p, n, &l, &e), -1);
        assert_int_equal(e.kind, SYN_E_UNSUPPORTED);
        assert_non_null(strstr(e.message, k == 0 ? "ADPCM" : "Law"));
        free(p);
    }
}

static void aiff_is_unsupported(void **state)
{
    (void)state;
    size_t n;
    uint8_t *p = make_sf(SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 22050, &n);
    assert_non_null(p);
    syn_latent l;
    syn_err e;
    assert_int_equal(decode(p, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_UNSUPPORTED);
    free(p);
}

static void mp3_decodes_when_libsndfile_can_make_one(void **state)
{
    (void)state;
    size_t n;
    uint8_t *p = make_sf(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 22050, &n);
    if (!p) skip(); /* this libsndfile was built without an MP3 encoder */
    assert_true(syn_audio_modality.sniff(p, n));
    syn_latent l;
    syn_err e;
    if (decode(p, n, &l, &e) != 0) fail_msg("mp3: %s", e.message);
    assert_true(fabs(l.map.duration - 1.0) < 0.1);
    syn_latent_free(&l);
    free(p);
}

static void too_many_channels_too_long_or_odd_rates_are_limits(void **state)
{
    (void)state;
    size_t n;
    const double hz[3] = {440, 440, 440};
    syn_latent l;
    syn_err e;

    uint8_t *wav = make_wav(8000, 3, 8000, hz, &n);
    lim.max_channels = 2;
    assert_int_equal(decode(wav, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    free(wav);
    syn_limits_default(&lim);

    wav = make_wav(8000, 1, 8000, hz, &n); /* 1 s */
    lim.max_audio_in_sec = 0.5;
    assert_int_equal(decode(wav, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    free(wav);
    syn_limits_default(&lim);

    wav = make_wav(4000, 1, 4000, hz, &n); /* under the 8 kHz minimum */
    assert_int_equal(decode(wav, n, &l, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    free(wav);
}

static void output_beyond_the_duration_limit_is_refused(void **state)
{
    (void)state;
    syn_latent in;
    make_latent(&in, 8, 8);
    in.map.duration = lim.max_audio_out_sec * 2; /* as a crafted PNG tag could say */
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_audio_modality.encode(&in, &opts, &lim, &b, &e), -1);
    assert_int_equal(e.kind, SYN_E_LIMIT);
    assert_null(b.data);
    syn_latent_free(&in);
}

static void unknown_output_format_is_a_bad_request(void **state)
{
    (void)state;
    syn_latent in;
    make_latent(&in, 8, 8);
    snprintf(opts.format, sizeof opts.format, "aiff");
    syn_blob b;
    syn_err e;
    assert_int_equal(syn_audio_modality.encode(&in, &opts, &lim, &b, &e), -1);
    assert_int_equal(e.kind, SYN_E_BADREQ);
    syn_latent_free(&in);
}

static void sniff_knows_each_container_and_not_a_jpeg(void **state)
{
    (void)state;
    const struct {
        const char *p;
        size_t n;
        int want;
    } c[] = {
        {"RIFF\0\0\0\0WAVE", 12, 1},
        {"fLaC", 4, 1},
        {"OggS", 4, 1},
        {"ID3\x04", 4, 1},
        {"\xff\xfb\x90\x00", 4, 1},
        {"\xff\xd8\xff\xe0", 4, 0},
        {"RIFF\0\0\0\0WEBP", 12, 0},
        {"hello", 5, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        assert_int_equal(syn_audio_modality.sniff((const uint8_t *)c[i].p, c[i].n), c[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(wav_flac_ogg_round_trip_keeps_the_map_line_and_duration, reset),
        cmocka_unit_test_setup(every_output_format_is_byte_deterministic, reset),
        cmocka_unit_test_setup(a_sine_lights_the_row_of_its_frequency, reset),
        cmocka_unit_test_setup(stereo_option_gives_left_and_right_planes_from_the_channels, reset),
        cmocka_unit_test_setup(wav_truncated_inside_its_data_is_invalid, reset),
        cmocka_unit_test_setup(flac_and_ogg_cut_in_half_are_invalid, reset),
        cmocka_unit_test_setup(ogg_page_with_a_flipped_byte_is_invalid_by_crc, reset),
        cmocka_unit_test_setup(flac_refuses_a_rate_its_frame_header_cannot_store, reset),
        cmocka_unit_test_setup(ogg_pages_out_of_sequence_are_invalid, reset),
        cmocka_unit_test_setup(ogg_vorbis_id_header_with_a_bad_field_is_refused_before_libsndfile,
                               reset),
        cmocka_unit_test_setup(ogg_vorbis_stream_ending_after_its_id_header_is_refused, reset),
        cmocka_unit_test_setup(ogg_vorbis_comment_header_past_its_packet_or_out_of_order_is_refused,
                               reset),
        cmocka_unit_test_setup(garbage_is_invalid_or_unsupported, reset),
        cmocka_unit_test_setup(zero_frames_is_invalid, reset),
        cmocka_unit_test_setup(ima_adpcm_and_ulaw_wavs_are_unsupported_naming_the_codec, reset),
        cmocka_unit_test_setup(aiff_is_unsupported, reset),
        cmocka_unit_test_setup(mp3_decodes_when_libsndfile_can_make_one, reset),
        cmocka_unit_test_setup(too_many_channels_too_long_or_odd_rates_are_limits, reset),
        cmocka_unit_test_setup(output_beyond_the_duration_limit_is_refused, reset),
        cmocka_unit_test_setup(unknown_output_format_is_a_bad_request, reset),
        cmocka_unit_test_setup(sniff_knows_each_container_and_not_a_jpeg, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
