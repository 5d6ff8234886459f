/* config.c -- every setting in one table: --flag, SYNESTHD_* variable, range, help.
 *
 * Precedence: command-line flag > environment > default.  The limit
 * defaults come from syn_limits_default() (modalities/limits.c, where each
 * carries its reason); the help strings here repeat that reason in short so
 * that --help and GET /v1 can show it.  Accepts sizes with a k/M/G suffix
 * (powers of 1024).  A bad value is a syn_err with SYN_E_BADREQ; the serve
 * command line turns it into a message and exit status 2. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "server.h"

#define LIM(field) (offsetof(srv_config, limits) + offsetof(syn_limits, field))
#define CFG(field) offsetof(srv_config, field)

const srv_cfgdef srv_cfgdefs[] = {
    /* --- server ------------------------------------------------------------ */
    {"bind", "SYNESTHD_BIND", CFG(bind), SRV_CT_STR, 0, sizeof(((srv_config *)0)->bind), 0,
     "address to listen on; 127.0.0.1 so that a demo is not exposed by accident "
     "(the container sets 0.0.0.0)"},
    {"port", "SYNESTHD_PORT", CFG(port), SRV_CT_INT, 0, 65535, 0,
     "TCP port; 8080 is the usual unprivileged HTTP port, 0 picks a free one"},
    {"threads", "SYNESTHD_THREADS", CFG(threads), SRV_CT_INT, 1, 256, 0,
     "libmicrohttpd thread pool size; one per CPU, since conversions run on "
     "their own worker threads"},
    {"static-dir", "SYNESTHD_STATIC_DIR", CFG(static_dir), SRV_CT_STR, 0,
     sizeof(((srv_config *)0)->static_dir), 0,
     "serve the web demo from this directory instead of the embedded copy "
     "(for development: edit and reload)"},
    {"api-key", "SYNESTHD_API_KEY", CFG(api_key), SRV_CT_STR, 0, sizeof(((srv_config *)0)->api_key),
     0,
     "when set, every /v1 request needs 'Authorization: Bearer KEY' (401 otherwise); the "
     "page, /healthz and /metrics stay open; prefer the variable, flags show in ps"},
    /* --- limits (syn_limits) ---------------------------------------------- */
    {"max-body", "SYNESTHD_MAX_BODY", LIM(max_body_bytes), SRV_CT_SIZE, 1, 4.0 * (1u << 30), 1,
     "request body cap in bytes (k/M/G suffix); 32M holds a 12-megapixel JPEG or "
     "3 minutes of 44.1 kHz stereo WAV, and a body is held in memory whole"},
    {"max-pixels", "SYNESTHD_MAX_PIXELS", LIM(max_pixels), SRV_CT_LONG, 1, 1e10, 1,
     "decoded image width x height; 40 Mpx is a large phone photo: 160 MB as RGBA, "
     "480 MB with stb's working space and the planes, inside max-request-memory"},
    {"max-side", "SYNESTHD_MAX_SIDE", LIM(max_side), SRV_CT_INT, 1, 1 << 20, 1,
     "decoded image width or height; 16384 px, below stb_image's own cap"},
    {"max-audio-in", "SYNESTHD_MAX_AUDIO_IN", LIM(max_audio_in_sec), SRV_CT_DBL, 0.001, 86400, 1,
     "decoded audio seconds; 10 minutes is a long recording; memory is bounded by "
     "max-request-memory, surround is mixed to mono as it decodes"},
    {"max-audio-out", "SYNESTHD_MAX_AUDIO_OUT", LIM(max_audio_out_sec), SRV_CT_DBL, 0.001, 86400, 1,
     "generated audio seconds (option duration); 5 minutes is 26 MB of 44.1 kHz WAV"},
    {"min-sample-rate", "SYNESTHD_MIN_SAMPLE_RATE", LIM(min_sample_rate), SRV_CT_INT, 1, 1e6, 1,
     "lowest accepted sample rate; 8 kHz is telephone audio"},
    {"max-sample-rate", "SYNESTHD_MAX_SAMPLE_RATE", LIM(max_sample_rate), SRV_CT_INT, 1, 1e6, 1,
     "highest accepted sample rate; 192 kHz is studio audio"},
    {"max-channels", "SYNESTHD_MAX_CHANNELS", LIM(max_channels), SRV_CT_INT, 1, 256, 1,
     "decoded audio channels; 8 is 7.1, more is a multitrack stem"},
    {"max-out-side", "SYNESTHD_MAX_OUT_SIDE", LIM(max_out_side), SRV_CT_INT, 8, 1 << 16, 1,
     "generated picture width or height; 4096 px, wider than a 4K screen shows nothing more"},
    {"max-jobs", "SYNESTHD_MAX_JOBS", LIM(max_jobs), SRV_CT_INT, 0, 4096, 1,
     "concurrent conversions, 503 beyond; 0 = 2 x CPUs, so that the CPUs stay "
     "busy while one job waits on I/O (memory is bounded by max-memory)"},
    {"max-connections", "SYNESTHD_MAX_CONNECTIONS", LIM(max_connections), SRV_CT_INT, 1, 1e6, 1,
     "open sockets; 512 is far above a demo's needs and far below the fd limit"},
    {"per-ip-connections", "SYNESTHD_PER_IP_CONNECTIONS", LIM(per_ip_connections), SRV_CT_INT, 1,
     1e6, 1, "open sockets per client address; 64 lets wrk -c64 run, one host cannot take all"},
    {"conn-timeout", "SYNESTHD_CONN_TIMEOUT", LIM(conn_timeout_sec), SRV_CT_INT, 1, 86400, 1,
     "seconds of silence inside a body or an answer; 30 s lets a slow phone upload "
     "finish (between requests, header-timeout applies)"},
    {"shutdown-grace", "SYNESTHD_SHUTDOWN_GRACE", LIM(shutdown_grace_sec), SRV_CT_INT, 0, 3600, 1,
     "seconds in-flight requests get after SIGTERM; 10 s fits Docker's stop grace"},
    {"max-memory", "SYNESTHD_MAX_MEMORY", LIM(max_memory), SRV_CT_SIZE, 0, 1e15, 1,
     "bytes that all requests in flight may hold (bodies and estimated conversion memory), "
     "503 + Retry-After beyond; 0 = 3/4 of the cgroup limit or of RAM"},
    {"max-request-memory", "SYNESTHD_MAX_REQUEST_MEMORY", LIM(max_request_memory), SRV_CT_SIZE,
     1 << 20, 1e15, 1,
     "estimated bytes one conversion may use, checked before the work (422 beyond, naming the "
     "option to lower); 512M holds a 40 Mpx photo or 10 minutes of 48 kHz stereo"},
    {"max-request-cpu", "SYNESTHD_MAX_REQUEST_CPU", LIM(max_request_cpu), SRV_CT_DBL, 0.01, 86400,
     1,
     "estimated core-seconds one conversion may use, checked before the work (422 beyond); "
     "30 s allows a minute of 48 kHz Griffin-Lim"},
    {"max-job-sec", "SYNESTHD_MAX_JOB_SEC", LIM(max_job_sec), SRV_CT_DBL, 0.1, 86400, 1,
     "wall-clock deadline of one conversion, the estimate's backstop; it stops at its next "
     "checkpoint"},
    {"max-parts", "SYNESTHD_MAX_PARTS", LIM(max_parts), SRV_CT_INT, 1, 4096, 1,
     "multipart parts and fields in one request, 413 beyond; 32 is every option once plus "
     "the inputs"},
    {"max-field-bytes", "SYNESTHD_MAX_FIELD_BYTES", LIM(max_field_bytes), SRV_CT_SIZE, 16, 1 << 20,
     1,
     "bytes of one option value (form field or query argument), 400 beyond; "
     "the longest real value is about 20"},
    {"max-query-args", "SYNESTHD_MAX_QUERY_ARGS", LIM(max_query_args), SRV_CT_INT, 1, 4096, 1,
     "query-string arguments, 400 beyond; 64 is three times the number of options"},
    {"header-timeout", "SYNESTHD_HEADER_TIMEOUT", LIM(header_timeout_sec), SRV_CT_INT, 1, 3600, 1,
     "seconds for a whole request header; a slow-header (slowloris) client is closed after it"},
    {"min-body-rate", "SYNESTHD_MIN_BODY_RATE", LIM(min_body_rate), SRV_CT_SIZE, 0, 1e12, 1,
     "bytes per second a request body must average after header-timeout seconds; a trickle "
     "is closed, 1k still lets a 2G phone upload"},
    {"decoders", "SYNESTHD_DECODERS", LIM(decoders), SRV_CT_INT, 0, 4096, 1,
     "sandboxed decoder processes; 0 = one per conversion slot (max-jobs)"},
    {"decode-timeout", "SYNESTHD_DECODE_TIMEOUT", LIM(decode_timeout_sec), SRV_CT_DBL, 0.01, 3600,
     1,
     "seconds one decode may take in its sandbox before the worker is killed (422 "
     "decoder_failed); a 40 Mpx JPEG takes about 1"},
    {"decoder-memory", "SYNESTHD_DECODER_MEMORY", LIM(decoder_memory), SRV_CT_SIZE, 0, 1e15, 1,
     "address-space limit (RLIMIT_AS) of a decoder process; 0 = max-request-memory + 256M"},
    {"decoder-max-decodes", "SYNESTHD_DECODER_MAX_DECODES", LIM(decoder_max_decodes), SRV_CT_INT, 1,
     1e9, 1, "decodes before a worker is replaced, so that a library's leak cannot grow"},
    {"decoder-max-rss", "SYNESTHD_DECODER_MAX_RSS", LIM(decoder_max_rss), SRV_CT_SIZE, 1 << 20,
     1e15, 1, "resident bytes a worker may keep between decodes before it is replaced"},
    {0, 0, 0, 0, 0, 0, 0, 0},
};

