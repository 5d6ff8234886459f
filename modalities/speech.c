/* speech.c -- mode=speech: UTF-8 text spoken by libespeak-ng into memory.
 *
 * Accepts: UTF-8 text of 1..SYN_SPEECH_MAX_TEXT bytes, voice "en", "zh"
 * ("cmn"), or "" (by the script of the text), an output rate in Hz.
 * Limits: at most MAX_SPEECH_SEC seconds of sound per call.
 * Returns: *pcm malloc'd by syn_speak, mono floats, owned by the caller
 * (free()).
 *
 * espeak-ng keeps its state in globals (voice, parameters, the synth
 * callback, its phoneme tables) and is not re-entrant, so it is set up once
 * in syn_speech_init() (the server calls it at start-up through
 * syn_modalities_warm; a one-shot CLI run initialises on its first
 * syn_speak, saving the 2-5 ms for conversions that never speak) and every
 * synthesis runs under one global mutex.  Measured on the 2-core dev box
 * (warm page cache): espeak_Initialize with the English voice takes 2-5 ms;
 * one call holds the lock for 8-9 ms for 25 English words (7.9 s of speech,
 * a switch of voice included), 6-8 ms for 13 Chinese characters (4.8 s),
 * under 1 ms for one word: about 1 ms per second of speech, less than the
 * WAV encoding that follows, so one lock serialises little and a worker
 * thread is not worth it.  (Cold cache, first run after boot: 290 ms to
 * initialise and 1.9 s for the first voice, which is why init loads the
 * English voice.)
 * espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS) makes espeak_Synth call our
 * callback with 16-bit mono samples at espeak's own rate (22050 Hz) and
 * return when the text is spoken; the callback appends them to a growable
 * buffer owned by the call.  Nothing is played or written. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <espeak-ng/speak_lib.h>

#include "syn/speech.h"

/* Two minutes: SYN_SPEECH_MAX_TEXT bytes of English at espeak's default
 * 175 words per minute take about 110 s; more means runaway input. */
#define MAX_SPEECH_SEC 120
/* espeak's internal buffer, ms of audio per callback: 200 ms keeps the
 * number of callbacks small without holding much memory. */
#define ESPEAK_BUF_MS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* libespeak-ng is opened on first use rather than linked: through
 * libpcaudio it brings 23 more shared libraries (PulseAudio, ALSA, X11,
 * D-Bus) that every one-shot conversion would otherwise map and relocate,
 * about 3 ms of a 17 ms picture-to-sound run, for nothing unless it speaks.
 * The server opens it at start-up (syn_modalities_warm).  The prototypes
 * still come from Debian's header, so the calls are type-checked. */
#define ESPEAK_SONAME "libespeak-ng.so.1"
static struct {
    void *handle;
    __typeof__(&espeak_Initialize) Initialize;
    __typeof__(&espeak_SetVoiceByName) SetVoiceByName;
    __typeof__(&espeak_SetSynthCallback) SetSynthCallback;
    __typeof__(&espeak_Synth) Synth;
    __typeof__(&espeak_Terminate) Terminate;
} es;

/* Called with the lock held; 0 when the library and its symbols are there.
 * The handle is kept until exit: espeak-ng's globals live in it. */
static int load_locked(void)
{
    if (es.handle) return 0;
    void *h = dlopen(ESPEAK_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) return -1;
        /* POSIX dlsym returns object pointers; copying the bytes keeps ISO C happy */
#define SYM(name)                                                                                  \
    do {                                                                                           \
        void *f = dlsym(h, "espeak_" #name);                                                       \
        if (!f) {                                                                                  \
            dlclose(h);                                                                            \
            memset(&es, 0, sizeof es);                                                             \
            return -1;                                                                             \
        }                                                                                          \
        memcpy(&es.name, &f, sizeof f);                                                            \
    } while (0)
    SYM(Initialize);
    SYM(SetVoiceByName);
    SYM(SetSynthCallback);
    SYM(Synth);
    SYM(Terminate);
#undef SYM
    es.handle = h;
    return 0;
}
static int espeak_rate; /* espeak's output rate in Hz; 0 = not initialised */

typedef struct pcm_buf {
    int16_t *s;
    size_t n, cap, max; /* samples held, allocated, allowed                  */
    int failed;         /* 1: out of memory; 2: over the length limit         */
} pcm_buf;

/* The buffer of the synthesis running now: set and cleared under the lock.
 * (The events espeak passes with each chunk do not always carry the
 * user_data of espeak_Synth: a chunk whose list holds only the terminator
 * comes without it, and its samples would be lost.) */
static pcm_buf *current;

static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
    (void)ev;
    pcm_buf *b = current;
    if (!b || !wav || n <= 0) return 0;
    if (b->n + (size_t)n > b->max) {
        b->failed = 2;
        return 1; /* 1 aborts the synthesis */
    }
    if (b->n + (size_t)n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 22050; /* one second first, doubling */
        while (cap < b->n + (size_t)n)
            cap *= 2;
        int16_t *p = realloc(b->s, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            return 1;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, wav, (size_t)n * sizeof *wav);
    b->n += (size_t)n;
    return 0;
}

/* Called with the lock held. */
static void init_locked(void)
{
    if (!espeak_rate && load_locked() == 0) {
        /* DONT_EXIT: a missing data file must return an error, not exit(). */
        int rate = es.Initialize(AUDIO_OUTPUT_SYNCHRONOUS, ESPEAK_BUF_MS, NULL,
                                 espeakINITIALIZE_DONT_EXIT);
        if (rate > 0 && es.SetVoiceByName("en") == EE_OK) { /* load a voice now */
            es.SetSynthCallback(on_samples);
            espeak_rate = rate;
        }
    }
}

int syn_speech_init(void)
{
    pthread_mutex_lock(&lock);
    init_locked();
    int rc = espeak_rate > 0 ? 0 : -1;
    pthread_mutex_unlock(&lock);
    return rc;
}

void syn_speech_fini(void)
{
    pthread_mutex_lock(&lock);
    if (espeak_rate) es.Terminate();
    espeak_rate = 0;
    pthread_mutex_unlock(&lock);
}

/* 1 if s is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF); *han = 1 when it holds a CJK ideograph. */
static int utf8_check(const unsigned char *s, size_t n, int *han)
{
    *han = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n) return 0;
        uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000}; /* overlong bounds */
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) /* CJK blocks */
            *han = 1;
        i += len;
    }
    return 1;
}

