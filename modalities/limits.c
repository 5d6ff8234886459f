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
        /* 10 minutes of input: a long recording; its memory is bounded by
         * max_request_memory (surround is mixed to mono as it decodes). */
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
        /* 30 s of silence inside a body or an answer: a slow upload on a
         * phone still completes (between requests header_timeout_sec
         * applies, server/http.c). */
        .conn_timeout_sec = 30,
        /* 10 s: inside Docker's default 10 s stop grace with compose's
         * stop_grace_period raised to 15 s, see docker/compose.yaml. */
        .shutdown_grace_sec = 10,
        /* 0 = 3/4 of the cgroup's memory.max, or of physical RAM without
         * one (server/admit.c): the rest is the process's own code, fonts,
         * FFT plans and the kernel's socket buffers. */
        .max_memory = 0,
        /* 512 MiB: 10 minutes of 48 kHz stereo sound in (230 MB of float
         * samples, plus its features) or a 40 Mpx photo (160 MB of RGBA,
         * as much again while stb works, 160 MB of planes) fit; 10 minutes
         * of 192 kHz do not, whatever the channels. */
        .max_request_memory = 512u << 20,
        /* 30 core-seconds, as estimated before the work (job.h): a 60 s
         * Griffin-Lim resynthesis at 48 kHz costs ~4; 300 s at 192 kHz
         * stereo costs ~200 and is refused. */
        .max_request_cpu = 30,
        /* 120 s of wall clock per conversion: the estimate's backstop;
         * a job past it stops at its next checkpoint. */
        .max_job_sec = 120,
        /* 32 parts: every option once as a form field plus the inputs. */
        .max_parts = 32,
        /* 4 KiB per option value: the longest, a seed or a voice, is 20. */
        .max_field_bytes = 4096,
        /* 64 query arguments: three times the number of options. */
        .max_query_args = 64,
        /* 10 s for the whole header: a phone on a bad link sends it in
         * one round trip; slowloris trickles it forever. */
        .header_timeout_sec = 10,
        /* 1 KiB/s after the first header_timeout_sec of a body: a 2G
         * phone still uploads; a trickle that holds the slot is cut. */
        .min_body_rate = 1024,
        /* 0 = one worker per conversion slot (max_jobs). */
        .decoders = 0,
        /* 10 s: a 40 Mpx progressive JPEG decodes in ~1 s here. */
        .decode_timeout_sec = 10,
        /* 0 = max_request_memory + 256 MiB of library working space. */
        .decoder_memory = 0,
        /* 256 decodes, then a fresh worker (PHP-FPM's pm.max_requests):
         * a leak inside a library cannot accumulate. */
        .decoder_max_decodes = 256,
        /* 64 MiB resident between decodes: a worker that kept more has
         * leaked or fragmented, and is replaced. */
        .decoder_max_rss = 64u << 20,
    };
}
