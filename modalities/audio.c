/* audio.c -- the audio modality: WAV, FLAC, Ogg Vorbis and MP3 in;
 * WAV (16-bit or float), FLAC and Ogg Vorbis out.
 *
 * Accepts: WAV/WAVEX holding PCM (8/16/24/32-bit) or float/double, FLAC,
 * Ogg Vorbis and MPEG layers I-III, decoded from memory by libsndfile
 * (sf_open_virtual, this is the only file that includes sndfile.h).  Other
 * codecs inside those containers (ADPCM, GSM, u-law, Opus ...) are refused
 * with SYN_E_UNSUPPORTED, naming the codec.
 *
 * Limits: channels, sample rate and duration are checked from the header
 * before a sample is read (SYN_E_LIMIT), and reading stops at
 * limits->max_audio_in_sec whatever the header said.  A WAV whose data
 * chunk claims more bytes than the file holds, a stream that ends before
 * its declared length, zero frames or garbage: SYN_E_INVALID.
 *
 * The grid is the sound's spectrogram (syn_spectral_analyse) at the size
 * syn_picture_size() picks.  A synesthd map in the file's comment string is
 * honoured (its dB reference included); otherwise the defaults for the
 * file's rate apply.  Encoding synthesises the grid (syn_spectral_synthesise)
 * and writes the map line into the comment string, before the samples.
 * WAV and FLAC output are byte-deterministic; so is Ogg, because the random
 * Ogg stream serial number libsndfile picks is rewritten from the seed.
 *
 * Semantics: with ctx->want_sem the decoder measures the axes on the
 * samples (syn_sem_from_pcm) and hashes the input bytes into sem.hash;
 * when only they are wanted (want_sem, not want_grid) it skips the
 * spectrogram (a caller asking for neither gets it).  The encoder follows
 * opts->mode: spectral synthesises the grid; semantic plays syn_music
 * (8 s unless duration was given); speech speaks the text, or the
 * latent's description (syn_latent_describe), with syn_speak (speech.c).  Every output
 * carries a map line, so that it can be drawn back as a spectrogram.
 *
 * Ownership: decode fills *out (syn_latent_free); encode fills *out
 * (syn_blob_free). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "syn/error.h"
#include "syn/fusion.h"
#include "syn/latent.h"
#include "syn/limits.h"
#include "syn/modality.h"
#include "syn/options.h"
#include "syn/semantic.h"
#include "syn/speech.h"
#include "syn/job.h"
#include "syn/sandbox.h"

/* Frames per sf_readf_float call: 8192 frames is 32 KiB per channel, big
 * enough to amortise the call, small enough to stop promptly at a limit. */
#define AUD_BLOCK 8192

/* Semantic music lasts 8 s unless duration is given: two to six bars at
 * 60..180 BPM, long enough to hear the key and the tempo. */
#define AUD_MUSIC_SEC 8.0

static const char *const aud_mimes[] = {
    "audio/wav", "audio/x-wav",  "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac",
    "audio/ogg", "audio/vorbis", "audio/mpeg", "audio/mp3",      NULL};

static int aud_sniff(const uint8_t *p, size_t n)
{
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WAVE", 4) == 0) return 1;
    if (n >= 4 && (memcmp(p, "fLaC", 4) == 0 || memcmp(p, "OggS", 4) == 0)) return 1;
    if (n >= 3 && memcmp(p, "ID3", 3) == 0) return 1;
    /* MPEG audio frame sync: 11 set bits. */
    return n >= 2 && p[0] == 0xFF && (p[1] & 0xE0) == 0xE0;
}

/* --- virtual I/O: a read-only view and a growable, seekable buffer ------- */

typedef struct aud_mem {
    uint8_t *p; /* the bytes (const when reading)          */
    size_t len; /* bytes that exist                        */
    size_t cap; /* allocated (writing only)                */
    size_t pos; /* current position, may be beyond len     */
    int oom;
} aud_mem;

static sf_count_t aud_filelen(void *u)
{
    return (sf_count_t)((aud_mem *)u)->len;
}

static sf_count_t aud_seek(sf_count_t off, int whence, void *u)
{
    aud_mem *m = u;
    sf_count_t base = whence == SEEK_SET   ? 0
                      : whence == SEEK_CUR ? (sf_count_t)m->pos
                                           : (sf_count_t)m->len;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
    if ((off < 0 && -off > base) || (off > 0 && off > INT64_MAX - base)) return -1;
    m->pos = (size_t)(base + off);
    return (sf_count_t)m->pos;
}

static sf_count_t aud_read(void *dst, sf_count_t count, void *u)
{
    aud_mem *m = u;
    if (count <= 0 || m->pos >= m->len) return 0;
    size_t k = m->len - m->pos;
    if ((uint64_t)count < k) k = (size_t)count;
    memcpy(dst, m->p + m->pos, k);
    m->pos += k;
    return (sf_count_t)k;
}

static sf_count_t aud_write_ro(const void *src, sf_count_t count, void *u)
{
    (void)src, (void)count, (void)u;
    return 0; /* the input view is read-only */
}

static sf_count_t aud_write(const void *src, sf_count_t count, void *u)
{
    aud_mem *m = u;
    if (count <= 0) return 0;
    size_t k = (size_t)count;
    if (m->pos > SIZE_MAX - k) {
        m->oom = 1;
        return 0;
    }
    size_t end = m->pos + k;
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 1u << 16; /* 64 KiB: a short clip */
        while (cap < end) {
            if (cap > SIZE_MAX / 2) {
                m->oom = 1;
                return 0;
            }
            cap *= 2;
        }
        uint8_t *np = realloc(m->p, cap);
        if (!np) {
            m->oom = 1;
            return 0;
        }
        m->p = np;
        m->cap = cap;
    }
    if (m->pos > m->len) /* a seek past the end leaves a hole of zeros */
        memset(m->p + m->len, 0, m->pos - m->len);
    memcpy(m->p + m->pos, src, k);
    m->pos = end;
    if (end > m->len) m->len = end;
    return count;
}

