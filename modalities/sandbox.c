/* sandbox.c -- sandboxed decoder processes (sandbox.h).
 *
 * The pool: lim->decoders slots, each a worker process spawned from the
 * server's own binary with one end of a SOCK_SEQPACKET socketpair as fd 3.
 * A conversion thread takes an idle worker (spawning one into an empty
 * slot), sends it a JOB with the input in a memfd, and waits: the worker
 * may ask for budget (BUDGET, answered with syn_job_reserve on the waiting
 * thread, whose job it is) and ends with DONE, its planes in a memfd the
 * caller maps read-only.  While it waits, the thread passes checkpoints
 * (syn_job_check) every WAIT_SLICE_MS, so a client that has gone stops
 * the decode too.
 *
 * Failure is the worker's, never the server's: EOF on the socket (a crash,
 * SIGXCPU, a seccomp kill), a decode past decode_timeout_sec (SIGKILL) or
 * a decoder that ran out of its RLIMIT_AS all become SYN_E_DECODER, and the
 * slot is emptied; the next job spawns a fresh worker.
 *
 * The worker (syn_sandbox_worker_main): closes every inherited fd but 0-3,
 * sets RLIMIT_AS and RLIMIT_FSIZE (its memfds), RLIMIT_CORE 0,
 * PR_SET_NO_NEW_PRIVS and PR_SET_PDEATHSIG,
 * then loads a seccomp-bpf allow-list (libseccomp, default: kill the
 * process) of what decoding needs: memory, its socket, memfds.  No open,
 * no socket, no exec, no fork.
 *
 * Test-only: when the worker starts with SYNESTHD_TEST_DECODER_FAULTS=1 in
 * its environment, an input holding "SYNESTHD-TEST-FAULT:" followed by
 * abort, segv, hang, oom, bigfile, leak or syscall makes it misbehave that way, so
 * that the release build's tests can prove each failure is contained. */
#define _GNU_SOURCE /* memfd_create, memmem, mremap, close_range */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "syn/job.h"
#include "syn/modality.h"
#include "syn/sandbox.h"

extern char **environ;

/* How often a waiting thread looks at its job (client gone?): 50 ms is
 * quick for a person and costs nothing. */
#define WAIT_SLICE_MS 50
/* The worker's fd for its socket. */
#define WORKER_FD 3
/* A CPU bound per decode in whole seconds (RLIMIT_CPU's unit), above the
 * wall-clock timeout so that the server's kill, with its clear message,
 * normally comes first. */
#define CPU_SLACK_SEC 2

enum { MSG_JOB = 1, MSG_BUDGET, MSG_BUDGET_REPLY, MSG_DONE };

typedef struct msg_job {
    uint32_t type;
    uint32_t modality; /* index in syn_modalities() */
    syn_iso_req rq;
    uint64_t n;
} msg_job;

typedef struct msg_budget {
    /* cppcheck-suppress unusedStructMember ; read through the union of received messages */
    uint32_t type;
    uint64_t bytes;
    double cpu;
    char what[96];
    char lower[160];
} msg_budget;

typedef struct msg_budget_reply {
    uint32_t type;
    int32_t ok;
    syn_err e;
} msg_budget_reply;

typedef struct msg_done {
    uint32_t type;
    int32_t rc;
    syn_err e;
    long num[SYN_ISO_NUMS];
    char text[SYN_ISO_TEXT];
    uint64_t len;
} msg_done;

/* --- fd passing ------------------------------------------------------------ */

static ssize_t send_msg(int sock, const void *m, size_t len, int fd)
{
    struct iovec iov = {(void *)m, len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&u, 0, sizeof u);
        h.msg_control = u.buf;
        h.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t r;
    do
        r = sendmsg(sock, &h, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r;
}

/* One message into m[cap]; *fd gets a passed descriptor or -1.  Returns
 * its length, 0 on EOF, -1 on error. */
static ssize_t recv_msg(int sock, void *m, size_t cap, int *fd)
{
    struct iovec iov = {m, cap};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr h = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    *fd = -1;
    ssize_t r;
    do
        r = recvmsg(sock, &h, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (*fd < 0)
                *fd = got;
            else
                close(got); /* one descriptor per message, by protocol */
        }
    if (h.msg_flags & MSG_TRUNC) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
        errno = EPROTO;
        return -1;
    }
    return r;
}

