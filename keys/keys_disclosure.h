/* SPDX-License-Identifier: MPL-2.0 */
/* keys_disclosure: THE disclosure rule (DESIGN §2): which form of an
   entry's payload a member may receive or store. */
#ifndef KEYS_DISCLOSURE_H
#define KEYS_DISCLOSURE_H

#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_roster.h"

/* Every path that sends a payload to a node, and the store deciding what a
   node may keep, calls keys_disclosure_payload(); nothing else decides.     */
typedef enum {
    KEYS_DISCLOSE_NONE = 0,      /* header only                             */
    KEYS_DISCLOSE_SEALED = 1,    /* sealed (RED) payload: may carry, only a
                                    recipient can open                      */
    KEYS_DISCLOSE_PLAINTEXT = 2, /* plaintext payload: member is in audience */
} keys_disclosure_t;

/* ------------------------------------------------------------------------
   What of the payload of the entry with this header member_pk may receive.
   - A key that is not a member of roster gets NONE, always.
   - RED: every member gets SEALED (the sealed form is safe to carry).
   - Other levels: PLAINTEXT if the member is in the audience (council: any
     member; group:G: a member of G; nodes: a named node), or is the
     author; NONE otherwise.                                                 */
keys_disclosure_t
    keys_disclosure_payload (const keys_roster_t *roster,
                             const proto_header_t *header,
                             const uint8_t member_pk[PROTO_PK_BYTES]);

void
    keys_disclosure_test (bool verbose);

#endif
