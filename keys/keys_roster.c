/* SPDX-License-Identifier: MPL-2.0 */
/* keys_roster: the Council's versioned, threshold-signed membership roster. */

/* The roster is the root of trust: who is a member, with which keys and
   endpoints, which sharing groups exist, and how many members must sign
   the next version. It is text with exactly one encoding
   (docs/formats.md, "Roster"): the parser refuses anything the formatter
   would not write byte for byte, so the hash of a body is well defined and
   two parties never disagree on what they signed.

   Signers sign "CEPTOAR-ROSTER-V1" || 0x00 || BLAKE2b-256(body). Each
   signature line names its key, so signatures are collected one by one
   (keys_roster_add_signature) and counted by distinct key. keys_roster_
   verify applies the rules stated in keys_roster.h; it never decides which
   roster a node trusts, that is the caller's (a chain from what it holds).

   Edits (members, groups, threshold) drop the signatures, which no longer
   cover the body. This module reads and writes files but holds no secret:
   signing borrows a keys_secret_t.                                          */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_roster.h"
#include "keys_io.h"

#define S_SIG_DOMAIN      "CEPTOAR-ROSTER-V1"
#define S_SIG_DOMAIN_LEN  (sizeof (S_SIG_DOMAIN) - 1)
#define S_MESSAGE_BYTES   (S_SIG_DOMAIN_LEN + 1 + PROTO_HASH_BYTES)
#define S_PK_HEX_LEN      (2 * PROTO_PK_BYTES)
#define S_SIG_HEX_LEN     (2 * PROTO_SIG_BYTES)
#define S_FPR_MIN_HEX     8        /* shortest fingerprint prefix accepted   */
#define S_CHOICES_MAX     8        /* names listed in an "unknown" message   */

typedef struct {
    char name[PROTO_GROUP_NAME_MAX + 1];     /* group name                   */
    size_t count;                            /* members, at least one        */
    char *names[KEYS_GROUP_MAX_MEMBERS];     /* sorted member names, owned   */
} s_group_t;

typedef struct {
    uint8_t pk[PROTO_PK_BYTES];              /* signer                       */
    uint8_t sig[PROTO_SIG_BYTES];            /* over s_message (body)        */
} s_sig_t;

struct _keys_roster_t {
    uint64_t version;                        /* 1 at genesis                 */
    bool has_previous;                       /* false only at genesis        */
    uint8_t previous[PROTO_HASH_BYTES];      /* hash of the previous body    */
    unsigned threshold;                      /* signatures the next needs    */
    keys_member_t *members;                  /* sorted by name               */
    size_t member_count;
    size_t member_cap;
    s_group_t *groups[KEYS_ROSTER_MAX_GROUPS]; /* sorted by name             */
    size_t group_count;
    s_sig_t *sigs;                           /* sorted by pk, distinct       */
    size_t sig_count;
    size_t sig_cap;
    keys_retired_t *retired;                 /* sorted by pk, distinct       */
    size_t retired_count;
    size_t retired_cap;
    /* Not part of the text: keys revoked by self-signed revocations the
       node holds (keys_notice), applied after loading.                      */
    uint8_t (*revoked)[PROTO_PK_BYTES];
    size_t revoked_count;
};

/* ------------------------------------------------------------------------
   Small helpers: messages, quoting, hex.                                    */

static bool
s_is_lower_hex (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Decode exactly 2 * len lowercase hex characters from s[0..2*len).        */
static int
s_hex_decode (uint8_t *bin, size_t len, const char *s, size_t s_len)
{
    char copy[S_SIG_HEX_LEN + 1];
    if (s_len != 2 * len || s_len > S_SIG_HEX_LEN || !s_is_lower_hex (s, s_len))
        return -1;
    memcpy (copy, s, s_len);
    copy[s_len] = 0;
    return proto_hex_decode (bin, len, copy);
}

/* The fingerprint of pk, for messages (out: PROTO_FPR_HEX_LEN + 1).        */
static const char *
s_fpr (char *out, const uint8_t *pk)
{
    proto_fingerprint (out, pk);
    return out;
}

/* ------------------------------------------------------------------------
   A growing text buffer for formatting; on failure `failed` is set and
   later appends do nothing.                                                 */
typedef struct {
    char *data;                  /* NUL-terminated text                     */
    size_t len;                  /* bytes used                              */
    size_t cap;                  /* bytes allocated                         */
    bool failed;                 /* out of memory or over the size limit    */
} s_buf_t;

static void
s_buf_add (s_buf_t *buf, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_buf_add (s_buf_t *buf, const char *format, ...)
{
    if (buf->failed)
        return;
    va_list args;
    va_start (args, format);
    int n = vsnprintf (NULL, 0, format, args);
    va_end (args);
    if (n < 0 || buf->len + (size_t) n > KEYS_ROSTER_MAX_BYTES) {
        buf->failed = true;
        return;
    }
    if (buf->len + (size_t) n + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 4096;
        while (cap < buf->len + (size_t) n + 1)
            cap *= 2;
        char *data = realloc (buf->data, cap);
        if (!data) {
            buf->failed = true;
            return;
        }
        buf->data = data;
        buf->cap = cap;
    }
    va_start (args, format);
    vsnprintf (buf->data + buf->len, buf->cap - buf->len, format, args);
    va_end (args);
    buf->len += (size_t) n;
}

/* ------------------------------------------------------------------------
   Allocation and copying.                                                   */
static keys_roster_t *
s_roster_alloc (void)
{
    return (keys_roster_t *) calloc (1, sizeof (keys_roster_t));
}

static void
s_group_destroy (s_group_t **group_p)
{
    if (*group_p) {
        for (size_t i = 0; i < (*group_p)->count; i++)
            free ((*group_p)->names[i]);
        free (*group_p);
        *group_p = NULL;
    }
}

void
keys_roster_destroy (keys_roster_t **self_p)
{
    assert (self_p);
    keys_roster_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->group_count; i++)
            s_group_destroy (&self->groups[i]);
        free (self->members);
        free (self->sigs);
        free (self->retired);
        free (self->revoked);
        free (self);
        *self_p = NULL;
    }
}

static void
s_clear_signatures (keys_roster_t *self)
{
    self->sig_count = 0;
}

/* ------------------------------------------------------------------------
   Make self follow prev: the next version, previous = hash(prev body).
   Returns 0, or -1 if prev's body cannot be formed or its version is the
   last one.                                                                 */
static int
s_follow (keys_roster_t *self, const keys_roster_t *prev)
{
    uint8_t hash[PROTO_HASH_BYTES];
    if (keys_roster_hash (prev, hash) != 0 || prev->version == UINT64_MAX)
        return -1;
    self->version = prev->version + 1;
    self->has_previous = true;
    memcpy (self->previous, hash, PROTO_HASH_BYTES);
    s_clear_signatures (self);
    return 0;
}

keys_roster_t *
keys_roster_new (const keys_roster_t *prev, unsigned threshold)
{
    keys_roster_t *self = s_roster_alloc ();
    if (!self)
        return NULL;
    self->version = 1;
    self->threshold = threshold;
    if (prev && s_follow (self, prev) != 0)
        keys_roster_destroy (&self);
    return self;
}

int
keys_roster_follow (keys_roster_t *self, const keys_roster_t *prev,
                    char *err, size_t errlen)
{
    assert (self);
    assert (prev);
    if (s_follow (self, prev) != 0) {
        keys_io_error (
            err, errlen,
            "the previous roster is not complete (no members, or its "
            "threshold is out of range)");
        return -1;
    }
    return 0;
}

keys_roster_t *
keys_roster_dup_body (const keys_roster_t *self)
{
    assert (self);
    keys_roster_t *copy = s_roster_alloc ();
    if (!copy)
        return NULL;
    copy->version = self->version;
    copy->has_previous = self->has_previous;
    memcpy (copy->previous, self->previous, PROTO_HASH_BYTES);
    copy->threshold = self->threshold;
    if (self->member_count) {
        copy->members = malloc (self->member_count * sizeof (keys_member_t));
        if (!copy->members)
            goto fail;
        memcpy (copy->members, self->members,
                self->member_count * sizeof (keys_member_t));
        copy->member_count = copy->member_cap = self->member_count;
    }
    if (self->retired_count) {
        copy->retired = malloc (self->retired_count * sizeof (keys_retired_t));
        if (!copy->retired)
            goto fail;
        memcpy (copy->retired, self->retired,
                self->retired_count * sizeof (keys_retired_t));
        copy->retired_count = copy->retired_cap = self->retired_count;
    }
    for (size_t g = 0; g < self->group_count; g++) {
        s_group_t *group = calloc (1, sizeof *group);
        if (!group)
            goto fail;
        copy->groups[copy->group_count++] = group;
        strcpy (group->name, self->groups[g]->name);
        for (size_t i = 0; i < self->groups[g]->count; i++) {
            group->names[i] = strdup (self->groups[g]->names[i]);
            if (!group->names[i])
                goto fail;
            group->count++;
        }
    }
    return copy;
fail:
    keys_roster_destroy (&copy);
    return NULL;
}

/* ------------------------------------------------------------------------
   Lookups.                                                                  */
static s_group_t *
s_group_find (const keys_roster_t *self, const char *name, size_t *index)
{
    for (size_t g = 0; g < self->group_count; g++)
        if (!strcmp (self->groups[g]->name, name)) {
            if (index)
                *index = g;
            return self->groups[g];
        }
    return NULL;
}

const keys_member_t *
keys_roster_member_by_name (const keys_roster_t *self, const char *name)
{
    assert (self);
    assert (name);
    for (size_t i = 0; i < self->member_count; i++)
        if (!strcmp (self->members[i].card.name, name))
            return &self->members[i];
    return NULL;
}

const keys_member_t *
keys_roster_member_by_key (const keys_roster_t *self,
                           const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    for (size_t i = 0; i < self->member_count; i++)
        if (!memcmp (self->members[i].card.sign_pk, pk, PROTO_PK_BYTES))
            return &self->members[i];
    return NULL;
}

/* ------------------------------------------------------------------------
   Find the member a name or fingerprint prefix means. *matches gets how
   many members it could mean: a name and another member's fingerprint
   prefix both count, so a member cannot take a name that shadows someone
   else's fingerprint. Returns the member when there is exactly one.        */
static const keys_member_t *
s_lookup (const keys_roster_t *self, const char *text, size_t *matches)
{
    const keys_member_t *found = keys_roster_member_by_name (self, text);
    *matches = found ? 1 : 0;
    size_t len = strlen (text);
    if (len < S_FPR_MIN_HEX || len > PROTO_FPR_HEX_LEN)
        return found;
    char prefix[PROTO_FPR_HEX_LEN + 1];
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'F')
            c = (char) (c - 'A' + 'a');
        if (!s_is_lower_hex (&c, 1))
            return found;
        prefix[i] = c;
    }
    for (size_t i = 0; i < self->member_count; i++) {
        char fpr[PROTO_FPR_HEX_LEN + 1];
        const keys_member_t *member = &self->members[i];
        if (member != found
            && !memcmp (s_fpr (fpr, member->card.sign_pk), prefix, len)) {
            (*matches)++;
            if (!found)
                found = member;
        }
    }
    return *matches == 1 ? found : NULL;
}

const keys_member_t *
keys_roster_member_lookup (const keys_roster_t *self, const char *name_or_fpr)
{
    assert (self);
    assert (name_or_fpr);
    size_t matches;
    return s_lookup (self, name_or_fpr, &matches);
}

/* ------------------------------------------------------------------------
   Roles: a comma list of words [a-z][a-z-]*, sorted, without repeats.
   s_roles_normalize sorts and de-duplicates text into out; s_roles_
   canonical says whether text is already in that form.                      */
static bool
s_role_word_valid (const char *word, size_t len)
{
    if (len == 0 || word[0] < 'a' || word[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!((word[i] >= 'a' && word[i] <= 'z') || word[i] == '-'))
            return false;
    return true;
}

static int
s_role_cmp (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static int
s_roles_normalize (const char *text, char out[KEYS_ROLES_MAX + 1])
{
    char copy[KEYS_ROLES_MAX + 1];
    const char *words[KEYS_ROLES_MAX];
    size_t count = 0;
    out[0] = 0;
    if (!text || !*text)
        return 0;
    if (strlen (text) > KEYS_ROLES_MAX)
        return -1;
    strcpy (copy, text);
    char *word = copy;
    while (word) {
        char *comma = strchr (word, ',');
        if (comma)
            *comma = 0;
        if (!s_role_word_valid (word, strlen (word)))
            return -1;
        words[count++] = word;
        word = comma ? comma + 1 : NULL;
    }
    qsort (words, count, sizeof words[0], s_role_cmp);
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && !strcmp (words[i], words[i - 1]))
            continue;
        len += (size_t) sprintf (out + len, "%s%s", len ? "," : "", words[i]);
    }
    return 0;
}

static bool
s_roles_canonical (const char *text, size_t len)
{
    char copy[KEYS_ROLES_MAX + 1], normal[KEYS_ROLES_MAX + 1];
    if (len == 0 || len > KEYS_ROLES_MAX)
        return false;
    memcpy (copy, text, len);
    copy[len] = 0;
    return s_roles_normalize (copy, normal) == 0 && !strcmp (copy, normal);
}

/* ------------------------------------------------------------------------
   Check card as a member of self (skipping the member at index skip, or
   SIZE_MAX): valid fields, name unique even ignoring case, both keys
   unique. Returns 0 or -1 with a reason.                                    */
