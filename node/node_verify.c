/* SPDX-License-Identifier: MPL-2.0 */
/* node_verify: a pool of threads checking entry signatures, in order. */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_verify.h"

#define S_THREADS_MAX 16

struct _node_verify_t {
    pthread_mutex_t lock;
    pthread_cond_t work;            /* a part is available, or stop          */
    pthread_cond_t finished;        /* a job is done                         */
    pthread_t threads[S_THREADS_MAX];
    size_t thread_count;
    bool stop;
    int pipe_fd[2];                 /* workers write a byte per job done     */
    node_verify_job_t *head;        /* oldest job not handed back            */
    node_verify_job_t *tail;        /* newest                                */
    node_verify_job_t *cursor;      /* job of the next part to hand out      */
    size_t cursor_lo;               /* its first item                        */
    size_t pending;
};

static void *
s_worker (void *arg)
{
    node_verify_t *self = arg;
    pthread_mutex_lock (&self->lock);
    while (true) {
        while (!self->stop && !self->cursor)
            pthread_cond_wait (&self->work, &self->lock);
        if (self->stop)
            break;
        node_verify_job_t *job = self->cursor;
        size_t lo = self->cursor_lo;
        size_t hi = lo + NODE_VERIFY_PART < job->n ? lo + NODE_VERIFY_PART
                                                   : job->n;
        self->cursor_lo = hi;
        if (hi == job->n) {
            self->cursor = job->next;
            self->cursor_lo = 0;
        }
        pthread_mutex_unlock (&self->lock);
        node_store_verify_stubs (job->items + lo, hi - lo, job->sig + lo,
                                 NULL);
        pthread_mutex_lock (&self->lock);
        if (--job->parts_left == 0) {
            job->done = true;
            pthread_cond_broadcast (&self->finished);
            char byte = 1;
            //  The pipe is non-blocking; a full pipe already says "done".
            if (write (self->pipe_fd[1], &byte, 1) < 0 && errno != EAGAIN)
                assert (false);
        }
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

node_verify_t *
node_verify_new (size_t threads)
{
    if (threads < 1 || threads > S_THREADS_MAX)
        return NULL;
    node_verify_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (pipe (self->pipe_fd) != 0) {
        free (self);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl (self->pipe_fd[i], F_SETFL,
               fcntl (self->pipe_fd[i], F_GETFL) | O_NONBLOCK);
        fcntl (self->pipe_fd[i], F_SETFD, FD_CLOEXEC);
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->work, NULL);
    pthread_cond_init (&self->finished, NULL);
    for (size_t i = 0; i < threads; i++) {
        if (pthread_create (&self->threads[i], NULL, s_worker, self) != 0)
            break;
        self->thread_count++;
    }
    if (self->thread_count == 0) {
        node_verify_destroy (&self);
        return NULL;
    }
    return self;
}

void
node_verify_destroy (node_verify_t **self_p)
{
    assert (self_p);
    node_verify_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stop = true;
    pthread_cond_broadcast (&self->work);
    pthread_mutex_unlock (&self->lock);
    for (size_t i = 0; i < self->thread_count; i++)
        pthread_join (self->threads[i], NULL);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->work);
    pthread_cond_destroy (&self->finished);
    close (self->pipe_fd[0]);
    close (self->pipe_fd[1]);
    free (self);
    *self_p = NULL;
}

int
node_verify_fd (node_verify_t *self)
{
    assert (self);
    return self->pipe_fd[0];
}

void
node_verify_submit (node_verify_t *self, node_verify_job_t *job)
{
    assert (self);
    assert (job && job->n >= 1 && job->items && job->sig);
    job->parts_left = (job->n + NODE_VERIFY_PART - 1) / NODE_VERIFY_PART;
    job->done = false;
    job->next = NULL;
    pthread_mutex_lock (&self->lock);
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    if (!self->cursor) {
        self->cursor = job;
        self->cursor_lo = 0;
    }
    self->pending++;
    pthread_cond_broadcast (&self->work);
    pthread_mutex_unlock (&self->lock);
}

//  Take the head job off the list. Called with the lock held.
static node_verify_job_t *
s_pop (node_verify_t *self)
{
    node_verify_job_t *job = self->head;
    self->head = job->next;
    if (!self->head)
        self->tail = NULL;
    job->next = NULL;
    self->pending--;
    return job;
}

node_verify_job_t *
node_verify_next (node_verify_t *self)
{
    assert (self);
    char bytes[64];
    while (read (self->pipe_fd[0], bytes, sizeof bytes) > 0)
        ;
    pthread_mutex_lock (&self->lock);
    node_verify_job_t *job = self->head && self->head->done ? s_pop (self)
                                                            : NULL;
    pthread_mutex_unlock (&self->lock);
    return job;
}

node_verify_job_t *
node_verify_wait (node_verify_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    while (self->head && !self->head->done)
        pthread_cond_wait (&self->finished, &self->lock);
    node_verify_job_t *job = self->head ? s_pop (self) : NULL;
    pthread_mutex_unlock (&self->lock);
    return job;
}

size_t
node_verify_pending (node_verify_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    size_t pending = self->pending;
    pthread_mutex_unlock (&self->lock);
    return pending;
}

//  --------------------------------------------------------------------------
//  Selftest: jobs of many sizes with forged stubs come back in order, each
//  with exactly the results node_store_verify_stubs gives inline.

void
node_verify_test (bool verbose)
{
    (void) verbose;
    printf (" * node_verify: ");
    fflush (stdout);
    uint8_t pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES];
    crypto_sign_keypair (pk, sk);
    enum { N = 1500 };
    uint8_t (*stubs)[PROTO_STUB_MAX] = calloc (N, PROTO_STUB_MAX);
    node_append_t *items = calloc (N, sizeof *items);
    assert (stubs && items);
    for (size_t i = 0; i < N; i++) {
        proto_header_t h;
        memset (&h, 0, sizeof h);
        memcpy (h.author, pk, PROTO_PK_BYTES);
        h.seq = 1;                           /* distinct by time */
        h.timestamp_ms = 1700000000000ULL + i;
        h.level = PROTO_LEVEL_GREEN;
        proto_audience_set_council (&h.audience);
        h.payload_len = 10;
        size_t len = proto_entry_sign (&h, sk, stubs[i], PROTO_STUB_MAX);
        assert (len);
        if (i % 97 == 5)
            stubs[i][len - 1] ^= 1;          /* forged signature           */
        if (i % 211 == 7)
            len -= 3;                        /* truncated stub             */
        items[i].stub = stubs[i];
        items[i].stub_len = len;
    }
    proto_reject_t *expect = calloc (N, sizeof *expect);
    proto_reject_t *got = calloc (N, sizeof *got);
    assert (expect && got);
    node_store_verify_stubs (items, N, expect, NULL);

    node_verify_t *pool = node_verify_new (3);
    assert (pool);
    assert (!node_verify_next (pool) && !node_verify_wait (pool));
    //  Jobs of 1, 255, 256, 257, 700 and the rest, all queued at once.
    const size_t sizes[]
        = { 1, 255, 256, 257, 700, N - 1 - 255 - 256 - 257 - 700 };
    node_verify_job_t jobs[6];
    size_t at = 0;
    for (size_t j = 0; j < 6; j++) {
        memset (&jobs[j], 0, sizeof jobs[j]);
        jobs[j].items = items + at;
        jobs[j].n = sizes[j];
        jobs[j].sig = got + at;
        node_verify_submit (pool, &jobs[j]);
        at += sizes[j];
    }
    assert (at == N);
    assert (node_verify_pending (pool) == 6);
    for (size_t j = 0; j < 6; j++) {
        node_verify_job_t *job = j % 2 ? node_verify_wait (pool) : NULL;
        while (!job)
            job = node_verify_next (pool);
        assert (job == &jobs[j]);          /* in submission order          */
    }
    assert (node_verify_pending (pool) == 0);
    assert (memcmp (expect, got, N * sizeof *got) == 0);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        bad += got[i] != PROTO_OK;
    assert (bad >= N / 97);
    //  A job left queued at destroy is abandoned, not touched after.
    node_verify_job_t left = { items, N, got, 0, false, NULL };
    node_verify_submit (pool, &left);
    node_verify_destroy (&pool);
    assert (!pool);
    free (stubs);
    free (items);
    free (expect);
    free (got);
    printf ("OK\n");
}
