/* Deep and mutual recursion, trees, and indirect calls: Ackermann, even/odd mutual
 * recursion, a recursive-descent expression parser, binary search tree build/walk/free,
 * Hofstadter sequences, and tables of function pointers with different signatures
 * (i32, i64, f64, struct-pointer, void) called through call_indirect. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t ack(uint32_t m, uint32_t n)
{
	if (m == 0) return n + 1;
	if (n == 0) return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* Hofstadter Female/Male sequences (mutual recursion with memo) */
static int Fm[400], Mm[400];
static int hM(int n);
static int hF(int n) { if (n == 0) return 1; if (Fm[n]) return Fm[n]; return Fm[n] = n - hM(hF(n - 1)); }
static int hM(int n) { if (n == 0) return 0; if (Mm[n]) return Mm[n] - 1; int r = n - hF(hM(n - 1)); Mm[n] = r + 1; return r; }

/* recursive descent parser: expr := term (('+'|'-') term)*, term := factor (('*'|'/'|'%') factor)*,
 * factor := number | '(' expr ')' | '-' factor */
static const char *ps;
static int64_t expr(void);
static int64_t factor(void)
{
	while (*ps == ' ') ps++;
	if (*ps == '(') { ps++; int64_t v = expr(); while (*ps == ' ') ps++; if (*ps == ')') ps++; return v; }
	if (*ps == '-') { ps++; return -factor(); }
	int64_t v = 0;
	while (*ps >= '0' && *ps <= '9') v = v * 10 + (*ps++ - '0');
	return v;
}
static int64_t term(void)
{
	int64_t v = factor();
	for (;;) {
		while (*ps == ' ') ps++;
		char op = *ps;
		if (op != '*' && op != '/' && op != '%') return v;
		ps++;
		int64_t r = factor();
		if (op == '*') v *= r; else if (r == 0) v = 0; else if (op == '/') v /= r; else v %= r;
	}
}
static int64_t expr(void)
{
	int64_t v = term();
	for (;;) {
		while (*ps == ' ') ps++;
		char op = *ps;
		if (op != '+' && op != '-') return v;
		ps++;
		int64_t r = term();
		v = op == '+' ? v + r : v - r;
	}
}

typedef struct tnode { int32_t key; int32_t count; struct tnode *l, *r; } tnode;
static tnode *insert(tnode *t, int32_t k)
{
	if (!t) { t = malloc(sizeof *t); t->key = k; t->count = 1; t->l = t->r = NULL; return t; }
	if (k < t->key) t->l = insert(t->l, k); else if (k > t->key) t->r = insert(t->r, k); else t->count++;
	return t;
}
static int height(const tnode *t) { if (!t) return 0; int a = height(t->l), b = height(t->r); return 1 + (a > b ? a : b); }
static void walk(const tnode *t, uint32_t *h, int *n)
{
	if (!t) return;
	walk(t->l, h, n);
	*h = *h * 1000003u ^ (uint32_t)t->key ^ ((uint32_t)t->count << 20);
	(*n)++;
	walk(t->r, h, n);
}
static void tfree(tnode *t) { if (!t) return; tfree(t->l); tfree(t->r); free(t); }

/* perfect tree built recursively and summed with an explicit depth parameter */
static tnode *build(int depth, int32_t *ctr)
{
	if (depth == 0) return NULL;
	tnode *t = malloc(sizeof *t);
	t->l = build(depth - 1, ctr);
	t->key = (*ctr)++;
	t->count = depth;
	t->r = build(depth - 1, ctr);
	return t;
}
static int64_t wsum(const tnode *t) { return t ? (int64_t)t->key * t->count + wsum(t->l) - wsum(t->r) : 0; }

/* function pointer tables with different signatures */
typedef int32_t (*fi)(int32_t, int32_t);
typedef int64_t (*fl)(int64_t);
typedef double (*fd)(double, int32_t);
typedef void (*fv)(tnode *);
static int32_t f_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t f_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static int32_t f_mulx(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b ^ 0x55u); }
static int32_t f_max(int32_t a, int32_t b) { return a > b ? a : b; }
static int64_t g_sq(int64_t x) { return (int64_t)((uint64_t)x * (uint64_t)x); }
static int64_t g_neg(int64_t x) { return (int64_t)(0 - (uint64_t)x); }
static int64_t g_shr(int64_t x) { return x >> 3; }
static double h_scale(double x, int32_t k) { return x * k; }
static double h_half(double x, int32_t k) { return x / 2 + k; }
static void v_bump(tnode *t) { t->count += 3; }
static void v_dbl(tnode *t) { t->key *= 2; }
static fi tab_i[] = {f_add, f_sub, f_mulx, f_max};
static fl tab_l[] = {g_sq, g_neg, g_shr};
static fd tab_d[] = {h_scale, h_half};
static fv tab_v[] = {v_bump, v_dbl};

static int32_t apply_n(fi f, int32_t a, int n) { return n == 0 ? a : apply_n(f, f(a, n), n - 1); }

int main(void)
{
	for (uint32_t m = 0; m <= 3; m++) {
		for (uint32_t n = 0; n <= (m < 3 ? 8u : 5u); n++) printf("%u ", ack(m, n));
		printf("\n");
	}
	printf("even(777)=%d odd(777)=%d even(1000)=%d\n", is_even(777), is_odd(777), is_even(1000));
	int fs = 0, ms = 0;
	for (int i = 0; i < 300; i++) { fs += hF(i); ms += hM(i); }
	printf("hofstadter F(299)=%d M(299)=%d sums %d %d\n", hF(299), hM(299), fs, ms);

	static const char *exprs[] = {"1+2*3", "(1+2)*3", "-(4-10)*7 % 5", "2*(3+(4*(5+(6*(7+8)))))-1000/7",
				      "123456789*1000-((((1))))", "100/0+7", "-9223372036854775807 - 1 + 5"};
	for (unsigned i = 0; i < sizeof exprs / sizeof exprs[0]; i++) { ps = exprs[i]; printf("%s = %lld\n", exprs[i], (long long)expr()); }

	tnode *root = NULL;
	uint32_t x = 99;
	for (int i = 0; i < 4000; i++) { x = x * 1664525u + 1013904223u; root = insert(root, (int32_t)(x >> 20) - 2048); }
	uint32_t h = 7; int n = 0;
	walk(root, &h, &n);
	printf("bst nodes %d height %d hash %08x root %d\n", n, height(root), h, root->key);
	tab_v[0](root); tab_v[1](root->l);
	h = 7; n = 0; walk(root, &h, &n);
	printf("after fv hash %08x\n", h);
	tfree(root);
	int32_t ctr = 0;
	tnode *pt = build(12, &ctr);
	printf("perfect nodes %d height %d wsum %lld\n", ctr, height(pt), (long long)wsum(pt));
	tfree(pt);

	uint32_t acc = 0;
	for (int i = 0; i < 40; i++) {
		int32_t r = tab_i[i % 4]((int32_t)(i * 1234567), i - 20);
		int64_t q = tab_l[i % 3]((int64_t)i * 987654321987LL - 5);
		double d = tab_d[i % 2](i * 0.25, i);
		acc = acc * 31 + (uint32_t)r + (uint32_t)q + (uint32_t)(q >> 32) + (uint32_t)(int32_t)d;
		if (i % 9 == 0) printf("i=%d r=%d q=%lld d=%.17g\n", i, r, (long long)q, d);
	}
	printf("indirect acc %08x apply_n %d %d\n", acc, apply_n(tab_i[0], 1, 500), apply_n(tab_i[2], 3, 300));
	return 0;
}
