/* SPDX-License-Identifier: MPL-2.0 */
/* keys_secret: a node's secret keys, generated, saved and loaded. */

/* A node holds two independent key pairs: Ed25519 for signing and X25519
   for transport (CurveZMQ) and sealing. Both live in one sodium_malloc
   block that is made read-only once filled and wiped by sodium_free.

   The key file (docs/formats.md, "Secret key file") is two text lines:
       ceptoar-secret-key v1 <sign-pk hex>[ <comment>]
       <base64 of the record>
   and the record, all integers big-endian, is
       magic "CPSK" | version 1 | kdf (0 none, 1 argon2id13)
       | opslimit u64 | memlimit u64 | salt 16 | nonce 24
       | sign pk 32 | box pk 32
       | XChaCha20-Poly1305-IETF(seed 32 || box sk 32) with its 16-byte MAC
       | BLAKE2b-256 of every byte before it.
   The AEAD key is crypto_pwhash(passphrase, salt, opslimit, memlimit), or
   32 zero bytes when kdf is none; the additional data is the record from
   the magic to the box pk. The checksum is not a secret: it only lets us
   say "corrupted" rather than "wrong passphrase".

   This module does not prompt for passphrases and never prints keys: the
   tools read the passphrase and pass it in.                                 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_secret.h"
#include "../protocol/proto_bytes.h"
#include "keys_io.h"

/* Record layout: offsets and sizes of every field.                          */
#define S_MAGIC          "CPSK"
#define S_MAGIC_BYTES    4
#define S_VERSION        1
#define S_KDF_NONE       0
#define S_KDF_ARGON2ID13 1
#define S_SALT_BYTES     crypto_pwhash_SALTBYTES                   /* 16 */
#define S_NONCE_BYTES    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES /* 24 */
#define S_KEY_BYTES      crypto_aead_xchacha20poly1305_ietf_KEYBYTES  /* 32 */
#define S_MAC_BYTES      crypto_aead_xchacha20poly1305_ietf_ABYTES    /* 16 */
#define S_PLAIN_BYTES    (PROTO_SEED_BYTES + PROTO_BOXSK_BYTES)        /* 64 */
#define S_CIPHER_BYTES   (S_PLAIN_BYTES + S_MAC_BYTES)                 /* 80 */

#define S_OFF_VERSION    S_MAGIC_BYTES
#define S_OFF_KDF        (S_OFF_VERSION + 1)
#define S_OFF_OPSLIMIT   (S_OFF_KDF + 1)
#define S_OFF_MEMLIMIT   (S_OFF_OPSLIMIT + 8)
#define S_OFF_SALT       (S_OFF_MEMLIMIT + 8)
#define S_OFF_NONCE      (S_OFF_SALT + S_SALT_BYTES)
#define S_OFF_SIGN_PK    (S_OFF_NONCE + S_NONCE_BYTES)
#define S_OFF_BOX_PK     (S_OFF_SIGN_PK + PROTO_PK_BYTES)
#define S_OFF_CIPHER     (S_OFF_BOX_PK + PROTO_BOXPK_BYTES)   /* = AD bytes */
#define S_OFF_CHECKSUM   (S_OFF_CIPHER + S_CIPHER_BYTES)
#define S_RECORD_BYTES   (S_OFF_CHECKSUM + PROTO_HASH_BYTES)  /* 238        */
#define S_BASE64_LEN                                                         \
    sodium_base64_ENCODED_LEN (S_RECORD_BYTES,                               \
                               sodium_base64_VARIANT_ORIGINAL)

/* The KDF limits written by _save (MODERATE: about 0.5-1 s and 256 MiB),
   and the most _load accepts, so that a doctored file cannot make us
   allocate without bound.                                                   */
#define S_OPSLIMIT       crypto_pwhash_OPSLIMIT_MODERATE
#define S_MEMLIMIT       crypto_pwhash_MEMLIMIT_MODERATE
#define S_OPSLIMIT_CAP   64
#define S_MEMLIMIT_CAP   crypto_pwhash_MEMLIMIT_SENSITIVE

/* The text around the record.                                               */
#define S_TITLE          "ceptoar-secret-key v1 "
#define S_TITLE_LEN      (sizeof (S_TITLE) - 1)
#define S_COMMENT_MAX    255
#define S_FILE_MAX       1024     /* no valid key file is longer             */

struct _keys_secret_t {
    uint8_t sign_pk[PROTO_PK_BYTES];     /* Ed25519 public key              */
    uint8_t sign_sk[PROTO_SK_BYTES];     /* Ed25519 secret (seed || pk)     */
    uint8_t sign_seed[PROTO_SEED_BYTES]; /* Ed25519 seed                    */
    uint8_t box_pk[PROTO_BOXPK_BYTES];   /* X25519 public key               */
    uint8_t box_sk[PROTO_BOXSK_BYTES];   /* X25519 secret key               */
};