/* Linear interpolation from rate a to rate b: speech is band-limited well
 * under 8 kHz at espeak's 22050 Hz, so the error of a linear kernel is
 * below the synthesiser's own noise. */
static float *resample(const int16_t *s, size_t n, int a, int b, size_t *out_n)
{
    size_t m = (size_t)((double)n * b / a);
    if (m == 0) m = 1;
    float *o = malloc(m * sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < m; i++) {
        double x = (double)i * a / b;
        size_t k = (size_t)x;
        double f = x - (double)k;
        double v0 = k < n ? s[k] : 0, v1 = k + 1 < n ? s[k + 1] : v0;
        o[i] = (float)((v0 + f * (v1 - v0)) / 32768.0); /* 16-bit full scale */
    }
    *out_n = m;
    return o;
}

int syn_speak(const char *text, const char *voice, int sample_rate, float **pcm, size_t *frames,
              syn_err *e)
{
    *pcm = NULL;
    *frames = 0;
    size_t n = text ? strlen(text) : 0;
    int han = 0;
    if (n == 0)
        return syn_fail(e, SYN_E_EMPTY, "give some text to speak", "there is no text to speak");
    if (n > SYN_SPEECH_MAX_TEXT)
        return syn_fail(e, SYN_E_LIMIT, "shorten the text",
                        "the text to speak is %zu bytes; the limit is %d", n, SYN_SPEECH_MAX_TEXT);
    if (!utf8_check((const unsigned char *)text, n, &han))
        return syn_fail(e, SYN_E_INVALID, "send the text as UTF-8",
                        "the text to speak is not valid UTF-8");
    if (sample_rate < 8000 || sample_rate > 384000) /* telephone band .. the widest WAV rates */
        return syn_fail(e, SYN_E_BADREQ, "", "sample rate %d Hz is out of range", sample_rate);
    const char *name;
    if (!voice || !voice[0])
        name = han ? "cmn" : "en";
    else if (!strcmp(voice, "en"))
        name = "en";
    else if (!strcmp(voice, "zh") || !strcmp(voice, "cmn"))
        name = "cmn";
    else
        return syn_fail(e, SYN_E_BADREQ, "use voice=en or voice=zh", "unknown voice '%.16s'",
                        voice);

    pcm_buf b = {0};
    int rc = -1, from = 0;
    pthread_mutex_lock(&lock);
    init_locked(); /* a no-op once the server has warmed up; the CLI starts here */
    if (!espeak_rate) {
        syn_fail(e, SYN_E_INTERNAL, "install espeak-ng-data", "speech synthesis is not available");
        goto unlock;
    }
    b.max = (size_t)espeak_rate * MAX_SPEECH_SEC;
    if (es.SetVoiceByName(name) != EE_OK) {
        syn_fail(e, SYN_E_INTERNAL, "install espeak-ng-data", "espeak-ng has no '%s' voice", name);
        goto unlock;
    }
    current = &b;
    espeak_ERROR er = es.Synth(text, n + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
    current = NULL;
    if (b.failed == 1)
        syn_fail(e, SYN_E_NOMEM, "", "out of memory while speaking");
    else if (b.failed == 2)
        syn_fail(e, SYN_E_LIMIT, "shorten the text", "the speech would last over %d s",
                 MAX_SPEECH_SEC);
    else if (er != EE_OK)
        syn_fail(e, SYN_E_INTERNAL, "", "espeak-ng failed (error %d)", (int)er);
    else if (b.n == 0)
        syn_fail(e, SYN_E_INVALID, "give words to speak", "the text has nothing to speak");
    else
        rc = 0;
    from = espeak_rate;
unlock:
    pthread_mutex_unlock(&lock);
    if (rc == 0) {
        *pcm = resample(b.s, b.n, from, sample_rate, frames);
        if (!*pcm) rc = syn_fail(e, SYN_E_NOMEM, "", "out of memory while speaking");
    }
    free(b.s);
    return rc;
}
