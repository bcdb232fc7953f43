/* SPDX-License-Identifier: MPL-2.0 */
/* keys_transcript: the signed, hash-chained ceremony transcript: who did
   which key ceremony when, with which input and output files. */
#ifndef KEYS_TRANSCRIPT_H
#define KEYS_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "keys_secret.h"

/* A transcript is a text file (docs/formats.md, "Ceremony transcript"):
       ceptoar-transcript: 1
       <blank line>
       record: 1
       previous: none
       time: 2026-11-23T10:00:00Z
       actor: T-CEPTOAR
       action: roster-sign
       input: draft <64 hex BLAKE2b-256 of the file>        (0..64 times)
       output: T-CEPTOAR.sig <64 hex>                      (0..64 times)
       signer: <64 hex Ed25519 public key>
       signature: <128 hex>
       <blank line>
       record: 2
       previous: <64 hex BLAKE2b-256 of record 1's bytes>
       ...
   A record's bytes run from "record:" to the LF of its signature line.
   The signature is Ed25519 over
       "CEPTOAR-TRANSCRIPT-V1" || 0x00 || the record's bytes up to and
                                          including the signer line's LF
   Parsing is strict and canonical (one encoding). Verification checks, for
   each record in order: the signature under its signer key; its number is
   its position (1, 2, 3...); previous is "none" for record 1 and the hash
   of the record before otherwise; its time is not before the previous
   record's. So an edit, deletion, insertion or reordering of any record is
   detected, except dropping records from the end: compare the head hash
   (keys_transcript_head) with the one written down at the ceremony.
   Not thread-safe: one object per thread.                                   */

#define KEYS_TRANSCRIPT_MAX_RECORDS 100000
#define KEYS_TRANSCRIPT_MAX_BYTES (16 * 1024 * 1024)
#define KEYS_TRANSCRIPT_ACTOR_MAX 128   /* bytes of UTF-8                     */
#define KEYS_TRANSCRIPT_ACTION_MAX 64   /* [a-z][a-z0-9-]*                    */
#define KEYS_TRANSCRIPT_LABEL_MAX 255   /* bytes of UTF-8 (a file name)       */
#define KEYS_TRANSCRIPT_MAX_FILES 600   /* inputs per record; outputs too:
                                           a combine's 512 signatures, more */
#define KEYS_TRANSCRIPT_TIME_LEN 20     /* "2026-11-23T10:00:00Z"             */

/* load and append_file results besides 0.                                   */
#define KEYS_TRANSCRIPT_IO (-1)         /* cannot open, read, write or sync   */
#define KEYS_TRANSCRIPT_BAD (-2)        /* malformed or fails verification    */

typedef struct _keys_transcript_t keys_transcript_t;

/* One input or output file: a label (the name the ceremony used) and the
   BLAKE2b-256 of the file's bytes.                                          */
typedef struct {
    const char *label;                  /* borrowed: owner as documented    */
    uint8_t hash[PROTO_HASH_BYTES];     /* BLAKE2b-256 of the file          */
} keys_transcript_file_t;

/* A parsed record; every pointer is borrowed from the transcript.           */
typedef struct {
    uint64_t number;                    /* as written; verify checks it     */
    bool has_previous;                  /* false for "previous: none"       */
    uint8_t previous[PROTO_HASH_BYTES]; /* hash of the record before        */
    int64_t time;                       /* seconds since the epoch, UTC     */
    const char *actor;                  /* who: member name or role         */
    const char *action;                 /* what: e.g. roster-sign           */
    size_t n_inputs;                    /* entries in inputs                */
    const keys_transcript_file_t *inputs;
    size_t n_outputs;                   /* entries in outputs               */
    const keys_transcript_file_t *outputs;
    uint8_t signer[PROTO_PK_BYTES];     /* Ed25519 public key               */
    uint8_t signature[PROTO_SIG_BYTES]; /* see above                        */
    size_t line;                        /* line of "record:" in the text    */
} keys_transcript_record_t;

/* ------------------------------------------------------------------------
   An empty transcript (no records), to which records are appended.
   Returns NULL only when out of memory. Caller destroys.                    */
keys_transcript_t *
    keys_transcript_new (void);

/* ------------------------------------------------------------------------
   Free; sets *self_p to NULL; does nothing if it is NULL.                   */
void
    keys_transcript_destroy (keys_transcript_t **self_p);

/* ------------------------------------------------------------------------
   Parse text[0..len) strictly: the grammar, the limits above, lowercase
   hex, one encoding. Checks form only; keys_transcript_verify checks the
   signatures and the chain. Returns a new transcript (caller destroys), or
   NULL with a one-line reason in err naming the record, the line and the
   field, quoting the value in printable ASCII, truncated.                   */
