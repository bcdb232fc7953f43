/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_keyfile: libFuzzer harness for loading secret key files. */

/* The input is the content of a key file (docs/formats.md §2). keys_
   secret_load takes a path, so the harness writes the input to a file of
   mode 0600 in a private directory (on /dev/shm when there is one, so the
   fsyncs of the round trip cost nothing) and loads it without a
   passphrase: a passphrase would run Argon2id with limits taken from the
   file (up to 1 GiB), which is a cost the format allows by design, not a
   bug to look for.

   The record ends in a BLAKE2b checksum, which the fuzzer cannot forge. So
   when the input has the form title LF base64 LF and the base64 decodes to
   a record of the right size, the harness also loads a second file with
   the checksum recomputed, to reach the checks behind it (magic, version,
   key in the title, KDF limits, decryption, key derivation).

   Properties checked:
   - the result is one of the documented keys_load_t values, and an object
     comes back exactly when it is OK;
   - keys_secret_file_encrypted agrees: 0 for a file that loads, 1 for one
     that needs a passphrase, -1 only where the load says IO or MALFORMED;
   - a key that loads has the title's sign key, and derives its public
     keys from its secrets;
   - round trip: saved again (no passphrase, same comment), the new file
     has the same title line and loads to the same keys;
   - the record line is canonical base64: decoding and encoding it again
     gives the same line.                                                   */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "fuzz_common.h"

#define S_TITLE        "ceptoar-secret-key v1 "
#define S_TITLE_LEN    (sizeof (S_TITLE) - 1)
#define S_RECORD_BYTES 238 /* formats.md §2.2                            */
#define S_CHECKSUM_OFF 206
#define S_FILE_MAX     1024
#define S_B64_MAX                                                              \
    sodium_base64_ENCODED_LEN (S_RECORD_BYTES, sodium_base64_VARIANT_ORIGINAL)

static char s_dir[256];   /* private scratch directory                 */
static char s_input[300]; /* the input as a file                       */
static char s_saved[300]; /* the round trip's file                     */


/* ------------------------------------------------------------------------
   Remove the scratch files and directory at exit.                          */
static void
s_cleanup (void)
{
    unlink (s_input);
    unlink (s_saved);
    rmdir (s_dir);
}

/* ------------------------------------------------------------------------
   Replace the file at path with data[0..size), mode 0600.                  */
static void
s_write (const char *path, const void *data, size_t size)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK ("harness", fd >= 0);
    FUZZ_CHECK ("harness", fchmod (fd, 0600) == 0);
    const char *p = data;
    while (size > 0) {
        ssize_t n = write (fd, p, size);
        FUZZ_CHECK ("harness", n > 0);
        p += n;
        size -= (size_t) n;
    }
    FUZZ_CHECK ("harness", close (fd) == 0);
}

/* ------------------------------------------------------------------------
   Load the file at path and check the result; returns the key or NULL.     */
static keys_secret_t *
s_load (const char *path, keys_load_t *result)
{
    *result = (keys_load_t) 99;
    keys_secret_t *key = keys_secret_load (path, NULL, result);
    FUZZ_CHECK ("keyfile-result",
                *result >= KEYS_LOAD_OK && *result <= KEYS_LOAD_BAD_PASSPHRASE);
    FUZZ_CHECK ("keyfile-result", (key != NULL) == (*result == KEYS_LOAD_OK));
    FUZZ_CHECK ("keyfile-result", keys_load_strerror (*result) != NULL);
    /* Without a passphrase nothing can be a wrong passphrase. */
    FUZZ_CHECK ("keyfile-result", *result != KEYS_LOAD_BAD_PASSPHRASE);
    int encrypted = keys_secret_file_encrypted (path);
    if (*result == KEYS_LOAD_OK)
        FUZZ_CHECK ("keyfile-result", encrypted == 0);
    else if (*result == KEYS_LOAD_NEED_PASSPHRASE)
        FUZZ_CHECK ("keyfile-result", encrypted == 1);
    if (encrypted == -1)
        FUZZ_CHECK ("keyfile-result",
                    *result == KEYS_LOAD_IO || *result == KEYS_LOAD_MALFORMED);
    return key;
}

