/* SPDX-License-Identifier: MPL-2.0 */
/* node_transport: CurveZMQ admission: zauth + certs + ROUTER/DEALERs. */

/* The header tells the contract. Inside, the order of things is the
   security argument:
   - zauth runs before any CURVE socket exists and stops after the last
     one is closed (libzmq admits anyone when no ZAP handler is bound);
   - cert_dir holds exactly the members of the roster in force, and every
     change is followed by an explicit "CURVE" command, which makes zauth
     build a fresh certstore from disk (its own change detection looks at
     file times in whole seconds, counts and sizes, and can miss a change
     of keys inside one second);
   - the node's secret key goes only into libzmq's socket options, never
     into a zcert (zcert keeps it in plain heap memory, unwiped).         */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_transport.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01" /* RFC 27, fixed by libzmq */
#define S_Z85_KEY_LEN 40                         /* Z85 of 32 octets        */
#define S_CERT_SUFFIX ".cert"
#define S_CERT_NAME_MAX (2 * PROTO_BOXPK_BYTES + sizeof S_CERT_SUFFIX)

/* One DEALER to one peer.                                                   */
typedef struct {
    uint8_t box_pk[PROTO_BOXPK_BYTES];  /* the peer's key = server key      */
    zsock_t *sock;                      /* owned                            */
    zsock_t *monitor;                   /* PAIR: sock's events, owned       */
} s_dealer_t;

struct _node_transport_t {
    zactor_t *auth;                     /* zauth; first up, last down       */
    zsock_t *router;                    /* CURVE server, owned              */
    char *cert_dir;                     /* public certs zauth reads         */
    uint8_t box_pk[PROTO_BOXPK_BYTES];  /* own public key                   */
    uint8_t *box_sk;                    /* own secret key, sodium_malloc    */
    keys_member_t *members;             /* roster in force (copies)         */
    size_t member_count;
    keys_member_t *removed;             /* removed by the last switch       */
    size_t removed_count;
    s_dealer_t *dealers;                /* one per connected peer           */
    size_t dealer_count;
    size_t dealer_max;                  /* allocated slots                  */
    unsigned monitors;                  /* made so far, for unique names    */
#ifdef CEPTOAR_FAULT_ZAP_LATE
    int64_t fault_zap_at;               /* TEST BUILD: zauth starts then    */
#endif
#ifdef CEPTOAR_FAULT_NO_USERID_CHECK
    uint8_t fault_claim[PROTO_PK_BYTES]; /* TEST BUILD: last HELLO's key    */
    bool fault_claimed;
#endif
};

#if defined(CEPTOAR_FAULT_NO_USERID_CHECK) && !defined(CEPTOAR_FAULT_ZAP_LATE)
#error "CEPTOAR_FAULT_NO_USERID_CHECK needs CEPTOAR_FAULT_ZAP_LATE"
#endif
#ifdef CEPTOAR_FAULT_ZAP_LATE
static void s_fault_zap_start (node_transport_t *self, bool now);
#endif
#ifdef CEPTOAR_FAULT_NO_USERID_CHECK
static const keys_member_t *s_fault_claimed (node_transport_t *self,
                                             zframe_t *frame);
#endif

/* ------------------------------------------------------------------------
   The member with box key pk in members[0..n), or NULL.                   */
static const keys_member_t *
s_find (const keys_member_t *members, size_t n, const uint8_t *pk)
{
    for (size_t i = 0; i < n; i++)
        if (!memcmp (members[i].card.box_pk, pk, PROTO_BOXPK_BYTES))
            return &members[i];
    return NULL;
}

/* ------------------------------------------------------------------------
   Copy the roster's members that are not revoked into a fresh array; *n
   gets the count.
   Returns NULL if the roster has none or memory runs out.                  */
static keys_member_t *
s_copy_members (const keys_roster_t *roster, size_t *n)
{
    size_t count = keys_roster_member_count (roster);
    *n = 0;
    if (count == 0)
        return NULL;
    keys_member_t *members = calloc (count, sizeof *members);
    if (!members)
        return NULL;
    //  A revoked key is admitted nowhere: ZAP refuses it, and its
    //  messages match no member.
    for (size_t i = 0; i < count; i++) {
        const keys_member_t *m = keys_roster_member (roster, i);
        if (!keys_roster_revoked (roster, m->card.sign_pk))
            members[(*n)++] = *m;
    }
    return members;
}

/* ------------------------------------------------------------------------
   "<64 hex>.cert" for a box key.                                            */
static void
s_cert_name (const uint8_t *pk, char name[S_CERT_NAME_MAX])
{
    for (size_t i = 0; i < PROTO_BOXPK_BYTES; i++)
        snprintf (name + 2 * i, 3, "%02x", pk[i]);
    strcpy (name + 2 * PROTO_BOXPK_BYTES, S_CERT_SUFFIX);
}