/* --- the output buffer: a memfd in a worker, the heap in-process -------------- */

static int in_worker_; /* set in syn_sandbox_worker_main */

void *syn_iso_output(syn_iso_res *r, size_t bytes, syn_err *e)
{
    if (bytes <= r->cap_ && r->buf_) return r->buf_;
    if (bytes == 0) bytes = 1;
    if (!in_worker_) {
        void *nb = realloc(r->buf_, bytes);
        if (!nb) {
            syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for %zu decoded bytes", bytes);
            return NULL;
        }
        r->buf_ = nb;
        r->cap_ = bytes;
        return nb;
    }
    if (r->fd_ < 0 && (r->fd_ = memfd_create("synesthd-planes", MFD_CLOEXEC)) < 0) {
        syn_fail(e, SYN_E_NOMEM, NULL, "cannot make shared memory for the planes");
        return NULL;
    }
    if (ftruncate(r->fd_, (off_t)bytes) < 0) {
        syn_fail(e, SYN_E_NOMEM, NULL, "cannot size shared memory to %zu bytes", bytes);
        return NULL;
    }
    void *nb =
        r->buf_ ? mremap(r->buf_, r->cap_, bytes, MREMAP_MAYMOVE)
                : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd_, 0);
    if (nb == MAP_FAILED) {
        syn_fail(e, SYN_E_NOMEM, NULL, "cannot map %zu bytes of shared memory", bytes);
        return NULL;
    }
    r->buf_ = nb;
    r->cap_ = bytes;
    return nb;
}

int syn_iso_budget(syn_iso_res *r, size_t bytes, double cpu_sec, const char *what,
                   const char *lower, syn_err *e)
{
    if (!in_worker_ || r->chan_ < 0) return syn_job_reserve(bytes, cpu_sec, what, lower, e);
    msg_budget m = {.type = MSG_BUDGET, .bytes = bytes, .cpu = cpu_sec};
    snprintf(m.what, sizeof m.what, "%s", what ? what : "decoding");
    snprintf(m.lower, sizeof m.lower, "%s", lower ? lower : "");
    if (send_msg(r->chan_, &m, sizeof m, -1) != (ssize_t)sizeof m) _exit(0); /* server gone */
    msg_budget_reply rep = {0};
    int fd;
    if (recv_msg(r->chan_, &rep, sizeof rep, &fd) != (ssize_t)sizeof rep ||
        rep.type != MSG_BUDGET_REPLY)
        _exit(0);
    if (fd >= 0) close(fd);
    if (rep.ok) return 0;
    if (e) *e = rep.e;
    return -1;
}

void syn_iso_release(syn_iso_res *res)
{
    if (res->mapped_ && res->data) munmap((void *)res->data, res->len);
    if (!res->mapped_) free(res->buf_);
    if (res->fd_ >= 0) close(res->fd_);
    memset(res, 0, sizeof *res);
    res->fd_ = -1;
    res->chan_ = -1;
}

static void res_init(syn_iso_res *res)
{
    memset(res, 0, sizeof *res);
    res->fd_ = -1;
    res->chan_ = -1;
}

/* --- the pool ----------------------------------------------------------------- */

typedef struct worker {
    pid_t pid; /* 0: empty slot      */
    int sock;  /* our end            */
    int busy;
    int decodes;
} worker;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static worker *pool_;
static int npool_;
static int running_;
static char exe_[512];
static syn_limits lim_;
static struct {
    _Atomic unsigned long decodes, spawned, crashed, timeouts, oom, recycled, cancelled;
} st_;

