/* SPDX-License-Identifier: MPL-2.0 */
/* keys_roster_diff: what a roster change does, in plain words, for the
   people who sign it (ceptoar-keys roster sign --from). */
#ifndef KEYS_ROSTER_DIFF_H
#define KEYS_ROSTER_DIFF_H

#include <stdio.h>
#include "../keys/keys.h"

/* ------------------------------------------------------------------------
   Print to out every difference between version `from` and the draft
   `to`: members added, removed and whose keys were rotated (old and new
   fingerprints of both keys), endpoints and roles changed, the threshold
   and every sharing group before and after, and keys newly retired.
   Returns the number of differences printed (0: the draft changes
   nothing but the version).                                                 */
size_t
    keys_roster_diff_print (FILE *out, const keys_roster_t *from,
                            const keys_roster_t *to);

#endif