static int
s_member_check (const keys_roster_t *self, const keys_card_t *card,
                char *err, size_t errlen)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    size_t name_len = strnlen (card->name, sizeof card->name);
    if (!keys_name_valid (card->name) || name_len > KEYS_NAME_MAX) {
        keys_io_error (err, errlen, "invalid member name \"%s\"",
                       keys_io_quote (quoted, card->name, name_len));
        return -1;
    }
    if (!proto_sector_name (card->sector)) {
        keys_io_error (err, errlen, "member \"%s\" has no valid sector",
                       card->name);
        return -1;
    }
    if (card->endpoint_count > KEYS_ENDPOINTS_MAX) {
        keys_io_error (err, errlen, "member \"%s\" has more than %d endpoints",
                       card->name, KEYS_ENDPOINTS_MAX);
        return -1;
    }
    for (size_t e = 0; e < card->endpoint_count; e++)
        if (strnlen (card->endpoints[e], KEYS_ENDPOINT_MAX + 1)
                > KEYS_ENDPOINT_MAX
            || !keys_endpoint_valid (card->endpoints[e])) {
            keys_io_error (err, errlen,
                           "member \"%s\": invalid endpoint \"%s\"", card->name,
                           keys_io_quote (quoted, card->endpoints[e],
                                          strnlen (card->endpoints[e],
                                                   KEYS_ENDPOINT_MAX + 1)));
            return -1;
        }
    const keys_retired_t *retired = keys_roster_retired_by_key (self,
                                                                card->sign_pk);
    if (retired) {
        keys_io_error (err, errlen,
                       "sign-key of \"%s\" was retired (it was the key of "
                       "\"%s\"): a retired key is never admitted again; "
                       "generate a new key",
                       card->name, retired->name);
        return -1;
    }
    for (size_t i = 0; i < self->member_count; i++) {
        const keys_card_t *other = &self->members[i].card;
        if (!strcasecmp (other->name, card->name)) {
            keys_io_error (err, errlen,
                           "member name \"%s\" repeated (already "
                           "member \"%s\")",
                           card->name, other->name);
            return -1;
        }
        if (!memcmp (other->sign_pk, card->sign_pk, PROTO_PK_BYTES)) {
            keys_io_error (err, errlen,
                           "sign-key of \"%s\" repeated (already "
                           "member \"%s\")",
                           card->name, other->name);
            return -1;
        }
        if (!memcmp (other->box_pk, card->box_pk, PROTO_BOXPK_BYTES)) {
            keys_io_error (err, errlen,
                           "box-key of \"%s\" repeated (already "
                           "member \"%s\")",
                           card->name, other->name);
            return -1;
        }
    }
    return 0;
}

/* Insert a checked member at its sorted place. Returns 0 or -1 (memory).   */
static int
s_member_insert (keys_roster_t *self, const keys_member_t *member)
{
    if (self->member_count == self->member_cap) {
        size_t cap = self->member_cap ? 2 * self->member_cap : 8;
        keys_member_t *members = realloc (self->members, cap * sizeof *members);
        if (!members)
            return -1;
        self->members = members;
        self->member_cap = cap;
    }
    size_t at = self->member_count;
    while (at > 0 && strcmp (self->members[at - 1].card.name,
                             member->card.name) > 0)
        at--;
    memmove (&self->members[at + 1], &self->members[at],
             (self->member_count - at) * sizeof (keys_member_t));
    self->members[at] = *member;
    self->member_count++;
    return 0;
}

/* ------------------------------------------------------------------------
   Editing a draft. Each edit drops the signatures: they covered the old
   body.                                                                     */
int
keys_roster_add_member (keys_roster_t *self, const keys_card_t *card,
                        const char *roles, char *err, size_t errlen)
{
    assert (self);
    assert (card);
    if (self->member_count == KEYS_ROSTER_MAX_MEMBERS) {
        keys_io_error (err, errlen,
                       "the roster already has %d members, the most "
                       "it may have",
                       KEYS_ROSTER_MAX_MEMBERS);
        return -1;
    }
    if (s_member_check (self, card, err, errlen) != 0)
        return -1;
    keys_member_t member;
    memset (&member, 0, sizeof member);
    member.card = *card;
    if (s_roles_normalize (roles, member.roles) != 0) {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (err, errlen,
                       "invalid roles \"%s\" (a comma list of lowercase words, "
                       "at most %d characters)",
                       keys_io_quote (quoted, roles, strlen (roles)),
                       KEYS_ROLES_MAX);
        return -1;
    }
    if (s_member_insert (self, &member) != 0) {
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    s_clear_signatures (self);
    return 0;
}

/* Remove name from group g; drop the group when it becomes empty.          */
static void
s_group_remove_name (keys_roster_t *self, size_t g, const char *name)
{
    s_group_t *group = self->groups[g];
    for (size_t i = 0; i < group->count; i++)
        if (!strcmp (group->names[i], name)) {
            free (group->names[i]);
            memmove (&group->names[i], &group->names[i + 1],
                     (group->count - i - 1) * sizeof (char *));
            group->count--;
            break;
        }
    if (group->count == 0) {
        s_group_destroy (&self->groups[g]);
        memmove (&self->groups[g], &self->groups[g + 1],
                 (self->group_count - g - 1) * sizeof (s_group_t *));
        self->group_count--;
    }
}

/* Also takes the member out of every group; a group left empty goes.       */
int
keys_roster_remove_member (keys_roster_t *self, const char *name, char *err,
                           size_t errlen)
{
    assert (self);
    assert (name);
    const keys_member_t *member = keys_roster_member_by_name (self, name);
    if (!member) {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (err, errlen, "no member named \"%s\"",
                       keys_io_quote (quoted, name, strlen (name)));
        return -1;
    }
    size_t at = (size_t) (member - self->members);
    for (size_t g = self->group_count; g > 0; g--)
        s_group_remove_name (self, g - 1, self->members[at].card.name);
    memmove (&self->members[at], &self->members[at + 1],
             (self->member_count - at - 1) * sizeof (keys_member_t));
    self->member_count--;
    s_clear_signatures (self);
    return 0;
}

static int
s_name_cmp (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Create or replace group with names[0..n); n == 0 removes the group.      */
int
keys_roster_set_group (keys_roster_t *self, const char *group,
                       const char *const *names, size_t n, char *err,
                       size_t errlen)
{
    assert (self);
    assert (group);
    assert (names || n == 0);
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    if (!proto_group_name_valid (group, strlen (group))) {
        keys_io_error (
            err, errlen,
            "invalid group name \"%s\" (lowercase letters, digits and "
            "'-', starting with a letter, at most %d)",
            keys_io_quote (quoted, group, strlen (group)),
            PROTO_GROUP_NAME_MAX);
        return -1;
    }
    size_t index = 0;
    s_group_t *old = s_group_find (self, group, &index);
    if (n == 0) {
        if (!old) {
            keys_io_error (err, errlen, "no group named \"%s\"", group);
            return -1;
        }
        s_group_destroy (&self->groups[index]);
        memmove (&self->groups[index], &self->groups[index + 1],
                 (self->group_count - index - 1) * sizeof (s_group_t *));
        self->group_count--;
        s_clear_signatures (self);
        return 0;
    }
    if (n > KEYS_GROUP_MAX_MEMBERS) {
        keys_io_error (err, errlen, "group \"%s\" has more than %d members",
                       group, KEYS_GROUP_MAX_MEMBERS);
        return -1;
    }
    if (!old && self->group_count == KEYS_ROSTER_MAX_GROUPS) {
        keys_io_error (err, errlen, "the roster already has %d groups",
                       KEYS_ROSTER_MAX_GROUPS);
        return -1;
    }
    const char **sorted = malloc (n * sizeof (char *));
    if (!sorted) {
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        assert (names[i]);
        if (!keys_roster_member_by_name (self, names[i])) {
            keys_io_error (err, errlen, "group \"%s\": no member named \"%s\"",
                           group,
                           keys_io_quote (quoted, names[i], strlen (names[i])));
            free (sorted);
            return -1;
        }
        sorted[i] = names[i];
    }
    qsort (sorted, n, sizeof (char *), s_name_cmp);
    for (size_t i = 1; i < n; i++)
        if (!strcmp (sorted[i], sorted[i - 1])) {
            keys_io_error (err, errlen, "group \"%s\": member \"%s\" repeated",
                           group, sorted[i]);
            free (sorted);
            return -1;
        }
    s_group_t *fresh = calloc (1, sizeof *fresh);
    bool ok = fresh != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        fresh->names[i] = strdup (sorted[i]);
        ok = fresh->names[i] != NULL;
        if (ok)
            fresh->count++;
    }
    free (sorted);
    if (!ok) {
        s_group_destroy (&fresh);
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    strcpy (fresh->name, group);
    if (old) {
        s_group_destroy (&self->groups[index]);
        self->groups[index] = fresh;
    }
    else {
        size_t at = self->group_count;
        while (at > 0 && strcmp (self->groups[at - 1]->name, group) > 0)
            at--;
        memmove (&self->groups[at + 1], &self->groups[at],
                 (self->group_count - at) * sizeof (s_group_t *));
        self->groups[at] = fresh;
        self->group_count++;
    }
    s_clear_signatures (self);
    return 0;
}

void
keys_roster_set_threshold (keys_roster_t *self, unsigned threshold)
{
    assert (self);
    if (threshold != self->threshold)
        s_clear_signatures (self);
    self->threshold = threshold;
}

/* Insert at the sorted place (the caller checked it is new). 0 or -1.      */
static int
s_retired_insert (keys_roster_t *self, const keys_retired_t *retired)
{
    if (self->retired_count == self->retired_cap) {
        size_t cap = self->retired_cap ? 2 * self->retired_cap : 8;
        keys_retired_t *more = realloc (self->retired, cap * sizeof *more);
        if (!more)
            return -1;
        self->retired = more;
        self->retired_cap = cap;
    }
    size_t at = self->retired_count;
    while (at > 0 && memcmp (self->retired[at - 1].sign_pk, retired->sign_pk,
                             PROTO_PK_BYTES) > 0)
        at--;
    memmove (&self->retired[at + 1], &self->retired[at],
             (self->retired_count - at) * sizeof (keys_retired_t));
    self->retired[at] = *retired;
    self->retired_count++;
    return 0;
}

int
keys_roster_retire (keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES],
                    const char *name, int64_t until, char *err, size_t errlen)
{
    assert (self);
    assert (pk);
    assert (name);
    char when[KEYS_IO_UTC_LEN + 1];
    if (!keys_name_valid (name) || strlen (name) > KEYS_NAME_MAX
        || keys_io_format_utc (until, when) != 0) {
        keys_io_error (err, errlen, "cannot retire a key of \"%s\" at that "
                       "time", name);
        return -1;
    }
    if (keys_roster_member_by_key (self, pk)) {
        keys_io_error (err, errlen, "the key of \"%s\" is still a member's: "
                       "remove or rotate it first", name);
        return -1;
    }
    if (keys_roster_retired_by_key (self, pk))
        return 0;                       //  retired already: the first holds
    if (self->retired_count == KEYS_ROSTER_MAX_RETIRED) {
        keys_io_error (err, errlen, "the roster already lists %d retired keys",
                       KEYS_ROSTER_MAX_RETIRED);
        return -1;
    }
    keys_retired_t retired;
    memset (&retired, 0, sizeof retired);
    memcpy (retired.sign_pk, pk, PROTO_PK_BYTES);
    snprintf (retired.name, sizeof retired.name, "%s", name);
    retired.until = until;
    if (s_retired_insert (self, &retired) != 0) {
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    s_clear_signatures (self);
    return 0;
}

size_t
keys_roster_retired_count (const keys_roster_t *self)
{
    assert (self);
    return self->retired_count;
}

const keys_retired_t *
keys_roster_retired (const keys_roster_t *self, size_t index)
{
    assert (self);
    return index < self->retired_count ? &self->retired[index] : NULL;
}

const keys_retired_t *
keys_roster_retired_by_key (const keys_roster_t *self,
                            const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    for (size_t i = 0; i < self->retired_count; i++)
        if (!memcmp (self->retired[i].sign_pk, pk, PROTO_PK_BYTES))
            return &self->retired[i];
    return NULL;
}

/* ------------------------------------------------------------------------
   Revocations in force (runtime only).                                      */
int
keys_roster_revoke (keys_roster_t *self, const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    if (keys_roster_revoked (self, pk))
        return 0;
    uint8_t (*more)[PROTO_PK_BYTES] = realloc (
        self->revoked, (self->revoked_count + 1) * sizeof *more);
    if (!more)
        return -1;
    self->revoked = more;
    memcpy (self->revoked[self->revoked_count++], pk, PROTO_PK_BYTES);
    return 0;
}

bool
keys_roster_revoked (const keys_roster_t *self,
                     const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    for (size_t i = 0; i < self->revoked_count; i++)
        if (!memcmp (self->revoked[i], pk, PROTO_PK_BYTES))
            return true;
    return false;
}

const keys_member_t *
keys_roster_member_active (const keys_roster_t *self,
                           const uint8_t pk[PROTO_PK_BYTES])
{
    if (keys_roster_revoked (self, pk))
        return NULL;
    return keys_roster_member_by_key (self, pk);
}

/* ------------------------------------------------------------------------
   Formatting: the one encoding. The body is the header lines, the member
   blocks in name order and the group lines in name order; signature lines
   in key order follow it.                                                   */
static bool
s_body_complete (const keys_roster_t *self)
{
    return self->member_count > 0 && self->threshold > 0
           && self->threshold <= self->member_count && self->version > 0;
}

char *
keys_roster_format (const keys_roster_t *self, bool with_sigs, size_t *len)
{
    assert (self);
    if (!s_body_complete (self))
        return NULL;
    s_buf_t buf = { NULL, 0, 0, false };
    char hex[S_SIG_HEX_LEN + 1];
    s_buf_add (&buf, "ceptoar-roster: 1\nversion: %" PRIu64 "\n",
               self->version);
    if (self->has_previous) {
        proto_hex_encode (hex, self->previous, PROTO_HASH_BYTES);
        s_buf_add (&buf, "previous: %s\n", hex);
    }
    else
        s_buf_add (&buf, "previous: none\n");
    s_buf_add (&buf, "threshold: %u\n", self->threshold);
    for (size_t i = 0; i < self->member_count; i++) {
        const keys_member_t *member = &self->members[i];
        s_buf_add (&buf, "member: %s\nsector: %s\n", member->card.name,
                   proto_sector_name (member->card.sector));
        proto_hex_encode (hex, member->card.sign_pk, PROTO_PK_BYTES);
        s_buf_add (&buf, "sign-key: %s\n", hex);
        proto_hex_encode (hex, member->card.box_pk, PROTO_BOXPK_BYTES);
        s_buf_add (&buf, "box-key: %s\n", hex);
        for (size_t e = 0; e < member->card.endpoint_count; e++)
            s_buf_add (&buf, "endpoint: %s\n", member->card.endpoints[e]);
        if (member->roles[0])
            s_buf_add (&buf, "roles: %s\n", member->roles);
    }
    for (size_t g = 0; g < self->group_count; g++) {
        s_buf_add (&buf, "group: %s", self->groups[g]->name);
        for (size_t i = 0; i < self->groups[g]->count; i++)
            s_buf_add (&buf, " %s", self->groups[g]->names[i]);
        s_buf_add (&buf, "\n");
    }
    for (size_t i = 0; i < self->retired_count; i++) {
        char when[KEYS_IO_UTC_LEN + 1];
        if (keys_io_format_utc (self->retired[i].until, when) != 0)
            buf.failed = true;
        proto_hex_encode (hex, self->retired[i].sign_pk, PROTO_PK_BYTES);
        s_buf_add (&buf, "retired: %s %s %s\n", hex, when,
                   self->retired[i].name);
    }
    for (size_t s = 0; with_sigs && s < self->sig_count; s++) {
        char pk_hex[S_PK_HEX_LEN + 1];
        proto_hex_encode (pk_hex, self->sigs[s].pk, PROTO_PK_BYTES);
        proto_hex_encode (hex, self->sigs[s].sig, PROTO_SIG_BYTES);
        s_buf_add (&buf, "signature: %s %s\n", pk_hex, hex);
    }
    if (buf.failed) {
        free (buf.data);
        return NULL;
    }
    if (len)
        *len = buf.len;
    return buf.data;
}

int
keys_roster_hash (const keys_roster_t *self, uint8_t out[PROTO_HASH_BYTES])
{
    assert (self);
    assert (out);
    size_t len;
    char *body = keys_roster_format (self, false, &len);
    if (!body)
        return -1;
    proto_hash (out, body, len);
    free (body);
    return 0;
}

/* The signed message: domain || 0x00 || hash(body). Returns 0 or -1.       */
static int
s_message (const keys_roster_t *self, uint8_t msg[S_MESSAGE_BYTES])
{
    memcpy (msg, S_SIG_DOMAIN, S_SIG_DOMAIN_LEN);
    msg[S_SIG_DOMAIN_LEN] = 0;
    return keys_roster_hash (self, msg + S_SIG_DOMAIN_LEN + 1);
}

/* ------------------------------------------------------------------------
   Signing and collecting signatures.                                        */
int
keys_roster_sign (const keys_roster_t *self, const keys_secret_t *key,
                  uint8_t sig[PROTO_SIG_BYTES])
{
    assert (self);
    assert (key);
    assert (sig);
    uint8_t msg[S_MESSAGE_BYTES];
    if (s_message (self, msg) != 0)
        return -1;
    crypto_sign_detached (sig, NULL, msg, sizeof msg,
                          keys_secret_sign_sk (key));
    /* Verify before handing it out (minisign): a fault here must not
       leave the ceremony room.                                              */
    if (crypto_sign_verify_detached (sig, msg, sizeof msg,
                                     keys_secret_sign_pk (key))
        != 0) {
        sodium_memzero (sig, PROTO_SIG_BYTES);
        return -1;
    }
    return 0;
}

int
keys_roster_add_signature (keys_roster_t *self,
                           const uint8_t pk[PROTO_PK_BYTES],
                           const uint8_t sig[PROTO_SIG_BYTES], char *err,
                           size_t errlen)
{
    assert (self);
    assert (pk);
    assert (sig);
    uint8_t msg[S_MESSAGE_BYTES];
    char fpr[PROTO_FPR_HEX_LEN + 1];
    if (s_message (self, msg) != 0) {
        keys_io_error (err, errlen,
                       "the roster is not complete (no members, or "
                       "threshold out of range): nothing to sign");
        return -1;
    }
    if (crypto_sign_verify_detached (sig, msg, sizeof msg, pk) != 0) {
        keys_io_error (
            err, errlen,
            "the signature by key %s does not verify over version %" PRIu64
            " of this roster",
            s_fpr (fpr, pk), self->version);
        return -1;
    }
    size_t at = 0;
    while (at < self->sig_count && memcmp (self->sigs[at].pk, pk,
                                           PROTO_PK_BYTES) < 0)
        at++;
    if (at < self->sig_count && !memcmp (self->sigs[at].pk, pk, PROTO_PK_BYTES))
        return 1;
    if (self->sig_count == KEYS_ROSTER_MAX_SIGS) {
        keys_io_error (err, errlen, "the roster already holds %d signatures",
                       KEYS_ROSTER_MAX_SIGS);
        return -1;
    }
    if (self->sig_count == self->sig_cap) {
        size_t cap = self->sig_cap ? 2 * self->sig_cap : 8;
        s_sig_t *sigs = realloc (self->sigs, cap * sizeof *sigs);
        if (!sigs) {
            keys_io_error (err, errlen, "out of memory");
            return -1;
        }
        self->sigs = sigs;
        self->sig_cap = cap;
    }
    memmove (&self->sigs[at + 1], &self->sigs[at],
             (self->sig_count - at) * sizeof (s_sig_t));
    memcpy (self->sigs[at].pk, pk, PROTO_PK_BYTES);
    memcpy (self->sigs[at].sig, sig, PROTO_SIG_BYTES);
    self->sig_count++;
    return 0;
}

int
keys_roster_verify_retired (const keys_roster_t *self,
                            const keys_roster_t *prev, char *err,
                            size_t errlen)
{
    assert (self);
    char fpr[PROTO_FPR_HEX_LEN + 1];
    if (!prev) {
        if (self->retired_count) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " retires the key %s of \"%s\", "
                           "but a genesis roster has no keys to retire",
                           self->version,
                           s_fpr (fpr, self->retired[0].sign_pk),
                           self->retired[0].name);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < prev->retired_count; i++) {
        const keys_retired_t *was = &prev->retired[i];
        const keys_retired_t *now = keys_roster_retired_by_key (self,
                                                                was->sign_pk);
        if (!now || now->until != was->until || strcmp (now->name, was->name)) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " %s the retirement of the key "
                           "%s of \"%s\" that version %" PRIu64 " lists: a "
                           "retirement is permanent",
                           self->version, now ? "changes" : "drops",
                           s_fpr (fpr, was->sign_pk), was->name,
                           prev->version);
            return -1;
        }
    }
    for (size_t i = 0; i < self->retired_count; i++) {
        const keys_retired_t *r = &self->retired[i];
        if (keys_roster_retired_by_key (prev, r->sign_pk))
            continue;
        const keys_member_t *m = keys_roster_member_by_key (prev, r->sign_pk);
        if (!m || strcmp (m->card.name, r->name)) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " retires the key %s as "
                           "\"%s\"'s, but it is not that member's key in "
                           "version %" PRIu64 ": only a leaving member's key "
                           "can be retired",
                           self->version, s_fpr (fpr, r->sign_pk), r->name,
                           prev->version);
            return -1;
        }
    }
    for (size_t i = 0; i < prev->member_count; i++) {
        const keys_member_t *m = &prev->members[i];
        if (!keys_roster_member_by_key (self, m->card.sign_pk)
            && !keys_roster_retired_by_key (self, m->card.sign_pk)) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " takes the key %s of \"%s\" out "
                           "without retiring it (draft changes with "
                           "'ceptoar-keys roster change')",
                           self->version, s_fpr (fpr, m->card.sign_pk),
                           m->card.name);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Verification (rules in keys_roster.h). Counts are filled first, so the
   caller can show them whatever the outcome.                                */