static sf_count_t aud_tell(void *u)
{
    return (sf_count_t)((aud_mem *)u)->pos;
}

/* --- decode --------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* libsndfile quietly shortens a WAV whose data chunk claims more bytes than
 * the file holds; walk the RIFF chunks up to "data" and refuse that.  A
 * size of 0 or 0xFFFFFFFF is a streaming writer's "unknown" and passes. */
static int wav_check_data(const uint8_t *p, size_t n, syn_err *e)
{
    int big = n >= 4 && memcmp(p, "RIFX", 4) == 0;
    if (n < 12 || (!big && memcmp(p, "RIFF", 4) != 0) || memcmp(p + 8, "WAVE", 4) != 0)
        return 0; /* not a plain RIFF WAVE: libsndfile decides */
    size_t pos = 12;
    while (n - pos >= 8) {
        uint32_t size = rd32(p + pos + 4, big);
        size_t avail = n - pos - 8;
        if (memcmp(p + pos, "data", 4) == 0) {
            if (size != 0 && size != 0xFFFFFFFFu && size > avail)
                return syn_fail(e, SYN_E_INVALID, "send the complete file",
                                "WAV is truncated: its data chunk declares %u bytes, %zu exist",
                                (unsigned)size, avail);
            return 0;
        }
        if (size > avail)
            return syn_fail(e, SYN_E_INVALID, "send the complete file",
                            "WAV is truncated inside its '%.4s' chunk", (const char *)(p + pos));
        pos += 8 + (size_t)size + (size & 1); /* chunks are padded to even sizes */
        if (pos > n) break;
    }
    return syn_fail(e, SYN_E_INVALID, "send the complete file", "WAV has no data chunk");
}

/* Ogg's page CRC (RFC 3533): polynomial 0x04C11DB7, MSB first, initial 0,
 * no final xor.  The table is filled once by aud_init(), before threads. */
static uint32_t ogg_crc_table[256];

static int aud_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i << 24;
        for (int b = 0; b < 8; b++)
            c = c & 0x80000000u ? c << 1 ^ 0x04C11DB7u : c << 1;
        ogg_crc_table[i] = c;
    }
    return 0;
}

/* CRC of one page whose CRC field (bytes 22..25) counts as zero. */
static uint32_t ogg_crc(const uint8_t *p, size_t n)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = i >= 22 && i < 26 ? 0 : p[i];
        crc = crc << 8 ^ ogg_crc_table[(crc >> 24) ^ b];
    }
    return crc;
}

/* Ogg page header: "OggS", version, flags, granule (8), serial (4),
 * sequence (4), CRC (4), segment count; then one lacing byte per segment. */
#define OGG_HEADER 27
#define OGG_FLAG_EOS 0x04

/* libsndfile 1.2 reports a length of SF_COUNT_MAX for an Ogg stream that
 * lacks its end-of-stream page, and leaks a vorbis_info while finding that
 * out (libsndfile issue #989; fuzzing here showed damaged pages leak it
 * too): walk the pages first and refuse a stream that is cut, has a page
 * with a bad CRC, or does not end with EOS. */
/* Logical streams an Ogg file may interleave before we call it garbage:
 * a Vorbis file has one; a few leaves room for a chained or tagged file. */
#define OGG_MAX_STREAMS 8
#define OGG_FLAG_BOS 0x02

static uint32_t ogg_le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The three Vorbis header packets (Vorbis I spec, sections 4.2.2-4.2.4):
 * libsndfile calls vorbis_info_init and never frees its 5.8 KB when one of
 * them is refused later (LeakSanitizer; tests/fuzz/corpus/audio), so what
 * can be checked cheaply is checked here, before libsndfile sees them.
 * A stream is Vorbis when its first packet starts with 1 "vorbis"; other
 * codecs are left to libsndfile.  Per stream: the packet being assembled
 * (only its first OGG_VORBIS_KEEP bytes, and its length) and how many
 * packets have ended. */
#define OGG_VORBIS_KEEP 30 /* the identification header's size */

typedef struct ogg_vorbis_state {
    int vorbis;  /* -1 unknown yet, 0 another codec, 1 Vorbis   */
    int packets; /* packets completed so far (checked up to 3)  */
    size_t len;  /* bytes of the packet being assembled         */
    uint8_t head[OGG_VORBIS_KEEP];
    /* comment header walk: the fields are read as the bytes arrive */
    uint64_t clen; /* the field length being read                    */
    uint32_t left; /* user comments still to come                    */
    int cstate;    /* 0 vendor length, 1 vendor, 2 count, 3 length, 4 string, 5 framing, 6 done */
    uint8_t cbuf[4];
    int cbn;
    int framing; /* the comment header's framing bit was set       */
} ogg_vorbis_state;

static uint32_t ogg_le32(const uint8_t *b);

/* One identification header (30 bytes): type 1, "vorbis", version 0,
 * channels > 0, rate > 0, blocksize exponents 6..13 with the short one at
 * most the long one, the framing bit.  0 or -1 with *e. */