static int spawn_worker(worker *w, syn_err *e)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return syn_fail(e, SYN_E_INTERNAL, "retry", "cannot make a decoder socket: %s",
                        strerror(errno));
    /* dup2 onto fd 3 clears close-on-exec only if the numbers differ */
    int child = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
    close(sv[1]);
    if (child < 0) {
        close(sv[0]);
        return syn_fail(e, SYN_E_INTERNAL, "retry", "cannot make a decoder socket");
    }
    char as[32], cpu[32], parent[32];
    snprintf(as, sizeof as, "%zu", lim_.decoder_memory);
    snprintf(cpu, sizeof cpu, "%d", (int)lim_.decode_timeout_sec + CPU_SLACK_SEC);
    snprintf(parent, sizeof parent, "%d", (int)getpid());
    char *argv[] = {exe_, (char *)SYN_SANDBOX_WORKER_ARG, as, cpu, parent, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, child, WORKER_FD);
    pid_t pid;
    int err = posix_spawn(&pid, exe_, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(child);
    if (err) {
        close(sv[0]);
        return syn_fail(e, SYN_E_INTERNAL, "retry", "cannot start a decoder process: %s",
                        strerror(err));
    }
    w->pid = pid;
    w->sock = sv[0];
    w->decodes = 0;
    atomic_fetch_add(&st_.spawned, 1);
    return 0;
}

/* A worker told to go (its socket closed) has this long to exit before
 * SIGKILL: an idle one exits at once. */
#define EXIT_WAIT_MS 2000

/* End and reap a worker (sig 0: close its socket and let it exit); its
 * slot becomes empty.  Returns its wait status. */
static int end_worker(worker *w, int sig)
{
    int status = 0;
    if (w->pid > 0) {
        if (sig) kill(w->pid, sig);
        close(w->sock);
        for (int waited = 0;; waited++) {
            pid_t r = waitpid(w->pid, &status, sig ? 0 : WNOHANG);
            if (r == w->pid || (r < 0 && errno != EINTR)) break;
            if (r == 0 && waited * 10 >= EXIT_WAIT_MS) {
                kill(w->pid, SIGKILL);
                sig = SIGKILL; /* and wait for it below */
                continue;
            }
            if (r == 0) usleep(10 * 1000);
        }
    }
    w->pid = 0;
    w->sock = -1;
    w->decodes = 0;
    return status;
}

/* Workers are spawned by one long-lived thread: PR_SET_PDEATHSIG fires when
 * the *thread* that forked the child exits, and conversion threads are
 * short-lived, so a worker they spawned would be killed with them. */
static pthread_mutex_t spawn_call_mu = PTHREAD_MUTEX_INITIALIZER; /* one request at a time */
static pthread_mutex_t spawn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawn_cv = PTHREAD_COND_INITIALIZER;
static struct {
    worker *w; /* to fill; NULL: nothing asked */
    int done, rc, quit;
    syn_err e;
} spawn_req_;
static pthread_t spawner_;
static int spawner_up_;

static void *spawner_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&spawn_mu);
    for (;;) {
        while (!spawn_req_.w && !spawn_req_.quit)
            pthread_cond_wait(&spawn_cv, &spawn_mu);
        if (spawn_req_.quit) break;
        spawn_req_.rc = spawn_worker(spawn_req_.w, &spawn_req_.e);
        spawn_req_.w = NULL;
        spawn_req_.done = 1;
        pthread_cond_broadcast(&spawn_cv);
    }
    pthread_mutex_unlock(&spawn_mu);
    return NULL;
}

/* spawn_worker() on the spawner thread. */
static int respawn(worker *w, syn_err *e)
{
    pthread_mutex_lock(&spawn_call_mu);
    pthread_mutex_lock(&spawn_mu);
    spawn_req_.w = w;
    spawn_req_.done = 0;
    pthread_cond_broadcast(&spawn_cv);
    while (!spawn_req_.done)
        pthread_cond_wait(&spawn_cv, &spawn_mu);
    int rc = spawn_req_.rc;
    if (rc < 0 && e) *e = spawn_req_.e;
    pthread_mutex_unlock(&spawn_mu);
    pthread_mutex_unlock(&spawn_call_mu);
    return rc;
}

