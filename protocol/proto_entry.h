/* SPDX-License-Identifier: MPL-2.0 */
/* proto_entry: the signed entry header ("stub"): canonical encoding,
   signing, verification and entry ids. */
#ifndef PROTO_ENTRY_H
#define PROTO_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_audience.h"
#include "proto_crypto.h"
#include "proto_level.h"
#include "proto_reject.h"

/* An entry is a stub plus a payload. The stub is the canonical header bytes
   followed by the author's Ed25519 signature over
       "CEPTOAR-ENTRY-V1" || 0x00 || header bytes.
   The entry id is BLAKE2b-256(stub) = BLAKE2b-256(header || signature).
   docs/protocol.md gives the byte layout; tests/vectors/ the vectors.       */

#define PROTO_ENTRY_VERSION 1
#define PROTO_SIG_ALG_ED25519 1
#define PROTO_ENTRY_MAGIC0 0xCE
#define PROTO_ENTRY_MAGIC1 0xE1

/* Header flag bits. Unknown bits must be zero.                              */
#define PROTO_FLAG_RECEIPT 0x01   /* author asks for delivery receipts       */
#define PROTO_FLAG_URGENT 0x02    /* deliver ahead of bulk traffic           */
#define PROTO_FLAGS_KNOWN (PROTO_FLAG_RECEIPT | PROTO_FLAG_URGENT)

/* Limits. A stored payload (plaintext or sealed) is at most
   PROTO_STORED_PAYLOAD_MAX bytes.                                           */
#define PROTO_PAYLOAD_MAX (1024 * 1024)
#define PROTO_STORED_PAYLOAD_MAX (PROTO_PAYLOAD_MAX + 8192)
#define PROTO_HEADER_FIXED_BYTES 123  /* header with a council audience    */
#define PROTO_HEADER_MAX                                                     \
    (PROTO_HEADER_FIXED_BYTES + 1 + PROTO_AUDIENCE_MAX_NODES * PROTO_PK_BYTES)
#define PROTO_STUB_MAX (PROTO_HEADER_MAX + PROTO_SIG_BYTES)

/* The header as a plain value. Encode checks every field; decode fills
   every field.                                                              */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];        /* author's Ed25519 public key    */
    uint64_t seq;                          /* 1, 2, 3 ... per author         */
    uint8_t prev[PROTO_HASH_BYTES];        /* id of entry seq-1; zero at 1   */
    uint64_t timestamp_ms;                 /* author's clock, ms since epoch */
    proto_level_t level;                   /* TLP 2.0 level                  */
    uint8_t flags;                         /* PROTO_FLAG_*                   */
    proto_audience_t audience;             /* who may read the payload       */
    uint32_t payload_len;                  /* bytes of the stored payload    */
    uint8_t payload_hash[PROTO_HASH_BYTES];/* BLAKE2b-256 of stored payload  */
} proto_header_t;

/* ------------------------------------------------------------------------
   Encode the header canonically into buf (cap bytes). Returns the bytes
   written, or 0 if a field is invalid or cap too small.                     */
size_t
    proto_header_encode (const proto_header_t *self, uint8_t *buf,
                         size_t cap);

/* ------------------------------------------------------------------------
   Sign: encodes the header, signs it with the author's Ed25519 secret key
   and writes the stub (header || signature) into buf. The header's author
   must be the key's public half. Returns the stub length, or 0 on invalid
   fields, a key mismatch or cap too small.                                  */
size_t
    proto_entry_sign (const proto_header_t *self,
                      const uint8_t sk[PROTO_SK_BYTES], uint8_t *buf,
                      size_t cap);

/* ------------------------------------------------------------------------
   Strictly decode a stub (header || signature, nothing after it) into
   header and signature, without checking the signature. Returns PROTO_OK
   or the reason (truncated, magic, version, field, oversize, trailing ...). */
proto_reject_t
    proto_stub_decode (proto_header_t *header, uint8_t sig[PROTO_SIG_BYTES],
                       const uint8_t *stub, size_t len);

/* ------------------------------------------------------------------------
   Decode and verify a stub's signature. Returns PROTO_OK, a decoding
   reason, or PROTO_REJECT_SIGNATURE. header may be NULL.                    */
proto_reject_t
    proto_stub_verify (proto_header_t *header, const uint8_t *stub,
                       size_t len) __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Check a payload against a decoded header: its length and hash, and that
   its form (sealed or plaintext magic) matches the level. Returns PROTO_OK,
   PROTO_REJECT_PAYLOAD_LEN, PROTO_REJECT_PAYLOAD_HASH or
   PROTO_REJECT_SEALING.                                                     */
proto_reject_t
    proto_payload_matches (const proto_header_t *header,
                           const uint8_t *payload, size_t len)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   id = BLAKE2b-256(stub).                                                   */
void
    proto_entry_id (uint8_t id[PROTO_HASH_BYTES], const uint8_t *stub,
                    size_t len);

/* ------------------------------------------------------------------------
   The clock policy (docs/protocol.md 5.6): an entry's timestamp is its
   author's claim; nodes allow this much disagreement between clocks. An
   entry stamped further ahead of a node's clock is deferred there (not
   stored yet, asked for again later); one stamped further before the
   previous entry of its chain is refused, and its author refuses to sign
   it. Ten minutes: twice Kerberos's default, well above NTP's errors, far
   below the time a drill or an urgent warning may wait.                    */
#define PROTO_CLOCK_SKEW_MAX_MS (10ULL * 60 * 1000)

/* ------------------------------------------------------------------------
   The wall clock in milliseconds since the Unix epoch.                      */
uint64_t
    proto_now_ms (void);

void
    proto_entry_test (bool verbose);

#endif
