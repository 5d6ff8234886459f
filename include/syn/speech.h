/* speech.h -- text spoken by libespeak-ng into a buffer (mode=speech).
 *
 * English ("en") and Mandarin ("zh", espeak-ng's "cmn" voice).  espeak-ng
 * keeps global state and is not re-entrant: syn_speech_init() sets it up
 * once at start-up (modalities/registry.c calls it from
 * syn_modalities_warm, which the server runs before its threads start; a
 * first syn_speak() without it sets it up under the lock), and every
 * syn_speak() runs under one global lock.
 * Synthesis goes to memory only, never to a file or a sound card. */
#ifndef SYN_SPEECH_H
#define SYN_SPEECH_H

#include <stddef.h>
#include "syn/error.h"

/* Longest text spoken, in bytes: about 300 words, or 2 minutes of speech. */
#define SYN_SPEECH_MAX_TEXT 2000

int syn_speech_init(void); /* 0, or -1 when espeak-ng or its data is missing */
void syn_speech_fini(void);

/* Speak UTF-8 text with voice "en", "zh" (also "cmn"), or "" (Mandarin when
 * the text holds Han characters, else English), at sample_rate Hz.
 * *pcm: malloc'd mono floats in [-1,1] (free()), *frames samples.
 * Errors: invalid UTF-8, empty or over SYN_SPEECH_MAX_TEXT -> SYN_E_INVALID
 * or SYN_E_LIMIT; unknown voice -> SYN_E_BADREQ. */
int syn_speak(const char *text, const char *voice, int sample_rate, float **pcm, size_t *frames,
              syn_err *e);

#endif
