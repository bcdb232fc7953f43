/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl: replication with the Council's other nodes: sessions, pushes,
   anti-entropy, serving requests, roster propagation (docs/protocol.md
   section 13). */
#ifndef NODE_REPL_H
#define NODE_REPL_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../keys/keys.h"
#include "node_dir.h"

/* The replication engine runs inside the server actor (node_server), in
   the same thread as the store's one writer, and is driven by it: the
   actor polls the sockets node_repl_sockets lists, calls
   node_repl_handle for each readable one, and node_repl_tick when
   node_repl_tick's returned delay has passed. It owns the CurveZMQ
   transport (node_transport): one ROUTER bound to the listen endpoint and
   one DEALER per peer with an endpoint.

   What it does: sessions (HELLO, sequence numbers, restarts), HEADS
   exchange and WANT planning (catch-up from any peer, one peer per
   author at a time, at most PROTO_WIRE_REQUESTS_MAX requests per peer),
   serving WANT and PAYLOADS, pushing this node's new entries, storing
   what arrives (node_store_append_batch), fetching missing payloads,
   roster propagation and switching, fork evidence, per-peer counters.
   What it does not do: decide disclosure (keys_disclosure_payload, called
   for every item it puts in a frame, in s_disclose only), verify entries
   (the store does), or parse the configuration file (node_dir).

   Memory bounds: per peer, at most PROTO_WIRE_REQUESTS_MAX requests and
   one decoded frame at a time; socket queues are bounded by
   NODE_TRANSPORT_HWM messages of at most PROTO_WIRE_FRAME_MAX each;
   at most NODE_REPL_WANTED_MAX payload ids are tracked. A stalled peer
   fills only its own pipe: sends to it fail at once (never block) and
   anti-entropy repairs what was dropped.                                   */

typedef struct _node_repl_t node_repl_t;

#define NODE_REPL_MAX_BATCH PROTO_WIRE_BATCH_MAX  /* our HELLO max-batch    */
#define NODE_REPL_HELLO_RETRY_MS 2000   /* HELLO unanswered: send again      */
#define NODE_REPL_CONNECT_RETRY_MS 50   /* not connected yet: try HELLO again */
#define NODE_REPL_PER_WAKE 32           /* frames per socket per wake-up     */
#define NODE_REPL_REQUESTS_PER_SEC 200  /* requests served per peer, then
                                           ERROR busy                        */
#define NODE_REPL_WANTED_MAX 8192       /* missing payloads tracked          */
#define NODE_REPL_PAYLOAD_RETRY_MS (10 * 60 * 1000) /* ask a peer again     */
#define NODE_REPL_PEERS_FILE_MS 5000    /* peers.json rewritten every        */
#define NODE_REPL_VERIFY_THREADS 2      /* signature checks beside the actor */
#define NODE_REPL_SOCKETS_MAX (1 + 2 * KEYS_ROSTER_MAX_MEMBERS) /* polled    */

/* ------------------------------------------------------------------------
   Start replication for the node (borrowed: must outlive the engine) with
   its secret key (borrowed). Reads from the node's configuration:
     node/listen                   endpoint to bind (default: the first
                                   endpoint of this node's roster card;
                                   none: this node only dials out)
     replication/connect-roster    1 (default): dial every member's card
                                   endpoints; 0: only peers/... below
     peers/NAME/endpoint           dial NAME at this endpoint
     replication/heads-interval-ms anti-entropy period (default 10000)
     replication/requests-per-sec  WANT/PAYLOADS served per peer per
                                   second before ERROR busy (default 200)
     log/level                     error, warning, info (default), debug
   Returns NULL with a reason in err if the transport cannot start or the
   listen endpoint cannot be bound. Caller destroys.                        */
node_repl_t *
    node_repl_new (node_dir_t *node, const keys_secret_t *key, bool verbose,
                   char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Write peers.json a last time, close every socket, stop the transport.   */
void
    node_repl_destroy (node_repl_t **self_p);

/* ------------------------------------------------------------------------
   The sockets to poll for input right now (ROUTER first, then DEALERs,
   then the DEALERs' monitors), at most cap (NODE_REPL_SOCKETS_MAX is
   always enough). The list changes after a roster switch; ask again
   before every poll. Returns the count.                                    */
size_t
    node_repl_sockets (node_repl_t *self, zsock_t **socks, size_t cap);

/* ------------------------------------------------------------------------
   Handle what is waiting on sock (one of node_repl_sockets'), at most
   NODE_REPL_PER_WAKE frames, so that one busy peer cannot starve the
   others.                                                                  */
void
    node_repl_handle (node_repl_t *self, zsock_t *sock);

/* ------------------------------------------------------------------------
   A descriptor to poll as well (ZMQ_POLLIN): readable when received
   entries have been verified by the pool and wait to be stored; then call
   node_repl_verified, which stores them in arrival order.                  */
int
    node_repl_fd (node_repl_t *self);
void
    node_repl_verified (node_repl_t *self);

/* ------------------------------------------------------------------------
   Run what is due (HELLO retries, HEADS, request timeouts, payload
   fetching, peers.json, a pending roster switch). Returns the ms until it
   wants to be called again.                                                */
int
    node_repl_tick (node_repl_t *self);

/* ------------------------------------------------------------------------
   This node just stored its own entries ids[0..n): push them at once to
   every peer with a ready session.                                         */
void
    node_repl_posted (node_repl_t *self, const uint8_t (*ids)[PROTO_HASH_BYTES],
                      size_t n);

/* ------------------------------------------------------------------------
   The operator installed a new roster version (node_dir_apply_roster
   returned 1): the transport and the sessions switch to it at the next
   node_repl_tick (not now: the caller may still hold socket pointers from
   node_repl_sockets), and the peers are told.                              */
void
    node_repl_roster_switched (node_repl_t *self);

/* ------------------------------------------------------------------------
   The operator hands in a notice (a revocation or a card update) that
   keys_notice_parse verified: node_dir_apply_notice saves it, then it is
   pushed to every ready peer, and the sockets are rebuilt (a revoked key
   is cut at once). Returns 1 taken, 0 known already (nothing done), -1
   refused with a reason in err (not a key of the roster, not saved).       */
int
    node_repl_notice (node_repl_t *self, const keys_notice_t *notice,
                      char *err, size_t errlen);

/* ------------------------------------------------------------------------
   The peers report as JSON (schema in node_control.h), fresh string;
   caller frees.                                                            */
char *
    node_repl_peers_json (node_repl_t *self, bool running);

#endif
