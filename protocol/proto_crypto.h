/* SPDX-License-Identifier: MPL-2.0 */
/* proto_crypto: key and hash sizes, BLAKE2b-256 hashing, fingerprints, hex. */
#ifndef PROTO_CRYPTO_H
#define PROTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

/* Sizes, derived from libsodium's constants.                                */
#define PROTO_PK_BYTES      crypto_sign_PUBLICKEYBYTES  /* Ed25519 public, 32 */
#define PROTO_SK_BYTES      crypto_sign_SECRETKEYBYTES  /* Ed25519 secret, 64 */
#define PROTO_SEED_BYTES    crypto_sign_SEEDBYTES       /* Ed25519 seed, 32   */
#define PROTO_SIG_BYTES     crypto_sign_BYTES           /* Ed25519 sig, 64    */
#define PROTO_BOXPK_BYTES   crypto_box_PUBLICKEYBYTES   /* X25519 public, 32  */
#define PROTO_BOXSK_BYTES   crypto_box_SECRETKEYBYTES   /* X25519 secret, 32  */
#define PROTO_HASH_BYTES    32                          /* BLAKE2b-256        */
/* A fingerprint is the first 16 bytes of BLAKE2b-256("ceptoar-fpr" || pk),
   printed as 32 lowercase hex characters.                                   */
#define PROTO_FPR_BYTES     16
#define PROTO_FPR_HEX_LEN   (2 * PROTO_FPR_BYTES)

size_t proto_pk_bytes (void);
size_t proto_sig_bytes (void);
size_t proto_hash_bytes (void);

/* ------------------------------------------------------------------------
   Initialises libsodium. Call once before any other proto_/keys_ function;
   safe to call again. Returns 0, or -1 if libsodium cannot start.          */
int
    proto_init (void);

/* ------------------------------------------------------------------------
   out = BLAKE2b-256(data). data may be NULL when len is 0.                 */
void
    proto_hash (uint8_t out[PROTO_HASH_BYTES], const void *data, size_t len);

/* ------------------------------------------------------------------------
   out = BLAKE2b-256(a || b), without copying.                               */
void
    proto_hash2 (uint8_t out[PROTO_HASH_BYTES], const void *a, size_t a_len,
                 const void *b, size_t b_len);

/* ------------------------------------------------------------------------
   Writes the fingerprint of an Ed25519 public key as 32 lowercase hex
   characters plus NUL into out.                                             */
void
    proto_fingerprint (char out[PROTO_FPR_HEX_LEN + 1],
                       const uint8_t pk[PROTO_PK_BYTES]);

/* ------------------------------------------------------------------------
   Lowercase hex of bin into out (2 * len + 1 bytes, NUL-terminated).        */
void
    proto_hex_encode (char *out, const uint8_t *bin, size_t len);

/* ------------------------------------------------------------------------
   Decodes exactly 2 * len LOWERCASE hex characters from hex into bin
   (every ceptoar format writes lowercase; accepting one case only keeps
   one encoding per value; a CLI lowercases what a person types first).
   hex must be NUL-terminated right after them. Returns 0, or -1 on any
   other length or a non-hex character (bin is then unspecified).            */
int
    proto_hex_decode (uint8_t *bin, size_t len, const char *hex);

/* ------------------------------------------------------------------------
   True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, no
   code points above U+10FFFF) and contains no NUL and no C0 control other
   than tab, LF and CR when allow_newlines, or none at all otherwise.        */
bool
    proto_utf8_valid (const uint8_t *s, size_t len, bool allow_newlines);

void
    proto_crypto_test (bool verbose);

#endif
