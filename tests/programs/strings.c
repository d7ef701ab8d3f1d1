/* String handling: strlen/strcmp/strncmp/strchr/strrchr/strstr/strspn/strcspn, strtol/strtoul/
 * strtoll in several bases with end pointers and overflow (errno), atoi, snprintf with many
 * conversions and widths, hand-written itoa/reverse/word counting, a string sort with
 * qsort(strcmp) and a simple wildcard matcher. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmpstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int match(const char *pat, const char *s) /* '*' and '?' */
{
	if (*pat == 0) return *s == 0;
	if (*pat == '*') return match(pat + 1, s) || (*s && match(pat, s + 1));
	if (*s && (*pat == '?' || *pat == *s)) return match(pat + 1, s + 1);
	return 0;
}

static char *my_itoa(int64_t v, char *out, int base)
{
	char tmp[72];
	int n = 0, neg = v < 0;
	uint64_t u = neg ? 0 - (uint64_t)v : (uint64_t)v;
	do { tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (unsigned)base]; u /= (unsigned)base; } while (u);
	char *p = out;
	if (neg) *p++ = '-';
	while (n) *p++ = tmp[--n];
	*p = 0;
	return out;
}

static int sgn(int x) { return (x > 0) - (x < 0); }

int main(void)
{
	static const char *nums[] = {"0", "42", "-17", "  +123xyz", "0x1F", "0777", "z", "2147483647", "2147483648",
				     "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
				     "18446744073709551615", "18446744073709551616", "-1", "   -0x80000000", "1010101", "", "+", "0x"};
	for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		const char *s = nums[i];
		char *e;
		errno = 0; long long a = strtoll(s, &e, 0); int ea = errno; long da = e - s;
		errno = 0; unsigned long long b = strtoull(s, &e, 10); int eb = errno; long db = e - s;
		errno = 0; long long c = strtoll(s, &e, 2); int ec = errno; long dc = e - s;
		errno = 0; long long d = strtoll(s, &e, 36); int ed = errno; long dd = e - s;
		errno = 0; long l = strtol(s, &e, 16); int el = errno; long dl = e - s;
		/* long is 32-bit on wasm32 and 64-bit natively: print strtol only when in int32 range and not
		 * ERANGE (errno after "no conversion" differs: musl sets EINVAL, glibc does not) */
		int lok = el != ERANGE && l >= -2147483647L - 1 && l <= 2147483647L;
		printf("%-24s ll0 %lld/%d/%ld ull10 %llu/%d/%ld b2 %lld/%d/%ld b36 %lld/%d/%ld l16 %ld/%ld\n", s, a, ea == ERANGE, da,
		       b, eb == ERANGE, db, c, ec == ERANGE, dc, d, ed == ERANGE, dd, lok ? l : 0L, lok ? dl : -1L);
	}
	printf("atoi %d %d %d\n", atoi("  -987abc"), atoi("12e3"), atoi("+0"));

	static const char *words[] = {"pear", "apple", "fig", "banana", "Apple", "apple pie", "", "zebra", "appl", "PEAR", "kiwi", "fig"};
	const char *sorted[12];
	memcpy(sorted, words, sizeof words);
	/* break ties so qsort's result does not depend on stability: duplicates are identical strings anyway */
	qsort(sorted, 12, sizeof sorted[0], cmpstr);
	for (int i = 0; i < 12; i++) printf("[%s]", sorted[i]);
	printf("\n");
	for (int i = 0; i < 12; i++)
		printf("%s:%zu:%d:%d:%d ", words[i], strlen(words[i]), sgn(strcmp(words[i], "banana")), sgn(strncmp(words[i], "apple", 3)),
		       sgn(memcmp(words[i], "pea", 3 < strlen(words[i]) + 1 ? 3 : strlen(words[i]) + 1)));
	printf("\n");

	const char *text = "The quick brown fox jumps over the lazy dog; the dog sleeps. THE END";
	printf("strchr %ld strrchr %ld strstr %ld %ld spn %zu cspn %zu\n", (long)(strchr(text, 'q') - text),
	       (long)(strrchr(text, 'o') - text), (long)(strstr(text, "dog") - text), (long)(strstr(text, "dog;") - text),
	       strspn(text, "TheT "), strcspn(text, ";."));
	int words_n = 0, upper = 0, in = 0;
	uint32_t wh = 0;
	for (const char *p = text; *p; p++) {
		if (isalpha((unsigned char)*p)) { if (!in) words_n++; in = 1; wh = wh * 31 + (uint32_t)tolower((unsigned char)*p); }
		else in = 0;
		upper += isupper((unsigned char)*p) != 0;
	}
	printf("words %d upper %d hash %08x\n", words_n, upper, wh);

	char buf[256];
	int n = snprintf(buf, sizeof buf, "%d|%5d|%-5d|%05d|%+d|% d|%u|%x|%X|%#x|%o|%#o|%c|%s|%.3s|%10.4s|%-8s|%%", -12, 34, 56, -78, 9, 10,
			 4000000000u, 0xabcdefu, 0xabcdefu, 255u, 8u, 8u, 'q', "str", "abcdef", "abcdef", "left");
	printf("%d %s\n", n, buf);
	n = snprintf(buf, sizeof buf, "%lld|%llu|%llx|%hhd|%hd|%hhu|%hu|%zu|%5.2f|%-9.3e|%g|%g|%g|%G", -9223372036854775807LL - 1,
		     18446744073709551615ull, 0x123456789abcdefull, (signed char)-3, (short)-30000, (unsigned char)200, (unsigned short)60000,
		     (size_t)12345, 3.14159, -0.000123456, 100000.0, 1000000.0, 1e-5, 2.5e-10);
	printf("%d %s\n", n, buf);
	n = snprintf(buf, 16, "%s", "this string is longer than sixteen");
	printf("%d [%s] %zu\n", n, buf, strlen(buf));
	n = snprintf(NULL, 0, "%d-%s", 123456, "xyz");
	printf("len only %d\n", n);

	char num[80];
	static const int64_t iv[] = {0, 7, -7, 255, -256, 1000000007, INT64_MAX, INT64_MIN};
	for (int i = 0; i < 8; i++) printf("%s %s %s | ", my_itoa(iv[i], num, 10), my_itoa(iv[i], buf, 16), my_itoa(iv[i], buf + 100, 36));
	printf("\n");

	/* reverse words in place */
	char sentence[] = "one two  three   four five";
	size_t L = strlen(sentence);
	for (size_t i = 0, j = L - 1; i < j; i++, j--) { char t = sentence[i]; sentence[i] = sentence[j]; sentence[j] = t; }
	for (size_t i = 0; i < L;) {
		while (i < L && sentence[i] == ' ') i++;
		size_t j = i;
		while (j < L && sentence[j] != ' ') j++;
		for (size_t a = i, b = j - 1; j > i && a < b; a++, b--) { char t = sentence[a]; sentence[a] = sentence[b]; sentence[b] = t; }
		i = j;
	}
	printf("reversed [%s]\n", sentence);

	static const char *pats[] = {"*", "a*", "*.c", "?at", "h*o*d", "*x*", "a?c*", "**b**"};
	static const char *strs[] = {"", "abc", "cat", "main.c", "hello world", "axe", "bob"};
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 7; j++) putchar('0' + match(pats[i], strs[j]));
		putchar(' ');
	}
	putchar('\n');

	/* build a long string with strcat/strcpy/strncpy and checksum it */
	static char big[4096];
	big[0] = 0;
	for (int i = 0; i < 200; i++) {
		char piece[24];
		snprintf(piece, sizeof piece, "%d,", i * i - 50);
		strcat(big, piece);
	}
	char cp[32];
	memset(cp, 0, sizeof cp);
	strncpy(cp, big + 10, sizeof cp - 1);
	cp[31] = 0;
	uint32_t bh = 0;
	for (size_t i = 0; big[i]; i++) bh = bh * 33 + (unsigned char)big[i];
	printf("big len %zu hash %08x piece [%s]\n", strlen(big), bh, cp);
	return 0;
}
