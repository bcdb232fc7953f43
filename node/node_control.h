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
     PING                                       ->  PONG name:s version:s    */

#define NODE_CONTROL_SOCKET "control.sock"
#define NODE_CONTROL_LOCK "ceptoard.lock"
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

#endif