/* ------------------------------------------------------------------------
   Fill self->sign_* from self->sign_seed and self->box_pk from
   self->box_sk (both already in place), then make the block read-only.
   Returns 0, or -1 if the X25519 public key cannot be derived.              */
static int
s_derive (keys_secret_t *self)
{
    if (crypto_sign_seed_keypair (self->sign_pk, self->sign_sk,
                                  self->sign_seed) != 0)
        return -1;
    if (crypto_scalarmult_base (self->box_pk, self->box_sk) != 0)
        return -1;
    sodium_mprotect_readonly (self);
    return 0;
}

/* ------------------------------------------------------------------------
   A zeroed, writable object in secure memory, or NULL.                      */
static keys_secret_t *
s_alloc (void)
{
    keys_secret_t *self = (keys_secret_t *) sodium_malloc (sizeof *self);
    if (self)
        sodium_memzero (self, sizeof *self);
    return self;
}

/* ------------------------------------------------------------------------
   Fresh random keys, written straight into secure memory so that no copy
   of a secret is left on the stack.                                         */
keys_secret_t *
keys_secret_generate (void)
{
    keys_secret_t *self = s_alloc ();
    if (!self)
        return NULL;
    randombytes_buf (self->sign_seed, sizeof self->sign_seed);
    randombytes_buf (self->box_sk, sizeof self->box_sk);
    if (s_derive (self) != 0)
        keys_secret_destroy (&self);
    return self;
}

/* ------------------------------------------------------------------------
   Keys from a known seed and X25519 secret; the caller keeps and wipes its
   own copies.                                                               */
keys_secret_t *
keys_secret_from_seeds (const uint8_t sign_seed[PROTO_SEED_BYTES],
                        const uint8_t box_sk[PROTO_BOXSK_BYTES])
{
    assert (sign_seed);
    assert (box_sk);
    keys_secret_t *self = s_alloc ();
    if (!self)
        return NULL;
    memcpy (self->sign_seed, sign_seed, PROTO_SEED_BYTES);
    memcpy (self->box_sk, box_sk, PROTO_BOXSK_BYTES);
    if (s_derive (self) != 0)
        keys_secret_destroy (&self);
    return self;
}

/* ------------------------------------------------------------------------
   sodium_free wipes the block (it lifts the read-only protection first).   */
void
keys_secret_destroy (keys_secret_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sodium_free (*self_p);
        *self_p = NULL;
    }
}

const uint8_t *
keys_secret_sign_pk (const keys_secret_t *self)
{
    assert (self);
    return self->sign_pk;
}

const uint8_t *
keys_secret_sign_sk (const keys_secret_t *self)
{
    assert (self);
    return self->sign_sk;
}

const uint8_t *
keys_secret_sign_seed (const keys_secret_t *self)
{
    assert (self);
    return self->sign_seed;
}

const uint8_t *
keys_secret_box_pk (const keys_secret_t *self)
{
    assert (self);
    return self->box_pk;
}

const uint8_t *
keys_secret_box_sk (const keys_secret_t *self)
{
    assert (self);
    return self->box_sk;
}

/* ------------------------------------------------------------------------
   Big-endian u64 helpers for the record.                                    */


/* ------------------------------------------------------------------------
   The AEAD key for a record: Argon2id over the passphrase with the
   record's salt and limits, or all zero for kdf none. Returns 0, or -1 if
   crypto_pwhash fails (out of memory). The caller wipes key.                */
static int
s_record_key (uint8_t key[S_KEY_BYTES], const uint8_t *record,
              const char *passphrase)
{
    sodium_memzero (key, S_KEY_BYTES);
    if (record[S_OFF_KDF] == S_KDF_NONE)
        return 0;
    assert (passphrase);    /* callers refuse a sealed record without one */
    return crypto_pwhash (key, S_KEY_BYTES, passphrase, strlen (passphrase),
                          record + S_OFF_SALT,
                          proto_get_u64 (record + S_OFF_OPSLIMIT),
                          (size_t) proto_get_u64 (record + S_OFF_MEMLIMIT),
                          crypto_pwhash_ALG_ARGON2ID13);
}

/* ------------------------------------------------------------------------
   True if comment may go on the title line: printable UTF-8 without line
   breaks or control characters, at most S_COMMENT_MAX bytes.                */
static bool
s_comment_valid (const char *comment)
{
    size_t len = strlen (comment);
    return len <= S_COMMENT_MAX
           && proto_utf8_valid ((const uint8_t *) comment, len, false);
}