keys_transcript_t *
    keys_transcript_parse (const char *text, size_t len, char *err,
                           size_t errlen);

/* ------------------------------------------------------------------------
   Read and parse the file at path (at most KEYS_TRANSCRIPT_MAX_BYTES).
   Returns 0 and sets *out (caller destroys); KEYS_TRANSCRIPT_IO if it
   cannot be read; KEYS_TRANSCRIPT_BAD if it does not parse. err gets the
   reason either way.                                                        */
int
    keys_transcript_load (const char *path, keys_transcript_t **out,
                          char *err, size_t errlen);

/* ------------------------------------------------------------------------
   Verify every record as the module comment says. Returns 0 if all hold;
   -1 otherwise, with the 1-based position of the first bad record in
   *bad_record (may be NULL) and a reason in err naming it and the field.
   A transcript without records is valid.                                    */
int
    keys_transcript_verify (const keys_transcript_t *self,
                            size_t *bad_record, char *err, size_t errlen)
    __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Append a record signed by signer: number count + 1, previous the head
   hash, the given time (seconds since the epoch, UTC), actor, action and
   files (labels are copied). Verifies the transcript first if it has not
   been verified (refusing a broken one), refuses a time before the last
   record's, and verifies the new signature before keeping it. Returns a
   fresh string (caller frees) with the bytes to append to the file: the
   header and the record for the first record, a blank line and the record
   after that; *len (may be NULL) gets its length. NULL with a reason in
   err on failure; the transcript is then unchanged.                         */
char *
    keys_transcript_append (keys_transcript_t *self,
                            const keys_secret_t *signer, int64_t time,
                            const char *actor, const char *action,
                            const keys_transcript_file_t *inputs,
                            size_t n_inputs,
                            const keys_transcript_file_t *outputs,
                            size_t n_outputs, size_t *len, char *err,
                            size_t errlen);

/* ------------------------------------------------------------------------
   Append one record to the transcript file at path, creating it (mode
   0644) if it does not exist. Holds an exclusive flock while it reads,
   parses and verifies the whole file, then writes with O_APPEND and
   fsync (and syncs the directory of a new file). A failed write is rolled
   back by truncating to the old length. On success *number and head (each
   may be NULL) get the new record's number and hash. Returns 0;
   KEYS_TRANSCRIPT_BAD if
   the file is not a valid transcript or the record is refused (nothing
   written); KEYS_TRANSCRIPT_IO on an I/O error. err gets the reason.        */
int
    keys_transcript_append_file (const char *path,
                                 const keys_secret_t *signer, int64_t time,
                                 const char *actor, const char *action,
                                 const keys_transcript_file_t *inputs,
                                 size_t n_inputs,
                                 const keys_transcript_file_t *outputs,
                                 size_t n_outputs, uint64_t *number,
                                 uint8_t head[PROTO_HASH_BYTES], char *err,
                                 size_t errlen);

/* ------------------------------------------------------------------------
   Accessors. The record is borrowed, valid until the transcript is changed
   or destroyed; index is 0-based and must be below the count.               */
size_t
    keys_transcript_count (const keys_transcript_t *self);
const keys_transcript_record_t *
    keys_transcript_record (const keys_transcript_t *self, size_t index);

/* ------------------------------------------------------------------------
   BLAKE2b-256 of the last record's bytes (what the next record's previous
   will be). Returns 0, or -1 if there are no records.                       */
int
    keys_transcript_head (const keys_transcript_t *self,
                          uint8_t out[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   BLAKE2b-256 of record index's bytes (0-based, below the count): the head
   the transcript had when that record was its last, which a ceremony
   command printed and the paper log keeps. Comparing it with the paper
   log is how a reader notices records dropped from the end.                 */
void
    keys_transcript_record_hash (const keys_transcript_t *self, size_t index,
                                 uint8_t out[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   BLAKE2b-256 of the file at path. Returns 0, or -1 with errno set.         */
int
    keys_transcript_hash_file (const char *path,
                               uint8_t out[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Format seconds since the epoch as "2026-11-23T10:00:00Z" into out.
   Returns 0, or -1 for a time outside years 1970..9999.                     */
int
    keys_transcript_format_time (int64_t time,
                                 char out[KEYS_TRANSCRIPT_TIME_LEN + 1]);

/* ------------------------------------------------------------------------
   Whether text is a valid actor or label: 1..max bytes of UTF-8 without
   control or bidirectional-override characters, not beginning or ending
   with a space.                                                             */
bool
    keys_transcript_text_valid (const char *text, size_t max);

void
    keys_transcript_test (bool verbose);

#endif