int syn_sandbox_start(const char *exe, const syn_limits *lim, syn_err *e)
{
    if (running_) return 0;
    lim_ = *lim;
    snprintf(exe_, sizeof exe_, "%s", exe);
    npool_ = lim->decoders > 0 ? lim->decoders : 1;
    pool_ = calloc((size_t)npool_, sizeof *pool_);
    if (!pool_) return syn_fail(e, SYN_E_NOMEM, NULL, "out of memory for the decoder pool");
    spawn_req_.quit = 0;
    if (pthread_create(&spawner_, NULL, spawner_main, NULL) != 0) {
        free(pool_);
        pool_ = NULL;
        return syn_fail(e, SYN_E_INTERNAL, NULL, "cannot start the decoder spawner thread");
    }
    spawner_up_ = 1;
    for (int i = 0; i < npool_; i++) {
        pool_[i].sock = -1;
        if (respawn(&pool_[i], e) < 0) {
            syn_sandbox_stop();
            return -1;
        }
    }
    running_ = 1;
    return 0;
}

void syn_sandbox_stop(void)
{
    pthread_mutex_lock(&pool_mu);
    for (int i = 0; i < npool_; i++)
        if (pool_[i].pid > 0 && !pool_[i].busy) end_worker(&pool_[i], 0); /* EOF: it exits */
    int busy = 0;
    for (int i = 0; i < npool_; i++)
        busy += pool_[i].busy;
    if (!busy) { /* else a decode still runs: leave its worker to it */
        free(pool_);
        pool_ = NULL;
        npool_ = 0;
    }
    running_ = 0;
    pthread_mutex_unlock(&pool_mu);
    if (spawner_up_) {
        pthread_mutex_lock(&spawn_mu);
        spawn_req_.quit = 1;
        pthread_cond_broadcast(&spawn_cv);
        pthread_mutex_unlock(&spawn_mu);
        pthread_join(spawner_, NULL);
        spawner_up_ = 0;
    }
}

int syn_sandbox_running(void)
{
    return running_;
}

void syn_sandbox_get_stats(syn_sandbox_stats *s)
{
    s->decodes = atomic_load(&st_.decodes);
    s->spawned = atomic_load(&st_.spawned);
    s->crashed = atomic_load(&st_.crashed);
    s->timeouts = atomic_load(&st_.timeouts);
    s->oom = atomic_load(&st_.oom);
    s->recycled = atomic_load(&st_.recycled);
    s->cancelled = atomic_load(&st_.cancelled);
    int alive = 0;
    pthread_mutex_lock(&pool_mu);
    for (int i = 0; i < npool_; i++)
        alive += pool_[i].pid > 0;
    pthread_mutex_unlock(&pool_mu);
    s->workers = alive;
}

static worker *acquire(syn_err *e)
{
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        worker *empty = NULL;
        for (int i = 0; i < npool_; i++) {
            if (pool_[i].busy) continue;
            if (pool_[i].pid > 0) {
                pool_[i].busy = 1;
                pthread_mutex_unlock(&pool_mu);
                return &pool_[i];
            }
            if (!empty) empty = &pool_[i];
        }
        if (empty) {
            empty->busy = 1;
            pthread_mutex_unlock(&pool_mu);
            if (respawn(empty, e) < 0) {
                pthread_mutex_lock(&pool_mu);
                empty->busy = 0;
                pthread_cond_signal(&pool_cv);
                pthread_mutex_unlock(&pool_mu);
                return NULL;
            }
            return empty;
        }
        pthread_cond_wait(&pool_cv, &pool_mu); /* more threads than workers */
    }
}

/* Resident bytes of a worker, from /proc (0 if unknown). */
static size_t worker_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    unsigned long size = 0, res = 0;
    int ok = fscanf(f, "%lu %lu", &size, &res) == 2;
    fclose(f);
    return ok ? (size_t)res * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Give a worker back.  One that failed, or is due for recycling, is
 * replaced now, so that the next request finds a warm worker (a failed
 * spawn leaves the slot empty; acquire() tries again). */
