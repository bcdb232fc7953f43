/* SPDX-License-Identifier: MPL-2.0 */
/* keys_secret: a node's secret keys (Ed25519 signing, X25519 transport and
   sealing), generated, and saved encrypted at rest with a passphrase. */
#ifndef KEYS_SECRET_H
#define KEYS_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"

/* The object lives in sodium_malloc memory (guarded, locked, wiped on
   free). The file format is in docs/formats.md: a text line naming the
   format and the public keys, then base64 of a binary record: the KDF
   (Argon2id13 via crypto_pwhash, or none), its limits and salt, a nonce,
   and the XChaCha20-Poly1305 encryption of both secret keys with the
   public keys as additional data; a BLAKE2b checksum over the whole record
   tells a corrupted file apart from a wrong passphrase.                     */
typedef struct _keys_secret_t keys_secret_t;

typedef enum {
    KEYS_LOAD_OK = 0,
    KEYS_LOAD_IO = 1,              /* cannot open or read the file           */
    KEYS_LOAD_PERMISSIONS = 2,     /* group or others may read the file      */
    KEYS_LOAD_MALFORMED = 3,       /* not a key file, or corrupted           */
    KEYS_LOAD_NEED_PASSPHRASE = 4, /* encrypted, but no passphrase given     */
    KEYS_LOAD_BAD_PASSPHRASE = 5,  /* the passphrase does not open it        */
} keys_load_t;

/* ------------------------------------------------------------------------
   Generate fresh random keys. Returns NULL only if secure memory cannot be
   had. Caller destroys.                                                     */
keys_secret_t *
    keys_secret_generate (void);

/* ------------------------------------------------------------------------
   Build from a 32-byte Ed25519 seed and a 32-byte X25519 secret key (test
   vectors and recovery from shares). Caller destroys.                       */
keys_secret_t *
    keys_secret_from_seeds (const uint8_t sign_seed[PROTO_SEED_BYTES],
                            const uint8_t box_sk[PROTO_BOXSK_BYTES]);

/* ------------------------------------------------------------------------
   Wipe and free; sets *self_p to NULL; does nothing if it is NULL.          */
void
    keys_secret_destroy (keys_secret_t **self_p);

/* ------------------------------------------------------------------------
   Accessors; borrowed, valid until the object is destroyed.                 */
const uint8_t *keys_secret_sign_pk (const keys_secret_t *self);   /* 32 */
const uint8_t *keys_secret_sign_sk (const keys_secret_t *self);   /* 64 */
const uint8_t *keys_secret_sign_seed (const keys_secret_t *self); /* 32 */
const uint8_t *keys_secret_box_pk (const keys_secret_t *self);    /* 32 */
const uint8_t *keys_secret_box_sk (const keys_secret_t *self);    /* 32 */

/* ------------------------------------------------------------------------
   Write the key file at path, mode 0600, refusing to replace an existing
   file. passphrase NULL means "no passphrase" (the secret is then only
   integrity-protected). comment is a single line shown in the file's first
   line (e.g. the node name); may be NULL. Returns 0 or -1 (errno set).      */
int
    keys_secret_save (const keys_secret_t *self, const char *path,
                      const char *passphrase, const char *comment);

/* ------------------------------------------------------------------------
   Load the key file at path. passphrase may be NULL for a file written
   without one. On failure returns NULL and sets *result (never NULL on
   failure) to the reason. Caller destroys.                                  */
keys_secret_t *
    keys_secret_load (const char *path, const char *passphrase,
                      keys_load_t *result);

/* ------------------------------------------------------------------------
   Whether the key file at path is passphrase-protected. Returns 1, 0, or -1
   if it cannot be read or parsed.                                           */
int
    keys_secret_file_encrypted (const char *path);

/* ------------------------------------------------------------------------
   A one-line explanation of a load result that says what to do.            */
const char *
    keys_load_strerror (keys_load_t result);

void
    keys_secret_test (bool verbose);

#endif
