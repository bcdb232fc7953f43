/* SPDX-License-Identifier: MPL-2.0 */
/* keys: public header of the keys library (key files, cards, roster,
   disclosure rule). Links the protocol library and libsodium only. */
#ifndef KEYS_H
#define KEYS_H

#include "../protocol/protocol.h"
#include "keys_secret.h"
#include "keys_card.h"
#include "keys_roster.h"
#include "keys_disclosure.h"
#include "keys_sigfile.h"
#include "keys_share.h"
#include "keys_transcript.h"
#include "keys_notice.h"
#include "keys_io.h"

#endif