static void release(worker *w, int healthy)
{
    int replace = !healthy;
    if (healthy) {
        w->decodes++;
        if (w->decodes >= lim_.decoder_max_decodes || worker_rss(w->pid) > lim_.decoder_max_rss) {
            end_worker(w, 0);
            atomic_fetch_add(&st_.recycled, 1);
            replace = 1;
        }
    } else if (w->pid > 0) {
        end_worker(w, SIGKILL);
    }
    if (replace && running_) respawn(w, NULL);
    pthread_mutex_lock(&pool_mu);
    w->busy = 0;
    pthread_cond_signal(&pool_cv);
    pthread_mutex_unlock(&pool_mu);
}

static double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int input_memfd(const uint8_t *p, size_t n)
{
    int fd = memfd_create("synesthd-input", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return fd;
}

static int modality_index(const syn_modality *m)
{
    const syn_modality *const *t = syn_modalities();
    for (int i = 0; t[i]; i++)
        if (t[i] == m) return i;
    return -1;
}

/* The worker died: say how, in words a client can use. */
static int died(const syn_modality *m, int status, syn_err *e)
{
    atomic_fetch_add(&st_.crashed, 1);
    const char *hint = "the file is damaged or hostile; send another file";
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGXCPU)
            return syn_fail(e, SYN_E_DECODER, hint,
                            "the %s decoder ran past its CPU bound on this input and was stopped",
                            m->name);
        if (sig == SIGXFSZ)
            return syn_fail(e, SYN_E_DECODER, hint,
                            "the %s decoder's output grew past --decoder-memory on this input "
                            "and was stopped",
                            m->name);
        if (sig == SIGSYS)
            return syn_fail(e, SYN_E_DECODER, hint,
                            "the %s decoder made a forbidden system call on this input and was "
                            "stopped by its sandbox",
                            m->name);
        return syn_fail(e, SYN_E_DECODER, hint, "the %s decoder crashed on this input (%s)",
                        m->name, sigabbrev_np(sig) ? sigabbrev_np(sig) : "signal");
    }
    return syn_fail(e, SYN_E_DECODER, hint, "the %s decoder stopped on this input (exit status %d)",
                    m->name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int run_in_worker(const syn_modality *m, const uint8_t *p, size_t n, const syn_iso_req *rq,
                         syn_iso_res *res, syn_err *e)
{
    int idx = modality_index(m);
    if (idx < 0) return syn_fail(e, SYN_E_INTERNAL, NULL, "decode of an unregistered modality");
    int in = input_memfd(p, n);
    if (in < 0)
        return syn_fail(e, SYN_E_NOMEM, "retry later", "cannot copy the input to its decoder");
    msg_job job = {.type = MSG_JOB, .modality = (uint32_t)idx, .rq = *rq, .n = n};
    worker *w = NULL;
    for (int attempt = 0;; attempt++) {
        if (!(w = acquire(e))) {
            close(in);
            return -1;
        }
        if (send_msg(w->sock, &job, sizeof job, in) == (ssize_t)sizeof job) break;
        release(w, 0); /* it had died while idle (killed from outside): a fresh one */
        if (attempt == 1) {
            close(in);
            return syn_fail(e, SYN_E_INTERNAL, "retry", "no decoder process would take the job");
        }
    }
    close(in);
    atomic_fetch_add(&st_.decodes, 1);
    double deadline = mono_now() + lim_.decode_timeout_sec;
    for (;;) {
        double left = deadline - mono_now();
        if (left <= 0) {
            end_worker(w, SIGKILL);
            release(w, 0);
            atomic_fetch_add(&st_.timeouts, 1);
            return syn_fail(e, SYN_E_DECODER, "the file is damaged or hostile; send another file",
                            "the %s decoder took longer than %g s (--decode-timeout) on this "
                            "input and was stopped",
                            m->name, lim_.decode_timeout_sec);
        }
        int ms = left * 1000 < WAIT_SLICE_MS ? (int)(left * 1000) + 1 : WAIT_SLICE_MS;
        struct pollfd pf = {.fd = w->sock, .events = POLLIN};
        int pr = poll(&pf, 1, ms);
        if (pr < 0 && errno != EINTR) break;
        if (pr <= 0) {
            if (syn_job_check(e) < 0) { /* the client has gone: so does the decode */
                end_worker(w, SIGKILL);
                release(w, 0);
                atomic_fetch_add(&st_.cancelled, 1);
                return -1;
            }
            continue;
        }
        union {
            msg_budget b;
            msg_done d;
            uint32_t type;
        } u;
        int fd;
        ssize_t r = recv_msg(w->sock, &u, sizeof u, &fd);
        if (r <= 0) break; /* EOF: it died */
        if (u.type == MSG_BUDGET && r == (ssize_t)sizeof u.b) {
            msg_budget_reply rep = {.type = MSG_BUDGET_REPLY, .ok = 1};
            u.b.what[sizeof u.b.what - 1] = 0;
            u.b.lower[sizeof u.b.lower - 1] = 0;
            if (syn_job_reserve(u.b.bytes, u.b.cpu, u.b.what, u.b.lower, &rep.e) < 0) rep.ok = 0;
            if (fd >= 0) close(fd);
            if (send_msg(w->sock, &rep, sizeof rep, -1) != (ssize_t)sizeof rep) break;
            continue;
        }
        if (u.type != MSG_DONE || r != (ssize_t)sizeof u.d) {
            if (fd >= 0) close(fd);
            break; /* not our protocol: treat as a dead worker */
        }
        msg_done *d = &u.d;
        d->text[SYN_ISO_TEXT - 1] = 0;
        memcpy(res->num, d->num, sizeof res->num);
        memcpy(res->text, d->text, sizeof res->text);
        if (d->rc < 0) {
            if (fd >= 0) close(fd);
            if (e) *e = d->e;
            if (d->e.kind == SYN_E_DECODER) atomic_fetch_add(&st_.oom, 1);
            release(w, 1);
            return -1;
        }
        if (d->len) {
            struct stat sb;
            void *mp = MAP_FAILED;
            if (fd >= 0 && fstat(fd, &sb) == 0 && (uint64_t)sb.st_size >= d->len)
                mp = mmap(NULL, (size_t)d->len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
            if (mp == MAP_FAILED) {
                if (fd >= 0) close(fd);
                release(w, 0);
                return syn_fail(e, SYN_E_DECODER, "retry",
                                "the %s decoder's planes could not be mapped", m->name);
            }
            res->data = mp;
            res->len = (size_t)d->len;
            res->mapped_ = 1;
            res->fd_ = fd;
        } else if (fd >= 0) {
            close(fd);
        }
        release(w, 1);
        return 0;
    }
    int status = end_worker(w, SIGKILL);
    release(w, 0);
    return died(m, status, e);
}

int syn_isolate(const syn_modality *m, const uint8_t *p, size_t n, const syn_iso_req *rq,
                syn_iso_res *res, syn_err *e)
{
    res_init(res);
    if (!m->isolated) return syn_fail(e, SYN_E_INTERNAL, NULL, "%s has no decoder", m->name);
    if (running_ && !in_worker_) return run_in_worker(m, p, n, rq, res, e);
    int rc = m->isolated(p, n, rq, res, e);
    if (rc == 0 && res->buf_) res->data = res->buf_;
    return rc;
}

/* --- the worker ------------------------------------------------------------------ */

/* What decoding needs after set-up.  Memory: mmap family and brk (malloc),
 * mprotect (glibc arenas), madvise (free); the socket: recvmsg/sendmsg;
 * planes: memfd_create, ftruncate, fstat; clocks and rusage for bounds;
 * futex for the libraries' locks; rt_sigreturn and the abort() path
 * (rt_sigprocmask, tgkill, getpid, gettid).  sysinfo: glibc's qsort asks
 * it for the physical memory before sorting a large array in a buffer
 * (libvorbis sorts its codebooks: every Ogg Vorbis file); it only reads.
 * prlimit64 only on itself, to move the soft CPU bound per decode. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(close),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(memfd_create),
    SCMP_SYS(ftruncate),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(futex),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(getrusage),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(tgkill),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getrandom),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sysinfo),
#if defined(__SANITIZE_ADDRESS__)
    /* ASan/LSan: reports, symbolisation and the leak check at exit (a
     * tracer thread that stops the world).  Sanitizer builds only. */
    SCMP_SYS(openat),
    SCMP_SYS(open),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(prctl),
    SCMP_SYS(clone),
    SCMP_SYS(clone3),
    SCMP_SYS(ptrace),
    SCMP_SYS(wait4),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(getppid),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(pipe2),
    SCMP_SYS(dup2),
    SCMP_SYS(execve),
    SCMP_SYS(mincore),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(getdents64),
    SCMP_SYS(kill),
    SCMP_SYS(pread64),
    SCMP_SYS(uname),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(setrlimit),
#endif
};

static int load_filter(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return -1;
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0]; i++)
        if (allowed_syscalls[i] >= 0) /* __NR_SCMP_ERROR: unknown on this arch */
            rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
    /* prlimit64(0, RLIMIT_CPU, ...) only: itself, its CPU bound */
    const struct scmp_arg_cmp self_cpu[2] = {
        {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0},
        {.arg = 1, .op = SCMP_CMP_EQ, .datum_a = RLIMIT_CPU, .datum_b = 0}};
    rc |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, self_cpu);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