static int vorbis_check_id(const uint8_t *h, size_t len, syn_err *e)
{
    const char *hint = "send an undamaged Ogg Vorbis file";
    if (len < OGG_VORBIS_KEEP)
        return syn_fail(e, SYN_E_INVALID, hint, "Vorbis identification header is %zu bytes, not 30",
                        len);
    unsigned bs0 = h[28] & 15, bs1 = h[28] >> 4;
    if (ogg_le32(h + 7) != 0)
        return syn_fail(e, SYN_E_INVALID, hint, "Vorbis version is %u; only 0 exists",
                        (unsigned)ogg_le32(h + 7));
    if (h[11] == 0 || ogg_le32(h + 12) == 0)
        return syn_fail(e, SYN_E_INVALID, hint, "Vorbis header has %u channels at %u Hz",
                        (unsigned)h[11], (unsigned)ogg_le32(h + 12));
    if (bs0 < 6 || bs1 > 13 || bs0 > bs1)
        return syn_fail(e, SYN_E_INVALID, hint,
                        "Vorbis block sizes 2^%u and 2^%u are outside 2^6..2^13 or out of order",
                        bs0, bs1);
    if (!(h[29] & 1))
        return syn_fail(e, SYN_E_INVALID, hint,
                        "Vorbis identification header lacks its framing bit");
    return 0;
}

/* The comment header's fields, fed byte by byte after its 7-byte
 * signature: vendor length and string, comment count, each comment's
 * length and string, then the framing bit.  A length that runs past the
 * packet leaves cstate short of 6, which vorbis_packet_end refuses. */
static void vorbis_comment_byte(ogg_vorbis_state *v, uint8_t b)
{
    switch (v->cstate) {
    case 0:
    case 2:
    case 3: /* a 32-bit little-endian field */
        v->cbuf[v->cbn++] = b;
        if (v->cbn < 4) return;
        v->cbn = 0;
        if (v->cstate == 2) {
            v->left = ogg_le32(v->cbuf);
            v->cstate = v->left ? 3 : 5;
        } else {
            v->clen = ogg_le32(v->cbuf);
            v->cstate = v->clen ? v->cstate + 1 : (v->cstate == 0 ? 2 : (--v->left ? 3 : 5));
        }
        return;
    case 1:
    case 4: /* a string: skip clen bytes */
        if (--v->clen) return;
        v->cstate = v->cstate == 1 ? 2 : (--v->left ? 3 : 5);
        return;
    case 5:
        v->framing = b & 1;
        v->cstate = 6;
        return;
    default:
        return; /* bytes after the framing bit are ignored, as libvorbis does */
    }
}

/* A Vorbis header packet has ended: check it. */
static int vorbis_packet_end(ogg_vorbis_state *v, size_t at, syn_err *e)
{
    const char *hint = "send an undamaged Ogg Vorbis file";
    static const uint8_t types[3] = {1, 3, 5};
    int k = v->packets++;
    if (v->vorbis < 0) v->vorbis = v->len >= 7 && memcmp(v->head, "\x01vorbis", 7) == 0;
    if (!v->vorbis || k > 2) return 0;
    if (v->len < 7 || v->head[0] != types[k] || memcmp(v->head + 1, "vorbis", 6) != 0)
        return syn_fail(e, SYN_E_INVALID, hint,
                        "Vorbis header packet %d (ending at byte %zu) is not a type %u header",
                        k + 1, at, (unsigned)types[k]);
    if (k == 0) return vorbis_check_id(v->head, v->len, e);
    if (k == 1 && (v->cstate != 6 || !v->framing))
        return syn_fail(e, SYN_E_INVALID, hint,
                        "Vorbis comment header is truncated or lacks its framing bit");
    return 0;
}

/* One lacing segment of a packet: keep its first bytes, walk a comment. */
static void vorbis_packet_bytes(ogg_vorbis_state *v, const uint8_t *b, size_t k)
{
    for (size_t i = 0; i < k; i++, v->len++) {
        if (v->len < OGG_VORBIS_KEEP) v->head[v->len] = b[i];
        if (v->packets == 1 && v->len >= 7) vorbis_comment_byte(v, b[i]);
    }
}