//  What a refusal adds when revoked keys' signatures were set aside, so
//  that an operator is not left counting signature lines.
static const char *
s_revoked_note (const keys_roster_count_t *counts)
{
    if (counts->revoked == 0)
        return "";
    return counts->revoked == 1
        ? " (the signature of a revoked key does not count)"
        : " (the signatures of revoked keys do not count)";
}

int
keys_roster_verify (const keys_roster_t *self, const keys_roster_t *prev,
                    keys_roster_count_t *counts, char *err, size_t errlen)
{
    assert (self);
    keys_roster_count_t local;
    if (!counts)
        counts = &local;
    memset (counts, 0, sizeof *counts);
    counts->own_needed = self->threshold;
    counts->prev_needed = prev ? prev->threshold : 0;

    uint8_t msg[S_MESSAGE_BYTES];
    if (s_message (self, msg) != 0) {
        keys_io_error (err, errlen,
                       "version %" PRIu64 " is not complete (no "
                       "members, or threshold out of range)",
                       self->version);
        return -1;
    }
    /* Signatures are distinct by key (add_signature and the parser make
       sure), so counting valid members counts distinct signers.            */
    const s_sig_t *bad = NULL;
    for (size_t s = 0; s < self->sig_count; s++) {
        const s_sig_t *sig = &self->sigs[s];
        if (crypto_sign_verify_detached (sig->sig, msg, sizeof msg, sig->pk)
            != 0) {
            if (!bad)
                bad = sig;
            continue;
        }
        //  A revoked key may be in an attacker's hands: it never counts.
        if (keys_roster_revoked (self, sig->pk)
            || (prev && keys_roster_revoked (prev, sig->pk))) {
            if (keys_roster_member_by_key (self, sig->pk)
                || (prev && keys_roster_member_by_key (prev, sig->pk)))
                counts->revoked++;
            continue;
        }
        if (keys_roster_member_by_key (self, sig->pk))
            counts->own++;
        if (prev && keys_roster_member_by_key (prev, sig->pk))
            counts->prev++;
    }
    char fpr[PROTO_FPR_HEX_LEN + 1];
    if (bad) {
        const keys_member_t *who = keys_roster_member_by_key (self, bad->pk);
        if (!who && prev)
            who = keys_roster_member_by_key (prev, bad->pk);
        keys_io_error (err, errlen,
                       "version %" PRIu64 ": the signature by %s (%s) does not "
                       "verify",
                       self->version, who ? who->card.name : "a non-member",
                       s_fpr (fpr, bad->pk));
        return -1;
    }
    if (!prev) {
        if (self->version != 1 || self->has_previous) {
            keys_io_error (err, errlen,
                           "version %" PRIu64
                           " is not a genesis roster (version "
                           "1, previous none)",
                           self->version);
            return -1;
        }
    }
    else {
        uint8_t prev_hash[PROTO_HASH_BYTES];
        if (keys_roster_hash (prev, prev_hash) != 0) {
            keys_io_error (err, errlen, "the previous roster is not complete");
            return -1;
        }
        if (prev->version == UINT64_MAX || self->version != prev->version + 1) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " cannot follow version %" PRIu64
                           " (versions go up by exactly one)",
                           self->version, prev->version);
            return -1;
        }
        if (!self->has_previous
            || memcmp (self->previous, prev_hash, PROTO_HASH_BYTES) != 0) {
            keys_io_error (err, errlen,
                           "version %" PRIu64
                           " names a previous roster that is "
                           "not this version %" PRIu64 " (hash differs)",
                           self->version, prev->version);
            return -1;
        }
        if (counts->prev < counts->prev_needed) {
            keys_io_error (err, errlen,
                           "version %" PRIu64 " has %zu of %zu signatures "
                           "needed from the members of version %" PRIu64
                           "%s",
                           self->version, counts->prev, counts->prev_needed,
                           prev->version, s_revoked_note (counts));
            return -1;
        }
    }
    if (keys_roster_verify_retired (self, prev, err, errlen) != 0)
        return -1;
    if (counts->own < counts->own_needed) {
        keys_io_error (err, errlen,
                       "version %" PRIu64
                       " has %zu of %zu signatures needed from its "
                       "own members%s",
                       self->version, counts->own, counts->own_needed,
                       s_revoked_note (counts));
        return -1;
    }
    return 0;
}