static int faults_; /* SYNESTHD_TEST_DECODER_FAULTS=1 at start */
static size_t as_limit_;

/* 1: fail the decode as out of memory (the "oom" fault, after it has
 * allocated up to the address-space limit). */
static int test_fault(const uint8_t *p, size_t n)
{
    static const char tag[] = "SYNESTHD-TEST-FAULT:";
    const uint8_t *f = memmem(p, n, tag, sizeof tag - 1);
    if (!f) return 0;
    const char *what = (const char *)f + sizeof tag - 1;
    size_t left = n - (size_t)(f - p) - (sizeof tag - 1);
#define IS(w) (left >= sizeof w - 1 && memcmp(what, w, sizeof w - 1) == 0)
    if (IS("abort")) abort();
    if (IS("segv")) raise(SIGSEGV);
    if (IS("hang"))
        for (volatile unsigned long i = 0;; i++)
            ;
    if (IS("syscall")) { /* a forbidden one (a network socket): the filter kills the process */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) close(fd);
    }
    if (IS("bigfile")) { /* shared memory that is never mapped, past the limit */
        int fd = memfd_create("synesthd-fault", 0);
        static char chunk[1 << 16];
        for (size_t got = 0; fd >= 0 && got < ((size_t)4 << 30); got += sizeof chunk)
            if (write(fd, chunk, sizeof chunk) < 0) break;
    }
    if (IS("leak")) { /* 8 MiB that nobody frees, touched so that it is resident */
        void *q = malloc(8u << 20);
        if (q) memset(q, 1, 8u << 20);
        /* cppcheck-suppress memleak ; the "leak" fault leaks on purpose */
    }
    if (IS("oom")) { /* allocate until the address-space limit says no */
        size_t got = 0;
        for (;;) {
            void *q = malloc(16u << 20);
            if (!q) break;
            memset(q, 1, 16u << 20);
            got += 16u << 20;
            if (as_limit_ == 0 && got > (1u << 30)) break; /* no limit (ASan): stop at 1 GiB */
        }
        return 1;
    }
