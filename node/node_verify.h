/* SPDX-License-Identifier: MPL-2.0 */
/* node_verify: a small pool of threads that check the signatures of
   received entries for the replication actor, so that the actor can store
   one batch (and wait for its disk sync) while the next is verified. */
#ifndef NODE_VERIFY_H
#define NODE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include "node_store.h"

/* Jobs come back in the order they were submitted, whatever order their
   parts finish in, so the caller stores batches in arrival order. Each job
   is cut into parts of NODE_VERIFY_PART items that the threads share, so
   one large batch uses every thread. The pool only runs
   node_store_verify_stubs; it never touches a store.

   Threading: submit, next, wait, pending and destroy are called from ONE
   thread (the actor). The pool's file descriptor becomes readable when a
   job may have finished: poll it, then call node_verify_next until NULL. */

#define NODE_VERIFY_PART 256

typedef struct _node_verify_t node_verify_t;

/* A job: the caller fills items, n and sig (room for n results) and keeps
   the job and everything it points to alive until node_verify_next or
   node_verify_wait hands it back. The rest is the pool's.                  */
typedef struct _node_verify_job_t {
    const node_append_t *items;     /* the stubs to check (borrowed)         */
    size_t n;
    proto_reject_t *sig;            /* out: node_store_verify_stubs results  */
    //  Private to the pool.
    size_t parts_left;
    bool done;
    struct _node_verify_job_t *next;
} node_verify_job_t;

/* ------------------------------------------------------------------------
   Start threads (1..16) workers. Returns NULL if they cannot start.        */
node_verify_t *
    node_verify_new (size_t threads);

/* ------------------------------------------------------------------------
   Stop the workers (after the part each is on) and free the pool. Jobs not
   yet handed back are abandoned: the caller frees them.                   */
void
    node_verify_destroy (node_verify_t **self_p);

/* ------------------------------------------------------------------------
   The descriptor to poll for "a job may be done" (read end of a pipe).    */
int
    node_verify_fd (node_verify_t *self);

/* ------------------------------------------------------------------------
   Queue a job (n >= 1).                                                   */
void
    node_verify_submit (node_verify_t *self, node_verify_job_t *job);

/* ------------------------------------------------------------------------
   The oldest job if it is done (removed from the pool), else NULL.
   Drains the descriptor.                                                   */
node_verify_job_t *
    node_verify_next (node_verify_t *self);

/* ------------------------------------------------------------------------
   Block until the oldest job is done and return it; NULL if none queued.  */
node_verify_job_t *
    node_verify_wait (node_verify_t *self);

/* ------------------------------------------------------------------------
   Jobs submitted and not yet handed back.                                 */
size_t
    node_verify_pending (node_verify_t *self);

void
    node_verify_test (bool verbose);

#endif
