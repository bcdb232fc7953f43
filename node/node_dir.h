/* SPDX-License-Identifier: MPL-2.0 */
/* node_dir: a node directory: its configuration (ZPL), key file, roster in
   force and store, opened together. */
#ifndef NODE_DIR_H
#define NODE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <czmq.h>
#include "../keys/keys.h"
#include "node_store.h"

/* Layout of NODEDIR (docs/operations.md):
       ceptoard.cfg   configuration in ZPL (CZMQ's zconfig format)
       node.key       the node's secret key file (copy, mode 0600)
       roster         the roster in force, with its signatures
       notices        revocations and card updates held (keys_notice)
       store/         the LMDB environment (data.mdb, lock.mdb)
   The directory is mode 0700: it holds the secret key, the store and,
   later, the control socket whose permissions guard the node.              */

#define NODE_DIR_CONFIG "ceptoard.cfg"
#define NODE_DIR_KEY "node.key"
#define NODE_DIR_ROSTER "roster"
#define NODE_DIR_STORE "store"
#define NODE_DIR_ROSTERS "rosters"      /* every accepted version, by number */
#define NODE_DIR_NOTICES "notices"      /* revocations and card updates      */
#define NODE_DIR_HEADS_INTERVAL_MS 10000

typedef struct _node_dir_t node_dir_t;

/* ------------------------------------------------------------------------
   Create a new node directory at dir (which must not exist, or be empty):
   copies key_file, whose keys must belong to a member of the roster in
   force, chain[chain_len - 1], saves it, keeps the versions before it
   (a chain the caller verified from its genesis) under rosters/, writes
   the configuration and creates the store. listen may be NULL. Returns 0,
   or -1 with a reason in err (nothing half-made is left behind on failure
   when dir did not exist).                                                  */
int
    node_dir_create (const char *dir, const char *key_file,
                     const keys_secret_t *key, keys_roster_t *const *chain,
                     size_t chain_len, const char *listen, char *err,
                     size_t errlen);

/* ------------------------------------------------------------------------
   Open an existing node directory: configuration, roster and store. The
   secret key is not opened (see node_dir_key_path). Returns NULL with a
   reason in err. Caller destroys.                                           */
node_dir_t *
    node_dir_open (const char *dir, char *err, size_t errlen);

void
    node_dir_destroy (node_dir_t **self_p);

/* ------------------------------------------------------------------------
   Borrowed; valid until the node_dir is destroyed.                          */
node_store_t *node_dir_store (node_dir_t *self);
const keys_roster_t *node_dir_roster (node_dir_t *self);
/* This node's member record in the roster in force, or NULL if the roster
   no longer lists this node's key.                                          */
const keys_member_t *node_dir_self (node_dir_t *self);
const uint8_t *node_dir_self_pk (node_dir_t *self);
const char *node_dir_name (node_dir_t *self);
const char *node_dir_key_path (node_dir_t *self);
const char *node_dir_path (node_dir_t *self);

/* ------------------------------------------------------------------------
   The configuration as loaded (borrowed), and one value of it by ZPL path
   ("node/listen") with a default.                                           */
zconfig_t *node_dir_config (node_dir_t *self);
const char *node_dir_config_get (node_dir_t *self, const char *path,
                                 const char *default_value);

/* ------------------------------------------------------------------------
   Switch to a new roster version: verify roster as the successor of the
   version in force (keys_roster_verify), keep both versions in
   NODEDIR/rosters/, write it as the roster in force (atomic rename), move
   the roster-hash pin in the configuration, and point the store at it.
   roster stays the caller's (it is copied). Returns 1 if switched; 0 if
   roster is the version in force or older (nothing done; err says so); -1
   with a reason in err if it does not verify (too few signatures, broken
   chain, a version gap, or another roster with the same version: a fork)
   or cannot be saved. Pointers from node_dir_roster and node_dir_self
   become invalid on 1.                                                      */
int
    node_dir_apply_roster (node_dir_t *self, const keys_roster_t *roster,
                           char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Revocations and card updates (keys_notice) this node holds: borrowed,
   valid until the next node_dir_apply_notice. Every revocation is applied
   to the roster in force (node_dir_roster), now and after every switch.    */
const keys_notice_set_t *
    node_dir_notices (node_dir_t *self);

/* ------------------------------------------------------------------------
   Take a verified notice (keys_notice_parse verified its signature): a
   revocation only for a key of the roster in force, a member's or a
   retired one; a card update only for an active (not revoked) member's
   key; in both, the name must be the roster's name for the key. Saves the
   set durably (NODEDIR/notices, atomic rename) before it takes effect; a
   revocation then revokes the key in the roster in force at once. Returns
   1 if it changed anything, 0 if it was known (or an older card update),
   -1 with a reason in err if refused (the notice is at fault), -2 with a
   reason if this node could not take it (full set, not saved, memory).     */
#define NODE_DIR_NOTICE_REFUSED (-1)
#define NODE_DIR_NOTICE_FAILED  (-2)
int
    node_dir_apply_notice (node_dir_t *self, const keys_notice_t *notice,
                           char *err, size_t errlen);

/* ------------------------------------------------------------------------
   The text (with signatures) of roster version `version` this node
   accepted, as a fresh string (caller frees; *len its length), or NULL if
   it does not keep that version.                                            */
char *
    node_dir_roster_text (node_dir_t *self, uint64_t version, size_t *len);

#endif