/* ------------------------------------------------------------------------
   Properties of a key that loaded from text[0..size).                      */
static void
s_loaded (const keys_secret_t *key, const char *text, size_t size)
{
    /* The title names the sign key. */
    char pk_hex[2 * PROTO_PK_BYTES + 1];
    proto_hex_encode (pk_hex, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    FUZZ_CHECK ("keyfile-title", size > S_TITLE_LEN + 2 * PROTO_PK_BYTES);
    FUZZ_CHECK ("keyfile-title", !memcmp (text, S_TITLE, S_TITLE_LEN));
    FUZZ_CHECK ("keyfile-title",
                !memcmp (text + S_TITLE_LEN, pk_hex, 2 * PROTO_PK_BYTES));
    /* The secrets give the public keys. */
    uint8_t pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES], box_pk[PROTO_BOXPK_BYTES];
    crypto_sign_seed_keypair (pk, sk, keys_secret_sign_seed (key));
    FUZZ_CHECK ("keyfile-keys",
                !memcmp (pk, keys_secret_sign_pk (key), PROTO_PK_BYTES));
    FUZZ_CHECK ("keyfile-keys",
                !memcmp (sk, keys_secret_sign_sk (key), PROTO_SK_BYTES));
    FUZZ_CHECK ("keyfile-keys",
                crypto_scalarmult_base (box_pk, keys_secret_box_sk (key)) == 0);
    FUZZ_CHECK ("keyfile-keys",
                !memcmp (box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES));
    sodium_memzero (sk, sizeof sk);

    /* Save again with the same comment: same title line, same keys. */
    const char *eol = memchr (text, '\n', size);
    FUZZ_CHECK ("harness", eol);
    size_t title_len = (size_t) (eol - text);
    char comment[S_FILE_MAX + 1] = "";
    size_t key_end = S_TITLE_LEN + 2 * PROTO_PK_BYTES;
    if (title_len > key_end) {
        FUZZ_CHECK ("keyfile-round-trip", text[key_end] == ' ');
        memcpy (comment, text + key_end + 1, title_len - key_end - 1);
        comment[title_len - key_end - 1] = 0;
    }
    unlink (s_saved);
    FUZZ_CHECK ("keyfile-round-trip",
                keys_secret_save (key, s_saved, NULL, comment) == 0);
    keys_load_t result;
    keys_secret_t *back = s_load (s_saved, &result);
    FUZZ_CHECK ("keyfile-round-trip", back);
    FUZZ_CHECK ("keyfile-round-trip",
                !memcmp (keys_secret_sign_seed (back),
                         keys_secret_sign_seed (key), PROTO_SEED_BYTES));
    FUZZ_CHECK ("keyfile-round-trip",
                !memcmp (keys_secret_box_sk (back), keys_secret_box_sk (key),
                         PROTO_BOXSK_BYTES));
    keys_secret_destroy (&back);
    FUZZ_CHECK ("keyfile-round-trip", back == NULL);

    char saved[S_FILE_MAX + 1];
    int fd = open (s_saved, O_RDONLY | O_CLOEXEC);
    FUZZ_CHECK ("harness", fd >= 0);
    ssize_t n = read (fd, saved, sizeof saved);
    close (fd);
    FUZZ_CHECK ("keyfile-round-trip", n > (ssize_t) title_len);
    FUZZ_CHECK ("keyfile-title", !memcmp (saved, text, title_len + 1));
    /* The record line is canonical base64: decoding and encoding it again
       gives the same line. */
    const char *b64 = eol + 1;
    size_t b64_len = size - 1 - title_len - 1;
    uint8_t record[S_RECORD_BYTES];
    size_t bin_len = 0;
    FUZZ_CHECK ("keyfile-base64",
                sodium_base642bin (record, sizeof record, b64, b64_len, NULL,
                                   &bin_len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL)
                        == 0
                    && bin_len == S_RECORD_BYTES);
    char again[S_B64_MAX];
    sodium_bin2base64 (again, sizeof again, record, sizeof record,
                       sodium_base64_VARIANT_ORIGINAL);
    FUZZ_CHECK ("keyfile-base64",
                strlen (again) == b64_len && !memcmp (again, b64, b64_len));
    struct stat st;
    FUZZ_CHECK ("keyfile-round-trip",
                stat (s_saved, &st) == 0 && (st.st_mode & 0777) == 0600);
}