static int ogg_check_pages(const uint8_t *p, size_t n, syn_err *e)
{
    if (n < 4 || memcmp(p, "OggS", 4) != 0) return 0; /* not Ogg: libsndfile decides */
    /* RFC 3533: each logical stream starts with a BOS page numbered 0 and
     * numbers its pages in order.  libsndfile leaks its vorbis_info (5.8 KB)
     * on streams that break this (found by tests/fuzz), so they stop here. */
    uint32_t serial[OGG_MAX_STREAMS], next_seq[OGG_MAX_STREAMS];
    ogg_vorbis_state vs[OGG_MAX_STREAMS];
    int nstreams = 0;
    size_t pos = 0;
    int eos = 0;
    while (pos < n) {
        const uint8_t *pg = p + pos;
        if (n - pos < OGG_HEADER || memcmp(pg, "OggS", 4) != 0 ||
            n - pos < (size_t)OGG_HEADER + pg[26])
            return syn_fail(e, SYN_E_INVALID, "send the complete file",
                            "Ogg stream is damaged or truncated at byte %zu", pos);
        size_t body = 0;
        for (int i = 0; i < pg[26]; i++)
            body += pg[OGG_HEADER + i];
        size_t len = OGG_HEADER + pg[26] + body;
        if (len > n - pos)
            return syn_fail(e, SYN_E_INVALID, "send the complete file",
                            "Ogg stream is truncated in its last page");
        if (ogg_crc(pg, len) != ogg_le32(pg + 22))
            return syn_fail(e, SYN_E_INVALID, "send an undamaged file",
                            "Ogg page at byte %zu has a bad CRC", pos);
        uint32_t sn = ogg_le32(pg + 14), seq = ogg_le32(pg + 18);
        int s = 0;
        while (s < nstreams && serial[s] != sn)
            s++;
        if (s == nstreams) { /* a new logical stream: it must begin here */
            if (!(pg[5] & OGG_FLAG_BOS) || seq != 0 || nstreams == OGG_MAX_STREAMS)
                return syn_fail(e, SYN_E_INVALID, "send an undamaged file",
                                "Ogg page at byte %zu starts no stream properly", pos);
            serial[nstreams] = sn;
            memset(&vs[nstreams], 0, sizeof vs[nstreams]);
            vs[nstreams].vorbis = -1;
            next_seq[nstreams++] = 0;
        }
        if (seq != next_seq[s] || (seq != 0 && (pg[5] & OGG_FLAG_BOS)))
            return syn_fail(e, SYN_E_INVALID, "send an undamaged file",
                            "Ogg page at byte %zu is out of sequence", pos);
        next_seq[s] = seq + 1;
        /* The stream's packets: a lacing value below 255 ends one. */
        ogg_vorbis_state *v = &vs[s];
        const uint8_t *seg = pg + OGG_HEADER + pg[26];
        for (int i = 0; i < pg[26] && v->packets < 3 && v->vorbis != 0; i++) {
            vorbis_packet_bytes(v, seg, pg[OGG_HEADER + i]);
            seg += pg[OGG_HEADER + i];
            if (pg[OGG_HEADER + i] < 255) {
                if (vorbis_packet_end(v, (size_t)(seg - p), e) < 0) return -1;
                v->len = 0;
            }
        }
        if ((pg[5] & OGG_FLAG_EOS) && v->vorbis == 1 && v->packets < 3)
            return syn_fail(e, SYN_E_INVALID, "send an undamaged Ogg Vorbis file",
                            "Ogg Vorbis stream ends after %d of its 3 header packets", v->packets);
        eos = (pg[5] & OGG_FLAG_EOS) != 0;
        pos += len;
    }
    if (!eos)
        return syn_fail(e, SYN_E_INVALID, "send the complete file",
                        "Ogg stream is truncated: no end-of-stream page");
    return 0;
}

static const char *aud_format_name(int fmt)
{
    static const char unknown[] = "unknown";
    SF_FORMAT_INFO fi = {.format = fmt};
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
    return unknown;
}

static int aud_codec_allowed(int fmt, syn_err *e)
{
    int major = fmt & SF_FORMAT_TYPEMASK, sub = fmt & SF_FORMAT_SUBMASK;
    const char *hint = "send WAV (PCM or float), FLAC, Ogg Vorbis or MP3";
    switch (major) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_FLAC:
    case SF_FORMAT_OGG:
    case SF_FORMAT_MPEG:
        break;
    default:
        return syn_fail(e, SYN_E_UNSUPPORTED, hint, "%s files are not supported",
                        aud_format_name(major));
    }
    switch (sub) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_FLOAT:
    case SF_FORMAT_DOUBLE:
    case SF_FORMAT_VORBIS:
    case SF_FORMAT_MPEG_LAYER_I:
    case SF_FORMAT_MPEG_LAYER_II:
    case SF_FORMAT_MPEG_LAYER_III:
        return 0;
    default:
        return syn_fail(e, SYN_E_UNSUPPORTED, hint, "the %s codec is not supported",
                        aud_format_name(sub));
    }
}

/* --- the isolated decode: every libsndfile call on the bytes --------------- */

/* What the worker hands back in num[]; the planes are float frames of
 * AUD_NUM_OUTCH interleaved channels: the file's own channels for mono and
 * stereo, their mean for more (surround is analysed as its mix, so a
 * 7.1 file costs a mono file's memory, not eight times it). */
enum { AUD_NUM_FRAMES = 0, AUD_NUM_OUTCH, AUD_NUM_RATE, AUD_NUM_CHANNELS, AUD_NUM_FORMAT };

extern const syn_modality syn_audio_modality;

/* Grow the output to hold want frames, asking the budget for the growth. */
static float *aud_out_grow(syn_iso_res *res, size_t *cap, size_t want, int outch, syn_err *e)
{
    size_t ncap = *cap ? *cap : want;
    while (ncap < want)
        ncap *= 2;
    if (ncap > *cap &&
        syn_iso_budget(res, (ncap - *cap) * (size_t)outch * sizeof(float), 0, "decoding the sound",
                       "send a shorter sound, or one with a lower sample rate", e) < 0)
        return NULL;
    float *o = syn_iso_output(res, ncap * (size_t)outch * sizeof(float), e);
    if (o) *cap = ncap;
    return o;
}

/* Every frame, read AUD_BLOCK at a time and mixed down into the planes as
 * it comes: no whole-file buffer of all the channels ever exists. */
