/* SPDX-License-Identifier: MPL-2.0 */
/* keys_roster: the Council's versioned, threshold-signed membership roster:
   members, sharing groups, threshold; drafting, signing, verifying chains. */
#ifndef KEYS_ROSTER_H
#define KEYS_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_card.h"
#include "keys_secret.h"

/* A roster is a canonical text body followed by signature lines
   (docs/formats.md). Signers sign
       "CEPTOAR-ROSTER-V1" || 0x00 || BLAKE2b-256(body)
   with Ed25519. The body names its version and the hash of the previous
   version's body ("previous: none" at genesis), so versions form a chain.
   Parsing is strict, and a parsed body re-formats to exactly the same
   bytes (one encoding per roster).

   Validity (DESIGN §2, issue "Foundation"):
   - genesis (version 1): valid signatures from at least `threshold`
     distinct members of itself;
   - version n+1 after version n: previous = hash(body n), version exactly
     n+1, and valid signatures from at least threshold(n) distinct members
     of version n AND at least threshold(n+1) distinct members of n+1.
   Signatures are counted by distinct public key; a signature by a key that
   is not a member of the version in question does not count there; a bad
   signature is an error, never silently dropped.
   Retired keys (signed, part of the body): a genesis retires none; version
   n+1 keeps every retired line of version n unchanged (a retirement is
   permanent, its time and name fixed); each key it newly retires is the
   sign key of a version-n member, under that member's name, that is no
   member's key in n+1; and every such key that leaves is retired. So a
   drafter can neither lift a retirement nor make an outsider's key an
   author by retiring it.                                                    */

#define KEYS_ROSTER_MAX_MEMBERS 256
#define KEYS_ROSTER_MAX_GROUPS 64
#define KEYS_GROUP_MAX_MEMBERS KEYS_ROSTER_MAX_MEMBERS
#define KEYS_ROLES_MAX 128                /* "a,b,c" of [a-z-] words        */
#define KEYS_ROSTER_MAX_SIGS 512
#define KEYS_ROSTER_MAX_BYTES (1024 * 1024)
#define KEYS_ROSTER_CHAIN_MAX 1024
#define KEYS_ROSTER_MAX_RETIRED 1024

typedef struct _keys_roster_t keys_roster_t;

typedef struct {
    keys_card_t card;                     /* name, sector, keys, endpoints  */
    char roles[KEYS_ROLES_MAX + 1];       /* comma list, may be empty       */
} keys_member_t;

/* A key that a roster change retired (rotated out, or its member removed):
   its entries stay valid up to `until`; later ones are refused.            */
typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];      /* the retired Ed25519 key        */
    int64_t until;                        /* UTC seconds: the change's time */
    char name[KEYS_NAME_MAX + 1];         /* whose key it was (for people)  */
} keys_retired_t;

/* Signature counts from a verification, for messages like "10 of 11".      */
typedef struct {
    size_t own;          /* distinct valid signers among this version       */
    size_t own_needed;   /* this version's threshold                        */
    size_t prev;         /* distinct valid signers among the previous one   */
    size_t prev_needed;  /* the previous version's threshold (0 at genesis) */
    size_t revoked;      /* valid signatures of members set aside because
                            their keys are revoked                          */
} keys_roster_count_t;

/* ------------------------------------------------------------------------
   A new, unsigned draft. prev is the roster it follows (version becomes
   prev's + 1 and previous its body hash), or NULL for a genesis draft
   (version 1). Caller destroys.                                             */
keys_roster_t *keys_roster_new (const keys_roster_t *prev,
                                unsigned threshold);

void keys_roster_destroy (keys_roster_t **self_p);

/* ------------------------------------------------------------------------
   A deep copy without signatures: the start of a change draft. Caller
   destroys.                                                                 */
keys_roster_t *keys_roster_dup_body (const keys_roster_t *self);

/* ------------------------------------------------------------------------
   Make the draft self the successor of prev: version becomes prev's + 1,
   previous the hash of prev's body, and self's signatures are dropped.
   With _dup_body this starts a change draft:
       draft = keys_roster_dup_body (current);
       keys_roster_follow (draft, current, err, errlen);
   prev stays the caller's. Returns 0, or -1 with a reason in err if prev's
   body cannot be formed (no members, threshold out of range).              */
int keys_roster_follow (keys_roster_t *self, const keys_roster_t *prev,
                        char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Edit a draft. Each returns 0, or -1 with a reason in err: a repeated
   name or key, an unknown member, an invalid group name, too many.          */
int keys_roster_add_member (keys_roster_t *self, const keys_card_t *card,
                            const char *roles, char *err, size_t errlen);
int keys_roster_remove_member (keys_roster_t *self, const char *name,
                               char *err, size_t errlen);
int keys_roster_set_group (keys_roster_t *self, const char *group,
                           const char *const *names, size_t n, char *err,
                           size_t errlen);
void keys_roster_set_threshold (keys_roster_t *self, unsigned threshold);

/* ------------------------------------------------------------------------
   Record in a draft that key pk (of the member `name`, now removed or
   rotated) is retired as of `until` (UTC seconds): nodes keep accepting
   its entries stamped up to then and refuse later ones, and the key can
   never be admitted again. Returns 0 (also if already retired: the first
   time holds), or -1 with a reason (pk is a current member's key, bad
   name or time, too many).                                                  */
int keys_roster_retire (keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES],
                        const char *name, int64_t until, char *err,
                        size_t errlen);
size_t keys_roster_retired_count (const keys_roster_t *self);
const keys_retired_t *keys_roster_retired (const keys_roster_t *self,
                                           size_t index);