int srv_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n; /* 256: the --threads maximum */
}

static const srv_cfgdef *find_def(const char *name)
{
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++)
        if (strcmp(d->flag, name) == 0) return d;
    return NULL;
}

/* Parse a number with an optional k/M/G suffix (SIZE only). */
static int parse_number(const srv_cfgdef *d, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v)) return -1;
    if (d->type == SRV_CT_SIZE && *end) {
        switch (*end) {
        case 'k':
        case 'K':
            v *= 1024.0;
            break;
        case 'm':
        case 'M':
            v *= 1024.0 * 1024;
            break;
        case 'g':
        case 'G':
            v *= 1024.0 * 1024 * 1024;
            break;
        default:
            return -1;
        }
        end++;
        if (*end == 'i') /* "32MiB" */
            end++;
        if (*end == 'B') /* "32MB", also read as powers of 1024 */
            end++;
    }
    if (*end) return -1;
    if (d->type != SRV_CT_DBL && v != floor(v)) return -1;
    *out = v;
    return 0;
}

static int set_def(srv_config *c, const srv_cfgdef *d, const char *value, const char *origin,
                   syn_err *e)
{
    void *field = (char *)c + d->offset;
    if (d->type == SRV_CT_STR) {
        if (strlen(value) >= (size_t)d->max)
            return syn_fail(e, SYN_E_BADREQ, "use a shorter value", "%s: value too long", origin);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    double v;
    if (parse_number(d, value, &v) < 0)
        return syn_fail(e, SYN_E_BADREQ,
                        d->type == SRV_CT_SIZE  ? "give bytes, optionally with a k, M or G suffix"
                        : d->type == SRV_CT_DBL ? "give a number"
                                                : "give a whole number",
                        "%s: '%.40s' is not a valid value", origin, value);
    if (v < d->min || v > d->max)
        return syn_fail(e, SYN_E_BADREQ, "see synesthd --help", "%s: %.40s is outside %.17g..%.17g",
                        origin, value, d->min, d->max);
    switch (d->type) {
    case SRV_CT_SIZE:
        *(size_t *)field = (size_t)v;
        break;
    case SRV_CT_LONG:
        *(long *)field = (long)v;
        break;
    case SRV_CT_INT:
        *(int *)field = (int)v;
        break;
    case SRV_CT_DBL:
        *(double *)field = v;
        break;
    case SRV_CT_STR:
        break;
    }
    return 0;
}

int srv_config_init(srv_config *c, syn_err *e)
{
    memset(c, 0, sizeof *c);
    syn_limits_default(&c->limits);
    strcpy(c->bind, "127.0.0.1");
    c->port = 8080;
    c->threads = srv_cpu_count();
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++) {
        const char *v = getenv(d->env);
        if (v && *v && set_def(c, d, v, d->env, e) < 0) return -1;
    }
    return 0;
}

