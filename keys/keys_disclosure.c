/* SPDX-License-Identifier: MPL-2.0 */
/* keys_disclosure: THE disclosure rule: what of a payload a member gets. */

/* Invariant 1 of DESIGN §5 ("never disclose") rests on this one function:
   every outbound path and the store call keys_disclosure_payload() and do
   what it says. It is kept short so that a reviewer can check it against
   DESIGN §2 at a glance. It fails closed: an unknown key, an invalid level
   or audience type gets NONE.

   It does not check signatures, chains or payload hashes (the callers do
   that before anything is stored), and it does not log: the caller records
   a refused disclosure with the context it has (DESIGN §5.6).              */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "keys_disclosure.h"

/* ------------------------------------------------------------------------
   The rule of DESIGN §2, in the order keys_disclosure.h states it.          */
keys_disclosure_t
keys_disclosure_payload (const keys_roster_t *roster,
                         const proto_header_t *header,
                         const uint8_t member_pk[PROTO_PK_BYTES])
{
    assert (roster);
    assert (header);
    assert (member_pk);

    //  Not a member, or a revoked key that may be in an attacker's hands.
    if (!keys_roster_member_active (roster, member_pk))
        return KEYS_DISCLOSE_NONE;
    if (!proto_level_valid ((int) header->level))
        return KEYS_DISCLOSE_NONE;
    /* RED travels sealed to everyone: only the named recipients can open
       it, and any member may carry it for them.                             */
    if (header->level == PROTO_LEVEL_RED)
        return KEYS_DISCLOSE_SEALED;

    bool cleared = false;
    if (!memcmp (header->author, member_pk, PROTO_PK_BYTES))
        cleared = true;
    else if (header->audience.type == PROTO_AUDIENCE_COUNCIL)
        cleared = true;
    else if (header->audience.type == PROTO_AUDIENCE_GROUP)
        cleared = keys_roster_group_has (roster, header->audience.group,
                                         member_pk);
    else if (header->audience.type == PROTO_AUDIENCE_NODES)
        cleared = proto_audience_names_node (&header->audience, member_pk);
    return cleared ? KEYS_DISCLOSE_PLAINTEXT : KEYS_DISCLOSE_NONE;
}

/* ------------------------------------------------------------------------
   Selftest: the whole matrix of levels, audiences and kinds of member.      */
typedef enum {
    S_AUTHOR = 0,       /* wrote the entry; not otherwise in the audience   */
    S_IN_GROUP,         /* member of the group "finance"                    */
    S_NAMED,            /* named in the nodes audience                      */
    S_OTHER,            /* member, none of the above                        */
    S_STRANGER,         /* valid key, not a member of the roster            */
    S_WHO_COUNT
} s_who_t;

static const char *const s_who_names[S_WHO_COUNT] = {
    "AUTHOR", "BANK", "NAMED", "OTHER", "STRANGER"
};