/* ------------------------------------------------------------------------
   Build the whole file text into out (S_FILE_MAX bytes). Returns its
   length, or 0 if the secrets cannot be sealed (KDF out of memory).         */
static size_t
s_encode_file (const keys_secret_t *self, const char *passphrase,
               const char *comment, char *out)
{
    uint8_t record[S_RECORD_BYTES];
    uint8_t key[S_KEY_BYTES];
    uint8_t plain[S_PLAIN_BYTES];
    size_t size = 0;

    memset (record, 0, sizeof record);
    memcpy (record, S_MAGIC, S_MAGIC_BYTES);
    record[S_OFF_VERSION] = S_VERSION;
    if (passphrase) {
        record[S_OFF_KDF] = S_KDF_ARGON2ID13;
        proto_put_u64 (record + S_OFF_OPSLIMIT, S_OPSLIMIT);
        proto_put_u64 (record + S_OFF_MEMLIMIT, S_MEMLIMIT);
        randombytes_buf (record + S_OFF_SALT, S_SALT_BYTES);
    }
    else
        record[S_OFF_KDF] = S_KDF_NONE;     /* limits and salt stay zero    */
    randombytes_buf (record + S_OFF_NONCE, S_NONCE_BYTES);
    memcpy (record + S_OFF_SIGN_PK, self->sign_pk, PROTO_PK_BYTES);
    memcpy (record + S_OFF_BOX_PK, self->box_pk, PROTO_BOXPK_BYTES);

    if (s_record_key (key, record, passphrase) == 0) {
        memcpy (plain, self->sign_seed, PROTO_SEED_BYTES);
        memcpy (plain + PROTO_SEED_BYTES, self->box_sk, PROTO_BOXSK_BYTES);
        crypto_aead_xchacha20poly1305_ietf_encrypt (
            record + S_OFF_CIPHER, NULL, plain, S_PLAIN_BYTES, record,
            S_OFF_CIPHER, NULL, record + S_OFF_NONCE, key);
        proto_hash (record + S_OFF_CHECKSUM, record, S_OFF_CHECKSUM);

        char pk_hex[2 * PROTO_PK_BYTES + 1];
        char b64[S_BASE64_LEN];
        proto_hex_encode (pk_hex, self->sign_pk, PROTO_PK_BYTES);
        sodium_bin2base64 (b64, sizeof b64, record, S_RECORD_BYTES,
                           sodium_base64_VARIANT_ORIGINAL);
        int n = snprintf (out, S_FILE_MAX, "%s%s%s%s\n%s\n", S_TITLE, pk_hex,
                          comment ? " " : "", comment ? comment : "", b64);
        assert (n > 0 && n < S_FILE_MAX);
        size = (size_t) n;
    }
    sodium_memzero (plain, sizeof plain);
    sodium_memzero (key, sizeof key);
    return size;
}



/* ------------------------------------------------------------------------
   Create path exclusively with mode 0600 and write the key file into it.
   A file we created but could not finish is removed again.                  */
int
keys_secret_save (const keys_secret_t *self, const char *path,
                  const char *passphrase, const char *comment)
{
    assert (self);
    assert (path);
    if (comment && !*comment)
        comment = NULL;
    if (comment && !s_comment_valid (comment)) {
        errno = EINVAL;
        return -1;
    }
    char text[S_FILE_MAX];
    size_t len = s_encode_file (self, passphrase, comment, text);
    if (len == 0) {
        errno = ENOMEM;
        return -1;
    }
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600);
    if (fd < 0)
        return -1;
    /* The umask can only take bits away; make sure the owner can still
       read and write, and nobody else anything.                             */
    if (fchmod (fd, 0600) != 0 || keys_io_write_all (fd, text, len) != 0
        || fsync (fd) != 0) {
        int saved = errno;
        close (fd);
        unlink (path);
        errno = saved;
        return -1;
    }
    if (close (fd) != 0) {
        int saved = errno;
        unlink (path);
        errno = saved;
        return -1;
    }
    keys_io_sync_parent (path);
    return 0;
}

/* ------------------------------------------------------------------------
   Read the key file at path and check its text and checksum; record gets
   the decoded record. When check_mode, refuse a file that group or others
   may use. Returns KEYS_LOAD_OK, _IO, _PERMISSIONS or _MALFORMED.           */