int srv_config_set(srv_config *c, const char *name, const char *value, syn_err *e)
{
    const srv_cfgdef *d = find_def(name);
    if (!d) return 0;
    char origin[64];
    snprintf(origin, sizeof origin, "--%s", d->flag);
    return set_def(c, d, value, origin, e) < 0 ? -1 : 1;
}

int srv_config_finish(srv_config *c, syn_err *e)
{
    syn_limits *l = &c->limits;
    if (l->max_jobs == 0) l->max_jobs = 2 * srv_cpu_count();         /* see the max-jobs help */
    if (l->max_memory == 0) l->max_memory = srv_admit_default_max(); /* see max-memory */
    if (l->max_request_memory > l->max_memory) l->max_request_memory = l->max_memory;
    if (l->decoders == 0) l->decoders = l->max_jobs;
    if (l->decoder_memory == 0) l->decoder_memory = l->max_request_memory + (256u << 20);
    if (l->min_sample_rate > l->max_sample_rate)
        return syn_fail(e, SYN_E_BADREQ, "raise --max-sample-rate or lower --min-sample-rate",
                        "min-sample-rate %d is above max-sample-rate %d", l->min_sample_rate,
                        l->max_sample_rate);
    unsigned char addr[16]; /* room for an IPv6 address */
    if (inet_pton(AF_INET, c->bind, addr) != 1 && inet_pton(AF_INET6, c->bind, addr) != 1)
        return syn_fail(e, SYN_E_BADREQ, "give a numeric address such as 127.0.0.1, 0.0.0.0 or ::1",
                        "--bind: '%.60s' is not an IP address", c->bind);
    return 0;
}