void
keys_disclosure_test (bool verbose)
{
    printf (" * keys_disclosure: ");
    fflush (stdout);

    /* The roster: AUTHOR, BANK, NAMED, OTHER; group finance = BANK.        */
    uint8_t pk[S_WHO_COUNT][PROTO_PK_BYTES];
    keys_roster_t *roster = keys_roster_new (NULL, 1);
    assert (roster);
    char err[256];
    for (int who = 0; who < S_WHO_COUNT; who++) {
        uint8_t seed[PROTO_SEED_BYTES], box_sk[PROTO_BOXSK_BYTES];
        memset (seed, 0x40 + who, sizeof seed);
        memset (box_sk, 0x60 + who, sizeof box_sk);
        keys_secret_t *key = keys_secret_from_seeds (seed, box_sk);
        sodium_memzero (seed, sizeof seed);
        sodium_memzero (box_sk, sizeof box_sk);
        assert (key);
        memcpy (pk[who], keys_secret_sign_pk (key), PROTO_PK_BYTES);
        keys_card_t card;
        memset (&card, 0, sizeof card);
        strcpy (card.name, s_who_names[who]);
        card.sector = PROTO_SECTOR_BANKING;
        memcpy (card.sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
        memcpy (card.box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
        if (who != S_STRANGER)
            assert (keys_roster_add_member (roster, &card, NULL, err,
                                            sizeof err)
                    == 0);
        keys_secret_destroy (&key);
    }
    const char *finance[] = { "BANK" };
    assert (keys_roster_set_group (roster, "finance", finance, 1, err,
                                   sizeof err)
            == 0);

    /* Audiences: council; group finance; a group the roster does not have;
       named nodes (NAMED only).                                             */
    enum { A_COUNCIL, A_GROUP, A_NO_GROUP, A_NODES, A_COUNT };
    proto_audience_t audience[A_COUNT];
    proto_audience_set_council (&audience[A_COUNCIL]);
    assert (proto_audience_set_group (&audience[A_GROUP], "finance") == 0);
    assert (proto_audience_set_group (&audience[A_NO_GROUP], "energy") == 0);
    proto_audience_set_nodes (&audience[A_NODES]);
    assert (proto_audience_add_node (&audience[A_NODES], pk[S_NAMED]) == 0);

    /* Expected result for a non-RED level, by audience and member.         */
    static const keys_disclosure_t P = KEYS_DISCLOSE_PLAINTEXT;
    static const keys_disclosure_t N = KEYS_DISCLOSE_NONE;
    const keys_disclosure_t expect[A_COUNT][S_WHO_COUNT] = {
        /*            AUTHOR IN_GROUP NAMED OTHER STRANGER */
        [A_COUNCIL] = { P, P, P, P, N },
        [A_GROUP] = { P, P, N, N, N },
        [A_NO_GROUP] = { P, N, N, N, N },
        [A_NODES] = { P, N, P, N, N },
    };

    proto_header_t header;
    memset (&header, 0, sizeof header);
    memcpy (header.author, pk[S_AUTHOR], PROTO_PK_BYTES);
    header.seq = 1;
    size_t checked = 0;
    for (int level = PROTO_LEVEL_CLEAR; level <= PROTO_LEVEL_RED; level++)
        for (int a = 0; a < A_COUNT; a++)
            for (int who = 0; who < S_WHO_COUNT; who++) {
                header.level = (proto_level_t) level;
                header.audience = audience[a];
                keys_disclosure_t got
                    = keys_disclosure_payload (roster, &header, pk[who]);
                keys_disclosure_t want = expect[a][who];
                if (level == PROTO_LEVEL_RED)
                    want = who == S_STRANGER ? N : KEYS_DISCLOSE_SEALED;
                if (verbose)
                    printf ("\n     %-16s %-10s %-8s -> %d",
                            proto_level_label ((proto_level_t) level),
                            a == A_COUNCIL  ? "council"
                            : a == A_GROUP  ? "finance"
                            : a == A_NODES  ? "nodes"
                                            : "energy",
                            s_who_names[who], (int) got);
                assert (got == want);
                checked++;
            }
    assert (checked == 5 * A_COUNT * S_WHO_COUNT);

    /* A non-member author is still a stranger: being the author of a
       header does not admit a key that the roster does not list.           */
    memcpy (header.author, pk[S_STRANGER], PROTO_PK_BYTES);
    header.level = PROTO_LEVEL_GREEN;
    header.audience = audience[A_COUNCIL];
    assert (keys_disclosure_payload (roster, &header, pk[S_STRANGER])
            == KEYS_DISCLOSE_NONE);
    header.level = PROTO_LEVEL_RED;
    assert (keys_disclosure_payload (roster, &header, pk[S_STRANGER])
            == KEYS_DISCLOSE_NONE);

    /* Fail closed on values no valid header holds.                         */
    memcpy (header.author, pk[S_AUTHOR], PROTO_PK_BYTES);
    header.level = (proto_level_t) 0;
    assert (keys_disclosure_payload (roster, &header, pk[S_OTHER])
            == KEYS_DISCLOSE_NONE);
    header.level = (proto_level_t) 6;
    assert (keys_disclosure_payload (roster, &header, pk[S_AUTHOR])
            == KEYS_DISCLOSE_NONE);
    header.level = PROTO_LEVEL_AMBER;
    header.audience.type = (proto_audience_type_t) 0;
    assert (keys_disclosure_payload (roster, &header, pk[S_OTHER])
            == KEYS_DISCLOSE_NONE);

    /* A revoked key gets nothing, even as the author, even council-wide
       and RED (its holder may be an attacker).                              */
    keys_roster_t *revoked = keys_roster_dup_body (roster);
    assert (revoked);
    header.audience = audience[A_COUNCIL];
    header.level = PROTO_LEVEL_GREEN;
    assert (keys_disclosure_payload (revoked, &header, pk[S_AUTHOR])
            == KEYS_DISCLOSE_PLAINTEXT);
    assert (keys_roster_revoke (revoked, pk[S_AUTHOR]) == 0);
    assert (keys_disclosure_payload (revoked, &header, pk[S_AUTHOR])
            == KEYS_DISCLOSE_NONE);
    header.level = PROTO_LEVEL_RED;
    assert (keys_disclosure_payload (revoked, &header, pk[S_AUTHOR])
            == KEYS_DISCLOSE_NONE);
    assert (keys_disclosure_payload (revoked, &header, pk[S_OTHER])
            == KEYS_DISCLOSE_SEALED);
    keys_roster_destroy (&revoked);
    header.level = PROTO_LEVEL_AMBER;

    /* Removing a member from the roster removes its clearance.             */
    header.audience = audience[A_GROUP];
    assert (keys_disclosure_payload (roster, &header, pk[S_IN_GROUP])
            == KEYS_DISCLOSE_PLAINTEXT);
    assert (keys_roster_remove_member (roster, "BANK", err, sizeof err) == 0);
    assert (keys_disclosure_payload (roster, &header, pk[S_IN_GROUP])
            == KEYS_DISCLOSE_NONE);

    keys_roster_destroy (&roster);
    if (verbose)
        printf ("\n   ");
    printf ("OK\n");
}
