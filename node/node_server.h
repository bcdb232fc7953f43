/* SPDX-License-Identifier: MPL-2.0 */
/* node_server: the actor at the heart of ceptoard: it owns the store (the
   one writer) and serves the local control endpoint. */
#ifndef NODE_SERVER_H
#define NODE_SERVER_H

#include <czmq.h>
#include "../keys/keys.h"
#include "node_dir.h"

/* Start it with zactor_new (node_server_actor, &args). The actor takes
   args.node and args.key (the caller's pointers are cleared) and destroys
   them when it ends. It sets args.started and signals when ready; if it
   could not bind the control endpoint it signals with started false and
   ends. Pipe commands:
     $TERM     end (zactor_destroy sends it)
   With args.replicate, the actor also runs replication (node_repl.h) in
   the same thread, so the store keeps its one writer: sessions with the
   peers, pushes of new posts, catch-up, serving peers' requests.           */
typedef struct {
    node_dir_t *node;            /* opened node directory (handed over)     */
    keys_secret_t *key;          /* the node's secret key (handed over)     */
    bool verbose;                /* log every request                       */
    bool started;                /* set by the actor once it serves         */
    bool replicate;              /* run replication (node_repl) too         */
} node_server_args_t;

void
    node_server_actor (zsock_t *pipe, void *args);

void
    node_server_test (bool verbose);

/* Posts taken from the control socket into one store transaction.           */
#define NODE_SERVER_BATCH_MAX 1024

#endif
