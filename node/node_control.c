/* SPDX-License-Identifier: MPL-2.0 */
/* node_control: endpoint, daemon lock, and the client side of the local
   control protocol. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "node_control.h"

int
node_control_endpoint (const char *dir, char *out, size_t len)
{
    assert (dir);
    char resolved[PATH_MAX];
    if (!realpath (dir, resolved))
        return -1;
    int n = snprintf (out, len, "ipc://%s/%s", resolved, NODE_CONTROL_SOCKET);
    if (n < 0 || (size_t) n >= len
        || strlen (resolved) + 1 + strlen (NODE_CONTROL_SOCKET)
               > NODE_CONTROL_PATH_MAX)
        return -1;
    return 0;
}

int
node_control_lock (const char *dir)
{
    char path[PATH_MAX];
    if (snprintf (path, sizeof path, "%s/%s", dir, NODE_CONTROL_LOCK)
        >= (int) sizeof path)
        return -2;
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -2;
    if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close (fd);
        return busy ? -1 : -2;
    }
    return fd;
}

void
node_control_unlock (int fd)
{
    if (fd >= 0)
        close (fd);   //  closing the descriptor releases the flock
}

bool
node_control_daemon_running (const char *dir)
{
    int fd = node_control_lock (dir);
    if (fd >= 0) {
        node_control_unlock (fd);
        return false;
    }
    return fd == -1;
}

proto_reject_t
node_control_post (const char *dir, proto_level_t level, uint8_t flags,
                   const proto_audience_t *audience, const uint8_t *payload,
                   size_t payload_len, int timeout_ms,
                   uint8_t id[PROTO_HASH_BYTES], char *err, size_t errlen)
{
    char endpoint[PATH_MAX + 16];
    if (node_control_endpoint (dir, endpoint, sizeof endpoint) != 0) {
        snprintf (err, errlen, "the node directory path is too long for the "
                               "control socket");
        return PROTO_REJECT_STORAGE;
    }
    uint8_t audience_bytes[1 + 1 + PROTO_AUDIENCE_MAX_NODES * PROTO_PK_BYTES];
    size_t audience_len = proto_audience_encode (audience, audience_bytes,
                                                 sizeof audience_bytes);
    if (!audience_len) {
        snprintf (err, errlen, "invalid audience");
        return PROTO_REJECT_AUDIENCE;
    }
    zsock_t *sock = zsock_new_dealer (endpoint);
    if (!sock) {
        snprintf (err, errlen, "cannot connect to the node's control socket");
        return PROTO_REJECT_STORAGE;
    }
    zsock_set_linger (sock, 0);
    char level_text[8], flags_text[8];
    snprintf (level_text, sizeof level_text, "%d", (int) level);
    snprintf (flags_text, sizeof flags_text, "%u", (unsigned) flags);
    zsock_send (sock, "sssbb", "POST", level_text, flags_text, audience_bytes,
                audience_len, payload, payload_len);
    zpoller_t *poller = zpoller_new (sock, NULL);
    proto_reject_t result = PROTO_REJECT_STORAGE;
    if (!zpoller_wait (poller, timeout_ms)) {
        snprintf (err, errlen,
                  "the node did not answer within %d ms: the entry may or may "
                  "not be stored; check with 'ceptoar list' before posting "
                  "again", timeout_ms);
        goto done;
    }
    char *status = NULL, *first = NULL, *second = NULL;
    if (zsock_recv (sock, "sss", &status, &first, &second) != 0 || !status) {
        snprintf (err, errlen, "the node sent a malformed reply");
    }
    else if (streq (status, "OK") && first
             && proto_hex_decode (id, PROTO_HASH_BYTES, first) == 0)
        result = PROTO_OK;
    else if (streq (status, "ERROR") && first) {
        char *end = NULL;
        long code = strtol (first, &end, 10);
        //  A reason the daemon sent must be a number; anything else is a
        //  malformed reply, never PROTO_OK.
        result = *first && !*end && code > 0 && code < 1000
                     ? (proto_reject_t) code : PROTO_REJECT_STORAGE;
        snprintf (err, errlen, "%s", second ? second : "");
    }
    else
        snprintf (err, errlen, "the node sent a malformed reply");
    zstr_free (&status);
    zstr_free (&first);
    zstr_free (&second);
done:
    zpoller_destroy (&poller);
    zsock_destroy (&sock);
    return result;
}

zmsg_t *
node_control_call (const char *dir, zmsg_t **request_p, int timeout_ms,
                   char *err, size_t errlen)
{
    assert (request_p && *request_p);
    char endpoint[PATH_MAX + 16];
    if (node_control_endpoint (dir, endpoint, sizeof endpoint) != 0) {
        zmsg_destroy (request_p);
        snprintf (err, errlen, "the node directory path is too long for the "
                               "control socket");
        return NULL;
    }
    zsock_t *sock = zsock_new_dealer (endpoint);
    if (!sock) {
        zmsg_destroy (request_p);
        snprintf (err, errlen, "cannot connect to the node's control socket");
        return NULL;
    }
    zsock_set_linger (sock, 0);
    zmsg_send (request_p, sock);
    zpoller_t *poller = zpoller_new (sock, NULL);
    zmsg_t *reply = NULL;
    if (zpoller_wait (poller, timeout_ms))
        reply = zmsg_recv (sock);
    if (!reply)
        snprintf (err, errlen, "the node did not answer within %d ms",
                  timeout_ms);
    zpoller_destroy (&poller);
    zsock_destroy (&sock);
    return reply;
}