static int aud_read_frames(SNDFILE *sf, const SF_INFO *info, sf_count_t max_frames,
                           syn_iso_res *res, syn_err *e)
{
    int ch = info->channels, outch = ch <= 2 ? ch : 1;
    /* MPEG lengths are estimates (no Xing header) and SF_COUNT_MAX means
     * "unknown": trust the cap, not them, and start such streams at 2^18
     * frames (6 s at 44.1 kHz), growing by doubling. */
    int exact =
        (info->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG && info->frames != SF_COUNT_MAX;
    sf_count_t want = info->frames > 0 && info->frames <= max_frames ? info->frames : max_frames;
    if (!exact && want > (1 << 18)) want = 1 << 18;
    size_t cap = 0;
    float *out = aud_out_grow(res, &cap, (size_t)want, outch, e);
    float *block = malloc(sizeof(float) * (size_t)ch * AUD_BLOCK);
    if (!out || !block) {
        free(block);
        return out ? syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for an audio block") : -1;
    }
    size_t total = 0;
    for (;;) {
        sf_count_t got = sf_readf_float(sf, block, AUD_BLOCK);
        if (got <= 0) break;
        if ((sf_count_t)total + got > max_frames) {
            free(block);
            return syn_fail(e, SYN_E_LIMIT, "send a shorter sound",
                            "the sound is longer than the %d s limit",
                            (int)(max_frames / info->samplerate));
        }
        if (total + (size_t)got > cap &&
            !(out = aud_out_grow(res, &cap, total + (size_t)got, outch, e))) {
            free(block);
            return -1;
        }
        if (outch == ch) {
            memcpy(out + total * (size_t)ch, block, sizeof(float) * (size_t)ch * (size_t)got);
        } else { /* the mean of every channel, summed in channel order */
            for (sf_count_t i = 0; i < got; i++) {
                float v = 0;
                for (int c = 0; c < ch; c++)
                    v += block[(size_t)i * ch + c];
                out[total + (size_t)i] = v / ch;
            }
        }
        total += (size_t)got;
    }
    free(block);
    if (sf_error(sf) != SF_ERR_NO_ERROR)
        return syn_fail(e, SYN_E_INVALID, "send an undamaged audio file",
                        "audio data is corrupt: %s", sf_strerror(sf));
    if (total == 0)
        return syn_fail(e, SYN_E_INVALID, "send a sound that is not empty",
                        "the audio holds no samples");
    if (exact && (sf_count_t)total < info->frames)
        return syn_fail(e, SYN_E_INVALID, "send the complete file",
                        "audio is truncated: %zu of %lld frames", total, (long long)info->frames);
    res->len = total * (size_t)outch * sizeof(float);
    res->num[AUD_NUM_FRAMES] = (long)total;
    res->num[AUD_NUM_OUTCH] = outch;
    return 0;
}

/* In the sandbox (sandbox.h): libsndfile opens the bytes, its header is
 * checked against the limits, the comment (our map) is read, and the
 * frames are decoded into the shared planes. */
static int aud_isolated(const uint8_t *p, size_t n, const syn_iso_req *rq, syn_iso_res *res,
                        syn_err *e)
{
    const char *hint = "send WAV, FLAC, Ogg Vorbis or MP3";
    aud_mem mem = {(uint8_t *)p, n, n, 0, 0};
    SF_VIRTUAL_IO vio = {aud_filelen, aud_seek, aud_read, aud_write_ro, aud_tell};
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, &info, &mem);
    if (!sf) {
        int err = sf_error(NULL);
        if (err == SF_ERR_UNSUPPORTED_ENCODING)
            return syn_fail(e, SYN_E_UNSUPPORTED, hint, "audio codec not supported: %s",
                            sf_error_number(err));
        return syn_fail(e, SYN_E_INVALID, hint, "not a readable audio file: %s",
                        sf_error_number(err));
    }
    int rc = -1;
    if (aud_codec_allowed(info.format, e) < 0) goto done;
    if (info.channels < 1 || info.samplerate < 1) {
        syn_fail(e, SYN_E_INVALID, hint, "audio header has %d channels at %d Hz", info.channels,
                 info.samplerate);
        goto done;
    }
    if (info.channels > rq->max_channels) {
        syn_fail(e, SYN_E_LIMIT, "mix down to fewer channels",
                 "the sound has %d channels; the limit is %d", info.channels, rq->max_channels);
        goto done;
    }
    if (info.samplerate < rq->min_rate || info.samplerate > rq->max_rate) {
        syn_fail(e, SYN_E_LIMIT, "resample the sound", "sample rate %d Hz is outside %d..%d Hz",
                 info.samplerate, rq->min_rate, rq->max_rate);
        goto done;
    }
    sf_count_t max_frames = (sf_count_t)floor(rq->max_sec * info.samplerate);
    /* SF_COUNT_MAX is libsndfile's "length unknown"; the read stops at the
     * cap instead. */
    if (info.frames != SF_COUNT_MAX && info.frames > max_frames) {
        syn_fail(e, SYN_E_LIMIT, "send a shorter sound",
                 "the sound lasts %.1f s; the limit is %.1f s",
                 (double)info.frames / info.samplerate, rq->max_sec);
        goto done;
    }
    if (info.frames == 0) {
        syn_fail(e, SYN_E_INVALID, "send a sound that is not empty", "the audio holds no samples");
        goto done;
    }
    /* The map before the samples: our own sounds carry it in the comment. */
    const char *comment = sf_get_string(sf, SF_STR_COMMENT);
    if (comment) snprintf(res->text, sizeof res->text, "%s", comment);
    res->num[AUD_NUM_RATE] = info.samplerate;
    res->num[AUD_NUM_CHANNELS] = info.channels;
    res->num[AUD_NUM_FORMAT] = info.format;
    rc = aud_read_frames(sf, &info, max_frames, res, e);
done:
    sf_close(sf);
    return rc;
}

/* The libraries, in the sandbox: *iso holds frames x outch float samples at
 * rate, which the caller gives back with syn_iso_release.  0, or -1 with *e
 * (iso released). */
static int aud_decode_sandboxed(const uint8_t *p, size_t n, const syn_limits *lim, syn_iso_res *iso,
                                size_t *frames, int *outch, int *rate, syn_err *e)
{
    syn_iso_req rq = {.max_channels = lim->max_channels,
                      .min_rate = lim->min_sample_rate,
                      .max_rate = lim->max_sample_rate,
                      .max_sec = lim->max_audio_in_sec};
    if (syn_isolate(&syn_audio_modality, p, n, &rq, iso, e) < 0) {
        syn_iso_release(iso);
        return -1;
    }
    *frames = (size_t)iso->num[AUD_NUM_FRAMES];
    *outch = (int)iso->num[AUD_NUM_OUTCH];
    *rate = (int)iso->num[AUD_NUM_RATE];
    if (!iso->data || *frames == 0 || *outch < 1 || *outch > 2 || *rate < 1 ||
        iso->len != *frames * (size_t)*outch * sizeof(float)) {
        syn_iso_release(iso);
        return syn_fail(e, SYN_E_DECODER, "send WAV, FLAC, Ogg Vorbis or MP3",
                        "the audio decoder returned no samples");
    }
    return 0;
}

