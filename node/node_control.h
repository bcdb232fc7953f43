/* SPDX-License-Identifier: MPL-2.0 */
/* node_control: the local control protocol between the ceptoar CLI and a
   running ceptoard: where the endpoint is, how a client asks, and how the
   CLI knows a daemon is running. */
#ifndef NODE_CONTROL_H
#define NODE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include "../protocol/protocol.h"

/* The control endpoint is ipc://NODEDIR/control.sock; the node directory is
   mode 0700, so only its owner can reach it (file permissions are the
   access control). While ceptoard runs it holds an exclusive lock on
   NODEDIR/ceptoard.lock: a client that finds the lock held talks to the
   daemon, otherwise it may open the store itself. Deciding by the lock, not
   by a timeout, means a request is never sent twice.

   Requests and replies are CZMQ multi-frame messages (docs/operations.md):
     POST level:s flags:s audience:b payload:b  ->  OK id:s (64 hex)
                                                 |  ERROR reason:s text:s
     PING                                       ->  PONG name:s version:s
     PEERS                                      ->  OK json:s
     ROSTER text:b                              ->  OK version:s
                                                 |  ERROR reason:s text:s
     NOTICE text:b                              ->  OK taken|known kind:s
                                                 |  ERROR reason:s text:s

   PEERS answers one JSON object (the daemon also writes it, every few
   seconds and at exit, to NODEDIR/peers.json, mode 0600, so that
   `ceptoar peers` can show the last state of a stopped node):
     { "node": NAME, "roster_version": N, "running": true|false,
       "updated_ms": MS,
       "peers": [ { "name": NAME, "sector": SECTOR, "fingerprint": FPR,
                    "endpoint": "tcp://..." or null,
                    "outgoing": "ready"|"connecting"|"none",
                    "incoming": "ready"|"none",
                    "connected": true|false,   (either direction ready)
                    "last_seen_ms": MS or 0,   (last frame received)
                    "behind": N,     (entries the peer advertised that this
                                      node does not hold)
                    "ahead": N,      (entries this node holds that the peer
                                      did not advertise)
                    "received": N, "sent": N,  (entries)
                    "bytes_in": N, "bytes_out": N,  (frame octets, both
                                      connections, before CurveZMQ)
                    "violations": N, (frames or entries refused from it)
                    "reasons": { REASON-NAME: N, ... } }, ... ],
       "forks": [ { "author": NAME-or-FPR, "seq": N } , ... ] }
   ("running" is true in a live answer, false in the file.)
   ROSTER hands a new roster version to the daemon (`ceptoar roster
   apply`): it is verified as the successor of the version in force,
   saved, switched to and propagated. NOTICE hands in a revocation or a
   card update (`ceptoar roster revoke`, `ceptoar roster card-update`): it
   is verified, saved and pushed to every peer, and takes effect at once.   */

#define NODE_CONTROL_SOCKET "control.sock"
#define NODE_CONTROL_LOCK "ceptoard.lock"
#define NODE_CONTROL_PEERS_FILE "peers.json"
#define NODE_CONTROL_PATH_MAX 100   /* ipc path limit (sun_path) less slack */

/* ------------------------------------------------------------------------
   Write "ipc://<absolute NODEDIR>/control.sock" into out. Returns 0, or -1
   if the directory cannot be resolved or the path is too long for ipc.     */
int
    node_control_endpoint (const char *dir, char *out, size_t len);

/* ------------------------------------------------------------------------
   Take the daemon lock of dir (kept until the process exits or
   node_control_unlock). Returns the lock's file descriptor, -1 if another
   process holds it, -2 on an I/O error.                                     */
int
    node_control_lock (const char *dir);
void
    node_control_unlock (int fd);

/* ------------------------------------------------------------------------
   True if a daemon holds the lock of dir right now.                         */
bool
    node_control_daemon_running (const char *dir);

/* ------------------------------------------------------------------------
   Client side: post through the daemon. Sends one POST and waits up to
   timeout_ms for the reply. Returns PROTO_OK with id filled, the daemon's
   reason, or PROTO_REJECT_STORAGE with err saying the outcome is unknown
   (no reply in time: the entry may or may not have been stored).           */
proto_reject_t
    node_control_post (const char *dir, proto_level_t level, uint8_t flags,
                       const proto_audience_t *audience,
                       const uint8_t *payload, size_t payload_len,
                       int timeout_ms, uint8_t id[PROTO_HASH_BYTES],
                       char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Client side: send request (destroyed; *request_p set to NULL) to the
   daemon of dir and wait up to timeout_ms for the reply. Returns the reply
   (caller destroys), or NULL with a reason in err (no daemon socket, no
   reply in time).                                                          */
zmsg_t *
    node_control_call (const char *dir, zmsg_t **request_p, int timeout_ms,
                       char *err, size_t errlen);

#endif