static keys_load_t
s_read_record (const char *path, bool check_mode,
               uint8_t record[S_RECORD_BYTES])
{
    char text[S_FILE_MAX + 1];
    size_t len = 0;
    struct stat st;

    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return KEYS_LOAD_IO;
    if (fstat (fd, &st) != 0) {
        close (fd);
        return KEYS_LOAD_IO;
    }
    if (!S_ISREG (st.st_mode)) {
        close (fd);
        return KEYS_LOAD_MALFORMED;
    }
    if (check_mode && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        close (fd);
        return KEYS_LOAD_PERMISSIONS;
    }
    while (len < sizeof text) {
        ssize_t n = read (fd, text + len, sizeof text - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close (fd);
            return KEYS_LOAD_IO;
        }
        if (n == 0)
            break;
        len += (size_t) n;
    }
    close (fd);
    if (len > S_FILE_MAX)
        return KEYS_LOAD_MALFORMED;

    /* Line 1: title, sign pk hex, optional " comment", LF.                 */
    const char *eol = memchr (text, '\n', len);
    if (!eol || (size_t) (eol - text) < S_TITLE_LEN + 2 * PROTO_PK_BYTES
        || memcmp (text, S_TITLE, S_TITLE_LEN) != 0)
        return KEYS_LOAD_MALFORMED;
    char pk_hex[2 * PROTO_PK_BYTES + 1];
    memcpy (pk_hex, text + S_TITLE_LEN, 2 * PROTO_PK_BYTES);
    pk_hex[2 * PROTO_PK_BYTES] = 0;
    const char *after = text + S_TITLE_LEN + 2 * PROTO_PK_BYTES;
    if (after != eol) {
        /* " comment", as _save writes it.                                  */
        size_t comment_len = (size_t) (eol - after) - 1;
        if (*after != ' ' || comment_len == 0 || comment_len > S_COMMENT_MAX
            || !proto_utf8_valid ((const uint8_t *) after + 1, comment_len,
                                  false))
            return KEYS_LOAD_MALFORMED;
    }
    uint8_t title_pk[PROTO_PK_BYTES];
    if (proto_hex_decode (title_pk, PROTO_PK_BYTES, pk_hex) != 0)
        return KEYS_LOAD_MALFORMED;

    /* Line 2: base64 of exactly one record, LF, end of file.               */
    const char *b64 = eol + 1;
    size_t b64_len = len - (size_t) (b64 - text);
    if (b64_len < 1 || b64[b64_len - 1] != '\n')
        return KEYS_LOAD_MALFORMED;
    b64_len--;
    size_t bin_len = 0;
    const char *b64_end = NULL;
    if (sodium_base642bin (record, S_RECORD_BYTES, b64, b64_len, NULL,
                           &bin_len, &b64_end, sodium_base64_VARIANT_ORIGINAL)
            != 0
        || bin_len != S_RECORD_BYTES || b64_end != b64 + b64_len)
        return KEYS_LOAD_MALFORMED;
    /* Debian 12's libsodium decodes any byte >= 0x80 as '/' (a signed-char
       comparison, fixed upstream): accept only the canonical encoding, the
       one this record re-encodes to.                                       */
    char canonical[sodium_base64_ENCODED_LEN (S_RECORD_BYTES,
                                              sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64 (canonical, sizeof canonical, record, S_RECORD_BYTES,
                       sodium_base64_VARIANT_ORIGINAL);
    if (strlen (canonical) != b64_len || memcmp (canonical, b64, b64_len) != 0)
        return KEYS_LOAD_MALFORMED;

    uint8_t sum[PROTO_HASH_BYTES];
    proto_hash (sum, record, S_OFF_CHECKSUM);
    if (sodium_memcmp (sum, record + S_OFF_CHECKSUM, PROTO_HASH_BYTES) != 0)
        return KEYS_LOAD_MALFORMED;

    /* The checksum holds, so what follows is what the writer wrote; still
       refuse anything this version did not write.                         */
    if (memcmp (record, S_MAGIC, S_MAGIC_BYTES) != 0
        || record[S_OFF_VERSION] != S_VERSION
        || memcmp (record + S_OFF_SIGN_PK, title_pk, PROTO_PK_BYTES) != 0)
        return KEYS_LOAD_MALFORMED;
    uint64_t ops = proto_get_u64 (record + S_OFF_OPSLIMIT);
    uint64_t mem = proto_get_u64 (record + S_OFF_MEMLIMIT);
    if (record[S_OFF_KDF] == S_KDF_NONE) {
        static const uint8_t zero_salt[S_SALT_BYTES];
        if (ops != 0 || mem != 0
            || memcmp (record + S_OFF_SALT, zero_salt, S_SALT_BYTES) != 0)
            return KEYS_LOAD_MALFORMED;
    }
    else if (record[S_OFF_KDF] == S_KDF_ARGON2ID13) {
        if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > S_OPSLIMIT_CAP
            || mem < crypto_pwhash_MEMLIMIT_MIN || mem > S_MEMLIMIT_CAP)
            return KEYS_LOAD_MALFORMED;
    }
    else
        return KEYS_LOAD_MALFORMED;
    return KEYS_LOAD_OK;
}

/* ------------------------------------------------------------------------
   Load, decrypt and check the key file. The secrets are decrypted straight
   into the object's secure memory.                                          */
keys_secret_t *
keys_secret_load (const char *path, const char *passphrase,
                  keys_load_t *result)
{
    assert (path);
    assert (result);
    uint8_t record[S_RECORD_BYTES];
    uint8_t key[S_KEY_BYTES];

    *result = s_read_record (path, true, record);
    if (*result != KEYS_LOAD_OK)
        return NULL;
    bool encrypted = record[S_OFF_KDF] != S_KDF_NONE;
    if (encrypted && !passphrase) {
        *result = KEYS_LOAD_NEED_PASSPHRASE;
        return NULL;
    }
    keys_secret_t *self = s_alloc ();
    if (!self || s_record_key (key, record, passphrase) != 0) {
        sodium_memzero (key, sizeof key);
        keys_secret_destroy (&self);
        *result = KEYS_LOAD_IO;          /* out of memory: environment     */
        return NULL;
    }
    /* seed and box_sk are adjacent in the struct, so decrypt into both
       at once.                                                              */
    uint8_t plain[S_PLAIN_BYTES];
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt (
        plain, NULL, NULL, record + S_OFF_CIPHER, S_CIPHER_BYTES, record,
        S_OFF_CIPHER, record + S_OFF_NONCE, key);
    sodium_memzero (key, sizeof key);
    if (rc != 0) {
        /* The checksum matched, so the bytes are as written: with a
           passphrase, it is the wrong one; without, someone rebuilt the
           checksum over altered bytes.                                      */
        *result = encrypted ? KEYS_LOAD_BAD_PASSPHRASE : KEYS_LOAD_MALFORMED;
        sodium_memzero (plain, sizeof plain);
        keys_secret_destroy (&self);
        return NULL;
    }
    memcpy (self->sign_seed, plain, PROTO_SEED_BYTES);
    memcpy (self->box_sk, plain + PROTO_SEED_BYTES, PROTO_BOXSK_BYTES);
    sodium_memzero (plain, sizeof plain);

    /* The secrets must regenerate the public keys written beside them.    */
    if (s_derive (self) != 0
        || memcmp (self->sign_pk, record + S_OFF_SIGN_PK, PROTO_PK_BYTES) != 0
        || memcmp (self->box_pk, record + S_OFF_BOX_PK, PROTO_BOXPK_BYTES)
               != 0) {
        *result = KEYS_LOAD_MALFORMED;
        keys_secret_destroy (&self);
        return NULL;
    }
    *result = KEYS_LOAD_OK;
    return self;
}

/* ------------------------------------------------------------------------
   1 if the key file needs a passphrase, 0 if not, -1 if it is not a
   readable key file. Does not check the file's mode.                       */
int
keys_secret_file_encrypted (const char *path)
{
    assert (path);
    uint8_t record[S_RECORD_BYTES];
    if (s_read_record (path, false, record) != KEYS_LOAD_OK)
        return -1;
    return record[S_OFF_KDF] != S_KDF_NONE;
}

const char *
keys_load_strerror (keys_load_t result)
{
    switch (result) {
    case KEYS_LOAD_OK:
        return "key file loaded";
    case KEYS_LOAD_IO:
        return "cannot read the key file: check the path and that you own it";
    case KEYS_LOAD_PERMISSIONS:
        return "the key file is readable or writable by group or others: "
               "run chmod 600 on it";
    case KEYS_LOAD_MALFORMED:
        return "not a ceptoar secret key file, or the file is corrupted: "
               "restore it from your backup";
    case KEYS_LOAD_NEED_PASSPHRASE:
        return "the key file is passphrase-protected: give its passphrase";
    case KEYS_LOAD_BAD_PASSPHRASE:
        return "wrong passphrase for this key file: try again";
    }
    return "unknown key file error";
}

/* ------------------------------------------------------------------------
   Selftest helpers: a scratch path, and file rewriting.                     */
static void
s_write_file (const char *path, const char *data, size_t len, mode_t mode)
{
    unlink (path);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert (fd >= 0);
    assert (keys_io_write_all (fd, data, len) == 0);
    assert (fchmod (fd, mode) == 0);
    close (fd);
}

static size_t
s_read_file (const char *path, char *buf, size_t cap)
{
    FILE *file = fopen (path, "rb");
    assert (file);
    size_t len = fread (buf, 1, cap, file);
    (void) fclose (file);
    return len;
}

static void
s_expect_load (const char *path, const char *passphrase, keys_load_t want)
{
    keys_load_t result = KEYS_LOAD_OK;
    keys_secret_t *key = keys_secret_load (path, passphrase, &result);
    assert (!key);
    assert (result == want);
}

void
keys_secret_test (bool verbose)
{
    printf (" * keys_secret: ");
    fflush (stdout);

    const char *tmp = getenv ("TMPDIR");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/keys_secret_XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    assert (mkdtemp (dir));
    char plain_path[4200], enc_path[4200], bad_path[4200];
    snprintf (plain_path, sizeof plain_path, "%s/plain.key", dir);
    snprintf (enc_path, sizeof enc_path, "%s/enc.key", dir);
    snprintf (bad_path, sizeof bad_path, "%s/bad.key", dir);

    /* from_seeds is deterministic; the two key pairs are independent.      */
    uint8_t seed[PROTO_SEED_BYTES], box_sk[PROTO_BOXSK_BYTES];
    for (size_t i = 0; i < sizeof seed; i++) {
        seed[i] = (uint8_t) i;
        box_sk[i] = (uint8_t) (0x80 + i);
    }
    keys_secret_t *a = keys_secret_from_seeds (seed, box_sk);
    keys_secret_t *b = keys_secret_from_seeds (seed, box_sk);
    assert (a && b);
    assert (!memcmp (keys_secret_sign_pk (a), keys_secret_sign_pk (b), 32));
    assert (!memcmp (keys_secret_box_pk (a), keys_secret_box_pk (b), 32));
    assert (!memcmp (keys_secret_sign_seed (a), seed, 32));
    assert (!memcmp (keys_secret_box_sk (a), box_sk, 32));
    assert (!memcmp (keys_secret_sign_sk (a), seed, 32));
    assert (!memcmp (keys_secret_sign_sk (a) + 32, keys_secret_sign_pk (a),
                     32));
    uint8_t sig[PROTO_SIG_BYTES];
    crypto_sign_detached (sig, NULL, (const uint8_t *) "m", 1,
                          keys_secret_sign_sk (a));
    assert (crypto_sign_verify_detached (sig, (const uint8_t *) "m", 1,
                                         keys_secret_sign_pk (b))
            == 0);
    uint8_t box_pk[PROTO_BOXPK_BYTES];
    assert (crypto_scalarmult_base (box_pk, box_sk) == 0);
    assert (!memcmp (box_pk, keys_secret_box_pk (a), 32));
    keys_secret_destroy (&b);
    assert (b == NULL);
    keys_secret_destroy (&b);

    keys_secret_t *g = keys_secret_generate ();
    keys_secret_t *h = keys_secret_generate ();
    assert (g && h);
    assert (memcmp (keys_secret_sign_pk (g), keys_secret_sign_pk (h), 32));
    assert (memcmp (keys_secret_box_sk (g), keys_secret_box_sk (h), 32));
    keys_secret_destroy (&h);

    /* Round trip without a passphrase.                                      */
    assert (keys_secret_save (a, plain_path, NULL, "T-CEPTOAR node") == 0);
    struct stat st;
    assert (stat (plain_path, &st) == 0);
    assert ((st.st_mode & 07777) == 0600);
    assert (keys_secret_file_encrypted (plain_path) == 0);
    keys_load_t result = KEYS_LOAD_IO;
    keys_secret_t *loaded = keys_secret_load (plain_path, NULL, &result);
    assert (loaded && result == KEYS_LOAD_OK);
    assert (!memcmp (keys_secret_sign_sk (loaded), keys_secret_sign_sk (a),
                     PROTO_SK_BYTES));
    assert (!memcmp (keys_secret_box_sk (loaded), box_sk, 32));
    keys_secret_destroy (&loaded);
    /* A passphrase given for a plain file is not needed and not harmful.   */
    loaded = keys_secret_load (plain_path, "unused", &result);
    assert (loaded && result == KEYS_LOAD_OK);
    keys_secret_destroy (&loaded);

    /* The first line names the format and the public key, and no secret.   */
    char text[S_FILE_MAX + 64];
    size_t len = s_read_file (plain_path, text, sizeof text);
    assert (len > 0 && len < sizeof text);
    char pk_hex[65], seed_hex[65];
    proto_hex_encode (pk_hex, keys_secret_sign_pk (a), 32);
    proto_hex_encode (seed_hex, seed, 32);
    text[len] = 0;
    assert (!strncmp (text, S_TITLE, S_TITLE_LEN));
    assert (!strncmp (text + S_TITLE_LEN, pk_hex, 64));
    assert (!strncmp (text + S_TITLE_LEN + 64, " T-CEPTOAR node\n", 16));
    assert (!strstr (text, seed_hex));

    /* Never overwrite.                                                      */
    assert (keys_secret_save (g, plain_path, NULL, NULL) == -1);
    assert (errno == EEXIST);
    loaded = keys_secret_load (plain_path, NULL, &result);
    assert (loaded
            && !memcmp (keys_secret_sign_pk (loaded), keys_secret_sign_pk (a),
                        32));
    keys_secret_destroy (&loaded);

    /* A comment must be one line.                                           */
    assert (keys_secret_save (a, bad_path, NULL, "two\nlines") == -1);
    assert (errno == EINVAL);
    assert (access (bad_path, F_OK) != 0);

    /* Permissions: group or other bits refuse the file.                    */
    s_write_file (bad_path, text, len, 0644);
    s_expect_load (bad_path, NULL, KEYS_LOAD_PERMISSIONS);
    assert (chmod (bad_path, 0620) == 0);
    s_expect_load (bad_path, NULL, KEYS_LOAD_PERMISSIONS);
    assert (chmod (bad_path, 0600) == 0);
    loaded = keys_secret_load (bad_path, NULL, &result);
    assert (loaded);
    keys_secret_destroy (&loaded);
    s_expect_load (dir, NULL, KEYS_LOAD_MALFORMED);     /* not a file    */

    /* Missing file.                                                         */
    char missing[4300];
    snprintf (missing, sizeof missing, "%s/none.key", dir);
    s_expect_load (missing, NULL, KEYS_LOAD_IO);
    assert (keys_secret_file_encrypted (missing) == -1);

    /* Corruption is MALFORMED: a flipped byte in the base64 region (in the
       ciphertext, the salt, the checksum), a flipped title key, truncation,
       garbage, trailing bytes.                                              */
    char *line2 = strchr (text, '\n') + 1;
    size_t b64_at = (size_t) (line2 - text);
    size_t b64_len = len - b64_at - 1;
    size_t spots[] = { 0, b64_len / 3, b64_len / 2, b64_len - 6 };
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        char copy[sizeof text];
        memcpy (copy, text, len);
        char *c = copy + b64_at + spots[i];
        *c = *c == 'A' ? 'B' : 'A';
        s_write_file (bad_path, copy, len, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        s_expect_load (bad_path, "pass", KEYS_LOAD_MALFORMED);
    }
    {
        char copy[sizeof text];
        memcpy (copy, text, len);
        copy[S_TITLE_LEN] = copy[S_TITLE_LEN] == 'a' ? 'b' : 'a';
        s_write_file (bad_path, copy, len, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    }
    {
        /* The comment must be what _save would write.                     */
        char copy[sizeof text];
        memcpy (copy, text, len);
        char *comment = strstr (copy, " T-CEPTOAR");
        comment[2] = 0x01;
        s_write_file (bad_path, copy, len, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        comment[2] = '-';
        s_write_file (bad_path, copy, len, 0600);
        loaded = keys_secret_load (bad_path, NULL, &result);
        assert (loaded && result == KEYS_LOAD_OK);
        keys_secret_destroy (&loaded);
    }
    {
        /* Regressions from fuzzing: the title key in uppercase hex, and a
           '/' in the base64 replaced by a byte >= 0x80 (which Debian 12's
           libsodium decodes as '/'), are not the canonical file.         */
        char copy[sizeof text];
        memcpy (copy, text, len);
        char *hex = copy + S_TITLE_LEN;
        size_t letter = strcspn (hex, "abcdef");
        hex[letter] = (char) (hex[letter] - 'a' + 'A');
        s_write_file (bad_path, copy, len, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        memcpy (copy, text, len);
        char *slash = memchr (copy + b64_at, '/', b64_len);
        if (!slash)
            slash = memchr (copy + b64_at, '+', b64_len);
        if (slash) {
            *slash = (char) 0xff;
            s_write_file (bad_path, copy, len, 0600);
            s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        }
        /* A byte >= 0x80 anywhere in the line is refused too.             */
        memcpy (copy, text, len);
        copy[b64_at + 5] = (char) 0x80;
        s_write_file (bad_path, copy, len, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    }
    s_write_file (bad_path, text, len - 1, 0600);         /* no final LF   */
    s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    s_write_file (bad_path, text, len - 20, 0600);        /* truncated     */
    s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    s_write_file (bad_path, text, b64_at, 0600);          /* title only    */
    s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    s_write_file (bad_path, "", 0, 0600);                 /* empty         */
    s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    assert (keys_secret_file_encrypted (bad_path) == -1);
    {
        char copy[sizeof text + 8];
        memcpy (copy, text, len);
        memcpy (copy + len, "junk\n", 5);                 /* trailing      */
        s_write_file (bad_path, copy, len + 5, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        uint8_t garbage[700];
        randombytes_buf (garbage, sizeof garbage);
        s_write_file (bad_path, (const char *) garbage, sizeof garbage, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
    }

    /* A record whose checksum holds but whose contents lie is MALFORMED:
       public keys that the secrets do not regenerate, and (without a
       passphrase) a ciphertext altered under a rebuilt checksum.           */
    {
        keys_secret_t fake = *a;
        char copy[S_FILE_MAX];
        fake.box_pk[0] ^= 1;
        size_t n = s_encode_file (&fake, NULL, NULL, copy);
        s_write_file (bad_path, copy, n, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        fake = *a;
        fake.sign_pk[0] ^= 1;
        n = s_encode_file (&fake, NULL, NULL, copy);
        s_write_file (bad_path, copy, n, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        sodium_memzero (&fake, sizeof fake);

        uint8_t record[S_RECORD_BYTES];
        assert (s_read_record (plain_path, true, record) == KEYS_LOAD_OK);
        record[S_OFF_CIPHER + 5] ^= 1;
        proto_hash (record + S_OFF_CHECKSUM, record, S_OFF_CHECKSUM);
        n = (size_t) (line2 - text);
        memcpy (copy, text, n);
        sodium_bin2base64 (copy + n, sizeof copy - n, record, S_RECORD_BYTES,
                           sodium_base64_VARIANT_ORIGINAL);
        n += strlen (copy + n);
        copy[n++] = '\n';
        s_write_file (bad_path, copy, n, 0600);
        s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);
        /* ... and the same file with its checksum rebuilt but unaltered
           loads, so the checks above are not vacuous.                       */
        record[S_OFF_CIPHER + 5] ^= 1;
        proto_hash (record + S_OFF_CHECKSUM, record, S_OFF_CHECKSUM);
        n = (size_t) (line2 - text);
        sodium_bin2base64 (copy + n, sizeof copy - n, record, S_RECORD_BYTES,
                           sodium_base64_VARIANT_ORIGINAL);
        n += strlen (copy + n);
        copy[n++] = '\n';
        s_write_file (bad_path, copy, n, 0600);
        loaded = keys_secret_load (bad_path, NULL, &result);
        assert (loaded && result == KEYS_LOAD_OK);
        keys_secret_destroy (&loaded);
    }

    /* With a passphrase: the three outcomes (one pwhash each, plus save). */
    assert (keys_secret_save (g, enc_path, "correct horse", NULL) == 0);
    assert (keys_secret_file_encrypted (enc_path) == 1);
    assert (stat (enc_path, &st) == 0);
    assert ((st.st_mode & 07777) == 0600);
    s_expect_load (enc_path, NULL, KEYS_LOAD_NEED_PASSPHRASE);
    s_expect_load (enc_path, "battery staple", KEYS_LOAD_BAD_PASSPHRASE);
    loaded = keys_secret_load (enc_path, "correct horse", &result);
    assert (loaded && result == KEYS_LOAD_OK);
    assert (!memcmp (keys_secret_sign_sk (loaded), keys_secret_sign_sk (g),
                     PROTO_SK_BYTES));
    assert (!memcmp (keys_secret_box_sk (loaded), keys_secret_box_sk (g), 32));
    assert (!memcmp (keys_secret_box_pk (loaded), keys_secret_box_pk (g), 32));
    keys_secret_destroy (&loaded);

    /* A corrupted encrypted file is MALFORMED before any KDF work, never
       BAD_PASSPHRASE.                                                       */
    len = s_read_file (enc_path, text, sizeof text);
    line2 = (char *) memchr (text, '\n', len) + 1;
    b64_at = (size_t) (line2 - text);
    text[b64_at + 150] = text[b64_at + 150] == 'A' ? 'B' : 'A';
    s_write_file (bad_path, text, len, 0600);
    s_expect_load (bad_path, "correct horse", KEYS_LOAD_MALFORMED);
    s_expect_load (bad_path, NULL, KEYS_LOAD_MALFORMED);

    assert (strstr (keys_load_strerror (KEYS_LOAD_PERMISSIONS), "chmod 600"));
    assert (keys_load_strerror ((keys_load_t) 99));

    keys_secret_destroy (&a);
    keys_secret_destroy (&g);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (box_sk, sizeof box_sk);
    unlink (plain_path);
    unlink (enc_path);
    unlink (bad_path);
    assert (rmdir (dir) == 0);
    if (verbose)
        printf ("(pwhash: opslimit %llu, memlimit %zu) ",
                (unsigned long long) S_OPSLIMIT, (size_t) S_MEMLIMIT);
    printf ("OK\n");
}
