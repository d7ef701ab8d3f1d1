/* Tests of the hot-load trust store (keygen, sign, trust directory, verify; include/xdperf/hotload.h).
 * argv[1] = an empty scratch directory; argv[2] (optional) = a module file to sign. */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/file.h"
#include "xdperf/hotload.h"
#include "check.h"

static const char *dir;

static char *path(const char *name)
{
	static char bufs[8][1024];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 1024, "%s/%s", dir, name);
	return b;
}

static void write_text(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		printf("cannot write %s\n", p);
		exit(2);
	}
}

static char *slurp(const char *p, size_t *len)
{
	uint8_t *b;
	size_t n;
	if (xdperf_read_file(p, 1u << 28, &b, &n)) {
		printf("cannot read %s\n", p);
		exit(2);
	}
	if (len)
		*len = n;
	return (char *)b;
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return stat(p, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

static bool exists(const char *p)
{
	struct stat st;
	return !lstat(p, &st);
}

/* Verifies sig text over the module; returns rc, err and id filled. */
static int verify(const char *trustdir, const uint8_t *wasm, size_t len, const char *sig, size_t siglen,
		  char id[17], char *err)
{
	struct xdperf_trust *t = NULL;
	int rc = xdperf_trust_open(trustdir, &t, err, 512);
	if (rc)
		return 1000 + rc; /* distinguishable from verify's own errors */
	rc = xdperf_trust_verify(t, wasm, len, sig, siglen, id, err, 512);
	xdperf_trust_free(t);
	return rc;
}

/* Checks a one-line "HEADER base64\n" file and decodes it into out (want bytes). */
static void check_key_file(const char *p, const char *header, uint8_t *out, size_t want)
{
	size_t len;
	char *text = slurp(p, &len);
	size_t hl = strlen(header);
	size_t b64len = sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1;
	CHECK(len == hl + 1 + b64len + 1, "%s is %zu bytes, expected %zu: '%s'", p, len, hl + 1 + b64len + 1, text);
	CHECK(!strncmp(text, header, hl) && text[hl] == ' ', "%s does not start with '%s ': '%s'", p, header, text);
	CHECK(len > 0 && text[len - 1] == '\n' && !memchr(text, '\n', len - 1), "%s is not one line", p);
	size_t n = 0;
	int rc = len > hl + 2 ? sodium_base642bin(out, want, text + hl + 1, len - hl - 2, NULL, &n, NULL,
						   sodium_base64_VARIANT_ORIGINAL) : -1;
	CHECK(rc == 0 && n == want, "%s: base64 does not decode to %zu bytes (rc %d, %zu)", p, want, rc, n);
	free(text);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: trust_test SCRATCHDIR [MODULE.wasm]\n");
		return 2;
	}
	dir = argv[1];
	umask(022);
	if (sodium_init() < 0)
		return 2;
	char err[512], id[17], ida[17], idb[17];
	int rc;

	/* ---- keygen ---- */
	mkdir(path("keys"), 0755);
	rc = xdperf_keygen(path("keys/a"), ida, err, sizeof err);
	CHECK(rc == 0, "keygen a: %d %s", rc, err);
	CHECK(mode_of(path("keys/a.key")) == 0600, "a.key mode %o, expected 600", mode_of(path("keys/a.key")));
	CHECK(mode_of(path("keys/a.pub")) == 0644, "a.pub mode %o, expected 644", mode_of(path("keys/a.pub")));
	uint8_t pk[32], sk[64];
	check_key_file(path("keys/a.pub"), "xdperf-ed25519-public", pk, 32);
	check_key_file(path("keys/a.key"), "xdperf-ed25519-secret", sk, 64);
	CHECK(!memcmp(sk + 32, pk, 32), "the secret key's public half is not the public key");
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, pk, 8);
	CHECK(strlen(ida) == 16 && !strcmp(ida, hex), "key id %s, expected %s (hex of the first 8 bytes)", ida, hex);
	/* the key pair works: sign with the secret, verify with the public key */
	uint8_t s[64];
	crypto_sign_detached(s, NULL, (const uint8_t *)"x", 1, sk);
	CHECK(!crypto_sign_verify_detached(s, (const uint8_t *)"x", 1, pk), "keygen's key pair does not sign/verify");

	char *before = slurp(path("keys/a.key"), NULL);
	rc = xdperf_keygen(path("keys/a"), NULL, err, sizeof err);
	CHECK(rc == -EEXIST, "keygen over existing keys: %d, expected -EEXIST", rc);
	CHECK(strstr(err, "keys/a.key") && !strchr(err, '\n'), "keygen -EEXIST message: '%s'", err);
	char *after = slurp(path("keys/a.key"), NULL);
	CHECK(!strcmp(before, after), "keygen overwrote a.key");
	free(before);
	free(after);
	/* only the .pub exists: refused, naming it, and no .key left behind */
	write_text(path("keys/c.pub"), "x\n", 2);
	rc = xdperf_keygen(path("keys/c"), NULL, err, sizeof err);
	CHECK(rc == -EEXIST && strstr(err, "keys/c.pub"), "keygen over c.pub: %d '%s'", rc, err);
	CHECK(!exists(path("keys/c.key")), "keygen left keys/c.key behind");
	unlink(path("keys/c.pub"));
	rc = xdperf_keygen(path("nodir/a"), NULL, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "nodir/a.key"), "keygen in a missing dir: %d '%s'", rc, err);
	rc = xdperf_keygen(path("keys/b"), idb, NULL, 0);
	CHECK(rc == 0 && strcmp(ida, idb), "keygen b (err NULL): %d, ids %s %s", rc, ida, idb);

	/* ---- sign ---- */
	const char *mod = argc > 2 ? argv[2] : NULL;
	if (!mod) {
		static const uint8_t bytes[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0 };
		write_text(path("m.wasm"), bytes, sizeof bytes);
	} else {
		size_t n;
		char *b = slurp(mod, &n);
		write_text(path("m.wasm"), b, n);
		free(b);
	}
	size_t len;
	uint8_t *wasm = (uint8_t *)slurp(path("m.wasm"), &len);
	CHECK(len > 8, "module %zu bytes", len);

	rc = xdperf_sign_file(path("keys/a.key"), path("m.wasm"), NULL, err, sizeof err);
	CHECK(rc == 0, "sign with a: %d %s", rc, err);
	size_t siglen;
	char *sig = slurp(path("m.wasm.sig"), &siglen);
	char want[64];
	snprintf(want, sizeof want, "xdperf-signature-v1 %s ", ida);
	CHECK(!strncmp(sig, want, strlen(want)) && siglen == strlen(want) + 88 + 1 && sig[siglen - 1] == '\n',
	      "signature file format: '%s'", sig);
	rc = xdperf_sign_file(path("keys/b.key"), path("m.wasm"), path("m.b.sig"), err, sizeof err);
	CHECK(rc == 0, "sign with b to an explicit path: %d %s", rc, err);
	size_t sigblen;
	char *sigb = slurp(path("m.b.sig"), &sigblen);

	rc = xdperf_sign_file(path("keys/none.key"), path("m.wasm"), NULL, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "keys/none.key"), "sign with a missing key: %d '%s'", rc, err);
	rc = xdperf_sign_file(path("keys/a.pub"), path("m.wasm"), NULL, err, sizeof err);
	CHECK(rc == -EINVAL && strstr(err, "keys/a.pub"), "sign with a public key: %d '%s'", rc, err);
	write_text(path("junk.key"), "hello world\n", 12);
	rc = xdperf_sign_file(path("junk.key"), path("m.wasm"), NULL, err, sizeof err);
	CHECK(rc == -EINVAL && strstr(err, "junk.key"), "sign with a junk key: %d '%s'", rc, err);
	rc = xdperf_sign_file(path("keys/a.key"), path("missing.wasm"), NULL, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "missing.wasm"), "sign a missing module: %d '%s'", rc, err);
	CHECK(!exists(path("missing.wasm.sig")), "a signature was written for a missing module");

	/* ---- trust directories ---- */
	mkdir(path("trust_a"), 0755);
	{
		size_t n;
		char *p = slurp(path("keys/a.pub"), &n);
		write_text(path("trust_a/a.pub"), p, n);
		free(p);
	}
	struct xdperf_trust *t = NULL;
	rc = xdperf_trust_open(path("trust_a"), &t, err, sizeof err);
	CHECK(rc == 0 && xdperf_trust_count(t) == 1, "open trust_a: %d %s, %zu keys", rc, err, xdperf_trust_count(t));
	xdperf_trust_free(t);

	/* round trip */
	memset(id, 'x', sizeof id);
	rc = verify(path("trust_a"), wasm, len, sig, siglen, id, err);
	CHECK(rc == 0 && !strcmp(id, ida), "verify a's signature: %d '%s', id %.17s", rc, err, id);
	rc = verify(path("trust_a"), wasm, len, sig, siglen, NULL, NULL);
	CHECK(rc == 0, "verify with key_id and err NULL: %d", rc);
	/* trailing whitespace, no newline */
	char buf[512];
	snprintf(buf, sizeof buf, "%.*s \t\r\n\n  \n", (int)(siglen - 1), sig);
	rc = verify(path("trust_a"), wasm, len, buf, strlen(buf), id, err);
	CHECK(rc == 0, "signature with trailing whitespace: %d '%s'", rc, err);
	rc = verify(path("trust_a"), wasm, len, sig, siglen - 1, id, err);
	CHECK(rc == 0, "signature without newline: %d '%s'", rc, err);

	/* unsigned */
	memset(id, 'x', sizeof id);
	rc = verify(path("trust_a"), wasm, len, NULL, 0, id, err);
	CHECK(rc == -ENODATA && strstr(err, "not signed") && id[0] == 0, "unsigned: %d '%s'", rc, err);

	/* tampered module: one flipped byte anywhere */
	size_t positions[] = { 0, len / 2, len - 1 };
	for (size_t i = 0; i < 3; i++) {
		wasm[positions[i]] ^= 0x01;
		rc = verify(path("trust_a"), wasm, len, sig, siglen, id, err);
		CHECK(rc == -EBADMSG && strstr(err, "does not match") && strstr(err, ida) && !strchr(err, '\n'),
		      "module with byte %zu flipped: %d '%s'", positions[i], rc, err);
		wasm[positions[i]] ^= 0x01;
	}
	rc = verify(path("trust_a"), wasm, len - 1, sig, siglen, id, err);
	CHECK(rc == -EBADMSG, "truncated module: %d '%s'", rc, err);

	/* one flipped character of the signature's base64 (still base64, and not base64) */
	size_t b64 = strlen(want);
	for (size_t i = 0; i < 3; i++) {
		memcpy(buf, sig, siglen);
		size_t at = b64 + 10 + i * 30;
		buf[at] = buf[at] == 'A' ? 'B' : 'A';
		rc = verify(path("trust_a"), wasm, len, buf, siglen, id, err);
		CHECK(rc == -EBADMSG, "signature char %zu changed: %d '%s'", at, rc, err);
	}
	memcpy(buf, sig, siglen);
	buf[b64 + 5] = '!';
	rc = verify(path("trust_a"), wasm, len, buf, siglen, id, err);
	CHECK(rc == -EBADMSG && strstr(err, "base64"), "signature with '!': %d '%s'", rc, err);

	/* malformed signature files */
	struct { const char *text; const char *mention; } bad[] = {
		{ "", "empty" },
		{ "   \n", "empty" },
		{ "xdperf-signature-v2 0011223344556677 AAAA\n", "xdperf-signature-v1" },
		{ "xdperf-signature-v1\n", "key id" },
		{ "xdperf-signature-v1 0011223344556677\n", "signature" },
		{ "xdperf-signature-v1 00112233 AAAA\n", "hex" },
		{ "xdperf-signature-v1 zz11223344556677 AAAA\n", "hex" },
		{ "xdperf-signature-v1 0011223344556677 AAAA\n", "bytes" },
		{ "xdperf-signature-v1 0011223344556677 %%%%\n", "base64" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = verify(path("trust_a"), wasm, len, bad[i].text, strlen(bad[i].text), id, err);
		CHECK(rc == -EBADMSG && strstr(err, bad[i].mention) && !strchr(err, '\n'),
		      "malformed signature '%s': %d '%s' (should mention '%s')", bad[i].text, rc, err, bad[i].mention);
	}
	snprintf(buf, sizeof buf, "%.*s extra\n", (int)(siglen - 1), sig);
	rc = verify(path("trust_a"), wasm, len, buf, strlen(buf), id, err);
	CHECK(rc == -EBADMSG, "signature with extra text: %d '%s'", rc, err);
	/* signature of the right key id but 63 bytes */
	{
		uint8_t raw[63] = { 0 };
		char e[100];
		sodium_bin2base64(e, sizeof e, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
		snprintf(buf, sizeof buf, "xdperf-signature-v1 %s %s\n", ida, e);
		rc = verify(path("trust_a"), wasm, len, buf, strlen(buf), id, err);
		CHECK(rc == -EBADMSG && strstr(err, "63 bytes"), "63-byte signature: %d '%s'", rc, err);
	}

	/* signed by a key that is not trusted */
	rc = verify(path("trust_a"), wasm, len, sigb, sigblen, id, err);
	CHECK(rc == -ENOKEY && strstr(err, idb) && strstr(err, "not in the trust directory") && strstr(err, "1 key"),
	      "signed by b, trust a: %d '%s'", rc, err);

	/* two keys: both verify */
	mkdir(path("trust_ab"), 0755);
	{
		size_t n;
		char *p = slurp(path("keys/a.pub"), &n);
		write_text(path("trust_ab/a.pub"), p, n);
		free(p);
		p = slurp(path("keys/b.pub"), &n);
		write_text(path("trust_ab/b.pub"), p, n);
		free(p);
		write_text(path("trust_ab/README"), "not a key\n", 10); /* ignored: not *.pub */
		mkdir(path("trust_ab/sub.pub"), 0755);                 /* ignored: not a regular file */
	}
	rc = xdperf_trust_open(path("trust_ab"), &t, err, sizeof err);
	CHECK(rc == 0 && xdperf_trust_count(t) == 2, "open trust_ab: %d '%s', %zu keys", rc, err, xdperf_trust_count(t));
	if (!rc) {
		rc = xdperf_trust_verify(t, wasm, len, sig, siglen, id, err, sizeof err);
		CHECK(rc == 0 && !strcmp(id, ida), "trust_ab, a's signature: %d '%s' %s", rc, err, id);
		rc = xdperf_trust_verify(t, wasm, len, sigb, sigblen, id, err, sizeof err);
		CHECK(rc == 0 && !strcmp(id, idb), "trust_ab, b's signature: %d '%s' %s", rc, err, id);
		wasm[1] ^= 0x80;
		rc = xdperf_trust_verify(t, wasm, len, sigb, sigblen, id, err, sizeof err);
		CHECK(rc == -EBADMSG && strstr(err, idb), "trust_ab, b's signature, tampered: %d '%s'", rc, err);
		wasm[1] ^= 0x80;
		xdperf_trust_free(t);
	}

	/* malformed keys in the directory: -EINVAL naming the file and what is wrong */
	struct { const char *text; const char *mention; } badpub[] = {
		{ "", "empty" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\n", "xdperf-ed25519-public" },
		{ "xdperf-ed25519-public\n", "no key" },
		{ "xdperf-ed25519-public !!!!\n", "base64" },
		{ "xdperf-ed25519-public AAAA\n", "3 bytes" },
		{ "xdperf-ed25519-secret AAAA\n", "secret" },
	};
	for (size_t i = 0; i < sizeof badpub / sizeof badpub[0]; i++) {
		char d[64];
		snprintf(d, sizeof d, "trust_bad%zu", i);
		mkdir(path(d), 0755);
		char f[128];
		snprintf(f, sizeof f, "%s/a.pub", d);
		size_t n;
		char *p = slurp(path("keys/a.pub"), &n);
		write_text(path(f), p, n);
		free(p);
		snprintf(f, sizeof f, "%s/zz_broken.pub", d);
		write_text(path(f), badpub[i].text, strlen(badpub[i].text));
		t = (struct xdperf_trust *)1;
		rc = xdperf_trust_open(path(d), &t, err, sizeof err);
		CHECK(rc == -EINVAL && t == NULL && strstr(err, "zz_broken.pub") && strstr(err, badpub[i].mention) &&
		      !strchr(err, '\n'), "malformed key '%s': %d '%s' (should name the file and mention '%s')",
		      badpub[i].text, rc, err, badpub[i].mention);
	}

	/* empty directory, directory without keys, missing directory */
	mkdir(path("trust_empty"), 0755);
	rc = xdperf_trust_open(path("trust_empty"), &t, err, sizeof err);
	CHECK(rc == -ENOKEY && strstr(err, "trust_empty") && strstr(err, "no *.pub keys"), "empty dir: %d '%s'", rc, err);
	mkdir(path("trust_nokeys"), 0755);
	write_text(path("trust_nokeys/a.key"), "x", 1);
	write_text(path("trust_nokeys/pub"), "x", 1);
	rc = xdperf_trust_open(path("trust_nokeys"), &t, err, sizeof err);
	CHECK(rc == -ENOKEY, "dir without *.pub: %d '%s'", rc, err);
	rc = xdperf_trust_open(path("trust_missing"), &t, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "trust_missing"), "missing dir: %d '%s'", rc, err);
	rc = xdperf_trust_open(path("trust_missing"), &t, NULL, 0);
	CHECK(rc == -ENOENT, "missing dir, err NULL: %d", rc);
	CHECK(xdperf_trust_count(NULL) == 0, "count of NULL");
	xdperf_trust_free(NULL);

	free(sig);
	free(sigb);
	free(wasm);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