/* The map: ours from the file's comment (text), else the defaults for a
 * sound at rate; then the options.  Returns has_map. */
static int aud_map(const char *text, int rate, const syn_opts *opts, syn_map *map)
{
    int has_map = 0;
    if (text[0] && syn_map_parse(map, text) == 0)
        has_map = 1;
    else
        syn_map_default(map, rate);

    /* Options first, then the file's real rate for the analysis: the
     * samples are at the file's rate whatever the map or options say. */
    syn_map_apply_opts(map, opts);
    if (map->sample_rate != rate) {
        map->sample_rate = rate;
        map->n_fft = 0; /* syn_map_fix re-derives the frame for this rate */
    }
    syn_map_fix(map);
    return has_map;
}

/* The semantic axes of the samples into out->sem.  0, or -1 with *e. */
static int aud_semantics(const float *pcm, size_t frames, int outch, int rate, const uint8_t *p,
                         size_t n, syn_latent *out, syn_err *e)
{
    /* the features' mono mix (a float a frame; sem_audio.c) and their
     * per-analysis-frame tables (a few doubles per 11 ms hop); two
     * passes of 46 ms frames, hopped by a quarter */
    if (syn_job_reserve(frames * sizeof(float) + frames / 64 * 4 * sizeof(double),
                        syn_cost_fft(4.0 * frames / (0.046 * rate), (int)(0.046 * rate) * 2),
                        "measuring the sound", "send a shorter sound", e) < 0)
        return -1;
    if (syn_sem_from_pcm(pcm, frames, outch, rate, &out->sem, e) < 0) return -1;
    out->sem.hash = syn_hash_bytes(p, n);
    out->has_sem = 1;
    return 0;
}

/* The spectrogram of the samples into out->grid, in stereo when asked or
 * when the map says so of a two-channel file.  0, or -1 with *e. */
static int aud_spectrogram(const syn_decode_ctx *ctx, const float *pcm, size_t frames, int outch,
                           int channels, syn_map *map, int has_map, syn_latent *out, syn_err *e)
{
    const syn_opts *opts = ctx->opts;
    int stereo =
        syn_opt_given(opts, SYN_OPT_STEREO) ? opts->stereo != 0 : map->stereo && channels == 2;
    map->stereo = stereo;
    int rows = 0, cols = 0;
    syn_picture_size(opts, ctx->limits, map, &rows, &cols);
    if (syn_job_reserve((size_t)rows * (size_t)cols * sizeof(float) * (stereo ? 3 : 1),
                        syn_cost_fft((double)cols * (stereo ? 2 : 1), map->n_fft),
                        "drawing the spectrogram", "lower width or height", e) < 0)
        return -1;
    out->grid.rows = rows;
    out->grid.cols = cols;
    if (syn_spectral_analyse(pcm, frames, outch, map, has_map, stereo, rows, cols, &out->grid, e) <
        0) {
        syn_grid_free(&out->grid);
        return -1;
    }
    return 0;
}

static int aud_decode(const uint8_t *p, size_t n, const syn_decode_ctx *ctx, syn_latent *out,
                      syn_err *e)
{
    memset(out, 0, sizeof *out);
    if (!ctx || !ctx->opts || !ctx->limits)
        return syn_fail(e, SYN_E_INTERNAL, NULL, "audio decode called without options");
    const syn_opts *opts = ctx->opts;
    if (!p || n == 0)
        return syn_fail(e, SYN_E_EMPTY, "send WAV, FLAC, Ogg Vorbis or MP3", "the sound is empty");
    /* cheap pre-checks of our own, before any library sees the bytes */
    if (wav_check_data(p, n, e) < 0 || ogg_check_pages(p, n, e) < 0) return -1;

    syn_iso_res iso;
    size_t frames = 0;
    int outch = 0, rate = 0;
    if (aud_decode_sandboxed(p, n, ctx->limits, &iso, &frames, &outch, &rate, e) < 0) return -1;
    const float *pcm = iso.data;
    syn_map map;
    int has_map = aud_map(iso.text, rate, opts, &map);
    int rc = -1;
    if (ctx->want_sem && aud_semantics(pcm, frames, outch, rate, p, n, out, e) < 0) goto done;
    if (ctx->want_sem && !ctx->want_grid) { /* semantics only: no spectrogram */
        map.duration = (double)frames / rate;
    } else if (aud_spectrogram(ctx, pcm, frames, outch, (int)iso.num[AUD_NUM_CHANNELS], &map,
                               has_map, out, e) < 0) {
        goto done;
    }
    /* Output-side options (sample_rate, duration) now override what the
     * analysis measured, for whatever this latent becomes next. */
    syn_map_apply_opts(&map, opts);
    out->map = map;
    out->has_map = has_map;
    rc = 0;
done:
    syn_iso_release(&iso);
    return rc;
}

/* --- encode --------------------------------------------------------------- */

