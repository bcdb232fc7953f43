/* SPDX-License-Identifier: MPL-2.0 */
/* node_transport: CurveZMQ admission for replication: only members of the
   roster in force may connect (ZAP), and every message is checked again. */
#ifndef NODE_TRANSPORT_H
#define NODE_TRANSPORT_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include "../keys/keys.h"

/* docs/protocol.md §13.3 and §13.9.4. A member's X25519 "box" key
   (card.box_pk) is its CurveZMQ key; the node's own box secret key is
   keys_secret_box_sk.

   Two checks, so that neither alone decides:
   1. ZAP. A zauth actor in CURVE directory mode admits a client only if
      its public key has a cert in cert_dir, which holds one public cert
      per member of the roster in force. The actor is started before any
      socket exists: a libzmq CURVE server with no ZAP handler admits
      every client (fail-open). (Test builds that break this on purpose:
      node_transport.c, "Fault injection".)
   2. node_transport_sender. Every received message's "User-Id" (the
      client's key, Z85, set by ZAP) is looked up in the roster in force.
      libzmq keeps established connections open after a ZAP change, so
      this check is what refuses a removed member's live connection.

   It does not read or write protocol frames, hold sessions, or log the
   frames it checks; the caller (the replication actor) does.

   Process rule: CZMQ has one ZeroMQ context per process and libzmq one
   ZAP endpoint per context, so there can be ONE transport per process
   (zauth would abort on a second). node_transport_new refuses (NULL) if
   any ZAP handler is already bound in the process.

   Threading: a transport and every socket it returns belong to the one
   thread that created it (normally the replication actor). Nothing here
   is thread-safe.

   Sockets: every socket has ZMQ_MAXMSGSIZE = PROTO_WIRE_FRAME_MAX, linger
   0, send and receive high-water marks NODE_TRANSPORT_HWM, heartbeats
   (NODE_TRANSPORT_HEARTBEAT_IVL / _TIMEOUT) and a send timeout of 0: a
   send never blocks; when it would, it fails with EAGAIN and the frame
   is not sent (the sequence rules of §13.7 repair the loss).             */

#define NODE_TRANSPORT_ZAP_DOMAIN "ceptoar"
#define NODE_TRANSPORT_HWM 8           /* messages per peer pipe, each way  */
#define NODE_TRANSPORT_CLOSE_LINGER_MS 200 /* a closed DEALER's queue is
                                              still sent this long         */
#define NODE_TRANSPORT_HEARTBEAT_IVL 10000     /* ms, §13.3                 */
#define NODE_TRANSPORT_HEARTBEAT_TIMEOUT 30000 /* ms, §13.3                 */

typedef struct _node_transport_t node_transport_t;

/* ------------------------------------------------------------------------
   Start admission for roster, with the node's own keys, then create the
   (unbound) ROUTER as a CurveZMQ server. In this order:
     - refuse if a ZAP handler already exists in the process;
     - start zauth;
     - create cert_dir (mode 0700) if missing, or check that it is a
       directory owned by this user (mode set to 0700); write one public
       cert per member ("<box key hex>.cert"), remove every other entry,
       and check that the certs read back;
     - point zauth at cert_dir ("CURVE" command) and wait for it;
     - create the ROUTER (ZAP domain NODE_TRANSPORT_ZAP_DOMAIN, router
       handover off, options above).
   roster and key stay the caller's: the transport copies the members and
   the two box keys (the secret one into libzmq's socket options only).
   cert_dir must be reserved for this transport: anything else in it is
   deleted; a subdirectory in it is an error.
   Returns a new transport (caller destroys), or NULL with a one-line
   reason in err (errlen bytes; err may be NULL if errlen is 0) when: a
   ZAP handler already exists, cert_dir cannot be made, written or read
   back, the roster has no members, or a socket cannot be created. On
   NULL nothing is left running and no socket was ever bound.              */
