/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_transcript: 'ceptoar-keys transcript verify', and the helper
   with which ceremony commands append to a transcript (--transcript). */
#ifndef KEYS_CMD_TRANSCRIPT_H
#define KEYS_CMD_TRANSCRIPT_H

#include <stddef.h>
#include "../keys/keys.h"

/* ------------------------------------------------------------------------
   'ceptoar-keys transcript ...': argv[0] is "transcript". Returns the exit
   code: 0 valid, 1 verification failed, 2 usage or I/O error.               */
int
    keys_cmd_transcript (int argc, char *argv[]);

/* ------------------------------------------------------------------------
   Before a ceremony writes anything: check that the transcript at path
   does not exist yet or is a valid transcript that can be appended to
   now (it has room, and the clock is not before its last record's time),
   so that a ceremony never runs with nowhere to record it. Prints an error
   and returns the exit code (1 broken, full or clock behind, 2
   unreadable), or 0.                                                        */
int
    keys_cmd_transcript_check (const char *path);

/* ------------------------------------------------------------------------
   Before a ceremony writes anything: whether a record can name n_inputs
   input and n_outputs output files. Prints an error and returns 2 if not,
   else 0.                                                                   */
int
    keys_cmd_transcript_room (size_t n_inputs, size_t n_outputs);

/* ------------------------------------------------------------------------
   Append one record to the transcript at path (created if missing),
   signed by signer: actor (NULL: the signer's fingerprint), action (e.g.
   "roster-sign"), and the files inputs[0..n_inputs) and
   outputs[0..n_outputs), each named as given and hashed now (BLAKE2b-256),
   at the current UTC time. Refuses to append to a broken transcript.
   Prints "transcript PATH: record N, head HASH" on stdout, or an error.
   Returns the exit code: 0, 1 (broken transcript, record refused) or 2
   (I/O, a file that cannot be hashed). Arguments stay the caller's.         */
int
    keys_cmd_transcript_record (const char *path, const keys_secret_t *signer,
                                const char *actor, const char *action,
                                const char *const *inputs, size_t n_inputs,
                                const char *const *outputs,
                                size_t n_outputs);

#endif
