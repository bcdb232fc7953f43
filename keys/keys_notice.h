/* SPDX-License-Identifier: MPL-2.0 */
/* keys_notice: statements a member signs with its own key, valid without a
   threshold: the self-revocation of its keys, and card updates that
   publish new endpoints. Also the set of notices a node holds. */
#ifndef KEYS_NOTICE_H
#define KEYS_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_card.h"
#include "keys_roster.h"
#include "keys_secret.h"

/* Text forms (docs/formats.md section 10), fields in this order:

       ceptoar-revocation: 1           ceptoar-card-update: 1
       name: T-CEPTOAR                 name: T-CEPTOAR
       sign-key: <64 hex>              sign-key: <64 hex>
       box-key: <64 hex>               serial: <1..2^63-1>
       signature: <128 hex>            endpoint: tcp://...   (0..8 lines)
                                       signature: <128 hex>

   The signer signs, with the Ed25519 key of sign-key,
       "CEPTOAR-NOTICE-V1" || 0x00 || BLAKE2b-256(text before "signature:")
   A notice is valid on its own: it needs no roster to verify. What it is
   worth is decided by whoever applies it: a node takes a notice only for
   a key of its roster (a member's or a retired one), so a stranger cannot
   fill its set. `name` is for people; the key is what counts.

   A revocation is final: the key is revoked for good (keys_roster_revoke).
   Among card updates for one key, the highest serial wins; of two with the
   same serial, the one whose text hashes lower, so that every node keeps
   the same one whatever order they arrive in.                               */

#define KEYS_NOTICE_TEXT_MAX 4096
#define KEYS_NOTICE_SET_MAX 4096          /* notices a set holds, at most   */

typedef enum {
    KEYS_NOTICE_REVOCATION = 1,
    KEYS_NOTICE_CARD_UPDATE = 2
} keys_notice_kind_t;

typedef struct {
    keys_notice_kind_t kind;
    char name[KEYS_NAME_MAX + 1];          /* informational                 */
    uint8_t sign_pk[PROTO_PK_BYTES];       /* the key making the statement  */
    uint8_t box_pk[PROTO_BOXPK_BYTES];     /* revocation: its box key       */
    uint64_t serial;                       /* card update: newer wins       */
    size_t endpoint_count;                 /* card update: 0..8             */
    char endpoints[KEYS_ENDPOINTS_MAX][KEYS_ENDPOINT_MAX + 1];
    uint8_t sig[PROTO_SIG_BYTES];
} keys_notice_t;

/* ------------------------------------------------------------------------
   Fill self's sign_pk (and, for a revocation, box_pk) from key and sign
   it. The caller sets kind, name and, for a card update, serial and
   endpoints. Verifies the signature before returning. Returns 0, or -1
   with a reason (an invalid field).                                         */
int keys_notice_sign (keys_notice_t *self, const keys_secret_t *key,
                      char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Format as text (a fresh string; caller frees; *len its length, may be
   NULL). NULL if a field is invalid.                                        */
char *keys_notice_format (const keys_notice_t *self, size_t *len);

/* ------------------------------------------------------------------------
   Parse one notice from text[0..len) strictly and verify its signature.
   Returns 0, or -1 with a reason naming the line. keys_notice_parse_prefix
   reads one notice from the start of text and stores in *used how many
   bytes it took (the rest is the caller's).                                 */
int keys_notice_parse (keys_notice_t *self, const char *text, size_t len,
                       char *err, size_t errlen)
    __attribute__ ((warn_unused_result));
int keys_notice_parse_prefix (keys_notice_t *self, const char *text,
                              size_t len, size_t *used, char *err,
                              size_t errlen)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Load and verify one notice from a file; save one to a new file (never
   replaced; mode 0600, since anyone holding a revocation can use it).
   Return 0 or -1 with a reason.                                             */
int keys_notice_load (keys_notice_t *self, const char *path, char *err,
                      size_t errlen)
    __attribute__ ((warn_unused_result));
int keys_notice_save (const keys_notice_t *self, const char *path, char *err,
                      size_t errlen);

/* ------------------------------------------------------------------------
   BLAKE2b-256 of the notice's text: its id. Returns 0 or -1.                */
int keys_notice_id (const keys_notice_t *self, uint8_t out[PROTO_HASH_BYTES]);

/* "revocation" or "card-update".                                            */
const char *keys_notice_kind_name (keys_notice_kind_t kind);

/* ------------------------------------------------------------------------
   The set of notices a node holds.                                          */
typedef struct _keys_notice_set_t keys_notice_set_t;

keys_notice_set_t *keys_notice_set_new (void);
void keys_notice_set_destroy (keys_notice_set_t **self_p);

/* ------------------------------------------------------------------------
   Add a verified notice (copied). Returns 1 if the set changed (a new
   revocation, or a card update newer than the one held), 0 if it adds
   nothing (known, or older), -1 if the set is full or memory runs out.     */
int keys_notice_set_add (keys_notice_set_t *self, const keys_notice_t *notice);

size_t keys_notice_set_count (const keys_notice_set_t *self);
/* Borrowed; valid until the set changes or is destroyed.                   */
const keys_notice_t *keys_notice_set_get (const keys_notice_set_t *self,
                                          size_t index);
bool keys_notice_set_revoked (const keys_notice_set_t *self,
                              const uint8_t pk[PROTO_PK_BYTES]);
/* The card update in force for pk, or NULL (none, or pk is revoked).       */
const keys_notice_t *keys_notice_set_card_update (
    const keys_notice_set_t *self, const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Apply every revocation of the set to roster (keys_roster_revoke).
   Returns 0 or -1 (memory).                                                 */
int keys_notice_set_apply (const keys_notice_set_t *self,
                           keys_roster_t *roster);

/* ------------------------------------------------------------------------
   A set file is its notices in the order of the set, each followed by one
   blank line. _load reads one (a missing file is an empty set) and
   verifies every notice; _save writes it atomically (temporary file,
   fsync, rename), mode 0600. Return 0 or -1 with a reason.                  */
int keys_notice_set_load (keys_notice_set_t *self, const char *path,
                          char *err, size_t errlen)
    __attribute__ ((warn_unused_result));
int keys_notice_set_save (const keys_notice_set_t *self, const char *path,
                          char *err, size_t errlen);

void
    keys_notice_test (bool verbose);

#endif