node_transport_t *
    node_transport_new (const keys_roster_t *roster, const keys_secret_t *key,
                        const char *cert_dir, char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Close every DEALER and the ROUTER, then stop zauth (in that order, so
   no CURVE socket ever runs without its ZAP handler). Sets *self_p to
   NULL; does nothing if it is NULL. The public certs stay in cert_dir.    */
void
    node_transport_destroy (node_transport_t **self_p);

/* ------------------------------------------------------------------------
   Bind the ROUTER to endpoint (e.g. "tcp://127.0.0.1:7001", or
   "tcp://127.0.0.1:*" for an ephemeral port). Returns the port bound for
   a tcp endpoint with '*' (or the given port), 0 for other transports,
   or -1 if the bind failed (errno from libzmq; zmq_strerror explains).    */
int
    node_transport_bind (node_transport_t *self, const char *endpoint);

/* ------------------------------------------------------------------------
   The ROUTER (borrowed; valid until the transport is destroyed). Read
   it, poll it and send replies on it; do not change its options or close
   it.                                                                     */
zsock_t *
    node_transport_router (node_transport_t *self);

/* ------------------------------------------------------------------------
   Connect a DEALER to peer at endpoint, as a CurveZMQ client with the
   node's own box keys and peer->card.box_pk as the server key (so the
   client also authenticates the server). peer must be a member of the
   roster in force (matched by box key); it may point into any roster.
   If this transport already has a DEALER to that peer, endpoint is
   connected on that same socket. Returns the DEALER, borrowed: owned by
   the transport, valid until node_transport_disconnect, a roster change
   that removes the peer, or destroy. Returns NULL if peer is not a
   member of the roster in force, endpoint is refused by libzmq, or the
   socket cannot be made.                                                  */
zsock_t *
    node_transport_connect (node_transport_t *self, const keys_member_t *peer,
                            const char *endpoint);

/* ------------------------------------------------------------------------
   The DEALER to the member with box key box_pk (PROTO_BOXPK_BYTES), or
   NULL if there is none. Borrowed, as for node_transport_connect.         */
zsock_t *
    node_transport_dealer (node_transport_t *self, const uint8_t *box_pk);

/* ------------------------------------------------------------------------
   The monitor of the DEALER to the member with box key box_pk: a PAIR
   socket that becomes readable when that DEALER's connection completes a
   handshake or is lost (ZMQ_EVENT_HANDSHAKE_SUCCEEDED, _DISCONNECTED; a
   dead peer is noticed by the heartbeats, within IVL + TIMEOUT). Read
   each event with node_transport_event. NULL if there is no DEALER.
   Borrowed, with the same lifetime as the DEALER.                         */
#define NODE_TRANSPORT_UP 1     /* a connection completed its handshake     */
#define NODE_TRANSPORT_DOWN 2   /* the connection was lost                  */
zsock_t *
    node_transport_monitor (node_transport_t *self, const uint8_t *box_pk);

/* ------------------------------------------------------------------------
   Read one event from a monitor (node_transport_monitor). Blocks if none
   is waiting: call it when the monitor is readable. Returns
   NODE_TRANSPORT_UP, NODE_TRANSPORT_DOWN, or 0 for any other message.     */
int
    node_transport_event (zsock_t *monitor);

/* ------------------------------------------------------------------------
   Close and forget the DEALER to the member with box key box_pk. Returns
   0, or -1 if there was none. Pointers to that socket become invalid.     */
int
    node_transport_disconnect (node_transport_t *self, const uint8_t *box_pk);

/* ------------------------------------------------------------------------
   The member who sent frame, a frame received on the ROUTER (any part
   except the routing-id frame the ROUTER adds, which carries no
   metadata). Reads zframe_meta (frame, "User-Id"), the client's CURVE key
   in Z85 as set by ZAP, decodes it and looks it up in the roster in
   force. Returns the member (borrowed: the transport's copy, valid until
   the next node_transport_set_roster or destroy), or NULL if the frame
   has no User-Id, it is not a valid Z85 key, or the key is not a
   member's now (e.g. a member removed while its connection stayed open).
   On NULL the caller drops the message, counts it and logs it.           */
const keys_member_t *
    node_transport_sender (node_transport_t *self, zframe_t *frame);

/* ------------------------------------------------------------------------
   Switch to a new roster version (§13.9.4). Rewrites cert_dir and makes
   zauth reload it before returning, so from then on a removed member's
   new handshakes are refused and a new member's admitted; closes every
   DEALER to a removed member; and records the removed members (see
   node_transport_removed). roster stays the caller's (members are
   copied). A member whose box key changed counts as removed (old key)
   and admitted (new key).
   Established ROUTER connections of removed members stay open (libzmq
   does not drop them on a ZAP change); node_transport_sender refuses
   their messages. To end them, the caller closes and re-creates the
   transport (the SHOULD of §13.9.4).
   Returns the number of members removed (0 or more), or -1 if cert_dir
   could not be rewritten or read back, or roster has no members; on -1
   the roster in force (for node_transport_sender) and the DEALERs are
   unchanged, but cert_dir may be partly rewritten, and zauth may read
   it at the next handshake: retry, or destroy the transport.             */
int
    node_transport_set_roster (node_transport_t *self,
                               const keys_roster_t *roster);

/* ------------------------------------------------------------------------
   Members removed by the last successful node_transport_set_roster
   (0 before any). Borrowed copies, valid until the next
   node_transport_set_roster or destroy; index < count, else NULL.         */
size_t
    node_transport_removed_count (node_transport_t *self);
const keys_member_t *
    node_transport_removed (node_transport_t *self, size_t index);

/* ------------------------------------------------------------------------
   Members of the roster in force (the transport's copies; borrowed until
   the next node_transport_set_roster or destroy).                         */
size_t
    node_transport_member_count (node_transport_t *self);
const keys_member_t *
    node_transport_member (node_transport_t *self, size_t index);

void
    node_transport_test (bool verbose);

#endif
