/* The trust store of hot-loadable protocol modules: ed25519 key generation, detached signing
 * of module files and verification against a directory of trusted public keys (libsodium).
 * File formats are described in include/xdperf/hotload.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/err.h"
#include "util/file.h"
#include "xdperf/hotload.h"

#define PUB_HEADER "xdperf-ed25519-public"
#define KEY_HEADER "xdperf-ed25519-secret"
#define SIG_HEADER "xdperf-signature-v1"
#define TEXT_MAX 4096                /* key and signature files are one short line */
#define MODULE_MAX (256u << 20)      /* bytes of a module to sign */
#define B64_MAX 200                  /* longest base64 token decoded */

struct trust_key {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	char id[17];
};

struct xdperf_trust {
	struct trust_key *keys;
	size_t n;
	char warning[PATH_MAX + 160]; /* the directory or a key others may write to, or "" */
};

static int sodium_ready(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		xdperf_errf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	return 0;
}

static void key_id_of(const uint8_t *pk, char id[17])
{
	sodium_bin2hex(id, 17, pk, 8);
}

/* ---- one-line text files: whitespace-separated tokens ---------------------------------------- */

struct tok {
	const char *s;
	size_t len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits text[0..len) into up to max tokens; returns how many there are (max + 1 = more). */
static size_t tokenize(const char *text, size_t len, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len) {
		while (i < len && is_space(text[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_space(text[i]))
			i++;
		if (n == max)
			return max + 1;
		t[n].s = text + start;
		t[n].len = i - start;
		n++;
	}
	return n;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* A token for a message: printable, at most 40 characters. */
static const char *quote(const struct tok *t, char *buf, size_t size)
{
	size_t n = t->len > 40 ? 40 : t->len, o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++)
		buf[o++] = t->s[i] >= 0x20 && t->s[i] < 0x7f ? t->s[i] : '?';
	if (n < t->len && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

/* Decodes a base64 token of exactly want bytes; returns NULL or what is wrong with it. */
static const char *b64_decode(const struct tok *t, uint8_t *out, size_t want, char *why, size_t whylen)
{
	uint8_t buf[B64_MAX];
	size_t n = 0;
	const char *end = NULL;
	if (t->len > B64_MAX) {
		snprintf(why, whylen, "is too long (%zu base64 characters, expected %zu)", t->len,
			 sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1);
		return why;
	}
	if (sodium_base642bin(buf, sizeof buf, t->s, t->len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) ||
	    end != t->s + t->len) {
		snprintf(why, whylen, "is not valid base64");
		return why;
	}
	if (n != want) {
		sodium_memzero(buf, sizeof buf);
		snprintf(why, whylen, "is %zu bytes, expected %zu", n, want);
		return why;
	}
	memcpy(out, buf, want);
	sodium_memzero(buf, sizeof buf);
	return NULL;
}

/* ---- keygen ------------------------------------------------------------------------------------ */

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Creates path (which must not exist) with mode and writes text; -errno on failure. */
static int create_file(const char *path, mode_t mode, const char *text, const char *what, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = -errno;
		if (e == -EEXIST)
			xdperf_errf(err, errlen, "%s already exists (refusing to overwrite a key)", path);
		else
			xdperf_errf(err, errlen, "cannot create %s %s: %s", what, path, strerror(-e));
		return e;
	}
	int e = write_all(fd, text, strlen(text));
	if (!e && fsync(fd))
		e = -errno;
	if (close(fd) && !e)
		e = -errno;
	if (e) {
		xdperf_errf(err, errlen, "cannot write %s %s: %s", what, path, strerror(-e));
		unlink(path);
		return -EIO;
	}
	return 0;
}

int xdperf_keygen(const char *prefix, char key_id[17], char *err, size_t errlen)
{
	if (!prefix || !prefix[0]) {
		xdperf_errf(err, errlen, "no key file prefix given");
		return -EINVAL;
	}
	int rc = sodium_ready(err, errlen);
	if (rc)
		return rc;
	char key_path[PATH_MAX], pub_path[PATH_MAX];
	if ((size_t)snprintf(key_path, sizeof key_path, "%s.key", prefix) >= sizeof key_path ||
	    (size_t)snprintf(pub_path, sizeof pub_path, "%s.pub", prefix) >= sizeof pub_path) {
		xdperf_errf(err, errlen, "key file prefix %s is too long", prefix);
		return -ENAMETOOLONG;
	}
	struct stat st;
	if (!lstat(key_path, &st) || !lstat(pub_path, &st)) {
		xdperf_errf(err, errlen, "%s already exists (refusing to overwrite a key)",
			    !lstat(key_path, &st) ? key_path : pub_path);
		return -EEXIST;
	}

	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
	char line[sizeof b64 + 64];
	sodium_bin2base64(b64, sizeof b64, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof line, KEY_HEADER " %s\n", b64);
	sodium_memzero(sk, sizeof sk);
	rc = create_file(key_path, 0600, line, "secret key file", err, errlen);
	sodium_memzero(b64, sizeof b64);
	sodium_memzero(line, sizeof line);
	if (rc)
		return rc;

	sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof line, PUB_HEADER " %s\n", b64);
	rc = create_file(pub_path, 0644, line, "public key file", err, errlen);
	if (rc) {
		unlink(key_path);
		return rc;
	}
	if (key_id)
		key_id_of(pk, key_id);
	return 0;
}

/* ---- sign ----------------------------------------------------------------------------------------- */

static int read_text(const char *path, const char *what, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	int rc = xdperf_read_file(path, TEXT_MAX, buf, len);
	if (rc == -EFBIG) {
		xdperf_errf(err, errlen, "%s %s is larger than %d bytes: not an xdperf key file", what, path, TEXT_MAX);
		return -EINVAL;
	}
	if (rc)
		xdperf_errf(err, errlen, "cannot read %s %s: %s", what, path, xdperf_file_strerror(rc));
	return rc;
}

/* Reads a secret key file into sk (wiped by the caller). */
static int load_secret_key(const char *path, uint8_t sk[crypto_sign_SECRETKEYBYTES], char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	int rc = read_text(path, "key file", &text, &len, err, errlen);
	if (rc)
		return rc;
	struct tok t[2];
	size_t n = tokenize((const char *)text, len, t, 2);
	char why[128];
	const char *bad = NULL;
	rc = -EINVAL;
	if (n >= 1 && tok_is(&t[0], PUB_HEADER))
		xdperf_errf(err, errlen, "%s is a public key; sign with the secret key file (NAME.key)", path);
	else if (n == 0 || !tok_is(&t[0], KEY_HEADER))
		xdperf_errf(err, errlen, "%s is not an xdperf secret key file (expected '" KEY_HEADER " <base64>')", path);
	else if (n != 2)
		xdperf_errf(err, errlen, "%s: %s", path, n < 2 ? "no key after '" KEY_HEADER "'" : "unexpected text after the key");
	else if ((bad = b64_decode(&t[1], sk, crypto_sign_SECRETKEYBYTES, why, sizeof why)))
		xdperf_errf(err, errlen, "%s: the secret key %s", path, bad);
	else {
		/* libsodium's secret key is seed || public key: check the halves belong together */
		uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
		crypto_sign_seed_keypair(pk, sk2, sk);
		struct stat st;
		if (sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof pk))
			xdperf_errf(err, errlen, "%s: corrupt secret key (its public half does not match)", path);
		else if (!stat(path, &st) && (st.st_mode & (S_IRWXG | S_IRWXO)))
			/* a secret others can read may already be theirs: not used until it is private */
			xdperf_errf(err, errlen, "secret key file %s is open to other users (mode %04o): "
				    "chmod 600 %s (and make a new key if others may have read it)", path,
				    (unsigned)(st.st_mode & 07777), path);
		else
			rc = 0;
		sodium_memzero(sk2, sizeof sk2);
	}
	sodium_memzero(text, len);
	free(text);
	return rc;
}

int xdperf_sign_file(const char *key_path, const char *wasm_path, const char *sig_path,
		     char *err, size_t errlen)
{
	int rc = sodium_ready(err, errlen);
	if (rc)
		return rc;
	char def_sig[PATH_MAX];
	if (!sig_path) {
		if ((size_t)snprintf(def_sig, sizeof def_sig, "%s.sig", wasm_path) >= sizeof def_sig) {
			xdperf_errf(err, errlen, "path %s is too long", wasm_path);
			return -ENAMETOOLONG;
		}
		sig_path = def_sig;
	}
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	rc = load_secret_key(key_path, sk, err, errlen);
	if (rc)
		return rc;
	uint8_t *wasm;
	size_t len;
	rc = xdperf_read_file(wasm_path, MODULE_MAX, &wasm, &len);
	if (rc) {
		sodium_memzero(sk, sizeof sk);
		if (rc == -EFBIG)
			xdperf_errf(err, errlen, "cannot read %s: larger than %u MiB", wasm_path, MODULE_MAX >> 20);
		else
			xdperf_errf(err, errlen, "cannot read %s: %s", wasm_path, xdperf_file_strerror(rc));
		return rc;
	}
	uint8_t sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, wasm, len, sk);
	char id[17];
	key_id_of(sk + crypto_sign_SEEDBYTES, id);
	sodium_memzero(sk, sizeof sk);
	free(wasm);

