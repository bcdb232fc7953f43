/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_verify: "ceptoar-keys roster verify": a roster chain from a
   trusted version (or the genesis) to the newest, refusing rollbacks,
   gaps and forks. */
#ifndef KEYS_CMD_VERIFY_H
#define KEYS_CMD_VERIFY_H

/* ------------------------------------------------------------------------
   argv[0] is "verify". Returns the exit code: 0 the chain is valid, 1 it
   is not (a bad link, a rollback, a gap, a fork), 2 usage or I/O error.    */
int keys_cmd_roster_verify (int argc, char *argv[]);

#endif
