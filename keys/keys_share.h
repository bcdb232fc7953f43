/* SPDX-License-Identifier: MPL-2.0 */
/* keys_share: k-of-n backup of a node's secret key as text shares that key
   custodians keep and can copy by hand (Shamir sharing via libgfshare). */
#ifndef KEYS_SHARE_H
#define KEYS_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_secret.h"

/* A share is one point of a random polynomial over GF(2^8) per byte of the
   64-byte secret (Ed25519 seed || X25519 secret key), as libgfshare makes
   it, together with what recovery needs to check: the key's public keys
   and fingerprint, a random split id common to every share of one split,
   the share index x (1..n), the threshold k and the count n. Any k shares
   of one split rebuild the key; k - 1 shares say nothing about it.

   The text form (docs/formats.md, "Key backup (k of n)") is a dozen short
   lines; every line but the first and the last ends in a CRC-16 check, so
   a mistyped character is found on its line, and the last line is a
   BLAKE2b checksum of the whole share. Share objects live in sodium_malloc
   memory and are wiped when destroyed.

   This module does not prompt, print or choose file names: the tools do.
   It sets libgfshare's global random source (gfshare_fill_rand) to
   libsodium's randombytes_buf; do not split from several threads at once. */
typedef struct _keys_share_t keys_share_t;

/* The secret shared: Ed25519 seed || X25519 secret key, 64 bytes.          */
#define KEYS_SHARE_SECRET_BYTES   (PROTO_SEED_BYTES + PROTO_BOXSK_BYTES)
#define KEYS_SHARE_SPLIT_ID_BYTES 8
#define KEYS_SHARE_MIN            2     /* smallest threshold and count      */
#define KEYS_SHARE_MAX            255   /* largest count (GF(2^8) points)    */
#define KEYS_SHARE_TEXT_MAX       1024  /* no valid share text is longer     */
#define KEYS_SHARE_ERR_LEN        256   /* enough for any message here       */

size_t keys_share_secret_bytes (void);
size_t keys_share_text_max (void);

typedef enum {
    KEYS_SHARE_OK = 0,
    KEYS_SHARE_TOO_FEW = 1,     /* fewer shares than the threshold          */
    KEYS_SHARE_MISMATCH = 2,    /* different keys, splits, k or n           */
    KEYS_SHARE_DUPLICATE = 3,   /* the same share index given twice         */
    KEYS_SHARE_WRONG_KEY = 4,   /* the rebuilt keys are not the recorded
                                   public keys: a share was altered          */
    KEYS_SHARE_NOMEM = 5,       /* no secure memory                         */
} keys_share_result_t;

/* ------------------------------------------------------------------------
   Split key into count shares of which any threshold recover it, with a
   fresh random split id. 2 <= threshold <= count <= 255 (programmer error
   otherwise: check user input first). Before returning it parses every
   share's text back and recovers the key from the first and from the last
   threshold shares (verify before handing out). On success returns 0 and
   fills shares[0..count) (share index i + 1 in shares[i]); the caller
   destroys each. Returns -1 (nothing filled) if secure memory cannot be
   had or the self-check fails.                                              */
int
    keys_share_split (const keys_secret_t *key, unsigned threshold,
                      unsigned count, keys_share_t *shares[]);

/* ------------------------------------------------------------------------
   Parse a share from text (untrusted; len bytes, need not be
   NUL-terminated). Returns a new share, or NULL and a one-line reason in
   err that starts with "line N: " (the line at fault, 1-based) and says
   what to do. Caller destroys.                                              */
keys_share_t *
    keys_share_parse (const char *text, size_t len, char *err,
                      size_t err_size);

/* ------------------------------------------------------------------------
   Read and parse the share file at path (into secure memory). Returns a
   new share or NULL with the reason in err: "line N: ..." as _parse for a
   damaged share, anything else (never starting "line ") for an I/O error;
   the caller adds the file name. A share alone reveals nothing, so
   group-readable share files are accepted. Caller destroys.                 */
keys_share_t *
    keys_share_load (const char *path, char *err, size_t err_size);

/* ------------------------------------------------------------------------
   Write the share's text to a new file at path, mode 0600, refusing to
   replace an existing file (O_EXCL | O_NOFOLLOW), synced, and removed again
   if writing fails. Returns 0, or -1 with errno set.                        */
int
    keys_share_save (const keys_share_t *self, const char *path);

/* ------------------------------------------------------------------------
   Rebuild the key from count shares. names[i] names shares[i] in messages
   (e.g. its file name); names may be NULL ("share #i" is used then). The
   shares must all be of one split (same keys, split id, k and n), have
   distinct indexes, and number at least k; the rebuilt keys must equal the
   public keys recorded in the shares. On success returns a new key (caller
   destroys) and *result is KEYS_SHARE_OK; otherwise NULL, *result says why
   and err holds a sentence naming the shares at fault. More than k shares
   are all used, and must all agree.                                         */
keys_secret_t *
    keys_share_recover (keys_share_t *const shares[], size_t count,
                        const char *const names[],
                        keys_share_result_t *result, char *err,
                        size_t err_size);

/* ------------------------------------------------------------------------
   Wipe and free; sets *self_p to NULL; does nothing if it is NULL.          */
void
    keys_share_destroy (keys_share_t **self_p);

/* ------------------------------------------------------------------------
   Accessors; borrowed, valid until the share is destroyed. _text is the
   NUL-terminated share text (secret: write it only to a 0600 file).         */
unsigned keys_share_index (const keys_share_t *self);      /* x, 1..n */
unsigned keys_share_threshold (const keys_share_t *self);  /* k       */
unsigned keys_share_count (const keys_share_t *self);      /* n       */
const uint8_t *keys_share_sign_pk (const keys_share_t *self);  /* 32 */
const uint8_t *keys_share_box_pk (const keys_share_t *self);   /* 32 */
const uint8_t *keys_share_split_id (const keys_share_t *self); /* 8  */
const char *keys_share_text (const keys_share_t *self);

void
    keys_share_test (bool verbose);

#endif