int
keys_roster_verify_chain (keys_roster_t *const *chain, size_t n,
                          bool trusted_first, size_t *bad_index, char *err,
                          size_t errlen)
{
    assert (chain || n == 0);
    assert (bad_index);
    *bad_index = 0;
    if (n == 0) {
        keys_io_error (err, errlen, "empty roster chain");
        return -1;
    }
    if (n > KEYS_ROSTER_CHAIN_MAX) {
        *bad_index = KEYS_ROSTER_CHAIN_MAX;
        keys_io_error (err, errlen,
                       "roster chain of %zu versions is longer than "
                       "the %d allowed",
                       n, KEYS_ROSTER_CHAIN_MAX);
        return -1;
    }
    char reason[512];
    for (size_t i = trusted_first ? 1 : 0; i < n; i++) {
        assert (chain[i]);
        if (keys_roster_verify (chain[i], i ? chain[i - 1] : NULL, NULL,
                                reason, sizeof reason)
            != 0) {
            *bad_index = i;
            //  People count from 1; and a chain out of order is the most
            //  common way to get here.
            keys_io_error (err, errlen, "roster %zu of %zu in the chain: "
                           "%s (give the chain oldest first, from the "
                           "genesis)", i + 1, n, reason);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Parsing. A reader walks the text line by line; every line is
   "field: value" of printable ASCII ending in LF.                           */
typedef struct {
    const char *text;            /* whole input                             */
    size_t len;                  /* its length                              */
    size_t pos;                  /* start of the next unread line           */
    unsigned line;               /* number of the line at pos               */
    bool ready;                  /* the fields below hold the line at pos   */
    char field[16];              /* its field name                          */
    const char *value;           /* its value (not NUL-terminated)          */
    size_t value_len;
    size_t next;                 /* position after its LF                   */
    char *err;                   /* where reasons go                        */
    size_t errlen;
} s_reader_t;

/* Look at the line at pos. Returns 1 (fields set), 0 at the end, or -1
   with a reason.                                                            */
static int
s_peek (s_reader_t *r)
{
    if (r->ready)
        return 1;
    if (r->pos == r->len)
        return 0;
    const char *start = r->text + r->pos;
    const char *nl = memchr (start, '\n', r->len - r->pos);
    if (!nl) {
        keys_io_error (r->err, r->errlen, "line %u: no newline at the end",
                       r->line);
        return -1;
    }
    size_t line_len = (size_t) (nl - start);
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    for (size_t i = 0; i < line_len; i++)
        if (start[i] < 0x20 || start[i] > 0x7e) {
            keys_io_error (r->err, r->errlen,
                           "line %u: byte 0x%02x not allowed (printable ASCII "
                           "only, LF line endings)",
                           r->line, (unsigned) (unsigned char) start[i]);
            return -1;
        }
    const char *colon = memchr (start, ':', line_len);
    size_t field_len = colon ? (size_t) (colon - start) : 0;
    if (!colon || field_len == 0 || field_len >= sizeof r->field
        || field_len + 3 > line_len || colon[1] != ' ' || colon[2] == ' '
        || start[line_len - 1] == ' ') {
        keys_io_error (r->err, r->errlen,
                       "line %u: expected \"field: value\", found \"%s\"",
                       r->line, keys_io_quote (quoted, start, line_len));
        return -1;
    }
    memcpy (r->field, start, field_len);
    r->field[field_len] = 0;
    r->value = colon + 2;
    r->value_len = line_len - field_len - 2;
    r->next = r->pos + line_len + 1;
    r->ready = true;
    return 1;
}

static void
s_take (s_reader_t *r)
{
    assert (r->ready);
    r->pos = r->next;
    r->line++;
    r->ready = false;
}

/* True if the next line exists and has this field.                          */
static bool
s_next_is (s_reader_t *r, const char *field, int *rc)
{
    *rc = s_peek (r);
    return *rc == 1 && !strcmp (r->field, field);
}

/* Require the next line to be field; leaves it ready. Returns 0 or -1.     */
static int
s_expect (s_reader_t *r, const char *field)
{
    int rc = s_peek (r);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        keys_io_error (r->err, r->errlen,
                       "line %u: roster ends, expected \"%s\"", r->line, field);
        return -1;
    }
    if (strcmp (r->field, field) != 0) {
        keys_io_error (r->err, r->errlen,
                       "line %u: expected field \"%s\", found \"%s\"", r->line,
                       field, r->field);
        return -1;
    }
    return 0;
}

/* Report an invalid value of the ready line.                               */
static int
s_bad_value (s_reader_t *r, const char *why)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    keys_io_error (r->err, r->errlen, "line %u: %s \"%s\" %s", r->line,
                   r->field, keys_io_quote (quoted, r->value, r->value_len),
                   why);
    return -1;
}

/* A decimal without leading zeros, 1..max.                                  */
static int
s_parse_number (s_reader_t *r, uint64_t max, uint64_t *out)
{
    uint64_t value = 0;
    if (r->value_len == 0 || r->value_len > 20 || r->value[0] == '0')
        return s_bad_value (r, "is not a number from 1 (no leading zeros)");
    for (size_t i = 0; i < r->value_len; i++) {
        char c = r->value[i];
        uint64_t digit = (uint64_t) (c - '0');
        if (c < '0' || c > '9' || value > (max - digit) / 10)
            return s_bad_value (r, "is not a number in range");
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

/* The value of the ready line as a C string in out (cap bytes), or -1.     */
static int
s_value_string (s_reader_t *r, char *out, size_t cap, const char *too_long)
{
    if (r->value_len >= cap)
        return s_bad_value (r, too_long);
    memcpy (out, r->value, r->value_len);
    out[r->value_len] = 0;
    return 0;
}

/* One member block, starting at its "member:" line.                         */
static int
s_parse_member (s_reader_t *r, keys_roster_t *self)
{
    keys_member_t member;
    memset (&member, 0, sizeof member);
    keys_card_t *card = &member.card;
    int rc;
    unsigned first_line = r->line;

    if (s_value_string (r, card->name, sizeof card->name,
                        "is longer than 64 characters")
        != 0)
        return -1;
    if (!keys_name_valid (card->name))
        return s_bad_value (r, "is not a valid member name");
    if (self->member_count == KEYS_ROSTER_MAX_MEMBERS) {
        keys_io_error (r->err, r->errlen, "line %u: more than %d members",
                       r->line, KEYS_ROSTER_MAX_MEMBERS);
        return -1;
    }
    if (self->member_count > 0) {
        const char *before = self->members[self->member_count - 1].card.name;
        if (strcmp (before, card->name) >= 0) {
            keys_io_error (
                r->err, r->errlen,
                "line %u: member \"%s\" is not in order (members are "
                "sorted by name, and it comes after \"%s\")",
                r->line, card->name, before);
            return -1;
        }
    }
    s_take (r);

    if (s_expect (r, "sector") != 0)
        return -1;
    char sector[32];
    if (s_value_string (r, sector, sizeof sector, "is not a sector") != 0)
        return -1;
    card->sector = proto_sector_parse (sector);
    if (!proto_sector_name (card->sector)
        || strcmp (proto_sector_name (card->sector), sector) != 0)
        return s_bad_value (r, "is not a sector (lowercase, e.g. telecom)");
    s_take (r);

    if (s_expect (r, "sign-key") != 0)
        return -1;
    if (s_hex_decode (card->sign_pk, PROTO_PK_BYTES, r->value, r->value_len))
        return s_bad_value (r, "is not 64 lowercase hex characters");
    s_take (r);
    if (s_expect (r, "box-key") != 0)
        return -1;
    if (s_hex_decode (card->box_pk, PROTO_BOXPK_BYTES, r->value,
                      r->value_len))
        return s_bad_value (r, "is not 64 lowercase hex characters");
    s_take (r);

    while (s_next_is (r, "endpoint", &rc)) {
        if (card->endpoint_count == KEYS_ENDPOINTS_MAX) {
            keys_io_error (r->err, r->errlen, "line %u: more than %d endpoints",
                           r->line, KEYS_ENDPOINTS_MAX);
            return -1;
        }
        char *endpoint = card->endpoints[card->endpoint_count];
        if (s_value_string (r, endpoint, KEYS_ENDPOINT_MAX + 1,
                            "is longer than 255 characters")
            != 0)
            return -1;
        if (!keys_endpoint_valid (endpoint))
            return s_bad_value (r, "is not tcp://HOST:PORT or ipc://PATH");
        card->endpoint_count++;
        s_take (r);
    }
    if (rc < 0)
        return -1;
    if (s_next_is (r, "roles", &rc)) {
        if (!s_roles_canonical (r->value, r->value_len))
            return s_bad_value (r, "are not sorted, distinct, comma-separated "
                                   "lowercase words");
        memcpy (member.roles, r->value, r->value_len);
        member.roles[r->value_len] = 0;
        s_take (r);
    }
    if (rc < 0)
        return -1;

    char reason[256];
    if (s_member_check (self, card, reason, sizeof reason) != 0) {
        keys_io_error (r->err, r->errlen, "line %u: %s", first_line, reason);
        return -1;
    }
    if (s_member_insert (self, &member) != 0) {
        keys_io_error (r->err, r->errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* One "group: NAME MEMBER..." line.                                         */
static int
s_parse_group (s_reader_t *r, keys_roster_t *self)
{
    const char *end = r->value + r->value_len;
    const char *space = memchr (r->value, ' ', r->value_len);
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    if (!space)
        return s_bad_value (r, "names no members (GROUP MEMBER...)");
    size_t name_len = (size_t) (space - r->value);
    if (!proto_group_name_valid (r->value, name_len)) {
        keys_io_error (r->err, r->errlen, "line %u: invalid group name \"%s\"",
                       r->line, keys_io_quote (quoted, r->value, name_len));
        return -1;
    }
    if (self->group_count == KEYS_ROSTER_MAX_GROUPS) {
        keys_io_error (r->err, r->errlen, "line %u: more than %d groups",
                       r->line, KEYS_ROSTER_MAX_GROUPS);
        return -1;
    }
    s_group_t *group = calloc (1, sizeof *group);
    if (!group) {
        keys_io_error (r->err, r->errlen, "out of memory");
        return -1;
    }
    memcpy (group->name, r->value, name_len);
    if (self->group_count > 0) {
        const char *before = self->groups[self->group_count - 1]->name;
        if (strcmp (before, group->name) >= 0) {
            keys_io_error (r->err, r->errlen,
                           "line %u: group \"%s\" is not in order (groups are "
                           "sorted by name, and it comes after \"%s\")",
                           r->line, group->name, before);
            s_group_destroy (&group);
            return -1;
        }
    }
    self->groups[self->group_count++] = group;

    const char *word = space + 1;
    while (word <= end) {
        const char *stop = memchr (word, ' ', (size_t) (end - word));
        if (!stop)
            stop = end;
        size_t len = (size_t) (stop - word);
        char name[KEYS_NAME_MAX + 1];
        if (len == 0 || len > KEYS_NAME_MAX) {
            keys_io_error (
                r->err, r->errlen,
                "line %u: group \"%s\": members are names separated by "
                "one space",
                r->line, group->name);
            return -1;
        }
        memcpy (name, word, len);
        name[len] = 0;
        if (!keys_roster_member_by_name (self, name)) {
            keys_io_error (
                r->err, r->errlen,
                "line %u: group \"%s\" names \"%s\", who is not a member",
                r->line, group->name, keys_io_quote (quoted, name, len));
            return -1;
        }
        if (group->count > 0
            && strcmp (group->names[group->count - 1], name) >= 0) {
            keys_io_error (r->err, r->errlen,
                           "line %u: group \"%s\": \"%s\" is not in order or "
                           "repeated (members are sorted by name)",
                           r->line, group->name, name);
            return -1;
        }
        group->names[group->count] = strdup (name);
        if (!group->names[group->count]) {
            keys_io_error (r->err, r->errlen, "out of memory");
            return -1;
        }
        group->count++;
        word = stop + 1;
    }
    s_take (r);
    return 0;
}

/* One "retired: PK UTC-TIME NAME" line.                                     */
static int
s_parse_retired (s_reader_t *r, keys_roster_t *self)
{
    keys_retired_t retired;
    memset (&retired, 0, sizeof retired);
    size_t name_at = S_PK_HEX_LEN + 1 + KEYS_IO_UTC_LEN + 1;
    size_t name_len = r->value_len > name_at ? r->value_len - name_at : 0;
    if (name_len == 0 || name_len > KEYS_NAME_MAX
        || r->value[S_PK_HEX_LEN] != ' '
        || r->value[name_at - 1] != ' '
        || s_hex_decode (retired.sign_pk, PROTO_PK_BYTES, r->value,
                         S_PK_HEX_LEN)
        || keys_io_parse_utc (r->value + S_PK_HEX_LEN + 1, KEYS_IO_UTC_LEN,
                              &retired.until))
        return s_bad_value (r, "is not \"<64 hex key> <YYYY-MM-DDTHH:MM:SSZ> "
                               "<name>\"");
    memcpy (retired.name, r->value + name_at, name_len);
    if (!keys_name_valid (retired.name))
        return s_bad_value (r, "names an invalid member name");
    if (self->retired_count == KEYS_ROSTER_MAX_RETIRED) {
        keys_io_error (r->err, r->errlen, "line %u: more than %d retired keys",
                       r->line, KEYS_ROSTER_MAX_RETIRED);
        return -1;
    }
    if (self->retired_count > 0
        && memcmp (self->retired[self->retired_count - 1].sign_pk,
                   retired.sign_pk, PROTO_PK_BYTES) >= 0) {
        keys_io_error (r->err, r->errlen,
                       "line %u: retired key is not in order or repeated "
                       "(sorted by key, one line per key)",
                       r->line);
        return -1;
    }
    if (keys_roster_member_by_key (self, retired.sign_pk))
        return s_bad_value (r, "retires the key of a current member");
    if (s_retired_insert (self, &retired) != 0) {
        keys_io_error (r->err, r->errlen, "out of memory");
        return -1;
    }
    s_take (r);
    return 0;
}

/* One "signature: PK SIG" line.                                             */
static int
s_parse_signature (s_reader_t *r, keys_roster_t *self)
{
    s_sig_t sig;
    if (r->value_len != S_PK_HEX_LEN + 1 + S_SIG_HEX_LEN
        || r->value[S_PK_HEX_LEN] != ' '
        || s_hex_decode (sig.pk, PROTO_PK_BYTES, r->value, S_PK_HEX_LEN)
        || s_hex_decode (sig.sig, PROTO_SIG_BYTES,
                         r->value + S_PK_HEX_LEN + 1, S_SIG_HEX_LEN))
        return s_bad_value (r, "is not \"<64 hex key> <128 hex signature>\" "
                               "in lowercase");
    if (self->sig_count == KEYS_ROSTER_MAX_SIGS) {
        keys_io_error (r->err, r->errlen, "line %u: more than %d signatures",
                       r->line, KEYS_ROSTER_MAX_SIGS);
        return -1;
    }
    if (self->sig_count > 0
        && memcmp (self->sigs[self->sig_count - 1].pk, sig.pk,
                   PROTO_PK_BYTES) >= 0) {
        keys_io_error (r->err, r->errlen,
                       "line %u: signature is not in order or repeats a key "
                       "(signatures are sorted by key, one per key)",
                       r->line);
        return -1;
    }
    if (self->sig_count == self->sig_cap) {
        size_t cap = self->sig_cap ? 2 * self->sig_cap : 8;
        s_sig_t *sigs = realloc (self->sigs, cap * sizeof *sigs);
        if (!sigs) {
            keys_io_error (r->err, r->errlen, "out of memory");
            return -1;
        }
        self->sigs = sigs;
        self->sig_cap = cap;
    }
    self->sigs[self->sig_count++] = sig;
    s_take (r);
    return 0;
}

/* The body's header lines: format, version, previous, threshold.           */
static int
s_parse_head (s_reader_t *r, keys_roster_t *self, unsigned *threshold_line)
{
    if (s_expect (r, "ceptoar-roster") != 0)
        return -1;
    if (r->value_len != 1 || r->value[0] != '1')
        return s_bad_value (r, "is not a roster format this program reads "
                               "(1)");
    s_take (r);
    if (s_expect (r, "version") != 0
        || s_parse_number (r, UINT64_MAX, &self->version) != 0)
        return -1;
    s_take (r);
    if (s_expect (r, "previous") != 0)
        return -1;
    if (r->value_len == 4 && !memcmp (r->value, "none", 4))
        self->has_previous = false;
    else if (s_hex_decode (self->previous, PROTO_HASH_BYTES, r->value,
                           r->value_len)
             == 0)
        self->has_previous = true;
    else
        return s_bad_value (r, "is neither \"none\" nor 64 lowercase hex "
                               "characters");
    if (self->has_previous != (self->version > 1))
        return s_bad_value (r, self->has_previous
                                   ? "is given at version 1 (must be none)"
                                   : "is only allowed at version 1");
    s_take (r);
    uint64_t threshold;
    if (s_expect (r, "threshold") != 0
        || s_parse_number (r, KEYS_ROSTER_MAX_MEMBERS, &threshold) != 0)
        return -1;
    self->threshold = (unsigned) threshold;
    *threshold_line = r->line;
    s_take (r);
    return 0;
}

keys_roster_t *
keys_roster_parse (const char *text, size_t len, char *err, size_t errlen)
{
    assert (text || len == 0);
    if (len > KEYS_ROSTER_MAX_BYTES) {
        keys_io_error (err, errlen, "roster is longer than %d bytes",
                       KEYS_ROSTER_MAX_BYTES);
        return NULL;
    }
    s_reader_t r;
    memset (&r, 0, sizeof r);
    r.text = text;
    r.len = len;
    r.line = 1;
    r.err = err;
    r.errlen = errlen;
    keys_roster_t *self = s_roster_alloc ();
    if (!self) {
        keys_io_error (err, errlen, "out of memory");
        return NULL;
    }
    unsigned threshold_line = 0;
    int rc = 0;
    if (s_parse_head (&r, self, &threshold_line) != 0
        || s_expect (&r, "member") != 0)
        goto fail;
    while (s_next_is (&r, "member", &rc))
        if (s_parse_member (&r, self) != 0)
            goto fail;
    if (rc < 0)
        goto fail;
    if (self->threshold > self->member_count) {
        keys_io_error (err, errlen,
                       "line %u: threshold %u is more than the %zu members",
                       threshold_line, self->threshold, self->member_count);
        goto fail;
    }
    while (s_next_is (&r, "group", &rc))
        if (s_parse_group (&r, self) != 0)
            goto fail;
    if (rc < 0)
        goto fail;
    while (s_next_is (&r, "retired", &rc))
        if (s_parse_retired (&r, self) != 0)
            goto fail;
    if (rc < 0)
        goto fail;
    while (s_next_is (&r, "signature", &rc))
        if (s_parse_signature (&r, self) != 0)
            goto fail;
    if (rc < 0)
        goto fail;
    if (rc == 1) {
        keys_io_error (
            err, errlen,
            "line %u: unexpected \"%s\" here (after the members come "
            "groups, retired keys, signatures, then the end)",
            r.line, r.field);
        goto fail;
    }
    /* Belt and braces: the text must be exactly what we would write.      */
    size_t again_len = 0;
    char *again = keys_roster_format (self, true, &again_len);
    bool same = again && again_len == len && !memcmp (again, text, len);
    free (again);
    if (!same) {
        keys_io_error (err, errlen, "roster is not in canonical form");
        goto fail;
    }
    return self;
fail:
    keys_roster_destroy (&self);
    return NULL;
}

/* ------------------------------------------------------------------------
   Files.                                                                    */
keys_roster_t *
keys_roster_load (const char *path, char *err, size_t errlen)
{
    assert (path);
    FILE *file = fopen (path, "rb");
    if (!file) {
        keys_io_error (err, errlen, "cannot open %s: %s", path,
                       strerror (errno));
        return NULL;
    }
    char *text = malloc (KEYS_ROSTER_MAX_BYTES + 1);
    if (!text) {
        (void) fclose (file);
        keys_io_error (err, errlen, "out of memory");
        return NULL;
    }
    size_t len = fread (text, 1, KEYS_ROSTER_MAX_BYTES + 1, file);
    bool failed = ferror (file);
    (void) fclose (file);
    keys_roster_t *self = NULL;
    char reason[512];
    if (failed)
        keys_io_error (err, errlen, "cannot read %s", path);
    else if (len > KEYS_ROSTER_MAX_BYTES)
        keys_io_error (err, errlen, "%s: longer than %d bytes, not a roster",
                       path, KEYS_ROSTER_MAX_BYTES);
    else if (!(self = keys_roster_parse (text, len, reason, sizeof reason)))
        keys_io_error (err, errlen, "%s: %s", path, reason);
    free (text);
    return self;
}

/* Write to a temporary file beside path, sync, then rename over path, so
   a reader sees the old roster or the new one, never half of one.          */
int
keys_roster_save (const keys_roster_t *self, const char *path, char *err,
                  size_t errlen)
{
    assert (self);
    assert (path);
    size_t len;
    char *text = keys_roster_format (self, true, &len);
    if (!text) {
        keys_io_error (err, errlen,
                       "the roster is not complete (no members, or "
                       "threshold out of range)");
        return -1;
    }
    char tmp[4096];
    if (snprintf (tmp, sizeof tmp, "%s.tmp-XXXXXX", path)
        >= (int) sizeof tmp) {
        free (text);
        keys_io_error (err, errlen, "path too long: %s", path);
        return -1;
    }
    int fd = mkstemp (tmp);
    if (fd < 0) {
        keys_io_error (err, errlen, "cannot create a file beside %s: %s", path,
                       strerror (errno));
        free (text);
        return -1;
    }
    int rc = fchmod (fd, 0644);
    size_t done = 0;
    while (rc == 0 && done < len) {
        ssize_t n = write (fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1;
        else
            done += (size_t) n;
    }
    if (rc == 0)
        rc = fsync (fd);
    if (close (fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = rename (tmp, path);
    free (text);
    if (rc != 0) {
        keys_io_error (err, errlen, "cannot write %s: %s", path,
                       strerror (errno));
        unlink (tmp);
        return -1;
    }
    keys_io_sync_parent (path);
    return 0;
}

/* ------------------------------------------------------------------------
   Accessors.                                                                */
uint64_t
keys_roster_version (const keys_roster_t *self)
{
    assert (self);
    return self->version;
}

unsigned
keys_roster_threshold (const keys_roster_t *self)
{
    assert (self);
    return self->threshold;
}

const uint8_t *
keys_roster_previous (const keys_roster_t *self)
{
    assert (self);
    return self->has_previous ? self->previous : NULL;
}

size_t
keys_roster_member_count (const keys_roster_t *self)
{
    assert (self);
    return self->member_count;
}

const keys_member_t *
keys_roster_member (const keys_roster_t *self, size_t index)
{
    assert (self);
    return index < self->member_count ? &self->members[index] : NULL;
}

size_t
keys_roster_signature_count (const keys_roster_t *self)
{
    assert (self);
    return self->sig_count;
}

const uint8_t *
keys_roster_signature_key (const keys_roster_t *self, size_t index)
{
    assert (self);
    return index < self->sig_count ? self->sigs[index].pk : NULL;
}

size_t
keys_roster_group_count (const keys_roster_t *self)
{
    assert (self);
    return self->group_count;
}

const char *
keys_roster_group_name (const keys_roster_t *self, size_t index)
{
    assert (self);
    return index < self->group_count ? self->groups[index]->name : NULL;
}

bool
keys_roster_group_exists (const keys_roster_t *self, const char *group)
{
    assert (self);
    assert (group);
    return s_group_find (self, group, NULL) != NULL;
}

const char *const *
keys_roster_group_members (const keys_roster_t *self, const char *group,
                           size_t *n)
{
    assert (self);
    assert (group);
    assert (n);
    const s_group_t *found = s_group_find (self, group, NULL);
    *n = found ? found->count : 0;
    return found ? (const char *const *) found->names : NULL;
}

bool
keys_roster_group_has (const keys_roster_t *self, const char *group,
                       const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (group);
    assert (pk);
    const s_group_t *found = s_group_find (self, group, NULL);
    const keys_member_t *member = keys_roster_member_by_key (self, pk);
    if (!found || !member)
        return false;
    for (size_t i = 0; i < found->count; i++)
        if (!strcmp (found->names[i], member->card.name))
            return true;
    return false;
}

/* ------------------------------------------------------------------------
   Audience text to a canonical audience.                                    */
static void
s_list_choices (char *out, size_t cap, const keys_roster_t *self,
                bool groups)
{
    size_t count = groups ? self->group_count : self->member_count;
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < count && i < S_CHOICES_MAX; i++) {
        const char *name = groups ? self->groups[i]->name
                                  : self->members[i].card.name;
        int n = snprintf (out + len, cap - len, "%s%s", i ? ", " : "", name);
        if (n < 0 || (size_t) n >= cap - len)
            return;
        len += (size_t) n;
    }
    if (count > S_CHOICES_MAX)
        snprintf (out + len, cap - len, ", ... (%zu in all)", count);
}

int
keys_roster_resolve_audience (const keys_roster_t *self, const char *text,
                              proto_audience_t *out, char *err, size_t errlen)
{
    assert (self);
    assert (text);
    assert (out);
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    char choices[S_CHOICES_MAX * (KEYS_NAME_MAX + 2) + 32];
    proto_audience_t audience;
    memset (&audience, 0, sizeof audience);

    if (!strcmp (text, "council")) {
        proto_audience_set_council (&audience);
        *out = audience;
        return 0;
    }
    if (!strncmp (text, "group:", 6)) {
        const char *name = text + 6;
        if (!keys_roster_group_exists (self, name)
            || proto_audience_set_group (&audience, name) != 0) {
            s_list_choices (choices, sizeof choices, self, true);
            keys_io_error (err, errlen, "unknown group \"%s\" (%s%s)",
                           keys_io_quote (quoted, name, strlen (name)),
                           self->group_count ? "groups: "
                                             : "this roster has no "
                                               "groups",
                           choices);
            return -1;
        }
        *out = audience;
        return 0;
    }
    if (!strncmp (text, "node:", 5)) {
        proto_audience_set_nodes (&audience);
        const char *word = text + 5;
        while (true) {
            while (*word == ' ')
                word++;
            size_t len = strcspn (word, ",");
            size_t trimmed = len;
            while (trimmed > 0 && word[trimmed - 1] == ' ')
                trimmed--;
            char name[KEYS_NAME_MAX + 1];
            size_t matches = 0;
            const keys_member_t *member = NULL;
            if (trimmed > 0 && trimmed <= KEYS_NAME_MAX) {
                memcpy (name, word, trimmed);
                name[trimmed] = 0;
                member = s_lookup (self, name, &matches);
            }
            if (!member) {
                s_list_choices (choices, sizeof choices, self, false);
                if (matches > 1)
                    keys_io_error (
                        err, errlen,
                        "\"%s\" could mean %zu members: give more of "
                        "the fingerprint, or the name",
                        keys_io_quote (quoted, word, trimmed), matches);
                else
                    keys_io_error (
                        err, errlen,
                        "unknown member \"%s\" (members: %s; or give "
                        "at least %d hex characters of a fingerprint)",
                        keys_io_quote (quoted, word, trimmed), choices,
                        S_FPR_MIN_HEX);
                return -1;
            }
            //  A revoked key may be in other hands: a payload named to it
            //  (RED sealed to it) would be readable there.
            if (keys_roster_revoked (self, member->card.sign_pk)) {
                keys_io_error (err, errlen,
                               "member \"%s\" is revoked: its key may be in "
                               "other hands, so nothing is addressed to it",
                               member->card.name);
                return -1;
            }
            if (proto_audience_add_node (&audience, member->card.sign_pk)
                != 0) {
                keys_io_error (err, errlen,
                               "more than %d nodes in the audience",
                               PROTO_AUDIENCE_MAX_NODES);
                return -1;
            }
            if (word[len] != ',')
                break;
            word += len + 1;
        }
        *out = audience;
        return 0;
    }
    keys_io_error (err, errlen,
                   "unknown audience \"%s\" (use council, group:NAME or "
                   "node:NAME[,NAME...])",
                   keys_io_quote (quoted, text, strlen (text)));
    return -1;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */

/* Keys and cards of the test members, from fixed seeds.                    */
#define S_TEST_NODES 7
static const char *const s_test_names[S_TEST_NODES] = {
    "T-CEPTOAR", "FIN-BANK", "FIN-SEC", "ELEC", "GAS", "RAIL", "OUTSIDER"
};
static const proto_sector_t s_test_sectors[S_TEST_NODES] = {
    PROTO_SECTOR_TELECOM,     PROTO_SECTOR_BANKING, PROTO_SECTOR_SECURITIES,
    PROTO_SECTOR_ELECTRICITY, PROTO_SECTOR_GAS,     PROTO_SECTOR_RAILWAY,
    PROTO_SECTOR_WATER
};

static keys_secret_t *
s_test_key (size_t index)
{
    uint8_t seed[PROTO_SEED_BYTES], box_sk[PROTO_BOXSK_BYTES];
    memset (seed, (int) (index + 1), sizeof seed);
    memset (box_sk, (int) (0x80 + index), sizeof box_sk);
    keys_secret_t *key = keys_secret_from_seeds (seed, box_sk);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (box_sk, sizeof box_sk);
    assert (key);
    return key;
}

static keys_card_t
s_test_card (size_t index, const keys_secret_t *key)
{
    keys_card_t card;
    memset (&card, 0, sizeof card);
    strcpy (card.name, s_test_names[index]);
    card.sector = s_test_sectors[index];
    memcpy (card.sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    memcpy (card.box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
    card.endpoint_count = 1;
    snprintf (card.endpoints[0], sizeof card.endpoints[0],
              "tcp://127.0.0.1:%zu", 7001 + index);
    return card;
}

static void
s_test_sign (keys_roster_t *roster, const keys_secret_t *key, int want)
{
    uint8_t sig[PROTO_SIG_BYTES];
    char err[256];
    assert (keys_roster_sign (roster, key, sig) == 0);
    int rc = keys_roster_add_signature (roster, keys_secret_sign_pk (key),
                                        sig, err, sizeof err);
    assert (rc == want);
}

/* The body of roster (no signatures) with the line that begins with
   prefix replaced by line (NULL: deleted) or, if no line begins with it,
   with line added after the last; parsed back (the caller signs and
   destroys it).                                                            */
static keys_roster_t *
s_test_edit_line (const keys_roster_t *roster, const char *prefix,
                  const char *line)
{
    size_t len;
    char *text = keys_roster_format (roster, false, &len);
    assert (text);
    size_t cap = len + (line ? strlen (line) : 0) + 2;
    char *edited = malloc (cap);
    assert (edited);
    char *at = strstr (text, prefix);
    assert (!at || at == text || at[-1] == '\n');
    if (at) {
        char *end = strchr (at, '\n');
        assert (end);
        snprintf (edited, cap, "%.*s%s%s%s", (int) (at - text), text,
                  line ? line : "", line ? "\n" : "", end + 1);
    }
    else {
        assert (line);
        snprintf (edited, cap, "%s%s\n", text, line);
    }
    char err[256];
    keys_roster_t *parsed = keys_roster_parse (edited, strlen (edited), err,
                                               sizeof err);
    if (!parsed)
        fprintf (stderr, "s_test_edit_line: %s\n", err);
    assert (parsed);
    free (edited);
    free (text);
    return parsed;
}

/* Parse text with the first occurrence of from replaced by to, expecting
   a refusal that contains want.                                             */
static void
s_test_refused (const char *text, const char *from, const char *to,
                const char *want, bool verbose)
{
    const char *at = strstr (text, from);
    assert (at);
    size_t len = strlen (text) - strlen (from) + strlen (to);
    char *edited = malloc (len + 1);
    assert (edited);
    snprintf (edited, len + 1, "%.*s%s%s", (int) (at - text), text, to,
              at + strlen (from));
    char err[512] = "";
    keys_roster_t *roster = keys_roster_parse (edited, len, err, sizeof err);
    if (verbose)
        printf ("\n     refused: %s", err);
    if (roster || !strstr (err, want)) {
        fprintf (stderr, "\nexpected a refusal with \"%s\", got \"%s\"\n",
                 want, err);
        assert (false);
    }
    free (edited);
}

void
keys_roster_test (bool verbose)
{
    printf (" * keys_roster: ");
    fflush (stdout);

    enum { TEL, BANK, SEC, ELEC, GAS, RAIL, OUT };
    keys_secret_t *key[S_TEST_NODES];
    keys_card_t card[S_TEST_NODES];
    for (size_t i = 0; i < S_TEST_NODES; i++) {
        key[i] = s_test_key (i);
        card[i] = s_test_card (i, key[i]);
    }
    char err[512];
    keys_roster_count_t counts;

    /* Genesis: TEL, BANK, SEC, ELEC; threshold 3; group finance.           */
    keys_roster_t *r1 = keys_roster_new (NULL, 3);
    assert (r1 && keys_roster_version (r1) == 1);
    assert (!keys_roster_previous (r1));
    assert (!keys_roster_format (r1, false, NULL));     /* no members yet */
    for (size_t i = TEL; i <= ELEC; i++)
        assert (keys_roster_add_member (r1, &card[i],
                                        i == TEL ? "secretariat,custodian"
                                                 : NULL,
                                        err, sizeof err)
                == 0);
    const char *finance[] = { "FIN-SEC", "FIN-BANK" };
    assert (keys_roster_set_group (r1, "finance", finance, 2, err,
                                   sizeof err)
            == 0);
    assert (keys_roster_member_count (r1) == 4);
    assert (!strcmp (keys_roster_member (r1, 0)->card.name, "ELEC"));
    assert (!strcmp (keys_roster_member (r1, 3)->card.name, "T-CEPTOAR"));
    assert (!strcmp (keys_roster_member_by_name (r1, "T-CEPTOAR")->roles,
                     "custodian,secretariat"));
    assert (!keys_roster_member (r1, 4));

    /* The body's exact shape.                                               */
    size_t len;
    char *body = keys_roster_format (r1, false, &len);
    assert (body && len == strlen (body));
    const char *start = "ceptoar-roster: 1\nversion: 1\nprevious: none\n"
                        "threshold: 3\nmember: ELEC\nsector: electricity\n"
                        "sign-key: ";
    assert (!strncmp (body, start, strlen (start)));
    assert (strstr (body, "\nendpoint: tcp://127.0.0.1:7001\nroles: "
                          "custodian,secretariat\n"));
    assert (strstr (body, "\ngroup: finance FIN-BANK FIN-SEC\n"));
    assert (body[len - 1] == '\n');
    uint8_t hash[PROTO_HASH_BYTES], expect[PROTO_HASH_BYTES];
    assert (keys_roster_hash (r1, hash) == 0);
    proto_hash (expect, body, len);
    assert (!memcmp (hash, expect, PROTO_HASH_BYTES));

    /* The signed message is domain || 0 || hash(body).                     */
    uint8_t sig[PROTO_SIG_BYTES], msg[S_MESSAGE_BYTES];
    assert (keys_roster_sign (r1, key[TEL], sig) == 0);
    memcpy (msg, "CEPTOAR-ROSTER-V1", 17);
    msg[17] = 0;
    memcpy (msg + 18, hash, PROTO_HASH_BYTES);
    assert (crypto_sign_verify_detached (sig, msg, sizeof msg,
                                         keys_secret_sign_pk (key[TEL]))
            == 0);

    /* Genesis: unsigned, one short, non-member and repeated signers.       */
    assert (keys_roster_verify (r1, NULL, &counts, err, sizeof err) == -1);
    assert (counts.own == 0 && counts.own_needed == 3);
    assert (counts.prev == 0 && counts.prev_needed == 0);
    s_test_sign (r1, key[TEL], 0);
    s_test_sign (r1, key[BANK], 0);
    s_test_sign (r1, key[OUT], 0);      /* valid, but not a member        */
    s_test_sign (r1, key[GAS], 0);      /* not a member of this version   */
    s_test_sign (r1, key[TEL], 1);      /* the same member again          */
    assert (keys_roster_signature_count (r1) == 4);
    assert (keys_roster_verify (r1, NULL, &counts, err, sizeof err) == -1);
    assert (counts.own == 2 && counts.own_needed == 3);
    assert (strstr (err, "has 2 of 3 signatures needed"));
    s_test_sign (r1, key[SEC], 0);
    assert (keys_roster_verify (r1, NULL, &counts, err, sizeof err) == 0);
    assert (counts.own == 3);
    for (size_t s = 1; s < keys_roster_signature_count (r1); s++)
        assert (memcmp (keys_roster_signature_key (r1, s - 1),
                        keys_roster_signature_key (r1, s), PROTO_PK_BYTES)
                < 0);

    /* A signature over a different body is refused when added, and an
       error (not a silent drop) when it arrives in a file.                 */
    keys_roster_t *other = keys_roster_dup_body (r1);
    assert (other && keys_roster_signature_count (other) == 0);
    keys_roster_set_threshold (other, 2);
    uint8_t other_sig[PROTO_SIG_BYTES];
    assert (keys_roster_sign (other, key[ELEC], other_sig) == 0);
    assert (keys_roster_add_signature (r1, keys_secret_sign_pk (key[ELEC]),
                                       other_sig, err, sizeof err)
            == -1);
    assert (strstr (err, "does not verify"));
    char *text = keys_roster_format (r1, true, &len);
    assert (text);
    {
        uint8_t good_sig[PROTO_SIG_BYTES];
        char good_hex[S_SIG_HEX_LEN + 1], bad_hex[S_SIG_HEX_LEN + 1];
        assert (keys_roster_sign (r1, key[SEC], good_sig) == 0);
        assert (keys_roster_sign (other, key[SEC], other_sig) == 0);
        proto_hex_encode (good_hex, good_sig, PROTO_SIG_BYTES);
        proto_hex_encode (bad_hex, other_sig, PROTO_SIG_BYTES);
        char *edited = strdup (text);
        assert (edited);
        memcpy (strstr (edited, good_hex), bad_hex, S_SIG_HEX_LEN);
        keys_roster_t *forged = keys_roster_parse (edited, len, err,
                                                   sizeof err);
        assert (forged);            /* well-formed: parse checks form only */
        assert (keys_roster_verify (forged, NULL, &counts, err, sizeof err)
                == -1);
        assert (strstr (err, "signature by FIN-SEC"));
        assert (strstr (err, "does not verify"));
        assert (counts.own == 2);   /* the counts are filled all the same  */
        keys_roster_destroy (&forged);
        free (edited);
    }
    keys_roster_destroy (&other);

    /* Canonical: parse then format gives the same bytes, with and without
       signatures.                                                           */
    keys_roster_t *parsed = keys_roster_parse (text, len, err, sizeof err);
    assert (parsed);
    size_t again_len;
    char *again = keys_roster_format (parsed, true, &again_len);
    assert (again && again_len == len && !memcmp (again, text, len));
    free (again);
    assert (keys_roster_verify (parsed, NULL, NULL, err, sizeof err) == 0);
    assert (keys_roster_signature_count (parsed) == 5);
    keys_roster_destroy (&parsed);
    parsed = keys_roster_parse (body, strlen (body), err, sizeof err);
    assert (parsed);
    again = keys_roster_format (parsed, false, NULL);
    assert (again && !strcmp (again, body));
    free (again);
    keys_roster_destroy (&parsed);

    /* Parse errors, each naming the line.                                   */
    {
        /* Unsorted members: rename ELEC to ZELEC (it stays first).         */
        s_test_refused (text, "member: ELEC\n", "member: ZELEC\n",
                        "line 10: member \"FIN-BANK\" is not in order",
                        verbose);
        /* A duplicate sign key: FIN-SEC takes FIN-BANK's key.              */
        char bank_hex[S_PK_HEX_LEN + 1], sec_hex[S_PK_HEX_LEN + 1];
        proto_hex_encode (bank_hex, card[BANK].sign_pk, PROTO_PK_BYTES);
        proto_hex_encode (sec_hex, card[SEC].sign_pk, PROTO_PK_BYTES);
        char from[128], to[128];
        snprintf (from, sizeof from, "sign-key: %s", sec_hex);
        snprintf (to, sizeof to, "sign-key: %s", bank_hex);
        s_test_refused (text, from, to, "sign-key of \"FIN-SEC\" repeated",
                        verbose);
        proto_hex_encode (bank_hex, card[BANK].box_pk, PROTO_PK_BYTES);
        proto_hex_encode (sec_hex, card[SEC].box_pk, PROTO_PK_BYTES);
        snprintf (from, sizeof from, "box-key: %s", sec_hex);
        snprintf (to, sizeof to, "box-key: %s", bank_hex);
        s_test_refused (text, from, to, "box-key of \"FIN-SEC\" repeated",
                        verbose);
        /* Byte order: lowercase sorts after uppercase.                    */
        s_test_refused (text, "member: FIN-SEC", "member: fin-sec",
                        "line 20: member \"T-CEPTOAR\" is not in order",
                        verbose);
        s_test_refused (text, "member: FIN-SEC", "member: FIN-bank",
                        "name \"FIN-bank\" repeated", verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC",
                        "group: finance FIN-BANK NOBODY",
                        "group \"finance\" names \"NOBODY\", who is not a "
                        "member",
                        verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC",
                        "group: finance FIN-SEC FIN-BANK",
                        "\"FIN-BANK\" is not in order", verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC",
                        "group: finance FIN-BANK FIN-BANK",
                        "\"FIN-BANK\" is not in order or repeated", verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC",
                        "group: finance FIN-BANK  FIN-SEC", "one space",
                        verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC\n",
                        "group: finance FIN-BANK FIN-SEC\n"
                        "group: banks FIN-BANK\n",
                        "group \"banks\" is not in order", verbose);
        s_test_refused (text, "group: finance FIN-BANK FIN-SEC",
                        "group: finance", "names no members", verbose);
        s_test_refused (text, "group: finance", "group: Finance",
                        "invalid group name \"Finance\"", verbose);
        /* Trailing junk, blank lines, missing final LF, CR.                */
        char *junk = malloc (len + 16);
        assert (junk);
        snprintf (junk, len + 16, "%sjunk: 1\n", text);
        assert (!keys_roster_parse (junk, strlen (junk), err, sizeof err));
        assert (strstr (err, "unexpected \"junk\""));
        snprintf (junk, len + 16, "%s\n", text);
        assert (!keys_roster_parse (junk, strlen (junk), err, sizeof err));
        assert (strstr (err, "expected \"field: value\""));
        snprintf (junk, len + 16, "%sjunk", text);
        assert (!keys_roster_parse (junk, strlen (junk), err, sizeof err));
        assert (strstr (err, "no newline at the end"));
        free (junk);
        assert (!keys_roster_parse (text, len - 1, err, sizeof err));
        assert (strstr (err, "no newline at the end"));
        assert (!keys_roster_parse (text, 0, err, sizeof err));
        assert (strstr (err, "line 1: roster ends"));
        s_test_refused (text, "version: 1\n", "version: 1\r\n",
                        "line 2: byte 0x0d", verbose);
        s_test_refused (text, "sector: electricity", "sector: Electricity",
                        "line 6: sector \"Electricity\" is not a sector",
                        verbose);
        s_test_refused (text, "version: 1", "version: 01",
                        "line 2: version \"01\"", verbose);
        s_test_refused (text, "version: 1", "version: 0",
                        "line 2: version \"0\"", verbose);
        s_test_refused (text, "version: 1", "version: 2",
                        "line 3: previous \"none\" is only allowed at "
                        "version 1",
                        verbose);
        s_test_refused (text, "previous: none",
                        "previous: 00000000000000000000000000000000"
                        "00000000000000000000000000000000",
                        "line 3: previous \"0000", verbose);
        s_test_refused (text, "previous: none", "previous: nothing",
                        "is neither \"none\" nor 64 lowercase hex",
                        verbose);
        s_test_refused (text, "version: 1", "version: 99999999999999999999",
                        "line 2: version", verbose);
        s_test_refused (text, "threshold: 3", "threshold: 0",
                        "line 4: threshold \"0\"", verbose);
        s_test_refused (text, "threshold: 3", "threshold: 5",
                        "line 4: threshold 5 is more than the 4 members",
                        verbose);
        s_test_refused (text, "ceptoar-roster: 1", "ceptoar-roster: 2",
                        "line 1: ceptoar-roster \"2\"", verbose);
        s_test_refused (text, "threshold: 3\n", "threshold: 3\ncolour: x\n",
                        "line 5: expected field \"member\", found \"colour\"",
                        verbose);
        s_test_refused (text, "sector: electricity\n", "",
                        "line 6: expected field \"sector\", found "
                        "\"sign-key\"",
                        verbose);
        s_test_refused (text, "roles: custodian,secretariat",
                        "roles: secretariat,custodian",
                        "roles \"secretariat,custodian\" are not sorted",
                        verbose);
        s_test_refused (text, "roles: custodian,secretariat",
                        "roles: custodian,custodian", "are not sorted",
                        verbose);
        s_test_refused (text, "endpoint: tcp://127.0.0.1:7004",
                        "endpoint: tcp://127.0.0.1:0",
                        "endpoint \"tcp://127.0.0.1:0\"", verbose);
        s_test_refused (text, "\nsign-key: ", "\nsign-key: A",
                        "is not 64 lowercase hex", verbose);
        /* An uppercase key is the same key, but not the one encoding.     */
        char *upper = strdup (text);
        assert (upper);
        char *hex = strstr (upper, "\nsign-key: ") + 11;
        for (size_t i = 0; i < S_PK_HEX_LEN; i++)
            if (hex[i] >= 'a' && hex[i] <= 'f')
                hex[i] = (char) (hex[i] - 'a' + 'A');
        assert (!keys_roster_parse (upper, len, err, sizeof err));
        assert (strstr (err, "line 7: sign-key"));
        free (upper);
        /* Signatures: order and repeats.                                    */
        const char *first = strstr (text, "\nsignature: ") + 1;
        const char *second = strstr (first, "\n") + 1;
        size_t first_len = (size_t) (second - first);
        char *swapped = malloc (len + 1);
        assert (swapped);
        size_t head = (size_t) (first - text);
        const char *third = strstr (second, "\n") + 1;
        size_t second_len = (size_t) (third - second);
        memcpy (swapped, text, head);
        memcpy (swapped + head, second, second_len);
        memcpy (swapped + head + second_len, first, first_len);
        strcpy (swapped + head + second_len + first_len, third);
        assert (!keys_roster_parse (swapped, len, err, sizeof err));
        assert (strstr (err, "signature is not in order"));
        memcpy (swapped + head + second_len, second, second_len);
        assert (first_len == second_len);
        assert (!keys_roster_parse (swapped, len, err, sizeof err));
        assert (strstr (err, "repeats a key"));
        free (swapped);
        s_test_refused (text, "\nsignature: ", "\nsignature:  ",
                        "expected \"field: value\"", verbose);
        s_test_refused (text, "\ngroup: ", "\nsignature: 00 00\ngroup: ",
                        "is not \"<64 hex key> <128 hex signature>\"",
                        verbose);
    }

    /* Edits: refusals and their effect on signatures and groups.           */
    keys_roster_t *draft = keys_roster_dup_body (r1);
    assert (draft);
    assert (keys_roster_version (draft) == 1);
    keys_card_t twin = card[GAS];
    strcpy (twin.name, "elec");
    assert (keys_roster_add_member (draft, &twin, NULL, err, sizeof err)
            == -1);
    assert (strstr (err, "\"elec\" repeated (already member \"ELEC\")"));
    twin = card[GAS];
    memcpy (twin.sign_pk, card[TEL].sign_pk, PROTO_PK_BYTES);
    assert (keys_roster_add_member (draft, &twin, NULL, err, sizeof err)
            == -1);
    assert (strstr (err, "sign-key of \"GAS\" repeated"));
    twin = card[GAS];
    memcpy (twin.box_pk, card[TEL].box_pk, PROTO_BOXPK_BYTES);
    assert (keys_roster_add_member (draft, &twin, NULL, err, sizeof err)
            == -1);
    assert (strstr (err, "box-key of \"GAS\" repeated"));
    twin = card[GAS];
    strcpy (twin.endpoints[0], "tcp://nowhere");
    assert (keys_roster_add_member (draft, &twin, NULL, err, sizeof err)
            == -1);
    assert (keys_roster_add_member (draft, &card[GAS], "Bad Role", err,
                                    sizeof err)
            == -1);
    assert (strstr (err, "invalid roles"));
    assert (keys_roster_remove_member (draft, "NOBODY", err, sizeof err)
            == -1);
    assert (strstr (err, "no member named \"NOBODY\""));
    const char *bad_group[] = { "FIN-BANK", "NOBODY" };
    assert (keys_roster_set_group (draft, "finance", bad_group, 2, err,
                                   sizeof err)
            == -1);
    assert (strstr (err, "no member named \"NOBODY\""));
    const char *twice[] = { "FIN-BANK", "FIN-BANK" };
    assert (keys_roster_set_group (draft, "finance", twice, 2, err,
                                   sizeof err)
            == -1);
    assert (strstr (err, "repeated"));
    assert (keys_roster_set_group (draft, "Finance", finance, 2, err,
                                   sizeof err)
            == -1);
    assert (keys_roster_set_group (draft, "energy", NULL, 0, err, sizeof err)
            == -1);
    const char *energy[] = { "ELEC" };
    assert (keys_roster_set_group (draft, "energy", energy, 1, err,
                                   sizeof err)
            == 0);
    assert (keys_roster_group_count (draft) == 2);
    assert (!strcmp (keys_roster_group_name (draft, 0), "energy"));
    assert (keys_roster_set_group (draft, "energy", NULL, 0, err, sizeof err)
            == 0);
    assert (keys_roster_group_count (draft) == 1);
    /* Removing a member takes it out of its groups.                         */
    assert (keys_roster_remove_member (draft, "FIN-SEC", err, sizeof err)
            == 0);
    size_t n = 0;
    const char *const *names = keys_roster_group_members (draft, "finance",
                                                          &n);
    assert (names && n == 1 && !strcmp (names[0], "FIN-BANK"));
    assert (keys_roster_remove_member (draft, "FIN-BANK", err, sizeof err)
            == 0);
    assert (!keys_roster_group_exists (draft, "finance"));
    assert (keys_roster_member_count (draft) == 2);
    assert (!keys_roster_format (draft, false, NULL));  /* 3 > 2 members  */
    keys_roster_set_threshold (draft, 0);
    assert (!keys_roster_format (draft, false, NULL));
    keys_roster_set_threshold (draft, 2);
    s_test_sign (draft, key[TEL], 0);
    assert (keys_roster_signature_count (draft) == 1);
    assert (keys_roster_add_member (draft, &card[GAS], NULL, err, sizeof err)
            == 0);
    assert (keys_roster_signature_count (draft) == 0);  /* edit drops them */
    keys_roster_destroy (&draft);

    /* Version 2: ELEC leaves, GAS joins, threshold 2.                       */
    keys_roster_t *r2 = keys_roster_dup_body (r1);
    assert (r2);
    assert (keys_roster_follow (r2, r1, err, sizeof err) == 0);
    assert (keys_roster_version (r2) == 2);
    assert (!memcmp (keys_roster_previous (r2), hash, PROTO_HASH_BYTES));
    assert (keys_roster_remove_member (r2, "ELEC", err, sizeof err) == 0);
    assert (keys_roster_retire (r2, card[ELEC].sign_pk, "ELEC", 1795000000,
                                err, sizeof err)
            == 0);
    assert (keys_roster_add_member (r2, &card[GAS], NULL, err, sizeof err)
            == 0);
    keys_roster_set_threshold (r2, 2);
    {
        keys_roster_t *empty = keys_roster_new (r1, 2);
        assert (empty && keys_roster_version (empty) == 2);
        assert (!memcmp (keys_roster_previous (empty), hash,
                         PROTO_HASH_BYTES));
        assert (keys_roster_member_count (empty) == 0);
        keys_roster_destroy (&empty);
    }
    /* The removed member's signature counts toward the old threshold only:
       ELEC, BANK, SEC make 3 of version 1 but 2 of version 2.              */
    s_test_sign (r2, key[ELEC], 0);
    s_test_sign (r2, key[BANK], 0);
    assert (keys_roster_verify (r2, r1, &counts, err, sizeof err) == -1);
    assert (counts.prev == 2 && counts.prev_needed == 3);
    assert (counts.own == 1 && counts.own_needed == 2);
    assert (strstr (err, "has 2 of 3 signatures needed from the members of "
                         "version 1"));
    s_test_sign (r2, key[SEC], 0);
    assert (keys_roster_verify (r2, r1, &counts, err, sizeof err) == 0);
    assert (counts.prev == 3 && counts.own == 2);
    /* As a genesis, version 2 is refused.                                  */
    assert (keys_roster_verify (r2, NULL, NULL, err, sizeof err) == -1);
    assert (strstr (err, "not a genesis"));

    /* Old threshold met, new not: the same signers under threshold 3.      */
    {
        keys_roster_t *r2b = keys_roster_dup_body (r2);
        assert (r2b);
        keys_roster_set_threshold (r2b, 3);
        s_test_sign (r2b, key[ELEC], 0);
        s_test_sign (r2b, key[BANK], 0);
        s_test_sign (r2b, key[SEC], 0);
        assert (keys_roster_verify (r2b, r1, &counts, err, sizeof err)
                == -1);
        assert (counts.prev == 3 && counts.own == 2 && counts.own_needed == 3);
        assert (strstr (err, "has 2 of 3 signatures needed from its own "
                             "members"));
        /* New met, old not: GAS is new, so GAS, BANK, SEC make 3 of version
           2 but 2 of version 1.                                            */
        keys_roster_destroy (&r2b);
        r2b = keys_roster_dup_body (r2);
        keys_roster_set_threshold (r2b, 3);
        s_test_sign (r2b, key[GAS], 0);
        s_test_sign (r2b, key[BANK], 0);
        s_test_sign (r2b, key[SEC], 0);
        assert (keys_roster_verify (r2b, r1, &counts, err, sizeof err)
                == -1);
        assert (counts.prev == 2 && counts.own == 3);
        assert (strstr (err, "has 2 of 3 signatures needed from the members "
                             "of version 1"));
        keys_roster_destroy (&r2b);
    }

    /* Version 3: RAIL joins; threshold 2 of version 2 and 3 of version 3. */
    keys_roster_t *r3 = keys_roster_dup_body (r2);
    assert (r3 && keys_roster_follow (r3, r2, err, sizeof err) == 0);
    assert (keys_roster_add_member (r3, &card[RAIL], "drill-lead", err,
                                    sizeof err)
            == 0);
    keys_roster_set_threshold (r3, 3);
    s_test_sign (r3, key[GAS], 0);
    s_test_sign (r3, key[RAIL], 0);
    s_test_sign (r3, key[TEL], 0);
    assert (keys_roster_verify (r3, r2, &counts, err, sizeof err) == 0);
    assert (counts.prev == 2 && counts.own == 3);

    {
        /* Retired keys: a removed member's key is retired with the time of
           the change, written in key order, parsed back, refused for a
           current member, and never admitted again.                        */
        keys_roster_t *r4 = keys_roster_dup_body (r3);
        assert (r4 && keys_roster_follow (r4, r3, err, sizeof err) == 0);
        const keys_card_t *gone = NULL;
        for (size_t i = 0; i < keys_roster_member_count (r3) && !gone; i++) {
            const keys_card_t *c = &keys_roster_member (r3, i)->card;
            if (strcmp (c->name, card[TEL].name)
                && strcmp (c->name, card[GAS].name)
                && strcmp (c->name, card[RAIL].name))
                gone = c;
        }
        assert (gone);
        keys_card_t gone_card = *gone;
        int64_t when = 1795392000;                  /* 2026-11-23T00:00:00Z */
        assert (keys_roster_retire (r4, gone_card.sign_pk, gone_card.name,
                                    when, err, sizeof err)
                == -1);
        assert (strstr (err, "still a member"));
        assert (keys_roster_remove_member (r4, gone_card.name, err,
                                           sizeof err)
                == 0);
        assert (keys_roster_retire (r4, gone_card.sign_pk, gone_card.name,
                                    when, err, sizeof err)
                == 0);
        assert (keys_roster_retire (r4, gone_card.sign_pk, gone_card.name,
                                    when + 60, err, sizeof err)
                == 0);
        assert (keys_roster_retired_count (r4) == 2);    /* ELEC's kept */
        assert (keys_roster_retired_by_key (r4, gone_card.sign_pk)->until
                == when);
        assert (keys_roster_add_member (r4, &gone_card, NULL, err, sizeof err)
                == -1);
        assert (strstr (err, "retired"));
        s_test_sign (r4, key[GAS], 0);
        s_test_sign (r4, key[RAIL], 0);
        s_test_sign (r4, key[TEL], 0);
        assert (keys_roster_verify (r4, r3, &counts, err, sizeof err) == 0);
        {
            /* Retirements are permanent and only of leaving members' keys:
               each forgery below is signed by the same threshold, and
               refused for its retired lines alone.                         */
            char elec_hex[S_PK_HEX_LEN + 1], gone_hex[S_PK_HEX_LEN + 1];
            char out_hex[S_PK_HEX_LEN + 1], line[256], prefix[128];
            proto_hex_encode (elec_hex, card[ELEC].sign_pk, PROTO_PK_BYTES);
            proto_hex_encode (gone_hex, gone_card.sign_pk, PROTO_PK_BYTES);
            proto_hex_encode (out_hex, card[OUT].sign_pk, PROTO_PK_BYTES);
            //  Each row edits one retired line of a body (r4 after r3, or
            //  the genesis r1), re-signed by enough members of both.
            const keys_secret_t *late[] = { key[GAS], key[RAIL], key[TEL] };
            const keys_secret_t *founders[] = { key[TEL], key[BANK],
                                                key[SEC] };
            struct {
                const char *key_hex;        /* the line to replace or add   */
                const char *line;           /* NULL: delete it              */
                const char *want;
                bool genesis;               /* r1 as genesis, else r4 */
            } forged[] = {
                { elec_hex, NULL, "drops the retirement of the key", false },
                { elec_hex, "9999-12-31T23:59:59Z ELEC",
                  "changes the retirement of the key", false },
                { elec_hex, "2026-11-20T00:00:00Z ELEC",
                  "changes the retirement of the key", false },
                { elec_hex, "2026-11-18T11:06:40Z ELECTRIC",
                  "changes the retirement of the key", false },
                { out_hex, "9999-12-31T23:59:59Z TEL",
                  "only a leaving member's key can be retired", false },
                { gone_hex, NULL, "out without retiring it", false },
                //  The leaving member's key under another member's name.
                { gone_hex, "2026-11-23T00:00:00Z GAS",
                  "not that member's key", false },
                //  A genesis retires nothing, even a stranger's key.
                { out_hex, "2026-11-23T00:00:00Z OUT",
                  "a genesis roster has no keys to retire", true },
            };
            for (size_t f = 0; f < sizeof forged / sizeof forged[0]; f++) {
                snprintf (prefix, sizeof prefix, "retired: %s",
                          forged[f].key_hex);
                if (forged[f].line)
                    snprintf (line, sizeof line, "%s %s", prefix,
                              forged[f].line);
                bool genesis = forged[f].genesis;
                keys_roster_t *bad = s_test_edit_line (
                    genesis ? r1 : r4, prefix, forged[f].line ? line : NULL);
                for (size_t k = 0; k < 3; k++)
                    s_test_sign (bad, genesis ? founders[k] : late[k], 0);
                assert (keys_roster_verify (bad, genesis ? NULL : r3, &counts,
                                            err, sizeof err)
                        == -1);
                if (verbose)
                    printf ("\n    forged retirement %zu: %s", f, err);
                assert (strstr (err, forged[f].want));
                //  Refused for the retirement alone: the threshold signed.
                assert (counts.own == 3
                        && counts.prev == (genesis ? 0u : 3u));
                keys_roster_destroy (&bad);
            }
        }
        size_t r4_len;
        char *r4_text = keys_roster_format (r4, true, &r4_len);
        assert (r4_text && strstr (r4_text, " 2026-11-23T00:00:00Z "));
        keys_roster_t *reparsed = keys_roster_parse (r4_text, r4_len, err,
                                                  sizeof err);
        assert (reparsed && keys_roster_retired_count (reparsed) == 2);
        assert (!strcmp (keys_roster_retired_by_key (reparsed,
                                                     gone_card.sign_pk)->name,
                         gone_card.name));
        keys_roster_destroy (&reparsed);
        /* A retired line for a current member's key is refused.             */
        char pk_hex[S_PK_HEX_LEN + 1];
        proto_hex_encode (pk_hex, gone_card.sign_pk, PROTO_PK_BYTES);
        char tel_hex[S_PK_HEX_LEN + 1];
        proto_hex_encode (tel_hex, keys_secret_sign_pk (key[TEL]),
                          PROTO_PK_BYTES);
        char *forged = strdup (r4_text);
        char *at = strstr (forged, pk_hex);
        assert (at && strstr (forged, "\nretired: ") + 10 == at);
        memcpy (at, tel_hex, S_PK_HEX_LEN);
        assert (!keys_roster_parse (forged, r4_len, err, sizeof err));
        free (forged);
        free (r4_text);

        /* Revocation: a revoked key is no active member, and its
           signature no longer counts, in either version.                    */
        const uint8_t *tel_pk = keys_secret_sign_pk (key[TEL]);
        keys_roster_t *r3_copy = keys_roster_dup_body (r3);
        assert (r3_copy);
        assert (keys_roster_member_active (r3_copy, tel_pk));
        assert (keys_roster_revoke (r3_copy, tel_pk) == 0);
        assert (keys_roster_revoke (r3_copy, tel_pk) == 0);
        assert (keys_roster_revoked (r3_copy, tel_pk));
        assert (!keys_roster_member_active (r3_copy, tel_pk));
        assert (keys_roster_member_by_key (r3_copy, tel_pk));
        assert (keys_roster_verify (r4, r3_copy, &counts, err, sizeof err)
                == -1);
        assert (counts.prev == 2 && counts.own == 2 && counts.revoked == 1);
        assert (strstr (err, "(the signature of a revoked key does not "
                             "count)"));
        /* Not part of the text: the hash is unchanged.                     */
        uint8_t h1[PROTO_HASH_BYTES], h2[PROTO_HASH_BYTES];
        assert (keys_roster_hash (r3, h1) == 0
                && keys_roster_hash (r3_copy, h2) == 0);
        assert (!memcmp (h1, h2, PROTO_HASH_BYTES));
        keys_roster_destroy (&r3_copy);
        keys_roster_destroy (&r4);
    }

    /* Chains: good, then each kind of broken link with its index.          */
    keys_roster_t *chain[4] = { r1, r2, r3, NULL };
    size_t bad = 99;
    assert (keys_roster_verify_chain (chain, 3, false, &bad, err, sizeof err)
            == 0);
    assert (keys_roster_verify_chain (chain + 1, 2, true, &bad, err,
                                      sizeof err)
            == 0);
    assert (keys_roster_verify_chain (chain + 1, 2, false, &bad, err,
                                      sizeof err)
            == -1);
    assert (bad == 0);
    assert (keys_roster_verify_chain (chain, 0, false, &bad, err, sizeof err)
            == -1);
    {
        /* Skipped version: 1 then 3.                                        */
        keys_roster_t *skip[2] = { r1, r3 };
        assert (keys_roster_verify_chain (skip, 2, false, &bad, err,
                                          sizeof err)
                == -1);
        assert (bad == 1 && strstr (err, "version 3 cannot follow version 1"));
        /* Repeated version: 1, 2, then another 2 after version 1.          */
        keys_roster_t *r2_again = keys_roster_dup_body (r2);
        assert (r2_again);
        keys_roster_set_threshold (r2_again, 1);
        s_test_sign (r2_again, key[TEL], 0);
        s_test_sign (r2_again, key[BANK], 0);
        s_test_sign (r2_again, key[SEC], 0);
        assert (keys_roster_verify (r2_again, r1, NULL, err, sizeof err)
                == 0);
        keys_roster_t *repeat[3] = { r1, r2, r2_again };
        assert (keys_roster_verify_chain (repeat, 3, false, &bad, err,
                                          sizeof err)
                == -1);
        assert (bad == 2 && strstr (err, "version 2 cannot follow version 2"));
        /* Wrong previous hash: a version 3 that follows r2_again, placed
           after r2.                                                         */
        keys_roster_t *r3_wrong = keys_roster_dup_body (r3);
        assert (r3_wrong
                && keys_roster_follow (r3_wrong, r2_again, err, sizeof err)
                       == 0);
        s_test_sign (r3_wrong, key[GAS], 0);
        s_test_sign (r3_wrong, key[RAIL], 0);
        s_test_sign (r3_wrong, key[TEL], 0);
        s_test_sign (r3_wrong, key[BANK], 0);
        assert (keys_roster_verify (r3_wrong, r2_again, NULL, err, sizeof err)
                == 0);
        keys_roster_t *wrong[3] = { r1, r2, r3_wrong };
        assert (keys_roster_verify_chain (wrong, 3, false, &bad, err,
                                          sizeof err)
                == -1);
        assert (bad == 2 && strstr (err, "hash differs"));
        /* An unsigned genesis fails at 0 unless trusted.                   */
        keys_roster_t *bare = keys_roster_dup_body (r1);
        keys_roster_t *bare_chain[2] = { bare, r2 };
        assert (keys_roster_verify_chain (bare_chain, 2, false, &bad, err,
                                          sizeof err)
                == -1);
        assert (bad == 0);
        assert (keys_roster_verify_chain (bare_chain, 2, true, &bad, err,
                                          sizeof err)
                == 0);
        keys_roster_destroy (&bare);
        keys_roster_destroy (&r3_wrong);
        keys_roster_destroy (&r2_again);
        /* The cap.                                                          */
        keys_roster_t **longer
            = calloc (KEYS_ROSTER_CHAIN_MAX + 1, sizeof (keys_roster_t *));
        assert (longer);
        for (size_t i = 0; i <= KEYS_ROSTER_CHAIN_MAX; i++)
            longer[i] = r1;
        assert (keys_roster_verify_chain (longer, KEYS_ROSTER_CHAIN_MAX + 1,
                                          true, &bad, err, sizeof err)
                == -1);
        assert (strstr (err, "longer than"));
        free (longer);
    }

    /* Audiences.                                                            */
    proto_audience_t audience;
    assert (keys_roster_resolve_audience (r3, "council", &audience, err,
                                          sizeof err)
            == 0);
    assert (audience.type == PROTO_AUDIENCE_COUNCIL);
    assert (keys_roster_resolve_audience (r3, "group:finance", &audience, err,
                                          sizeof err)
            == 0);
    assert (audience.type == PROTO_AUDIENCE_GROUP
            && !strcmp (audience.group, "finance"));
    assert (keys_roster_resolve_audience (r3, "group:energy", &audience, err,
                                          sizeof err)
            == -1);
    assert (strstr (err, "unknown group \"energy\" (groups: finance)"));
    assert (keys_roster_resolve_audience (r3, "group:", &audience, err,
                                          sizeof err)
            == -1);
    assert (keys_roster_resolve_audience (r3, "everyone", &audience, err,
                                          sizeof err)
            == -1);
    assert (strstr (err, "unknown audience \"everyone\""));
    char fpr[PROTO_FPR_HEX_LEN + 1], target[128];
    proto_fingerprint (fpr, card[RAIL].sign_pk);
    snprintf (target, sizeof target, "node:T-CEPTOAR, %.8s", fpr);
    assert (keys_roster_resolve_audience (r3, target, &audience, err,
                                          sizeof err)
            == 0);
    assert (audience.type == PROTO_AUDIENCE_NODES && audience.node_count == 2);
    assert (proto_audience_names_node (&audience, card[TEL].sign_pk));
    assert (proto_audience_names_node (&audience, card[RAIL].sign_pk));
    assert (!proto_audience_names_node (&audience, card[GAS].sign_pk));
    assert (memcmp (audience.nodes[0], audience.nodes[1], PROTO_PK_BYTES) < 0);
    for (size_t i = 0; i < 8; i++)                 /* prefixes: any case */
        if (fpr[i] >= 'a')
            fpr[i] = (char) (fpr[i] - 'a' + 'A');
    snprintf (target, sizeof target, "node:%.10s,RAIL", fpr);
    assert (keys_roster_resolve_audience (r3, target, &audience, err,
                                          sizeof err)
            == 0);
    assert (audience.node_count == 1);              /* the same node once */
    snprintf (target, sizeof target, "node:%.7s", fpr);
    assert (keys_roster_resolve_audience (r3, target, &audience, err,
                                          sizeof err)
            == -1);                                 /* too short           */
    assert (strstr (err, "unknown member"));
    assert (keys_roster_resolve_audience (r3, "node:GAS,NOBODY", &audience,
                                          err, sizeof err)
            == -1);
    assert (strstr (err, "unknown member \"NOBODY\" (members: FIN-BANK, "
                         "FIN-SEC, GAS, RAIL, T-CEPTOAR"));
    assert (keys_roster_resolve_audience (r3, "node:GAS,,RAIL", &audience,
                                          err, sizeof err)
            == -1);
    assert (keys_roster_resolve_audience (r3, "node:", &audience, err,
                                          sizeof err)
            == -1);
    assert (keys_roster_member_lookup (r3, "GAS")
            == keys_roster_member_by_name (r3, "GAS"));
    assert (keys_roster_member_lookup (r3, "gas") == NULL);
    {
        /* A member named like another's fingerprint prefix is ambiguous.  */
        keys_roster_t *odd = keys_roster_dup_body (r3);
        keys_card_t shadow = card[OUT];
        proto_fingerprint (fpr, card[GAS].sign_pk);
        snprintf (shadow.name, sizeof shadow.name, "%.8s", fpr);
        assert (keys_roster_add_member (odd, &shadow, NULL, err, sizeof err)
                == 0);
        assert (!keys_roster_member_lookup (odd, shadow.name));
        snprintf (target, sizeof target, "node:%s", shadow.name);
        assert (keys_roster_resolve_audience (odd, target, &audience, err,
                                              sizeof err)
                == -1);
        assert (strstr (err, "could mean 2 members"));
        snprintf (target, sizeof target, "%.12s", fpr);
        assert (keys_roster_member_lookup (odd, target)
                == keys_roster_member_by_name (odd, "GAS"));
        keys_roster_destroy (&odd);
    }

    /* Group membership.                                                     */
    assert (keys_roster_group_has (r3, "finance", card[BANK].sign_pk));
    assert (keys_roster_group_has (r3, "finance", card[SEC].sign_pk));
    assert (!keys_roster_group_has (r3, "finance", card[TEL].sign_pk));
    assert (!keys_roster_group_has (r3, "finance", card[OUT].sign_pk));
    assert (!keys_roster_group_has (r3, "energy", card[BANK].sign_pk));
    assert (!keys_roster_group_has (r1, "finance", card[GAS].sign_pk));
    assert (!keys_roster_group_members (r3, "energy", &n) && n == 0);

    /* Files: save, replace atomically, load; no temporary file left.      */
    const char *tmp = getenv ("TMPDIR");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/keys_roster_XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    assert (mkdtemp (dir));
    char path[4200];
    snprintf (path, sizeof path, "%s/roster", dir);
    assert (keys_roster_save (r1, path, err, sizeof err) == 0);
    assert (keys_roster_save (r3, path, err, sizeof err) == 0);
    struct stat st;
    assert (stat (path, &st) == 0 && (st.st_mode & 0777) == 0644);
    keys_roster_t *loaded = keys_roster_load (path, err, sizeof err);
    assert (loaded);
    assert (keys_roster_verify (loaded, r2, NULL, err, sizeof err) == 0);
    char *saved = keys_roster_format (r3, true, NULL);
    again = keys_roster_format (loaded, true, NULL);
    assert (saved && again && !strcmp (saved, again));
    free (saved);
    free (again);
    keys_roster_destroy (&loaded);
    FILE *file = fopen (path, "a");
    assert (file);
    fputs ("trailing junk\n", file);
    assert (fclose (file) == 0);
    assert (!keys_roster_load (path, err, sizeof err));
    assert (strstr (err, "roster: line "));
    unlink (path);
    assert (!keys_roster_load (path, err, sizeof err));
    assert (strstr (err, "cannot open"));
    assert (rmdir (dir) == 0);          /* fails if a temporary was left  */

    free (text);
    free (body);
    keys_roster_destroy (&r1);
    keys_roster_destroy (&r2);
    keys_roster_destroy (&r3);
    keys_roster_destroy (&r3);
    for (size_t i = 0; i < S_TEST_NODES; i++)
        keys_secret_destroy (&key[i]);
    if (verbose)
        printf ("\n   ");
    printf ("OK\n");
}