/* ------------------------------------------------------------------------
   Create cert_dir 0700, or check an existing one is our own directory
   (not a symlink) and make it 0700. Returns 0 or -1 with reason.           */
static int
s_dir_prepare (const char *dir, char *err, size_t errlen)
{
    if (mkdir (dir, 0700) == 0)
        return 0;
    if (errno != EEXIST) {
        keys_io_error (err, errlen, "cannot create cert directory %s: %s", dir,
                       strerror (errno));
        return -1;
    }
    struct stat st;
    if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        keys_io_error (err, errlen, "cert directory %s is not a directory",
                       dir);
        return -1;
    }
    if (st.st_uid != geteuid ()) {
        keys_io_error (err, errlen, "cert directory %s belongs to another user",
                       dir);
        return -1;
    }
    if (chmod (dir, 0700) != 0) {
        keys_io_error (err, errlen, "cannot set mode 0700 on %s: %s", dir,
                       strerror (errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Make dir hold exactly one public cert per member: write them all first,
   then remove every other entry (so a member who stays is never missing).
   Then read the directory back as zauth will and check every member is
   found. Returns 0 or -1 with reason.                                       */
static int
s_dir_write (const char *dir, const keys_member_t *members, size_t n,
             char *err, size_t errlen)
{
    static const uint8_t zero_sk[PROTO_BOXSK_BYTES];
    char name[S_CERT_NAME_MAX];

    for (size_t i = 0; i < n; i++) {
        s_cert_name (members[i].card.box_pk, name);
        char *path = zsys_sprintf ("%s/%s", dir, name);
        zcert_t *cert = zcert_new_from (members[i].card.box_pk, zero_sk);
        int rc = path && cert ? zcert_save_public (cert, path) : -1;
        zcert_destroy (&cert);
        zstr_free (&path);
        if (rc != 0) {
            keys_io_error (err, errlen, "cannot write the cert of %s in %s",
                           members[i].card.name, dir);
            return -1;
        }
    }
    DIR *d = opendir (dir);
    if (!d) {
        keys_io_error (err, errlen, "cannot read cert directory %s: %s", dir,
                       strerror (errno));
        return -1;
    }
    int result = 0;
    struct dirent *entry;
    while (result == 0 && (entry = readdir (d))) {
        if (!strcmp (entry->d_name, ".") || !strcmp (entry->d_name, ".."))
            continue;
        bool wanted = false;
        for (size_t i = 0; i < n && !wanted; i++) {
            s_cert_name (members[i].card.box_pk, name);
            wanted = !strcmp (entry->d_name, name);
        }
        char *path = zsys_sprintf ("%s/%s", dir, entry->d_name);
        struct stat st;
        if (!path || lstat (path, &st) != 0) {
            keys_io_error (err, errlen, "cannot inspect %s/%s", dir,
                           entry->d_name);
            result = -1;
        }
        else if (S_ISDIR (st.st_mode)) {
            //  zauth loads certs from subdirectories too: we cannot vouch
            //  for them, so refuse rather than admit unknown keys.
            keys_io_error (err, errlen,
                           "cert directory %s holds a subdirectory "
                           "'%s'; remove it",
                           dir, entry->d_name);
            result = -1;
        }
        else if ((!wanted || !S_ISREG (st.st_mode)) && unlink (path) != 0) {
            keys_io_error (err, errlen, "cannot remove stale %s: %s", path,
                           strerror (errno));
            result = -1;
        }
        zstr_free (&path);
    }
    closedir (d);
    if (result != 0)
        return -1;

    //  Read back through zcertstore, exactly as zauth will.
    zcertstore_t *store = zcertstore_new (dir);
    for (size_t i = 0; store && i < n && result == 0; i++) {
        char z85[S_Z85_KEY_LEN + 1];
        zmq_z85_encode (z85, members[i].card.box_pk, PROTO_BOXPK_BYTES);
        if (!zcertstore_lookup (store, z85)) {
            keys_io_error (err, errlen,
                           "the cert of %s does not read back from %s",
                           members[i].card.name, dir);
            result = -1;
        }
    }
    if (!store) {
        keys_io_error (err, errlen, "cannot load certs from %s", dir);
        result = -1;
    }
    zcertstore_destroy (&store);
    return result;
}

/* ------------------------------------------------------------------------
   Make zauth build a fresh certstore from cert_dir now. zauth answers on
   its pipe only after the store is in place, and handles ZAP requests on
   the same thread, so every handshake after this sees the new certs.     */
static int
s_auth_reload (node_transport_t *self)
{
    if (zstr_sendx (self->auth, "CURVE", self->cert_dir, NULL) != 0)
        return -1;
    return zsock_wait (self->auth) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------
   Options every transport socket gets (header: "Sockets"), and the
   node's own CURVE key pair.                                               */
static void
s_set_common (node_transport_t *self, zsock_t *sock)
{
    zsock_set_maxmsgsize (sock, PROTO_WIRE_FRAME_MAX);
    zsock_set_linger (sock, 0);
    zsock_set_sndhwm (sock, NODE_TRANSPORT_HWM);
    zsock_set_rcvhwm (sock, NODE_TRANSPORT_HWM);
    zsock_set_sndtimeo (sock, 0);
    zsock_set_heartbeat_ivl (sock, NODE_TRANSPORT_HEARTBEAT_IVL);
    zsock_set_heartbeat_timeout (sock, NODE_TRANSPORT_HEARTBEAT_TIMEOUT);
    zsock_set_curve_publickey_bin (sock, self->box_pk);
    zsock_set_curve_secretkey_bin (sock, self->box_sk);
}

/* ------------------------------------------------------------------------
   True if some ZAP handler is bound in this process's context already.    */
static bool
s_zap_handler_exists (void)
{
    zsock_t *probe = zsock_new (ZMQ_REP);
    if (!probe)
        return true;            //  cannot tell: treat as taken
    bool exists = zsock_bind (probe, S_ZAP_ENDPOINT) != 0;
    if (!exists)
        zsock_unbind (probe, S_ZAP_ENDPOINT);
    zsock_destroy (&probe);
    return exists;
}

node_transport_t *
node_transport_new (const keys_roster_t *roster, const keys_secret_t *key,
                    const char *cert_dir, char *err, size_t errlen)
{
    assert (roster);
    assert (key);
    assert (cert_dir);

    if (s_zap_handler_exists ()) {
        keys_io_error (err, errlen,
                       "a ZAP handler already runs in this process "
                       "(one transport per process)");
        return NULL;
    }
    node_transport_t *self = calloc (1, sizeof *self);
    if (!self) {
        keys_io_error (err, errlen, "out of memory");
        return NULL;
    }
    memcpy (self->box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
    self->box_sk = sodium_malloc (PROTO_BOXSK_BYTES);
    if (!self->box_sk) {
        keys_io_error (err, errlen, "no secure memory for the key");
        goto fail;
    }
    memcpy (self->box_sk, keys_secret_box_sk (key), PROTO_BOXSK_BYTES);
    self->cert_dir = strdup (cert_dir);
    self->members = s_copy_members (roster, &self->member_count);
    if (!self->cert_dir || !self->members) {
        keys_io_error (err, errlen,
                       "the roster has no members, or out of memory");
        goto fail;
    }
#ifndef CEPTOAR_FAULT_ZAP_LATE
    //  ZAP handler first: a CURVE server without one admits everybody.
    self->auth = zactor_new (zauth, NULL);
    if (!self->auth) {
        keys_io_error (err, errlen, "cannot start zauth");
        goto fail;
    }
#endif
    if (s_dir_prepare (cert_dir, err, errlen) != 0
    ||  s_dir_write (cert_dir, self->members, self->member_count, err,
                     errlen) != 0)
        goto fail;
#ifndef CEPTOAR_FAULT_ZAP_LATE
    if (s_auth_reload (self) != 0) {
        keys_io_error (err, errlen, "zauth did not take the certs in %s",
                       cert_dir);
        goto fail;
    }
#else
    self->fault_zap_at = zclock_mono () + CEPTOAR_FAULT_ZAP_LATE;
    zsys_warning ("node_transport: FAULT INJECTION (test build): no ZAP "
                  "handler for the first %d ms", CEPTOAR_FAULT_ZAP_LATE);
#endif
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->router) {
        keys_io_error (err, errlen, "cannot create the ROUTER socket");
        goto fail;
    }
    s_set_common (self, self->router);
    zsock_set_curve_server (self->router, 1);
    zsock_set_zap_domain (self->router, NODE_TRANSPORT_ZAP_DOMAIN);
    zsock_set_router_handover (self->router, 0);
    //  A reply to a peer that is gone fails (EHOSTUNREACH) instead of
    //  vanishing, so it is counted.
    zsock_set_router_mandatory (self->router, 1);
    if (zsock_curve_server (self->router) != 1
    ||  zsock_maxmsgsize (self->router) != PROTO_WIRE_FRAME_MAX) {
        keys_io_error (err, errlen, "the ROUTER refused its security options");
        goto fail;
    }
    return self;

fail:
    node_transport_destroy (&self);
    return NULL;
}

/* ------------------------------------------------------------------------
   Close a DEALER and its monitor: the monitor is stopped first, so that
   libzmq's closing socket has no event left to deliver to a PAIR that is
   gone.                                                                    */
static void
s_dealer_close (s_dealer_t *dealer)
{
    if (dealer->sock && dealer->monitor)
        zmq_socket_monitor (zsock_resolve (dealer->sock), NULL, 0);
    zsock_destroy (&dealer->monitor);
    //  What was queued just before (a revocation pushed to the member it
    //  revokes, then the transport rebuilt to cut it) still goes out, in
    //  libzmq's I/O thread: the close itself does not wait.
    if (dealer->sock)
        zsock_set_linger (dealer->sock, NODE_TRANSPORT_CLOSE_LINGER_MS);
    zsock_destroy (&dealer->sock);
}

void
node_transport_destroy (node_transport_t **self_p)
{
    assert (self_p);
    node_transport_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->dealer_count; i++)
        s_dealer_close (&self->dealers[i]);
    zsock_destroy (&self->router);
    //  Last: no CURVE socket of ours outlives the ZAP handler.
    zactor_destroy (&self->auth);
    free (self->dealers);
    free (self->members);
    free (self->removed);
    free (self->cert_dir);
    if (self->box_sk)
        sodium_free (self->box_sk);
    free (self);
    *self_p = NULL;
}

int
node_transport_bind (node_transport_t *self, const char *endpoint)
{
    assert (self);
    assert (endpoint);
    return zsock_bind (self->router, "%s", endpoint);
}

zsock_t *
node_transport_router (node_transport_t *self)
{
    assert (self);
#ifdef CEPTOAR_FAULT_ZAP_LATE
    s_fault_zap_start (self, false);
#endif
    return self->router;
}

/* ------------------------------------------------------------------------
   A PAIR that receives sock's connection events: a completed handshake
   and a lost connection. Returns it (caller owns), or NULL.               */
static zsock_t *
s_monitor_new (node_transport_t *self, zsock_t *sock)
{
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://node-transport-%p-%u",
              (void *) self, self->monitors++);
    if (zmq_socket_monitor (zsock_resolve (sock), endpoint,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                | ZMQ_EVENT_DISCONNECTED)
        != 0)
        return NULL;
    zsock_t *monitor = zsock_new (ZMQ_PAIR);
    if (monitor && zsock_connect (monitor, "%s", endpoint) != 0)
        zsock_destroy (&monitor);
    if (monitor)
        zsock_set_linger (monitor, 0);
    return monitor;
}

static s_dealer_t *
s_dealer_find (node_transport_t *self, const uint8_t *box_pk)
{
    for (size_t i = 0; i < self->dealer_count; i++)
        if (!memcmp (self->dealers[i].box_pk, box_pk, PROTO_BOXPK_BYTES))
            return &self->dealers[i];
    return NULL;
}

zsock_t *
node_transport_connect (node_transport_t *self, const keys_member_t *peer,
                        const char *endpoint)
{
    assert (self);
    assert (peer);
    assert (endpoint);
    if (!s_find (self->members, self->member_count, peer->card.box_pk))
        return NULL;            //  only members of the roster in force
    s_dealer_t *dealer = s_dealer_find (self, peer->card.box_pk);
    if (dealer)
        return zsock_connect (dealer->sock, "%s", endpoint) == 0
                   ? dealer->sock : NULL;

    if (self->dealer_count == self->dealer_max) {
        size_t max = self->dealer_max ? 2 * self->dealer_max : 8;
        s_dealer_t *grown = realloc (self->dealers, max * sizeof *grown);
        if (!grown)
            return NULL;
        self->dealers = grown;
        self->dealer_max = max;
    }
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return NULL;
    s_set_common (self, sock);
    zsock_set_curve_serverkey_bin (sock, peer->card.box_pk);
    //  Queue nothing for a peer that is not connected: a send fails at
    //  once (EAGAIN) and the session logic retries HELLO, rather than
    //  delivering stale frames after a reconnect.
    zsock_set_immediate (sock, 1);
    //  Watch the connection from before the connect, so that no event
    //  is missed (13.7: a session restarts when its connection does).
    zsock_t *monitor = s_monitor_new (self, sock);
    if (!monitor || zsock_connect (sock, "%s", endpoint) != 0) {
        zsock_destroy (&sock);
        zsock_destroy (&monitor);
        return NULL;
    }
    dealer = &self->dealers[self->dealer_count++];
    memcpy (dealer->box_pk, peer->card.box_pk, PROTO_BOXPK_BYTES);
    dealer->sock = sock;
    dealer->monitor = monitor;
    return sock;
}

zsock_t *
node_transport_dealer (node_transport_t *self, const uint8_t *box_pk)
{
    assert (self);
    assert (box_pk);
    s_dealer_t *dealer = s_dealer_find (self, box_pk);
    return dealer ? dealer->sock : NULL;
}

zsock_t *
node_transport_monitor (node_transport_t *self, const uint8_t *box_pk)
{
    assert (self);
    assert (box_pk);
    s_dealer_t *dealer = s_dealer_find (self, box_pk);
    return dealer ? dealer->monitor : NULL;
}

int
node_transport_event (zsock_t *monitor)
{
    assert (monitor);
    //  libzmq's monitor message: a frame of a 16-bit event number and a
    //  32-bit value, then a frame with the endpoint.
    zmsg_t *msg = zmsg_recv (monitor);
    zframe_t *head = msg ? zmsg_first (msg) : NULL;
    int event = 0;
    if (head && zframe_size (head) == 6) {
        uint16_t number;
        memcpy (&number, zframe_data (head), sizeof number);
        event = number == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? NODE_TRANSPORT_UP
                : number == ZMQ_EVENT_DISCONNECTED      ? NODE_TRANSPORT_DOWN
                                                        : 0;
    }
    zmsg_destroy (&msg);
    return event;
}

int
node_transport_disconnect (node_transport_t *self, const uint8_t *box_pk)
{
    assert (self);
    assert (box_pk);
    s_dealer_t *dealer = s_dealer_find (self, box_pk);
    if (!dealer)
        return -1;
    s_dealer_close (dealer);
    //  Keep the array dense: move the last one into the hole.
    *dealer = self->dealers[--self->dealer_count];
    return 0;
}

const keys_member_t *
node_transport_sender (node_transport_t *self, zframe_t *frame)
{
    assert (self);
    assert (frame);
    //  ZAP sets User-Id; a frame without it did not pass our handler.
    const char *user_id = zframe_meta (frame, "User-Id");
    uint8_t pk[PROTO_BOXPK_BYTES];
    if (!user_id || strlen (user_id) != S_Z85_KEY_LEN
        || !zmq_z85_decode (pk, user_id)) {
#ifdef CEPTOAR_FAULT_NO_USERID_CHECK
        return s_fault_claimed (self, frame);
#else
        return NULL;
#endif
    }
    //  The roster in force, not the one of the handshake: a removed
    //  member's connection stays open, its messages must not count.
    const keys_member_t *member = s_find (self->members, self->member_count,
                                          pk);
#ifdef CEPTOAR_FAULT_NO_USERID_CHECK
    if (!member)
        member = s_fault_claimed (self, frame);
#endif
    return member;
}

int
node_transport_set_roster (node_transport_t *self,
                           const keys_roster_t *roster)
{
    assert (self);
    assert (roster);
    size_t count;
    keys_member_t *members = s_copy_members (roster, &count);
    keys_member_t *removed = calloc (self->member_count, sizeof *removed);
    if (!members || !removed) {
        free (members);
        free (removed);
        return -1;
    }
#ifdef CEPTOAR_FAULT_ZAP_LATE
    s_fault_zap_start (self, true);
#endif
    if (s_dir_write (self->cert_dir, members, count, NULL, 0) != 0
    ||  s_auth_reload (self) != 0) {
        zsys_error ("node_transport: cannot switch the certs in %s",
                    self->cert_dir);
        free (members);
        free (removed);
        return -1;
    }
    size_t removed_count = 0;
    for (size_t i = 0; i < self->member_count; i++) {
        const uint8_t *pk = self->members[i].card.box_pk;
        if (s_find (members, count, pk))
            continue;
        removed[removed_count++] = self->members[i];
        node_transport_disconnect (self, pk);
    }
    free (self->members);
    self->members = members;
    self->member_count = count;
    free (self->removed);
    self->removed = removed;
    self->removed_count = removed_count;
    return (int) removed_count;
}

size_t
node_transport_removed_count (node_transport_t *self)
{
    assert (self);
    return self->removed_count;
}

const keys_member_t *
node_transport_removed (node_transport_t *self, size_t index)
{
    assert (self);
    return index < self->removed_count ? &self->removed[index] : NULL;
}

size_t
node_transport_member_count (node_transport_t *self)
{
    assert (self);
    return self->member_count;
}

const keys_member_t *
node_transport_member (node_transport_t *self, size_t index)
{
    assert (self);
    return index < self->member_count ? &self->members[index] : NULL;
}

/* ========================================================================
   Fault injection: test builds only. tests/CMakeLists.txt builds
   ceptoard_zap_late (-DCEPTOAR_FAULT_ZAP_LATE=MS) and
   ceptoard_zap_late_nocheck (both defines) from these sources; ceptoard
   and libceptoar_node have none of this (test_fault_zap_late.sh checks
   with nm and strings).
   CEPTOAR_FAULT_ZAP_LATE: the ROUTER runs without a ZAP handler for its
   first MS ms, so libzmq admits any CURVE client (no User-Id); zauth then
   starts at the next node_transport_router call (the server asks for it
   every poll round, at least once a second), or at a roster switch.
   CEPTOAR_FAULT_NO_USERID_CHECK: a frame without a member's User-Id is
   taken to come from the member whose key the last such HELLO named: a
   node that believes what the peer says it is. It shows that the
   User-Id check is what keeps a stranger admitted in the window out.     */

#ifdef CEPTOAR_FAULT_ZAP_LATE
static void
s_fault_zap_start (node_transport_t *self, bool now)
{
    if (self->auth || (!now && zclock_mono () < self->fault_zap_at))
        return;
    self->auth = zactor_new (zauth, NULL);
    assert (self->auth);
    int rc = s_auth_reload (self);
    assert (rc == 0);
    zsys_warning ("node_transport: FAULT INJECTION (test build): ZAP "
                  "handler started");
}
#endif

#ifdef CEPTOAR_FAULT_NO_USERID_CHECK
static const keys_member_t *
s_fault_claimed (node_transport_t *self, zframe_t *frame)
{
    proto_wire_frame_t wire;
    if (proto_wire_decode (&wire, zframe_data (frame), zframe_size (frame))
            == PROTO_OK
        && wire.type == PROTO_WIRE_HELLO) {
        memcpy (self->fault_claim, wire.hello.sign_pk, PROTO_PK_BYTES);
        self->fault_claimed = true;
    }
    for (size_t i = 0; self->fault_claimed && i < self->member_count; i++)
        if (!memcmp (self->members[i].card.sign_pk, self->fault_claim,
                     PROTO_PK_BYTES))
            return &self->members[i];
    return NULL;
}
#endif

/* ========================================================================
   Selftest. One transport (B) per process (see the header), so the other
   members are played by plain CURVE DEALERs built here; B's own DEALER
   (node_transport_connect) talks to B's ROUTER as member B. Loopback only,
   ephemeral ports.                                                        */

#define S_TEST_QUIET_MS 500     /* "nothing arrives" window                 */
#define S_TEST_WAIT_MS 3000     /* upper bound for something that must come */

static void
s_test_card (keys_card_t *card, const char *name, const keys_secret_t *key)
{
    memset (card, 0, sizeof *card);
    strcpy (card->name, name);
    card->sector = PROTO_SECTOR_AIRPORTS;
    memcpy (card->sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    memcpy (card->box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
}

static keys_roster_t *
s_test_roster (const char *const *names, keys_secret_t *const *keys,
               size_t n)
{
    keys_roster_t *roster = keys_roster_new (NULL, 1);
    assert (roster);
    char err[256];
    for (size_t i = 0; i < n; i++) {
        keys_card_t card;
        s_test_card (&card, names[i], keys[i]);
        int rc = keys_roster_add_member (roster, &card, "", err, sizeof err);
        assert (rc == 0);
    }
    return roster;
}

/* A DEALER connected to endpoint: CURVE client with (pk, sk) and the
   server key, or a NULL-mechanism client when pk is NULL.                  */
static zsock_t *
s_test_client (const uint8_t *pk, const uint8_t *sk, const uint8_t *server,
               const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert (sock);
    zsock_set_linger (sock, 0);
    if (pk) {
        zsock_set_curve_publickey_bin (sock, pk);
        zsock_set_curve_secretkey_bin (sock, sk);
        zsock_set_curve_serverkey_bin (sock, server);
    }
    int rc = zsock_connect (sock, "%s", endpoint);
    assert (rc == 0);
    return sock;
}

/* The next message on sock within ms, or NULL.                              */
static zmsg_t *
s_test_recv (zsock_t *sock, int ms)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    assert (poller);
    zmsg_t *msg = zpoller_wait (poller, ms) ? zmsg_recv (sock) : NULL;
    zpoller_destroy (&poller);
    return msg;
}

/* Receive one message on B's ROUTER, check its one content frame is text
   and return the sender node_transport_sender names (may be NULL).        */
static const keys_member_t *
s_test_expect (node_transport_t *t, const char *text)
{
    zmsg_t *msg = s_test_recv (node_transport_router (t), S_TEST_WAIT_MS);
    assert (msg);
    assert (zmsg_size (msg) == 2);            //  routing id + one frame
    zframe_t *content = zmsg_last (msg);
    assert (zframe_streq (content, text));
    const keys_member_t *sender = node_transport_sender (t, content);
    zmsg_destroy (&msg);
    return sender;
}

static void
s_test_expect_nothing (node_transport_t *t)
{
    zmsg_t *msg = s_test_recv (node_transport_router (t), S_TEST_QUIET_MS);
    if (msg) {
        char *text = zframe_strdup (zmsg_last (msg));
        fprintf (stderr, "node_transport: admitted '%s'\n", text);
        free (text);
    }
    assert (!msg);
}

void
node_transport_test (bool verbose)
{
    printf (" * node_transport: ");
    fflush (stdout);

    char scratch[] = "/tmp/node_transport-XXXXXX";
    char *rc_dir = mkdtemp (scratch);
    assert (rc_dir);
    char *cert_dir = zsys_sprintf ("%s/certs", scratch);
    assert (cert_dir);

    keys_secret_t *ka = keys_secret_generate ();
    keys_secret_t *kb = keys_secret_generate ();
    keys_secret_t *kc = keys_secret_generate ();
    keys_secret_t *kx = keys_secret_generate ();     //  never a member
    assert (ka && kb && kc && kx);
    const char *names1[] = { "A", "B", "C" };
    keys_secret_t *keys1[] = { ka, kb, kc };
    keys_roster_t *roster1 = s_test_roster (names1, keys1, 3);
    const char *names2[] = { "B", "C" };
    keys_secret_t *keys2[] = { kb, kc };
    keys_roster_t *roster2 = s_test_roster (names2, keys2, 2);

    //  A stale file in cert_dir must go.
    int rc = mkdir (cert_dir, 0755);
    assert (rc == 0);
    char *stale = zsys_sprintf ("%s/stale.cert", cert_dir);
    FILE *file = fopen (stale, "w");
    assert (file);
    assert (fclose (file) == 0);

    char err[256] = "";
    node_transport_t *t = node_transport_new (roster1, kb, cert_dir, err,
                                              sizeof err);
    if (!t)
        fprintf (stderr, "node_transport: %s\n", err);
    assert (t);
    assert (access (stale, F_OK) != 0);
    struct stat st;
    rc = stat (cert_dir, &st);
    assert (rc == 0 && (st.st_mode & 0777) == 0700);
    assert (node_transport_member_count (t) == 3);
    assert (node_transport_removed_count (t) == 0);

    //  One transport per process: a second is refused, not aborted.
    char *cert_dir2 = zsys_sprintf ("%s/certs2", scratch);
    node_transport_t *t2 = node_transport_new (roster1, ka, cert_dir2, err,
                                               sizeof err);
    assert (!t2);
    assert (strstr (err, "ZAP handler"));

    int port = node_transport_bind (t, "tcp://127.0.0.1:*");
    assert (port > 0);
    char *endpoint = zsys_sprintf ("tcp://127.0.0.1:%d", port);
    const uint8_t *b_pk = keys_secret_box_pk (kb);
    if (verbose)
        printf ("\n   B listens on %s\n", endpoint);

    //  1. Member A connects and is named; B's own DEALER too.
    zsock_t *a_live = s_test_client (keys_secret_box_pk (ka),
                                     keys_secret_box_sk (ka), b_pk, endpoint);
    rc = zstr_send (a_live, "from A");
    assert (rc == 0);
    const keys_member_t *sender = s_test_expect (t, "from A");
    assert (sender && streq (sender->card.name, "A"));

    const keys_member_t *mb = keys_roster_member_by_name (roster1, "B");
    zsock_t *b_dealer = node_transport_connect (t, mb, endpoint);
    assert (b_dealer);
    assert (node_transport_dealer (t, b_pk) == b_dealer);
    //  DEALERs are ZMQ_IMMEDIATE: a send waits for the handshake to end.
    for (int tries = 0; tries < 500; tries++) {
        rc = zstr_send (b_dealer, "from B");
        if (rc == 0)
            break;
        zclock_sleep (10);
    }
    assert (rc == 0);
    sender = s_test_expect (t, "from B");
    assert (sender && streq (sender->card.name, "B"));
    //  B's DEALER's monitor told of the handshake.
    zsock_t *b_monitor = node_transport_monitor (t, b_pk);
    assert (b_monitor);
    zpoller_t *poller = zpoller_new (b_monitor, NULL);
    assert (poller);
    int event = 0;
    while (event != NODE_TRANSPORT_UP && zpoller_wait (poller, S_TEST_WAIT_MS))
        event = node_transport_event (b_monitor);
    zpoller_destroy (&poller);
    assert (event == NODE_TRANSPORT_UP);
    //  Nothing else is waiting.
    zmsg_t *msg = s_test_recv (node_transport_router (t), 0);
    assert (!msg);

    //  Connecting to a non-member is refused.
    keys_card_t x_card;
    s_test_card (&x_card, "X", kx);
    keys_member_t x_member;
    memset (&x_member, 0, sizeof x_member);
    x_member.card = x_card;
    assert (!node_transport_connect (t, &x_member, endpoint));

    //  2. a non-member key, 3. a NULL-mechanism client, 4. A's public
    //  key without A's secret: none gets a message through.
    zsock_t *outsider = s_test_client (keys_secret_box_pk (kx),
                                       keys_secret_box_sk (kx), b_pk,
                                       endpoint);
    zsock_t *plain = s_test_client (NULL, NULL, NULL, endpoint);
    zsock_t *forger = s_test_client (keys_secret_box_pk (ka),
                                     keys_secret_box_sk (kx), b_pk,
                                     endpoint);
    zstr_send (outsider, "from X");
    zstr_send (plain, "from NULL");
    zstr_send (forger, "from forged A");
    s_test_expect_nothing (t);
    zsock_destroy (&outsider);
    zsock_destroy (&plain);
    zsock_destroy (&forger);

    //  5. Roster change removing A. B's DEALER to A (to a wrong server
    //  here; it never completes a handshake) is closed by the switch.
    const keys_member_t *ma = keys_roster_member_by_name (roster1, "A");
    assert (node_transport_connect (t, ma, endpoint));
    assert (node_transport_dealer (t, keys_secret_box_pk (ka)));
    rc = node_transport_set_roster (t, roster2);
    assert (rc == 1);
    assert (node_transport_removed_count (t) == 1);
    assert (streq (node_transport_removed (t, 0)->card.name, "A"));
    assert (!node_transport_removed (t, 1));
    assert (!node_transport_dealer (t, keys_secret_box_pk (ka)));
    assert (node_transport_dealer (t, b_pk) == b_dealer);
    assert (node_transport_member_count (t) == 2);
    assert (!node_transport_connect (t, ma, endpoint));

    //  A's old connection is still open: ZeroMQ delivers, we refuse.
    rc = zstr_send (a_live, "old A");
    assert (rc == 0);
    sender = s_test_expect (t, "old A");
    assert (sender == NULL);
    //  A's new connection: refused at the handshake.
    zsock_t *a_new = s_test_client (keys_secret_box_pk (ka),
                                    keys_secret_box_sk (ka), b_pk, endpoint);
    zstr_send (a_new, "new A");
    s_test_expect_nothing (t);
    zsock_destroy (&a_new);
    zsock_destroy (&a_live);
    //  B still gets through after the switch.
    rc = zstr_send (b_dealer, "B again");
    assert (rc == 0);
    sender = s_test_expect (t, "B again");
    assert (sender && streq (sender->card.name, "B"));

    //  A frame that did not come through ZAP names nobody.
    zframe_t *local = zframe_new ("x", 1);
    assert (!node_transport_sender (t, local));
    zframe_destroy (&local);

    assert (node_transport_disconnect (t, b_pk) == 0);
    assert (node_transport_disconnect (t, b_pk) == -1);
    node_transport_destroy (&t);
    node_transport_destroy (&t);                  //  NULL is fine
    assert (t == NULL);

    //  6. No ZAP-less transport: if the certs cannot be written, there
    //  is no transport at all (a file where the directory should be).
    char *blocker = zsys_sprintf ("%s/file", scratch);
    file = fopen (blocker, "w");
    assert (file);
    assert (fclose (file) == 0);
    char *bad_dir = zsys_sprintf ("%s/certs", blocker);
    err[0] = 0;
    t = node_transport_new (roster1, kb, bad_dir, err, sizeof err);
    assert (!t);
    if (verbose)
        printf ("   refused: %s\n", err);
    assert (strstr (err, "cert directory"));
    //  ... and after that refusal, a good one can start again.
    t = node_transport_new (roster2, kb, cert_dir, err, sizeof err);
    assert (t);
    node_transport_destroy (&t);

    //  Clean up the scratch directory.
    DIR *d = opendir (cert_dir);
    assert (d);
    struct dirent *entry;
    while ((entry = readdir (d))) {
        if (entry->d_name[0] == '.')
            continue;
        char *path = zsys_sprintf ("%s/%s", cert_dir, entry->d_name);
        unlink (path);
        zstr_free (&path);
    }
    closedir (d);
    rc = rmdir (cert_dir);
    assert (rc == 0);
    rc = unlink (blocker);
    assert (rc == 0);
    rc = rmdir (scratch);
    assert (rc == 0);

    zstr_free (&bad_dir);
    zstr_free (&blocker);
    zstr_free (&endpoint);
    zstr_free (&cert_dir2);
    zstr_free (&stale);
    zstr_free (&cert_dir);
    keys_roster_destroy (&roster1);
    keys_roster_destroy (&roster2);
    keys_secret_destroy (&ka);
    keys_secret_destroy (&kb);
    keys_secret_destroy (&kc);
    keys_secret_destroy (&kx);
    printf ("OK\n");
}
