/* SPDX-License-Identifier: MPL-2.0 */
/* keys_sigfile: a detached roster signature, as one signer hands it in to
   be combined: which roster it signs, who signed, and the signature. */
#ifndef KEYS_SIGFILE_H
#define KEYS_SIGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_card.h"

/* Text form (docs/formats.md), in this order:
       ceptoar-roster-signature: 1
       roster-version: 2
       roster-hash: <64 hex, BLAKE2b-256 of the signed roster body>
       signer: <member name, informational>
       sign-key: <64 hex>
       signature: <128 hex>
   The signature is over the roster as keys_roster.h says; the hash lets a
   combiner refuse a signature made over a different draft with a message
   that says so, before any signature check.                                 */

typedef struct {
    uint64_t roster_version;
    uint8_t roster_hash[PROTO_HASH_BYTES];
    char signer[KEYS_NAME_MAX + 1];
    uint8_t sign_pk[PROTO_PK_BYTES];
    uint8_t sig[PROTO_SIG_BYTES];
} keys_sigfile_t;

/* ------------------------------------------------------------------------
   Format as text; caller frees. NULL if signer is not a valid name.         */
char *keys_sigfile_format (const keys_sigfile_t *self);

/* ------------------------------------------------------------------------
   Parse text[0..len) strictly. Returns 0, or -1 with a reason in err that
   names the line.                                                           */
int keys_sigfile_parse (keys_sigfile_t *self, const char *text, size_t len,
                        char *err, size_t errlen);

void
    keys_sigfile_test (bool verbose);

#endif
