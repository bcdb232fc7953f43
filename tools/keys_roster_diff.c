/* SPDX-License-Identifier: MPL-2.0 */
/* keys_roster_diff: a roster change in plain words. */

/* A signer must see exactly what changes, not just a whole roster to
   compare by eye (DNSSEC root KSK ceremonies, TUF root signings show the
   delta). Members are matched by name: the same name with another
   signing key is a rotation, and both fingerprints are shown.              */

#include <inttypes.h>
#include <string.h>

#include "keys_roster_diff.h"
#include "tool_util.h"

static void
s_endpoints (char *out, size_t cap, const keys_card_t *card)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t e = 0; e < card->endpoint_count && used < cap; e++)
        used += (size_t) snprintf (out + used, cap - used, "%s%s",
                                   e ? " " : "", card->endpoints[e]);
    if (card->endpoint_count == 0)
        snprintf (out, cap, "(none)");
}

static void
s_group_text (char *out, size_t cap, const keys_roster_t *roster,
              const char *group)
{
    size_t n = 0, used = 0;
    const char *const *names = keys_roster_group_members (roster, group, &n);
    out[0] = 0;
    if (!names) {
        snprintf (out, cap, "(none)");
        return;
    }
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t) snprintf (out + used, cap - used, "%s%s",
                                   i ? ", " : "", names[i]);
}

static size_t
s_members (FILE *out, const keys_roster_t *from, const keys_roster_t *to)
{
    size_t changes = 0;
    char a[PROTO_FPR_HEX_LEN + 1], b[PROTO_FPR_HEX_LEN + 1];
    char c[PROTO_FPR_HEX_LEN + 1], d[PROTO_FPR_HEX_LEN + 1];
    for (size_t i = 0; i < keys_roster_member_count (to); i++) {
        const keys_member_t *now = keys_roster_member (to, i);
        const keys_member_t *was
            = keys_roster_member_by_name (from, now->card.name);
        proto_fingerprint (a, now->card.sign_pk);
        proto_fingerprint (b, now->card.box_pk);
        if (!was) {
            fprintf (out, "  ADDED     %s (%s)\n"
                          "            sign-key %s, box-key %s\n",
                     now->card.name, proto_sector_name (now->card.sector), a,
                     b);
            changes++;
            continue;
        }
        if (memcmp (was->card.sign_pk, now->card.sign_pk, PROTO_PK_BYTES)
            || memcmp (was->card.box_pk, now->card.box_pk,
                       PROTO_BOXPK_BYTES)) {
            proto_fingerprint (c, was->card.sign_pk);
            proto_fingerprint (d, was->card.box_pk);
            fprintf (out, "  ROTATED   %s\n"
                          "            sign-key %s -> %s\n"
                          "            box-key  %s -> %s\n",
                     now->card.name, c, a, d, b);
            changes++;
        }
        if (was->card.sector != now->card.sector) {
            fprintf (out, "  SECTOR    %s: %s -> %s\n", now->card.name,
                     proto_sector_name (was->card.sector),
                     proto_sector_name (now->card.sector));
            changes++;
        }
        char before[KEYS_ENDPOINTS_MAX * (KEYS_ENDPOINT_MAX + 1) + 8];
        char after[sizeof before];
        s_endpoints (before, sizeof before, &was->card);
        s_endpoints (after, sizeof after, &now->card);
        if (strcmp (before, after)) {
            fprintf (out, "  ENDPOINTS %s: %s -> %s\n", now->card.name,
                     before, after);
            changes++;
        }
        if (strcmp (was->roles, now->roles)) {
            fprintf (out, "  ROLES     %s: %s -> %s\n", now->card.name,
                     was->roles[0] ? was->roles : "(none)",
                     now->roles[0] ? now->roles : "(none)");
            changes++;
        }
    }
    for (size_t i = 0; i < keys_roster_member_count (from); i++) {
        const keys_member_t *was = keys_roster_member (from, i);
        if (keys_roster_member_by_name (to, was->card.name))
            continue;
        proto_fingerprint (a, was->card.sign_pk);
        fprintf (out, "  REMOVED   %s (%s), sign-key %s\n", was->card.name,
                 proto_sector_name (was->card.sector), a);
        changes++;
    }
    return changes;
}

size_t
keys_roster_diff_print (FILE *out, const keys_roster_t *from,
                        const keys_roster_t *to)
{
    fprintf (out, "Changes from version %" PRIu64 " to version %" PRIu64
                  ":\n",
             keys_roster_version (from), keys_roster_version (to));
    size_t changes = s_members (out, from, to);
    fprintf (out, "  threshold %u of %zu members -> %u of %zu members%s\n",
             keys_roster_threshold (from), keys_roster_member_count (from),
             keys_roster_threshold (to), keys_roster_member_count (to),
             keys_roster_threshold (from) == keys_roster_threshold (to)
                 ? " (threshold unchanged)" : "");
    if (keys_roster_threshold (from) != keys_roster_threshold (to))
        changes++;
    //  Groups: every group of either version, before and after.
    const keys_roster_t *both[2] = { from, to };
    for (int v = 0; v < 2; v++)
        for (size_t g = 0; g < keys_roster_group_count (both[v]); g++) {
            const char *group = keys_roster_group_name (both[v], g);
            if (v == 1 && keys_roster_group_exists (from, group))
                continue;
            char before[4096], after[4096];
            s_group_text (before, sizeof before, from, group);
            s_group_text (after, sizeof after, to, group);
            bool same = !strcmp (before, after);
            fprintf (out, "  group %-12s %s%s%s\n", group, before,
                     same ? "" : " -> ", same ? " (unchanged)" : after);
            changes += !same;
        }
    for (size_t i = 0; i < keys_roster_retired_count (to); i++) {
        const keys_retired_t *r = keys_roster_retired (to, i);
        if (keys_roster_retired_by_key (from, r->sign_pk))
            continue;
        char fpr[PROTO_FPR_HEX_LEN + 1], when[TOOL_TIME_LEN];
        proto_fingerprint (fpr, r->sign_pk);
        tool_format_time ((uint64_t) r->until * 1000, when);
        fprintf (out, "  RETIRED   key %s of %s: its entries stamped after "
                      "%s are refused\n",
                 fpr, r->name, when);
        changes++;
    }
    if (changes == 0)
        fprintf (out, "  (nothing changes but the version number)\n");
    return changes;
}