/* The output formats, and libsndfile's format for each, row by row. */
static const syn_format aud_formats[] = {
    {"wav", "audio/wav", "wav"},
    {"wav-float", "audio/wav", "wav"},
    {"flac", "audio/flac", "flac"},
    {"ogg", "audio/ogg", "ogg"},
    {NULL, NULL, NULL},
};
static const int aud_sf_formats[] = {
    SF_FORMAT_WAV | SF_FORMAT_PCM_16,
    SF_FORMAT_WAV | SF_FORMAT_FLOAT,
    SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
    SF_FORMAT_OGG | SF_FORMAT_VORBIS,
};
_Static_assert(sizeof aud_sf_formats / sizeof aud_sf_formats[0] ==
                   sizeof aud_formats / sizeof aud_formats[0] - 1,
               "one libsndfile format per output format");

/* libsndfile seeds the Ogg stream serial number from the clock; put a
 * serial derived from the map's seed into every page and fix the CRCs, so
 * that the same request gives the same bytes. */
static int ogg_set_serial(uint8_t *p, size_t n, uint32_t serial, syn_err *e)
{
    size_t pos = 0;
    while (pos < n) {
        if (n - pos < OGG_HEADER || memcmp(p + pos, "OggS", 4) != 0 ||
            n - pos < (size_t)OGG_HEADER + p[pos + 26])
            return syn_fail(e, SYN_E_INTERNAL, NULL, "libsndfile wrote a malformed Ogg page");
        size_t nseg = p[pos + 26], body = 0;
        for (size_t i = 0; i < nseg; i++)
            body += p[pos + OGG_HEADER + i];
        size_t len = OGG_HEADER + nseg + body;
        if (len > n - pos)
            return syn_fail(e, SYN_E_INTERNAL, NULL, "libsndfile wrote a truncated Ogg page");
        uint8_t *pg = p + pos;
        for (int i = 0; i < 4; i++)
            pg[14 + i] = (uint8_t)(serial >> (8 * i)); /* little-endian field */
        uint32_t crc = ogg_crc(pg, len);
        for (int i = 0; i < 4; i++)
            pg[22 + i] = (uint8_t)(crc >> (8 * i));
        pos += len;
    }
    return 0;
}

/* The PCM to write, by mode: the grid synthesised (spectral), music
 * (semantic) or speech.  *m is the map line's map for the output.
 * *pcm is malloc'd.  0, or -1 with *e. */
static int aud_render(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_map *m,
                      float **pcm, size_t *frames, int *ch, syn_report *rep, syn_err *e)
{
    syn_mode mode = o ? o->mode : SYN_MODE_SPECTRAL;
    if (mode == SYN_MODE_SEMANTIC || mode == SYN_MODE_SPEECH) {
        int sr = o && o->sample_rate > 0 ? o->sample_rate : 22050;
        if (sr < lim->min_sample_rate || sr > lim->max_sample_rate)
            return syn_fail(e, SYN_E_LIMIT, "ask for another sample_rate",
                            "sample rate %d Hz is outside %d..%d Hz", sr, lim->min_sample_rate,
                            lim->max_sample_rate);
        /* The output's map: a recording at this rate, so that drawing it
         * back analyses it like any sound. */
        syn_map_default(m, sr);
        m->source = SYN_SRC_AUDIO;
        m->seed = o ? o->seed : 0;
        if (mode == SYN_MODE_SPEECH) {
            syn_description desc = {0}; /* cppcheck cannot see syn_latent_describe only writes it */
            const char *text = in->text;
            if (!text || !text[0]) {
                if (!in->has_sem)
                    return syn_fail(e, SYN_E_INTERNAL, NULL,
                                    "speech with neither text nor semantics");
                if (syn_latent_describe(in, o, &desc, e) < 0) return -1;
                text = desc.text;
            }
            const char *voice = o && o->voice[0] ? o->voice : syn_latent_lang(in, o);
            if (syn_speak(text, voice, sr, pcm, frames, e) < 0) return -1;
            *ch = 1;
        } else {
            if (!in->has_sem)
                return syn_fail(e, SYN_E_INTERNAL, NULL, "semantic music without semantics");
            double dur = o && syn_opt_given(o, SYN_OPT_DURATION) ? o->duration : AUD_MUSIC_SEC;
            if (!(dur > 0) || dur > lim->max_audio_out_sec)
                return syn_fail(e, SYN_E_LIMIT, "ask for a shorter duration",
                                "a %.1f s sound is outside the %.1f s output limit", dur,
                                lim->max_audio_out_sec);
            /* closed loop: up to SYN_LOOP_ROUNDS pieces, two kept at a
             * time (the best and the next), each with two voice buses, a
             * note buffer of 8 s and the read-back's scratch; ~0.6 us of
             * oscillators, envelopes and analysis a frame and round */
            double nf = dur * sr;
            int rounds = o ? o->rounds : SYN_LOOP_ROUNDS;
            if (syn_job_reserve((size_t)(nf * 40 + 8.0 * sr * 4), nf * 0.6e-6 * rounds,
                                "composing the music", "lower duration or sample_rate", e) < 0)
                return -1;
            if (syn_music_closed(&in->sem, (o ? o->seed : 0) ^ in->sem.hash, sr, dur, rounds, pcm,
                                 frames, ch, rep, e) < 0)
                return -1;
        }
        m->duration = (double)*frames / sr;
        return 0;
    }
    *m = in->map;
    /* The map may come from a user's file: hold it to the limits. */
    if (!(m->duration > 0) || m->duration > lim->max_audio_out_sec)
        return syn_fail(e, SYN_E_LIMIT, "ask for a shorter duration",
                        "a %.1f s sound is outside the %.1f s output limit", m->duration,
                        lim->max_audio_out_sec);
    if (m->sample_rate < lim->min_sample_rate || m->sample_rate > lim->max_sample_rate)
        return syn_fail(e, SYN_E_LIMIT, "ask for another sample_rate",
                        "sample rate %d Hz is outside %d..%d Hz", m->sample_rate,
                        lim->min_sample_rate, lim->max_sample_rate);
    if (syn_spectral_synthesise(&in->grid, m, pcm, frames, ch, e) < 0) return -1;
    in->map = *m; /* synthesis updates ref_db for the reverse mapping */
    return 0;
}

