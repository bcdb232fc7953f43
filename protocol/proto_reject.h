/* SPDX-License-Identifier: MPL-2.0 */
/* proto_reject: the reasons an entry, payload or frame is refused. */
#ifndef PROTO_REJECT_H
#define PROTO_REJECT_H

#include <stdbool.h>

/* Every refusal has its own reason so that logs, counters and tests can
   tell them apart (DESIGN §5.2). Values are explicit and never reused: they
   appear in logs and, later, on the wire.                                   */
typedef enum {
    PROTO_OK = 0,
    /* Decoding */
    PROTO_REJECT_TRUNCATED = 1,     /* input ends inside a field            */
    PROTO_REJECT_MAGIC = 2,         /* signature octets are wrong           */
    PROTO_REJECT_VERSION = 3,       /* unknown format version or algorithm  */
    PROTO_REJECT_TRAILING = 4,      /* bytes after the last field           */
    PROTO_REJECT_OVERSIZE = 5,      /* a length or count beyond its limit   */
    PROTO_REJECT_FIELD = 6,         /* a field holds a value not allowed    */
    PROTO_REJECT_NONCANONICAL = 7,  /* order or uniqueness rule broken      */
    PROTO_REJECT_UTF8 = 8,          /* text is not valid UTF-8              */
    /* Signature and integrity */
    PROTO_REJECT_SIGNATURE = 20,    /* Ed25519 signature does not verify    */
    PROTO_REJECT_PAYLOAD_HASH = 21, /* payload does not match header hash   */
    PROTO_REJECT_PAYLOAD_LEN = 22,  /* payload length differs from header   */
    PROTO_REJECT_SEALING = 23,      /* level and payload form disagree      */
    /* Chain and membership */
    PROTO_REJECT_UNKNOWN_AUTHOR = 30, /* author is not in the roster        */
    PROTO_REJECT_CHAIN_SEQ = 31,    /* sequence is not head + 1             */
    PROTO_REJECT_CHAIN_PREV = 32,   /* prev is not the head's id            */
    PROTO_REJECT_DUPLICATE = 33,    /* the same entry is already stored     */
    PROTO_REJECT_FORK = 34,         /* another entry holds this author+seq  */
    PROTO_REJECT_FROZEN = 35,       /* the author's chain is frozen (fork)  */
    PROTO_REJECT_AUDIENCE = 36,     /* audience names no valid member/group */
    PROTO_REJECT_NOT_CLEARED = 37,  /* plaintext payload for a node outside
                                       its audience                         */
    PROTO_REJECT_REVOKED = 38,      /* the author's key is revoked          */
    PROTO_REJECT_KEY_RETIRED = 39,  /* the author's key was retired by a
                                       roster change before the entry's time*/
    PROTO_REJECT_RECEIPT = 40,      /* a receipt or acknowledgement not as
                                       specified, or confirming what its
                                       author could not have received       */
    PROTO_REJECT_TIME_ORDER = 41,   /* stamped more than the clock skew
                                       allowed before the previous entry of
                                       its chain                            */
    PROTO_REJECT_TIME_AHEAD = 42,   /* stamped more than the clock skew
                                       allowed ahead of this node's clock:
                                       deferred, not refused for good       */
    /* Environment */
    PROTO_REJECT_STORAGE = 50,      /* the store could not write (disk, map)*/
    /* Replication (docs/protocol.md section 13). Reasons stay below 100:
       ERROR frames use 100 and up for the protocol's own codes.            */
    PROTO_REJECT_RETRACTED = 60,    /* payload of a retracted entry: purged,
                                       never stored again                   */
} proto_reject_t;

/* ------------------------------------------------------------------------
   Returns a short, stable, lowercase reason name ("signature",
   "chain-seq", ...). Never NULL; unknown values give "unknown".             */
const char *
    proto_reject_name (proto_reject_t reason);

#endif
