/* limits.c -- the default of every limit, with its reason.
 * server/config.c maps each field to a --flag and a SYNESTHD_* variable. */
#include "syn/limits.h"

void syn_limits_default(syn_limits *l)
{
    *l = (syn_limits){
        /* 32 MiB: a 12-megapixel JPEG or a 3-minute 44.1 kHz stereo WAV
         * fits; a request body is held in memory whole. */
        .max_body_bytes = 32u << 20,
        /* 40 Mpx: a large phone photo; at 4 bytes a pixel the decode
         * needs 160 MiB, bounded by max_jobs at once. */
        .max_pixels = 40L * 1000 * 1000,
        /* 16384 px a side: stb_image's own hardening cap is higher. */
        .max_side = 16384,
        /* 10 minutes of input: the STFT of that at 48 kHz is ~115 MB of
         * float magnitudes, still cheap. */
        .max_audio_in_sec = 600,
        /* 5 minutes of generated sound, 26 MB of 44.1 kHz 16-bit WAV. */
        .max_audio_out_sec = 300,
        /* 8 kHz telephone audio up to 192 kHz studio audio. */
        .min_sample_rate = 8000,
        .max_sample_rate = 192000,
        /* 8 channels: 7.1; more is a multitrack stem, not a sound. */
        .max_channels = 8,
        /* 4096 px: a spectrogram wider than a 4K screen shows nothing more. */
        .max_out_side = 4096,
        /* 0 = 2 x CPU count, decided by the server at start-up. */
        .max_jobs = 0,
        /* 512 sockets: far above a demo's needs, far below the fd limit. */
        .max_connections = 512,
        /* 64 per client: wrk -c64 from one address still works, one host
         * cannot take every socket. */
        .per_ip_connections = 64,
        /* 30 s idle: a slow upload on a phone still completes. */
        .conn_timeout_sec = 30,
        /* 10 s: inside Docker's default 10 s stop grace with compose's
         * stop_grace_period raised to 15 s, see docker/compose.yaml. */
        .shutdown_grace_sec = 10,
    };
}