const keys_retired_t *keys_roster_retired_by_key (
    const keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Revocations in force. A node applies every self-revocation it holds
   (keys_notice) to the roster it loads: a revoked key is no active member
   (keys_roster_member_active returns NULL for it), its signatures never
   count in keys_roster_verify, and it stays revoked whatever the roster
   says. Not part of the roster text or its hash. _revoke returns 0, or -1
   if memory runs out.                                                       */
int keys_roster_revoke (keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES]);
bool keys_roster_revoked (const keys_roster_t *self,
                          const uint8_t pk[PROTO_PK_BYTES]);
/* The member with sign key pk if it is not revoked, else NULL: what every
   decision of a node (admission, authorship, disclosure) asks.              */
const keys_member_t *keys_roster_member_active (
    const keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Parse text[0..len) (a draft, or a roster with signature lines). Returns
   a new roster, or NULL with a one-line reason in err. Signatures are
   checked for form here, for validity by _verify.                           */
keys_roster_t *keys_roster_parse (const char *text, size_t len, char *err,
                                  size_t errlen);
keys_roster_t *keys_roster_load (const char *path, char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Format the body alone (with_sigs false) or body and signature lines, as
   a fresh NUL-terminated string; *len gets its length (may be NULL).
   Caller frees. NULL if the roster is not valid to format (no members,
   threshold 0 or above the member count).                                   */
char *keys_roster_format (const keys_roster_t *self, bool with_sigs,
                          size_t *len);

/* ------------------------------------------------------------------------
   Write with signatures to path (mode 0644, replacing atomically via a
   temporary file and rename). Returns 0 or -1 with reason.                  */
int keys_roster_save (const keys_roster_t *self, const char *path,
                      char *err, size_t errlen);

/* ------------------------------------------------------------------------
   BLAKE2b-256 of the body. Returns 0, or -1 if the body cannot be formed.   */
int keys_roster_hash (const keys_roster_t *self,
                      uint8_t out[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Sign the body with key; verifies the signature before returning it.
   Returns 0 or -1.                                                          */
int keys_roster_sign (const keys_roster_t *self, const keys_secret_t *key,
                      uint8_t sig[PROTO_SIG_BYTES]);

/* ------------------------------------------------------------------------
   Attach a signature. Returns 0; -1 with reason if it does not verify over
   this body; 1 if the same key has already signed (kept once).              */
int keys_roster_add_signature (keys_roster_t *self,
                               const uint8_t pk[PROTO_PK_BYTES],
                               const uint8_t sig[PROTO_SIG_BYTES], char *err,
                               size_t errlen);

/* ------------------------------------------------------------------------
   Verify self as the successor of prev (or as genesis when prev is NULL),
   by the rules above. Returns 0 if valid; -1 with a reason in err
   otherwise. counts (may be NULL) gets the signature counts either way.     */
int keys_roster_verify (const keys_roster_t *self, const keys_roster_t *prev,
                        keys_roster_count_t *counts, char *err, size_t errlen)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   The retirement rules alone (above), for self after prev (NULL: self is a
   genesis), signatures aside: what a signer checks before signing a
   draft. keys_roster_verify applies them too. Returns 0, or -1 with a
   reason in err.                                                            */
int keys_roster_verify_retired (const keys_roster_t *self,
                                const keys_roster_t *prev, char *err,
                                size_t errlen)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Verify a chain chain[0..n) where chain[0] is trusted as it is (if
   trusted_first) or must be a valid genesis, and each next one follows the
   one before. Refuses n > KEYS_ROSTER_CHAIN_MAX. Returns 0, or -1 with the
   index of the first bad link in *bad_index and a reason in err.            */
int keys_roster_verify_chain (keys_roster_t *const *chain, size_t n,
                              bool trusted_first, size_t *bad_index,
                              char *err, size_t errlen)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Accessors. Returned pointers are borrowed from the roster and stay valid
   until it is changed or destroyed.                                         */
uint64_t keys_roster_version (const keys_roster_t *self);
unsigned keys_roster_threshold (const keys_roster_t *self);
const uint8_t *keys_roster_previous (const keys_roster_t *self); /* or NULL */
size_t keys_roster_member_count (const keys_roster_t *self);
const keys_member_t *keys_roster_member (const keys_roster_t *self,
                                         size_t index);
const keys_member_t *keys_roster_member_by_name (const keys_roster_t *self,
                                                 const char *name);
const keys_member_t *keys_roster_member_by_key (
    const keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES]);
/* Name, or a fingerprint prefix of at least 8 hex characters that matches
   exactly one member.                                                       */
const keys_member_t *keys_roster_member_lookup (const keys_roster_t *self,
                                                const char *name_or_fpr);
size_t keys_roster_signature_count (const keys_roster_t *self);
const uint8_t *keys_roster_signature_key (const keys_roster_t *self,
                                          size_t index);
size_t keys_roster_group_count (const keys_roster_t *self);
const char *keys_roster_group_name (const keys_roster_t *self, size_t index);
bool keys_roster_group_exists (const keys_roster_t *self, const char *group);
/* Member names of a group; *n receives the count; NULL if no such group.   */
const char *const *keys_roster_group_members (const keys_roster_t *self,
                                              const char *group, size_t *n);
bool keys_roster_group_has (const keys_roster_t *self, const char *group,
                            const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Resolve an audience text: "council", "group:NAME", or
   "node:NAME[,NAME...]" (names or fingerprint prefixes). Returns 0, or -1
   with a reason naming the unknown group or member.                         */
int keys_roster_resolve_audience (const keys_roster_t *self,
                                  const char *text, proto_audience_t *out,
                                  char *err, size_t errlen);

void
    keys_roster_test (bool verbose);

#endif