	char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	char line[sizeof b64 + 64];
	snprintf(line, sizeof line, SIG_HEADER " %s %s\n", id, b64);

	/* Never through a symlink (it would overwrite whatever it points at) nor into anything but a
	 * regular file; the new .sig is written beside it and renamed over it, so it is whole or
	 * absent, and a link put there meanwhile is replaced, not followed. */
	struct stat st;
	if (!lstat(sig_path, &st) && !S_ISREG(st.st_mode)) {
		xdperf_errf(err, errlen, "%s is %s; refusing to write the signature through it (remove it "
			    "first)", sig_path, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
		return -EEXIST;
	}
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", sig_path) >= sizeof tmp) {
		xdperf_errf(err, errlen, "cannot create %s: path too long", sig_path);
		return -ENAMETOOLONG;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		xdperf_errf(err, errlen, "cannot create %s: %s", sig_path, strerror(-rc));
		return rc;
	}
	rc = fchmod(fd, 0644) ? -errno : 0;
	if (!rc)
		rc = write_all(fd, line, strlen(line));
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, sig_path))
		rc = -errno;
	if (rc) {
		xdperf_errf(err, errlen, "cannot write %s: %s", sig_path, strerror(-rc));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* ---- trust directory ----------------------------------------------------------------------------- */

static bool ends_with_pub(const char *name)
{
	size_t n = strlen(name);
	return n >= 4 && !strcmp(name + n - 4, ".pub");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_public_key(const char *path, struct trust_key *k, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	int rc = read_text(path, "trusted key", &text, &len, err, errlen);
	if (rc)
		return rc;
	struct tok t[2];
	size_t n = tokenize((const char *)text, len, t, 2);
	char why[128], q[64];
	const char *bad = NULL;
	rc = -EINVAL;
	if (n == 0)
		xdperf_errf(err, errlen, "trusted key %s is empty (expected '" PUB_HEADER " <base64>')", path);
	else if (tok_is(&t[0], KEY_HEADER))
		xdperf_errf(err, errlen, "trusted key %s is a secret key; only public keys (NAME.pub) belong in a trust directory", path);
	else if (!tok_is(&t[0], PUB_HEADER))
		xdperf_errf(err, errlen, "trusted key %s does not start with '" PUB_HEADER "' (found '%s')", path,
			    quote(&t[0], q, sizeof q));
	else if (n == 1)
		xdperf_errf(err, errlen, "trusted key %s has no key after '" PUB_HEADER "'", path);
	else if (n > 2)
		xdperf_errf(err, errlen, "trusted key %s has unexpected text after the key", path);
	else if ((bad = b64_decode(&t[1], k->pk, sizeof k->pk, why, sizeof why)))
		xdperf_errf(err, errlen, "trusted key %s: the public key %s", path, bad);
	else {
		key_id_of(k->pk, k->id);
		rc = 0;
	}
	free(text);
	return rc;
}

int xdperf_trust_open(const char *dir, struct xdperf_trust **out, char *err, size_t errlen)
{
	*out = NULL;
	int rc = sodium_ready(err, errlen);
	if (rc)
		return rc;
	DIR *d = opendir(dir);
	if (!d) {
		rc = -errno;
		if (rc == -ENOENT)
			xdperf_errf(err, errlen, "trust directory %s does not exist", dir);
		else
			xdperf_errf(err, errlen, "cannot open trust directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	struct stat dst;
	bool dir_open = !fstat(dirfd(d), &dst) && (dst.st_mode & (S_IWGRP | S_IWOTH));
	char **names = NULL;
	size_t nnames = 0, cap = 0;
	struct dirent *e;
	rc = 0;
	while ((e = readdir(d))) {
		if (!ends_with_pub(e->d_name))
			continue;
		if (nnames == cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[nnames] = strdup(e->d_name))) {
			rc = -ENOMEM;
			break;
		}
		nnames++;
	}
	closedir(d);

	struct xdperf_trust *t = NULL;
	if (!rc && !(t = calloc(1, sizeof *t)))
		rc = -ENOMEM;
	if (!rc && nnames && !(t->keys = calloc(nnames, sizeof *t->keys)))
		rc = -ENOMEM;
	if (rc)
		xdperf_errf(err, errlen, "trust directory %s: out of memory", dir);
	else if (nnames > 1)
		qsort(names, nnames, sizeof *names, cmp_names);
	if (t && dir_open)
		xdperf_errf(t->warning, sizeof t->warning, "trust directory %s can be written by other "
			    "users (mode %04o): they could add a key it trusts; chmod go-w it", dir,
			    (unsigned)(dst.st_mode & 07777));
	for (size_t i = 0; !rc && i < nnames; i++) {
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path) {
			xdperf_errf(err, errlen, "trust directory %s: path of %s is too long", dir, names[i]);
			rc = -ENAMETOOLONG;
			break;
		}
		struct stat st;
		if (stat(path, &st) || S_ISDIR(st.st_mode))
			continue; /* only files (or links to them) are keys */
		if (!S_ISREG(st.st_mode)) {
			xdperf_errf(err, errlen, "trusted key %s: %s", path,
				    xdperf_file_strerror(-XDPERF_ENOTREG));
			rc = -XDPERF_ENOTREG;
			break;
		}
		if (!t->warning[0] && (st.st_mode & (S_IWGRP | S_IWOTH)))
			xdperf_errf(t->warning, sizeof t->warning, "trusted key %s can be written by other "
				    "users (mode %04o): they could swap in a key of their own; chmod go-w it",
				    path, (unsigned)(st.st_mode & 07777));
		rc = load_public_key(path, &t->keys[t->n], err, errlen);
		if (!rc)
			t->n++;
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (!rc && t->n == 0) {
		xdperf_errf(err, errlen, "trust directory %s has no *.pub keys", dir);
		rc = -ENOKEY;
	}
	if (rc) {
		xdperf_trust_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

const char *xdperf_trust_warning(const struct xdperf_trust *t)
{
	return t && t->warning[0] ? t->warning : NULL;
}

void xdperf_trust_free(struct xdperf_trust *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t);
}

size_t xdperf_trust_count(const struct xdperf_trust *t)
{
	return t ? t->n : 0;
}

/* ---- verify ---------------------------------------------------------------------------------------- */

int xdperf_trust_verify(const struct xdperf_trust *t, const uint8_t *wasm, size_t len,
			const char *sig, size_t siglen, char key_id[17], char *err, size_t errlen)
{
	if (key_id)
		key_id[0] = 0;
	if (!t) {
		xdperf_errf(err, errlen, "no trust store");
		return -EINVAL;
	}
	if (!sig) {
		xdperf_errf(err, errlen, "module is not signed");
		return -ENODATA;
	}
	int rc = sodium_ready(err, errlen);
	if (rc)
		return rc;
	if (siglen > TEXT_MAX) {
		xdperf_errf(err, errlen, "signature file is too long (%zu bytes; expected one line '" SIG_HEADER
			    " <key id> <base64>')", siglen);
		return -EBADMSG;
	}
	struct tok tk[3];
	size_t n = tokenize(sig, siglen, tk, 3);
	char q[64], why[128], id[17];
	const char *bad;
	uint8_t s[crypto_sign_BYTES];
	if (n == 0) {
		xdperf_errf(err, errlen, "signature file is empty");
		return -EBADMSG;
	}
	if (!tok_is(&tk[0], SIG_HEADER)) {
		xdperf_errf(err, errlen, "signature file does not start with '" SIG_HEADER "' (found '%s')",
			    quote(&tk[0], q, sizeof q));
		return -EBADMSG;
	}
	if (n < 3) {
		xdperf_errf(err, errlen, "signature file has no %s", n == 1 ? "key id" : "signature after the key id");
		return -EBADMSG;
	}
	if (n > 3) {
		xdperf_errf(err, errlen, "signature file has unexpected text after the signature");
		return -EBADMSG;
	}
	bool hex = tk[1].len == 16;
	for (size_t i = 0; hex && i < 16; i++) {
		char c = tk[1].s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		id[i] = c;
	}
	if (!hex) {
		xdperf_errf(err, errlen, "signature key id '%s' is not 16 hex digits", quote(&tk[1], q, sizeof q));
		return -EBADMSG;
	}
	id[16] = 0;
	if ((bad = b64_decode(&tk[2], s, sizeof s, why, sizeof why))) {
		xdperf_errf(err, errlen, "signature of key %s %s", id, bad);
		return -EBADMSG;
	}
	bool known = false;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->keys[i].id, id))
			continue;
		known = true;
		if (!crypto_sign_verify_detached(s, wasm, len, t->keys[i].pk)) {
			if (key_id)
				memcpy(key_id, t->keys[i].id, 17);
			return 0;
		}
	}
	if (!known) {
		xdperf_errf(err, errlen, "signed by key %s, which is not in the trust directory (%zu key%s)", id, t->n,
			    t->n == 1 ? "" : "s");
		return -ENOKEY;
	}
	xdperf_errf(err, errlen, "signature by key %s does not match the module bytes (modified after signing?)", id);
	return -EBADMSG;
}