/* The output's limits, checked before encoding: its length, its bytes, and
 * what FLAC can store.  0, or -1 with *e. */
static int aud_check_output(const syn_map *m, size_t frames, int ch, int sf_format,
                            const syn_limits *lim, syn_err *e)
{
    /* One frame of slack for rounding duration * rate. */
    if ((double)frames > lim->max_audio_out_sec * m->sample_rate + 1.0)
        return syn_fail(e, SYN_E_LIMIT, "ask for a shorter duration",
                        "the sound would last %.1f s; the limit is %.1f s",
                        (double)frames / m->sample_rate, lim->max_audio_out_sec);

    /* The encoded file: at most 4 bytes a sample (float WAV). */
    if (syn_job_reserve(frames * (size_t)ch * 4, 0, "writing the sound",
                        "lower duration or sample_rate", e) < 0)
        return -1;

    /* A FLAC frame header stores a rate above 65535 Hz only in tens of Hz
     * (libsndfile then fails inside libFLAC's encoder set-up): say so
     * before encoding, as the request's problem, not an internal error. */
    if ((sf_format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC && m->sample_rate > 65535 &&
        m->sample_rate % 10 != 0)
        return syn_fail(e, SYN_E_BADREQ,
                        "use a sample_rate up to 65535 Hz or a multiple of 10, or format=wav",
                        "FLAC cannot store a sample rate of %d Hz", m->sample_rate);
    return 0;
}

/* libsndfile writes the samples, with the map line as the comment, into
 * *mem (malloc'd; free mem->p).  Frees pcm as soon as it is written.
 * 0, or -1 with *e and nothing to free. */
static int aud_write_file(const syn_map *m, const syn_format *f, int sf_format, float *pcm,
                          size_t frames, int ch, const char *line, aud_mem *mem, syn_err *e)
{
    SF_VIRTUAL_IO vio = {aud_filelen, aud_seek, aud_read, aud_write, aud_tell};
    SF_INFO info = {.samplerate = m->sample_rate, .channels = ch, .format = sf_format};
    SNDFILE *sf = sf_open_virtual(&vio, SFM_WRITE, &info, mem);
    if (!sf) {
        free(pcm);
        free(mem->p);
        return syn_fail(e, SYN_E_INTERNAL, NULL, "libsndfile cannot write %s: %s", f->name,
                        sf_strerror(NULL));
    }
    /* No PEAK chunk: it holds a time stamp, which breaks determinism. */
    sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    int bad = sf_set_string(sf, SF_STR_COMMENT, line) != 0 ||
              sf_set_string(sf, SF_STR_SOFTWARE, "synesthd") != 0;
    sf_count_t wrote = bad ? 0 : sf_writef_float(sf, pcm, (sf_count_t)frames);
    free(pcm);
    char why[128];
    snprintf(why, sizeof why, "%s", sf_strerror(sf));
    int closed = sf_close(sf);
    if (mem->oom) {
        free(mem->p);
        return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory writing the %s file", f->name);
    }
    if (bad || wrote != (sf_count_t)frames || closed != 0) {
        free(mem->p);
        return syn_fail(e, SYN_E_INTERNAL, NULL, "libsndfile failed writing %s: %s", f->name, why);
    }
    if ((sf_format & SF_FORMAT_TYPEMASK) == SF_FORMAT_OGG &&
        ogg_set_serial(mem->p, mem->len, m->seed ^ 0x53594e45u /* "SYNE" */, e) < 0) {
        free(mem->p);
        return -1;
    }
    return 0;
}

static int aud_encode(syn_latent *in, const syn_opts *o, const syn_limits *lim, syn_blob *out,
                      syn_err *e)
{
    memset(out, 0, sizeof *out);
    const syn_format *f = syn_format_find(&syn_audio_modality, o ? o->format : NULL);
    if (!f)
        return syn_fail(e, SYN_E_BADREQ, "use format=wav, wav-float, flac or ogg",
                        "unknown audio format '%.15s'", o->format);
    const int sf_format = aud_sf_formats[f - aud_formats];
    syn_map map;
    float *pcm = NULL;
    size_t frames = 0;
    int ch = 0;
    if (aud_render(in, o, lim, &map, &pcm, &frames, &ch, &out->report, e) < 0) return -1;
    out->has_report = out->report.rounds > 0;
    if (aud_check_output(&map, frames, ch, sf_format, lim, e) < 0) {
        free(pcm);
        return -1;
    }

    char line[sizeof out->map];
    syn_map_format(&map, line, sizeof line);
    aud_mem mem = {NULL, 0, 0, 0, 0};
    if (aud_write_file(&map, f, sf_format, pcm, frames, ch, line, &mem, e) < 0) return -1;
    out->data = mem.p;
    out->len = mem.len;
    out->mime = f->mime;
    out->ext = f->ext;
    snprintf(out->map, sizeof out->map, "%s", line);
    return 0;
}

const syn_modality syn_audio_modality = {
    .name = "audio",
    .mime_types = aud_mimes,
    .formats = aud_formats,
    .grid = SYN_GRID_BANDS,
    .grid_rank = 2,
    .modes = SYN_MODE_BIT(SYN_MODE_SPECTRAL) | SYN_MODE_BIT(SYN_MODE_SEMANTIC) |
             SYN_MODE_BIT(SYN_MODE_SPEECH),
    .sniff = aud_sniff,
    .decode = aud_decode,
    .isolated = aud_isolated,
    .encode = aud_encode,
    .init = aud_init,
};
