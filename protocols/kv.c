/* kv: a protocol module keeping a tiny key/value store in its own linear memory, so its state
 * lives as long as the instance (one per worker): an open-addressing hash table (linear
 * probing, backward-shift deletion, no tombstones) of KV_SLOTS slots, malloc'd on first use,
 * holding at most KV_MAX_KEYS keys; each value is a malloc'd block of its exact size.
 *
 * Wire format: one text command per message, fields separated by one space; one trailing
 * "\n" or "\r\n" is ignored. Answers carry no trailing newline.
 *   SET key value   -> OK              value: everything after the second space (may hold
 *                      ERR full        spaces, may be empty); ERR full for a new key when
 *                                      KV_MAX_KEYS keys are stored
 *   GET key         -> VALUE value | NOT_FOUND
 *   DEL key         -> DELETED | NOT_FOUND
 *   COUNT           -> the number of keys, in decimal
 * Anything else -> "ERR <reason>": unknown command, empty key, key too long (> 64 bytes),
 * value too long (> 1024 bytes), missing value, too many arguments, out of memory.
 * Keys are byte strings without spaces; commands are case-sensitive.
 * Metric: kv_keys (a gauge: the key count of this instance) after every SET and DEL.
 */
#include "xdperf_protocol.h"

#define KV_MAX_KEY 64
#define KV_MAX_VALUE 1024
#define KV_MAX_KEYS 4096
#define KV_SLOTS 8192 /* power of two, twice KV_MAX_KEYS: probes stay short */

struct kv_slot {
	uint8_t *value; /* malloc'd, vlen bytes (NULL when vlen is 0) */
	uint16_t vlen;
	uint8_t klen;   /* 0: the slot is empty */
	uint8_t key[KV_MAX_KEY];
};

static struct kv_slot *kv_table;
static uint32_t kv_count;

XDP_PROTOCOL(kv)

static uint32_t kv_hash(const uint8_t *key, uint32_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t kv_find(const uint8_t *key, uint32_t len)
{
	uint32_t i = kv_hash(key, len) & (KV_SLOTS - 1);

	while (kv_table[i].klen &&
	       (kv_table[i].klen != len || memcmp(kv_table[i].key, key, len)))
		i = (i + 1) & (KV_SLOTS - 1);
	return i;
}

/* Empties slot i and moves later entries of its cluster back so no lookup stops early. */
static void kv_remove(uint32_t i)
{
	uint32_t j = i;

	free(kv_table[i].value);
	kv_table[i].value = NULL;
	kv_table[i].klen = 0;
	for (;;) {
		j = (j + 1) & (KV_SLOTS - 1);
		if (!kv_table[j].klen)
			break;
		uint32_t home = kv_hash(kv_table[j].key, kv_table[j].klen) & (KV_SLOTS - 1);
		/* j may move to the hole at i unless its home lies cyclically in (i, j] */
		if (((j - home) & (KV_SLOTS - 1)) < ((j - i) & (KV_SLOTS - 1)))
			continue;
		kv_table[i] = kv_table[j];
		kv_table[j].value = NULL;
		kv_table[j].klen = 0;
		i = j;
	}
	kv_count--;
}

static int kv_reply(xdp_out *out, const char *s)
{
	return xdp_out_write(out, s, (uint32_t)strlen(s));
}

static void kv_metric(void)
{
	xdp_proto_metric("kv_keys", kv_count);
}

static int kv_set(const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen, xdp_out *out)
{
	uint32_t i = kv_find(key, klen);
	struct kv_slot *s = &kv_table[i];
	uint8_t *copy = NULL;

	if (!s->klen && kv_count >= KV_MAX_KEYS)
		return kv_reply(out, "ERR full");
	if (vlen) {
		copy = malloc(vlen);
		if (!copy)
			return kv_reply(out, "ERR out of memory");
		memcpy(copy, val, vlen);
	}
	if (!s->klen) {
		memcpy(s->key, key, klen);
		s->klen = (uint8_t)klen;
		kv_count++;
	}
	free(s->value);
	s->value = copy;
	s->vlen = (uint16_t)vlen;
	return kv_reply(out, "OK");
}

static int kv_get(const uint8_t *key, uint32_t klen, xdp_out *out)
{
	struct kv_slot *s = &kv_table[kv_find(key, klen)];

	if (!s->klen)
		return kv_reply(out, "NOT_FOUND");
	if (kv_reply(out, "VALUE "))
		return -1;
	return xdp_out_write(out, s->value, s->vlen);
}

static int kv_del(const uint8_t *key, uint32_t klen, xdp_out *out)
{
	uint32_t i = kv_find(key, klen);

	if (!kv_table[i].klen)
		return kv_reply(out, "NOT_FOUND");
	kv_remove(i);
	return kv_reply(out, "DELETED");
}

static int kv_count_reply(xdp_out *out)
{
	char buf[12], *p = buf + sizeof(buf);
	uint32_t n = kv_count;

	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	return xdp_out_write(out, p, (uint32_t)(buf + sizeof(buf) - p));
}

static int kv(const uint8_t *in, uint32_t len, xdp_out *out)
{
	const uint8_t *sp, *key, *arg;
	uint32_t clen, klen, alen;
	int rc, has_arg;

	if (len && in[len - 1] == '\n') {
		len--;
		if (len && in[len - 1] == '\r')
			len--;
	}
	if (!len)
		return kv_reply(out, "ERR empty command");
	if (!kv_table) {
		kv_table = calloc(KV_SLOTS, sizeof(*kv_table));
		if (!kv_table)
			return kv_reply(out, "ERR out of memory");
	}

	/* command [SP key [SP arg]] */
	sp = memchr(in, ' ', len);
	clen = sp ? (uint32_t)(sp - in) : len;
	if (clen == 5 && !memcmp(in, "COUNT", 5))
		return sp ? kv_reply(out, "ERR too many arguments") : kv_count_reply(out);
	if (clen != 3 || (memcmp(in, "SET", 3) && memcmp(in, "GET", 3) && memcmp(in, "DEL", 3)))
		return kv_reply(out, "ERR unknown command");
	if (!sp)
		return kv_reply(out, "ERR missing key");
	key = sp + 1;
	sp = memchr(key, ' ', len - 4);
	klen = sp ? (uint32_t)(sp - key) : len - 4;
	has_arg = sp != NULL;
	arg = sp ? sp + 1 : NULL;
	alen = sp ? len - 4 - klen - 1 : 0;
	if (!klen)
		return kv_reply(out, "ERR empty key");
	if (klen > KV_MAX_KEY)
		return kv_reply(out, "ERR key too long");

	if (in[0] == 'S') {
		if (!has_arg)
			return kv_reply(out, "ERR missing value");
		if (alen > KV_MAX_VALUE)
			return kv_reply(out, "ERR value too long");
		rc = kv_set(key, klen, arg, alen, out);
		kv_metric();
		return rc;
	}
	if (has_arg)
		return kv_reply(out, "ERR too many arguments");
	if (in[0] == 'G')
		return kv_get(key, klen, out);
	rc = kv_del(key, klen, out);
	kv_metric();
	return rc;
}