void srv_config_value(const srv_config *c, const srv_cfgdef *d, char *buf, size_t n)
{
    const void *field = (const char *)c + d->offset;
    switch (d->type) {
    case SRV_CT_SIZE:
        snprintf(buf, n, "%zu", *(const size_t *)field);
        break;
    case SRV_CT_LONG:
        snprintf(buf, n, "%ld", *(const long *)field);
        break;
    case SRV_CT_INT:
        snprintf(buf, n, "%d", *(const int *)field);
        break;
    case SRV_CT_DBL:
        snprintf(buf, n, "%g", *(const double *)field);
        break;
    case SRV_CT_STR:
        snprintf(buf, n, "%s", (const char *)field);
        break;
    }
}

double srv_config_number(const srv_config *c, const srv_cfgdef *d)
{
    const void *field = (const char *)c + d->offset;
    switch (d->type) {
    case SRV_CT_SIZE:
        return (double)*(const size_t *)field;
    case SRV_CT_LONG:
        return (double)*(const long *)field;
    case SRV_CT_INT:
        return *(const int *)field;
    case SRV_CT_DBL:
        return *(const double *)field;
    case SRV_CT_STR:
        break;
    }
    return 0;
}

void srv_config_usage(const char *prog)
{
    srv_config c;
    syn_err e;
    if (srv_config_init(&c, &e) < 0) /* show defaults even if the env is bad */
        syn_limits_default(&c.limits);
    printf(
        "usage: %s [--flag value ...]          serve the API and the web demo\n"
        "       %s convert INPUT -o OUTPUT [--option value ...]\n"
        "                                     convert a file without a server\n"
        "                                     (INPUT '-' is stdin; OUTPUT's extension picks\n"
        "                                     the target: png -> image, wav/flac/ogg -> audio)\n\n"
        "Flags override SYNESTHD_* environment variables, which override defaults.\n\n",
        prog, prog);
    for (const srv_cfgdef *d = srv_cfgdefs; d->flag; d++) {
        char v[64];
        srv_config_value(&c, d, v, sizeof v);
        if (d == srv_cfgdefs + 0) printf("Server:\n");
        if (d->is_limit && !d[-1].is_limit) printf("\nLimits:\n");
        printf("  --%-20s %-28s now: %s%s\n      %s\n", d->flag, d->env, *v ? v : "(embedded)",
               strcmp(d->flag, "max-jobs") == 0 && c.limits.max_jobs == 0 ? " (2 x CPUs)" : "",
               d->help);
    }
    printf("\n  --help                 this text\n  --version              print the version\n"
           "\nConversion options (query string, form fields, JSON keys, CLI --name value):\n");
    const syn_optdef *o;
    for (int i = 0; (o = syn_optdef_at(i)); i++)
        printf("  %-12s default %-10s %s\n", o->name, o->def, o->help);
}

static void die2(const char *msg, const char *hint)
{
    fprintf(stderr, "synesthd: %s%s%s%s\n", msg, *hint ? " (" : "", hint, *hint ? ")" : "");
    exit(2);
}

const char *srv_flag_value(int argc, char **argv, int *i, char *name, size_t n)
{
    const char *a = argv[*i] + 2, *eq = strchr(a, '=');
    size_t nl = eq ? (size_t)(eq - a) : strlen(a);
    if (nl >= n) nl = n - 1;
    memcpy(name, a, nl);
    name[nl] = 0;
    if (eq) return eq + 1;
    if (*i + 1 < argc) return argv[++*i];
    return NULL;
}

void srv_config_parse_argv(srv_config *c, int argc, char **argv)
{
    syn_err e;
    if (srv_config_init(c, &e) < 0) die2(e.message, e.hint);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            srv_config_usage(argv[0]);
            exit(0);
        }
        if (strcmp(a, "--version") == 0) {
            printf("synesthd %s\n", SYNESTHD_VERSION);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "synesthd: unexpected argument '%.80s' (see synesthd --help)\n", a);
            exit(2);
        }
        char name[64];
        const char *value = srv_flag_value(argc, argv, &i, name, sizeof name);
        if (!value) {
            fprintf(stderr, "synesthd: --%s needs a value (see synesthd --help)\n", name);
            exit(2);
        }
        int r = srv_config_set(c, name, value, &e);
        if (r == 0) {
            fprintf(stderr, "synesthd: unknown flag --%s (see synesthd --help)\n", name);
            exit(2);
        }
        if (r < 0) die2(e.message, e.hint);
    }
    if (srv_config_finish(c, &e) < 0) die2(e.message, e.hint);
}
