/* SPDX-License-Identifier: MPL-2.0 */
/* proto_seal: end-to-end sealing of RED payloads to named recipients. */
#ifndef PROTO_SEAL_H
#define PROTO_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_crypto.h"
#include "proto_reject.h"

/* A fresh random 32-byte content key encrypts the plaintext payload once
   with XChaCha20-Poly1305-IETF (additional data: "CEPTOAR-SEALED-V1" || 0x00
   || author Ed25519 key); the content key is sealed with crypto_box_seal to
   each recipient's X25519 key. Slots are listed by the recipient's Ed25519
   key, sorted ascending, so a recipient finds its own slot without trying
   every one. The author is always one of the recipients so that it can read
   its own RED entries. The header's payload hash covers the sealed bytes,
   so any node can check and carry a sealed payload without opening it.      */

#define PROTO_SEAL_MAGIC0 0xCE
#define PROTO_SEAL_MAGIC1 0xC1
#define PROTO_SEAL_VERSION 1
#define PROTO_SEAL_ALG 1
#define PROTO_SEAL_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define PROTO_SEAL_SLOT_BYTES                                                 \
    (PROTO_PK_BYTES + crypto_box_SEALBYTES + PROTO_SEAL_KEY_BYTES)
#define PROTO_SEAL_MAX_RECIPIENTS 65  /* 64 named nodes plus the author     */

typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];       /* recipient's Ed25519 key        */
    uint8_t box_pk[PROTO_BOXPK_BYTES];     /* recipient's X25519 key         */
} proto_recipient_t;

/* ------------------------------------------------------------------------
   Bytes the sealed form of a len-byte plaintext takes for n recipients.     */
size_t proto_seal_size (size_t len, size_t n);

/* ------------------------------------------------------------------------
   Seal plain[0..len) for n recipients (1..PROTO_SEAL_MAX_RECIPIENTS,
   distinct sign keys; include the author yourself). Writes into out (cap
   bytes). Returns bytes written, or 0 on bad arguments or cap too small.    */
size_t proto_seal (const uint8_t *plain, size_t len,
                   const uint8_t author_pk[PROTO_PK_BYTES],
                   const proto_recipient_t *recipients, size_t n,
                   uint8_t *out, size_t cap);

/* ------------------------------------------------------------------------
   Check the structure of a sealed payload without opening it. Returns
   PROTO_OK or the reason.                                                   */
proto_reject_t proto_seal_check (const uint8_t *sealed, size_t len);

/* ------------------------------------------------------------------------
   True if sealed lists sign_pk among its recipients.                        */
bool proto_seal_has_recipient (const uint8_t *sealed, size_t len,
                               const uint8_t sign_pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Open as recipient (sign_pk, box_pk, box_sk). On success writes the
   plaintext into out (cap bytes; len - overhead is enough), sets *out_len
   and returns 0. Returns -1 if this key is not a recipient, the payload is
   malformed, or authentication fails (wrong author, tampered bytes).        */
int proto_seal_open (const uint8_t *sealed, size_t len,
                     const uint8_t author_pk[PROTO_PK_BYTES],
                     const uint8_t sign_pk[PROTO_PK_BYTES],
                     const uint8_t box_pk[PROTO_BOXPK_BYTES],
                     const uint8_t box_sk[PROTO_BOXSK_BYTES], uint8_t *out,
                     size_t cap, size_t *out_len)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   True if buf starts with the sealed payload signature octets.              */
bool proto_seal_is_sealed (const uint8_t *buf, size_t len);

void
    proto_seal_test (bool verbose);

#endif