#undef IS
    return 0;
}

int syn_sandbox_worker_main(int argc, char **argv)
{
    in_worker_ = 1;
    int sock = WORKER_FD;
    as_limit_ = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
    rlim_t cpu = argc > 3 ? (rlim_t)strtoul(argv[3], NULL, 10) : 12;
    faults_ = getenv("SYNESTHD_TEST_DECODER_FAULTS") &&
              strcmp(getenv("SYNESTHD_TEST_DECODER_FAULTS"), "1") == 0;
    /* Nothing of the server's but our socket and stdio. */
    if (close_range(WORKER_FD + 1, ~0u, 0) < 0)
        for (int fd = WORKER_FD + 1; fd < 1024; fd++)
            close(fd);
    signal(SIGPIPE, SIG_IGN);
    /* Never outlive the server.  It may have died before the signal was
     * armed: then our parent is no longer the pid it gave us (not "is 1":
     * in a container the server itself is pid 1). */
    pid_t server = argc > 4 ? (pid_t)strtol(argv[4], NULL, 10) : 0;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (server > 0 && getppid() != server) return 0;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
#if !defined(__SANITIZE_ADDRESS__) /* ASan reserves terabytes of shadow */
    if (as_limit_) {
        rl.rlim_cur = rl.rlim_max = as_limit_;
        setrlimit(RLIMIT_AS, &rl);
    }
#endif
    /* memfd pages are not address space until mapped: bound their size too
     * (SIGXFSZ past it), so that planes cannot grow beyond the same limit */
    if (as_limit_) {
        rl.rlim_cur = rl.rlim_max = as_limit_;
        setrlimit(RLIMIT_FSIZE, &rl);
    }
    if (load_filter() < 0) {
        fprintf(stderr, "synesthd decode-worker: cannot load its seccomp filter\n");
        return 1;
    }
    const syn_modality *const *mods = syn_modalities();
    int nmods = 0;
    while (mods[nmods])
        nmods++;
    for (;;) {
        msg_job job = {0};
        int in;
        ssize_t r = recv_msg(sock, &job, sizeof job, &in);
#if defined(__SANITIZE_ADDRESS__)
        /* LeakSanitizer's exit check stops the world with ptrace, which the
         * filter forbids: a sanitizer build's worker leaves without it (the
         * fuzzers check the same decoders for leaks in-process). */
        if (r <= 0) _exit(0);
#endif
        /* cppcheck-suppress duplicateCondition ; the one above exists only under ASan */
        if (r <= 0) return 0; /* the server closed: done */
        msg_done d;
        memset(&d, 0, sizeof d);
        d.type = MSG_DONE;
        syn_iso_res res;
        res_init(&res);
        res.chan_ = sock;
        const uint8_t *p = NULL;
        if (r != (ssize_t)sizeof job || job.type != MSG_JOB || in < 0 ||
            job.modality >= (uint32_t)nmods || !mods[job.modality]->isolated) {
            d.rc = syn_fail(&d.e, SYN_E_INTERNAL, NULL, "decoder protocol error");
        } else if (job.n > 0 &&
                   (p = mmap(NULL, (size_t)job.n, PROT_READ, MAP_PRIVATE, in, 0)) == MAP_FAILED) {
            p = NULL;
            d.rc = syn_fail(&d.e, SYN_E_NOMEM, NULL, "the decoder cannot map its input");
        } else {
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            struct rlimit c = {(rlim_t)ru.ru_utime.tv_sec + (rlim_t)ru.ru_stime.tv_sec + cpu,
                               RLIM_INFINITY};
            setrlimit(RLIMIT_CPU, &c);
            if (faults_ && test_fault(p, (size_t)job.n))
                d.rc = syn_fail(&d.e, SYN_E_NOMEM, NULL, "malloc failed (test fault)");
            else
                d.rc = mods[job.modality]->isolated(p, (size_t)job.n, &job.rq, &res, &d.e);
        }
        if (p) munmap((void *)p, (size_t)job.n);
        if (in >= 0) close(in);
        if (d.rc < 0 && d.e.kind == SYN_E_NOMEM) {
            char why[sizeof d.e.message];
            snprintf(why, sizeof why, "%s", d.e.message);
            syn_fail(&d.e, SYN_E_DECODER, "send a smaller file, or raise --decoder-memory",
                     "the %s decoder ran out of its memory (--decoder-memory %zu MB) on this "
                     "input: %.120s",
                     job.modality < (uint32_t)nmods ? mods[job.modality]->name : "?",
                     as_limit_ >> 20, why);
        }
        memcpy(d.num, res.num, sizeof d.num);
        memcpy(d.text, res.text, sizeof d.text);
        int out = -1;
        if (d.rc == 0 && res.buf_) {
            d.len = res.len;
            munmap(res.buf_, res.cap_);
            if (ftruncate(res.fd_, (off_t)res.len) == 0) out = res.fd_;
        }
        if (send_msg(sock, &d, sizeof d, out) != (ssize_t)sizeof d) return 0;
        if (res.fd_ >= 0) close(res.fd_);
    }
}