/* ------------------------------------------------------------------------
   If text is title LF base64 LF with a record of the right size, write it
   again with the checksum recomputed into path. Returns true if written.   */
static bool
s_fix_checksum (const char *text, size_t size, const char *path)
{
    const char *eol = memchr (text, '\n', size);
    /* Two lines: the title's LF comes before the last byte, which is LF. */
    if (!eol || eol >= text + size - 1 || text[size - 1] != '\n')
        return false;
    const char *b64 = eol + 1;
    size_t b64_len = size - 1 - (size_t) (b64 - text);
    uint8_t record[S_RECORD_BYTES];
    size_t bin_len = 0;
    if (sodium_base642bin (record, sizeof record, b64, b64_len, NULL, &bin_len,
                           NULL, sodium_base64_VARIANT_ORIGINAL)
            != 0
        || bin_len != S_RECORD_BYTES)
        return false;
    uint8_t sum[PROTO_HASH_BYTES];
    proto_hash (sum, record, S_CHECKSUM_OFF);
    if (!memcmp (sum, record + S_CHECKSUM_OFF, sizeof sum))
        return false; /* already right: nothing new to reach */
    memcpy (record + S_CHECKSUM_OFF, sum, sizeof sum);
    char fixed[S_FILE_MAX + S_B64_MAX + 2];
    size_t title_len = (size_t) (b64 - text);
    if (title_len > S_FILE_MAX)
        return false;
    memcpy (fixed, text, title_len);
    sodium_bin2base64 (fixed + title_len, S_B64_MAX, record, sizeof record,
                       sodium_base64_VARIANT_ORIGINAL);
    size_t len = title_len + strlen (fixed + title_len);
    fixed[len++] = '\n';
    s_write (path, fixed, len);
    return true;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    const char *base = access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL;
    if (!base)
        base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
    snprintf (s_dir, sizeof s_dir, "%s/fuzz_keyfile.XXXXXX", base);
    if (!mkdtemp (s_dir)) {
        fprintf (stderr, "fuzz_keyfile: cannot create %s: %s\n", s_dir,
                 strerror (errno));
        abort ();
    }
    chmod (s_dir, 0700);
    snprintf (s_input, sizeof s_input, "%s/input.key", s_dir);
    snprintf (s_saved, sizeof s_saved, "%s/saved.key", s_dir);
    (void) atexit (s_cleanup);          //  at worst the directory stays
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    s_write (s_input, data, size);
    keys_load_t result;
    keys_secret_t *key = s_load (s_input, &result);
    if (key) {
        s_loaded (key, text, size);
        keys_secret_destroy (&key);
    }
    else if (result == KEYS_LOAD_MALFORMED
             && s_fix_checksum (text, size, s_input)) {
        key = s_load (s_input, &result);
        if (key) {
            /* The fixed file is the input with another checksum: its
               title is the same, so the title properties still hold.      */
            char fixed[S_FILE_MAX + 1];
            int fd = open (s_input, O_RDONLY | O_CLOEXEC);
            FUZZ_CHECK ("harness", fd >= 0);
            ssize_t n = read (fd, fixed, sizeof fixed);
            close (fd);
            FUZZ_CHECK ("harness", n > 0);
            s_loaded (key, fixed, (size_t) n);
            keys_secret_destroy (&key);
        }
    }
    /* Leave no key material behind, even if a later input crashes. */
    unlink (s_input);
    unlink (s_saved);
    return 0;
}
