/* Function-body validator and translator: checks each body against the WebAssembly 2.0
 * typing rules (the spec's validation algorithm) and, in the same pass, emits the internal
 * slot-addressed code of code.h. local.get and constants are not copied onto the operand
 * stack: later instructions read the local's or constant's slot directly, and a result that
 * is immediately stored to a local is written there by the producing instruction.
 *
 * Size: over the 1.5k-line guideline because the operand-stack, control-frame and emission
 * machinery and the translation of the core instructions share the private state (struct cc);
 * instruction families with their own table live apart behind compile_int.h (compile_simd.c,
 * compile_atomic.c, compile_mem64.c; constexpr.c for constant expressions; compile_eh.c for
 * exception handling, which uses the block hooks at the end of this file), and the memory and
 * table instructions are the next to move there. Which instruction a byte is, and for the
 * numeric, load and store ones how it translates, comes from the opcode table (opcodes.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/module.h"
#include "wasm/code.h"
#include "wasm/features.h"
#include "wasm/compile_int.h"
#include "wasm/opcodes.h"

#define T_UNKNOWN 0    /* polymorphic stack bottom value */

/* Operand checks (pushes, pops, values type-checked in place) allowed per byte of the module's
 * function bodies, plus WORK_BASE, for the whole module: real code needs less than one (0.68
 * on average over our plugins and modules, 0.9 at most in a function); each takes a few ns. */
#define WORK_PER_BYTE 4u
#define WORK_BASE (1u << 20)

#define TAG_STACK 0x40000000u
#define TAG_CONST 0x80000000u
#define TAG_EXN   0xc0000000u  /* hidden slot of a legacy catch (compile_eh.c) */
#define TAG_MASK  0xc0000000u

/* Where an operand stack value is: computed into its stack slot (K_STACK), still only a
 * local's slot (K_LOCAL, idx = the local) or a constant (K_CONST), or a local plus an i32
 * constant not yet added (K_ADDK, idx = the local, val = the constant: the address form
 * compilers give memory accesses, which take it as base + immediate without computing it). */
enum { K_STACK, K_LOCAL, K_CONST, K_ADDK };

/* K_LOCAL and K_ADDK read a local later: a write to the local must compute them first. */
static bool reads_local(uint8_t kind) { return kind == K_LOCAL || kind == K_ADDK; }

#define NO_SLOT UINT32_MAX

struct patch {
	uint32_t pos;   /* word holding the relative offset */
	uint32_t ins;   /* start of the branching instruction */
	int32_t next;
};

struct ctl {
	uint8_t kind;               /* 0x02 block, 0x03 loop, 0x04 if, 0x05 else, 0 function */
	uint32_t nparams, nresults;
	const uint8_t *params, *results;
	uint32_t height;            /* operand stack height below the frame's values */
	bool unreachable;
	bool live_entry;            /* code at entry was reachable */
	bool branched;              /* a reachable branch targets the end */
	uint32_t start_pc;          /* loop label */
	int32_t patches;            /* forward branches to the end */
	int32_t else_patch;         /* if: the branch to else/end taken when false */
	int32_t fuel_patches;       /* loop: cost words of back-edges, filled at the end */
	uint32_t ninstr_start;
	struct xw_eh_ctl eh;        /* exception handling: try / try_table (a block otherwise) */
};

/* One-result block types point their result list here. */
static const uint8_t single_types[256] = {
	[XWASM_I32] = XWASM_I32, [XWASM_I64] = XWASM_I64, [XWASM_F32] = XWASM_F32,
	[XWASM_F64] = XWASM_F64, [XWASM_V128] = XWASM_V128, [XWASM_FUNCREF] = XWASM_FUNCREF, [XWASM_EXTERNREF] = XWASM_EXTERNREF,
	[XWASM_EXNREF] = XWASM_EXNREF,
};

struct cc {
	xw_module *m;
	uint32_t fidx;              /* function index */
	const xw_functype *ft;
	const uint8_t *p, *start, *end;
	size_t base_off;            /* file offset of start */
	char *err;
	size_t errlen;
	int rc;

	uint8_t *local_types;
	uint32_t nlocals;
	uint32_t *lpos;             /* per local: its first frame slot (a v128 takes two) */
	uint32_t nlocal_slots, nparam_slots;
	uint32_t *lazy_refs;        /* per local: K_LOCAL and K_ADDK entries on the operand stack */
	/* The function's entry code: from its start to its first control instruction, run once
	 * per call in order. A declared local holds 0 there until written (every call zeroes
	 * them), so setting one still unwritten to a constant 0 emits nothing (compilers
	 * initialise their locals so). unwritten: per local, 1 for a declared local not yet
	 * set or teed. */
	bool entry;
	uint8_t *unwritten;
	uint32_t lazy_total;
	size_t code_limit;          /* cap on translated words (hostile-input guard) */
	uint64_t temp_bytes;        /* capacity of the arrays below (counted against the module's cap) */
	uint64_t work, work_limit;  /* operand checks so far, and what the module has left for them */

	struct opd *stack;
	uint32_t sp, scap, max_h;   /* max_h: most operand stack slots used at once */
	struct ctl *ctl;
	uint32_t nctl, ccap;

	uint32_t *code;
	uint32_t ncode, codecap;
	uint32_t *fixups;           /* positions of tagged slot words */
	uint32_t nfix, fixcap;
	struct patch *patches;
	uint32_t npatch, patchcap;

	uint64_t *consts;
	uint32_t nconsts, constcap;
	uint32_t *chash;            /* open addressing: const index + 1, 0 = empty */
	uint32_t chcap;

	bool live;                  /* emitted code is reachable */
	uint32_t last_ins;          /* start of the last emitted instruction */
	uint32_t prev_ins;          /* start of the one before it, UINT32_MAX if unknown (a label
				     * or a rewind in between) */
	int64_t last_dst;           /* position of its dst word when it produced the top value, else -1 */
	uint32_t last_dst_h;
	uint32_t ninstr;
	const int32_t *handlers;

	struct xw_eh_entry *eh;     /* exception handlers (compile_eh.c) */
	uint32_t neh, ehcap;
	uint32_t nexn;              /* hidden slots of legacy catches */
	uint32_t nlegacy;           /* legacy try blocks open */
};

/* ---- errors -------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(struct cc *c, int rc, const char *fmt, ...)
{
	if (c->rc)
		return c->rc;
	c->rc = rc;
	if (c->err && c->errlen) {
		char msg[200];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		size_t at = c->base_off + (size_t)(c->p - c->start);
		if (rc == -EFBIG)
			snprintf(c->err, c->errlen, "module too large: %s (at byte 0x%zx in func[%u])", msg,
				 at, c->fidx);
		else if (rc == -EINTR)
			snprintf(c->err, c->errlen, "%s", msg);
		else if (rc == -ENOTSUP)
			snprintf(c->err, c->errlen, "not supported: %s at byte 0x%zx in func[%u]", msg,
				 at, c->fidx);
		else
			snprintf(c->err, c->errlen, "invalid at byte 0x%zx in func[%u]: %s", at, c->fidx,
				 msg);
	}
	return rc;
}
#define FAIL(...) return fail(c, -EINVAL, __VA_ARGS__)
#define MALFORMED(what) return fail(c, -EINVAL, "malformed %s", what)
#define CHECK(x) do { int _r = (x); if (_r) return _r; } while (0)

/* ---- growable arrays ------------------------------------------------------------------- */

/* Counts `add` more bytes of the translator's working arrays: what the module holds so far
 * plus these must stay within the module's cap (xwasm_load_opts.max_bytes). */
static int charge_temp(struct cc *c, uint64_t add)
{
	const xw_module *m = c->m;
	if (m->max_bytes && m->alloc_bytes + c->temp_bytes + add > m->max_bytes)
		return fail(c, -EFBIG, "translating it needs more than its limit of %llu bytes",
			    (unsigned long long)m->max_bytes);
	c->temp_bytes += add;
	return 0;
}

static int grow(struct cc *c, void **arr, uint32_t *cap, uint32_t need, size_t elsz)
{
	if (need <= *cap)
		return 0;
	uint32_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > (1u << 28))
			return fail(c, -ENOMEM, "function too large");
		n *= 2;
	}
	if (charge_temp(c, (uint64_t)(n - *cap) * elsz))
		return c->rc;
	void *q = realloc(*arr, (size_t)n * elsz);
	if (!q)
		return fail(c, -ENOMEM, "out of memory");
	*arr = q;
	*cap = n;
	return 0;
}

/* ---- code emission ----------------------------------------------------------------------- */

/* A raw word: immediate, index or branch offset. */
static void emit_word(struct cc *c, uint32_t w)
{
	if (c->rc)
		return;
	if (c->ncode >= c->code_limit) {
		fail(c, -ENOTSUP, "function too large to translate (over %zu words)", c->code_limit);
		return;
	}
	if (grow(c, (void **)&c->code, &c->codecap, c->ncode + 1, sizeof(uint32_t)))
		return;
	c->code[c->ncode++] = w;
}

/* A slot operand: stack and constant slots are tagged and resolved once the frame layout
 * is known (end of compile_func). */
static void emit_slot(struct cc *c, uint32_t w)
{
	if (c->rc)
		return;
	if (w & TAG_MASK) {
		if (grow(c, (void **)&c->fixups, &c->fixcap, c->nfix + 1, sizeof(uint32_t)))
			return;
		c->fixups[c->nfix++] = c->ncode;
	}
	emit_word(c, w);
}

static void emit_op(struct cc *c, enum xw_op op)
{
	/* after a label last_ins is UINT32_MAX; after a rewind it is at or past the code's end */
	c->prev_ins = c->last_ins < c->ncode ? c->last_ins : UINT32_MAX;
	c->last_ins = c->ncode;
	c->last_dst = -1;
	emit_word(c, (uint32_t)c->handlers[op]);
}

/* Drops code from `pos` on (used when fusing the previous instruction into a branch). */
static void rewind_code(struct cc *c, uint32_t pos)
{
	c->ncode = pos;
	while (c->nfix && c->fixups[c->nfix - 1] >= pos)
		c->nfix--;
	c->last_dst = -1;
}

static int const_index(struct cc *c, uint64_t bits, uint32_t *out);

/* Position in the operand stack area of the value at height h: where the value below it
 * ends (operands at heights below h are always on the stack or just popped from it). */
static uint32_t pos_at(const struct cc *c, uint32_t h)
{
	return h ? c->stack[h - 1].pos + xw_type_slots(c->stack[h - 1].type) : 0;
}

/* Slot word of the operand stack value at height h. */
static uint32_t SH(const struct cc *c, uint32_t h)
{
	return TAG_STACK | pos_at(c, h);
}

/* Slot word of operand o at height h (a constant gets its frame slot on first use). */
static uint32_t slot_of(struct cc *c, struct opd *o, uint32_t h)
{
	switch (o->kind) {
	case K_LOCAL: return c->lpos[o->idx];
	case K_CONST:
		if (o->idx == NO_SLOT && const_index(c, o->val, &o->idx))
			return 0;
		return TAG_CONST | o->idx;
	default: return SH(c, h);
	}
}

/* Emits dst := o: a copy, or for a constant an immediate load (no frame slot needed). */
static void emit_move(struct cc *c, uint32_t dst, struct opd *o, uint32_t h)
{
	if (o->kind == K_CONST) {
		bool wide = o->val >> 32 != 0;
		emit_op(c, wide ? XW_OP_CONST64 : XW_OP_CONST32);
		emit_slot(c, dst);
		emit_word(c, (uint32_t)o->val);
		if (wide)
			emit_word(c, (uint32_t)(o->val >> 32));
		return;
	}
	if (o->kind == K_ADDK) {
		emit_op(c, XW_OP_I32_ADD_I);
		emit_slot(c, dst);
		emit_slot(c, c->lpos[o->idx]);
		emit_word(c, (uint32_t)o->val);
		return;
	}
	emit_op(c, o->type == XWASM_V128 ? XW_OP_COPY128 : XW_OP_COPY);
	emit_slot(c, dst);
	emit_slot(c, slot_of(c, o, h));
}

/* A label: code after this point can be reached from elsewhere. */
static void label_here(struct cc *c)
{
	c->last_dst = -1;
	c->last_ins = UINT32_MAX;
}

static void add_patch(struct cc *c, int32_t *head, uint32_t pos, uint32_t ins)
{
	if (grow(c, (void **)&c->patches, &c->patchcap, c->npatch + 1, sizeof(struct patch)))
		return;
	c->patches[c->npatch] = (struct patch){ pos, ins, *head };
	*head = (int32_t)c->npatch++;
}

static void resolve_patches(struct cc *c, int32_t head, uint32_t target)
{
	for (int32_t i = head; i >= 0; i = c->patches[i].next)
		c->code[c->patches[i].pos] = (uint32_t)((int32_t)target - (int32_t)c->patches[i].ins);
}

/* ---- constants ------------------------------------------------------------------------- */

static uint32_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (uint32_t)v;
}

static int const_index(struct cc *c, uint64_t bits, uint32_t *out)
{
	if (c->nconsts * 2 + 2 > c->chcap) {
		uint32_t ncap = c->chcap ? c->chcap * 2 : 64;
		if (charge_temp(c, (uint64_t)ncap * sizeof(uint32_t)))
			return c->rc;
		uint32_t *nh = calloc(ncap, sizeof *nh);
		if (!nh)
			return fail(c, -ENOMEM, "out of memory");
		for (uint32_t i = 0; i < c->nconsts; i++) {
			uint32_t h = hash64(c->consts[i]) & (ncap - 1);
			while (nh[h])
				h = (h + 1) & (ncap - 1);
			nh[h] = i + 1;
		}
		free(c->chash);
		c->chash = nh;
		c->chcap = ncap;
	}
	uint32_t h = hash64(bits) & (c->chcap - 1);
	while (c->chash[h]) {
		if (c->consts[c->chash[h] - 1] == bits) {
			*out = c->chash[h] - 1;
			return 0;
		}
		h = (h + 1) & (c->chcap - 1);
	}
	CHECK(grow(c, (void **)&c->consts, &c->constcap, c->nconsts + 1, sizeof(uint64_t)));
	c->consts[c->nconsts] = bits;
	c->chash[h] = c->nconsts + 1;
	*out = c->nconsts++;
	return 0;
}

/* ---- operand stack ----------------------------------------------------------------------- */

/* Counts validation work (operand pushes and pops, values type-checked in place): work that
 * emits nothing (e.g. branches in unreachable code carrying many values) is bounded like the
 * code that is emitted. */
static int work_n(struct cc *c, uint64_t n)
{
	uint64_t before = c->work;
	c->work += n;
	if ((before ^ c->work) >> 16 && c->m->load_irq && xwasm_interrupt_pending(c->m->load_irq))
		return fail(c, -EINTR, "loading interrupted");
	if (c->work <= c->work_limit)
		return 0;
	return fail(c, -ENOTSUP, "module too costly to validate (more than %u operand checks per byte of code)",
		    WORK_PER_BYTE);
}
static int work(struct cc *c) { return work_n(c, 1); }

static int push(struct cc *c, uint8_t type, uint8_t kind, uint32_t idx)
{
	CHECK(work(c));
	CHECK(grow(c, (void **)&c->stack, &c->scap, c->sp + 1, sizeof(struct opd)));
	uint32_t pos = pos_at(c, c->sp);
	c->stack[c->sp++] = (struct opd){ type, kind, idx, pos, 0 };
	if (reads_local(kind)) {
		c->lazy_refs[idx]++;
		c->lazy_total++;
	}
	if (pos + xw_type_slots(type) > c->max_h)
		c->max_h = pos + xw_type_slots(type);
	return 0;
}

static struct ctl *top_ctl(struct cc *c) { return &c->ctl[c->nctl - 1]; }

/* Pops one operand of type `want` (0 = any); *out receives it and *h its height. A K_ADDK
 * stays one: for the consumers that take an address as base + immediate. */
static int pop_keep(struct cc *c, uint8_t want, struct opd *out, uint32_t *h)
{
	CHECK(work(c));
	struct ctl *f = top_ctl(c);
	if (c->sp == f->height) {
		if (f->unreachable) {
			*out = (struct opd){ T_UNKNOWN, K_STACK, 0, pos_at(c, c->sp), 0 };
			*h = c->sp;
			return 0;
		}
		FAIL("type mismatch: expected %s but nothing on the stack", want ? xwasm_valtype_str(want) : "a value");
	}
	*out = c->stack[--c->sp];
	if (reads_local(out->kind)) {
		c->lazy_refs[out->idx]--;
		c->lazy_total--;
	}
	*h = c->sp;
	if (want && out->type != T_UNKNOWN && out->type != want)
		FAIL("type mismatch: expected %s, got %s", xwasm_valtype_str(want), xwasm_valtype_str(out->type));
	return 0;
}

/* Pops as pop_keep, computing a K_ADDK into its stack slot first (emitted now, before the
 * consumer, and marked as the last result so a following local.set can take it over). */
static int pop(struct cc *c, uint8_t want, struct opd *out, uint32_t *h)
{
	CHECK(pop_keep(c, want, out, h));
	if (out->kind == K_ADDK) {
		if (c->live) {
			emit_move(c, SH(c, *h), out, *h);
			c->last_dst = c->last_ins + 1;
			c->last_dst_h = *h;
		}
		out->kind = K_STACK;
		out->idx = 0;
	}
	return 0;
}

static void materialize(struct cc *c, uint32_t h)
{
	struct opd *o = &c->stack[h];
	if (o->kind == K_STACK)
		return;
	if (c->live)
		emit_move(c, SH(c, h), o, h);
	if (reads_local(o->kind)) {
		c->lazy_refs[o->idx]--;
		c->lazy_total--;
	}
	o->kind = K_STACK;
	o->idx = 0;
}

static void materialize_range(struct cc *c, uint32_t from, uint32_t to)
{
	for (uint32_t h = from; h < to; h++)
		materialize(c, h);
}

/* Before local x is written: stacked reads of x must keep the old value. */
static void materialize_local(struct cc *c, uint32_t x)
{
	for (uint32_t h = c->sp; h-- > 0 && c->lazy_refs[x] > 0;)
		if (reads_local(c->stack[h].kind) && c->stack[h].idx == x)
			materialize(c, h);
}

static bool local_on_stack(struct cc *c, uint32_t x)
{
	return c->lazy_refs[x] > 0;
}

/* Materializes every lazy local read on the stack (searching from the top, stopping when
 * none is left, so repeated calls stay cheap). */
static void materialize_all_locals(struct cc *c)
{
	for (uint32_t h = c->sp; h-- > 0 && c->lazy_total > 0;)
		if (reads_local(c->stack[h].kind))
			materialize(c, h);
}

/* Drops operands above height h (without popping them one by one). */
static void truncate_stack(struct cc *c, uint32_t h)
{
	while (c->sp > h) {
		struct opd *o = &c->stack[--c->sp];
		if (reads_local(o->kind)) {
			c->lazy_refs[o->idx]--;
			c->lazy_total--;
		}
	}
}

/* Pushes the result of the instruction just emitted, whose dst word is at code[dst_pos]. */
static int push_result(struct cc *c, uint8_t type, uint32_t dst_pos)
{
	uint32_t h = c->sp;
	CHECK(push(c, type, K_STACK, 0));
	if (c->live) {
		c->last_dst = dst_pos;
		c->last_dst_h = h;
	}
	return 0;
}

/* ---- control frames -------------------------------------------------------------------- */

static int push_ctl(struct cc *c, uint8_t kind, uint32_t np, const uint8_t *params, uint32_t nr,
		    const uint8_t *results)
{
	CHECK(grow(c, (void **)&c->ctl, &c->ccap, c->nctl + 1, sizeof(struct ctl)));
	struct ctl *f = &c->ctl[c->nctl++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->nparams = np;
	f->params = params;
	f->nresults = nr;
	f->results = results;
	f->height = c->sp - np;
	f->live_entry = c->live;
	f->patches = -1;
	f->else_patch = -1;
	f->fuel_patches = -1;
	f->ninstr_start = c->ninstr;
	return 0;
}

static uint32_t label_arity(const struct ctl *f) { return f->kind == 0x03 ? f->nparams : f->nresults; }
static const uint8_t *label_types(const struct ctl *f) { return f->kind == 0x03 ? f->params : f->results; }

/* Checks that the top of the stack holds `n` values of `types` (without popping). */
static int check_top(struct cc *c, uint32_t n, const uint8_t *types)
{
	CHECK(work_n(c, n));
	struct ctl *f = top_ctl(c);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t want = types[n - 1 - i];
		if (c->sp < f->height + i + 1) {
			if (f->unreachable)
				continue;
			FAIL("type mismatch: expected %u value(s) on the stack", n);
		}
		uint8_t got = c->stack[c->sp - 1 - i].type;
		if (got != T_UNKNOWN && got != want)
			FAIL("type mismatch: expected %s, got %s", xwasm_valtype_str(want), xwasm_valtype_str(got));
	}
	return 0;
}

/* Pops n values of types (for label/results checks) — handles the polymorphic bottom. */
static int pop_types(struct cc *c, uint32_t n, const uint8_t *types)
{
	struct opd o;
	uint32_t h;
	for (uint32_t i = n; i-- > 0;)
		CHECK(pop(c, types[i], &o, &h));
	return 0;
}

/* Emits copies moving the top n stack values into the label slots of frame f. */
static void emit_branch_copies(struct cc *c, const struct ctl *f, uint32_t n)
{
	if (!c->live)
		return;
	uint32_t src_h = c->sp - n, dst = pos_at(c, f->height);
	for (uint32_t i = 0; i < n; i++) {
		struct opd *o = &c->stack[src_h + i];
		if (!(o->kind == K_STACK && o->pos == dst))
			emit_move(c, TAG_STACK | dst, o, src_h + i);
		dst += xw_type_slots(o->type);
	}
}

static bool branch_needs_copies(struct cc *c, const struct ctl *f, uint32_t n)
{
	uint32_t src_h = c->sp - n, dst = pos_at(c, f->height);
	for (uint32_t i = 0; i < n; i++) {
		struct opd *o = &c->stack[src_h + i];
		if (o->kind != K_STACK || o->pos != dst)
			return true;
		dst += xw_type_slots(o->type);
	}
	return false;
}

/* Branch op for a target frame: loops take the _L form, which charges fuel. */
static enum xw_op branch_op(const struct ctl *f, enum xw_op op)
{
	if (f->kind != 0x03)
		return op;
	if (op == XW_OP_BR)
		return XW_OP_BR_L;
	if (op == XW_OP_BR_IF || op == XW_OP_BR_UNLESS)
		return op - XW_OP_BR_IF + XW_OP_BR_IF_L;
	if (op >= XW_OP_BR_I32_EQ_I && op <= XW_OP_BR_I32_GE_U_I)
		return op - XW_OP_BR_I32_EQ_I + XW_OP_BR_I32_EQ_I_L;
	return op - XW_OP_BR_I32_EQ + XW_OP_BR_I32_EQ_L;
}

/* Emits the target operand(s) of a branch instruction at `ins` to frame f: the offset and,
 * for loops, the fuel cost (patched when the loop ends). */
static void emit_target(struct cc *c, struct ctl *f, uint32_t ins)
{
	uint32_t pos = c->ncode;
	if (f->kind == 0x03) {
		emit_word(c, (uint32_t)((int32_t)f->start_pc - (int32_t)ins));
		emit_word(c, 1);
		add_patch(c, &f->fuel_patches, pos + 1, 0);
	} else {
		emit_word(c, 0);
		add_patch(c, &f->patches, pos, ins);
		f->branched = true;
	}
}

/* Emits an unconditional jump to frame f's label. */
static void emit_jump(struct cc *c, struct ctl *f)
{
	if (!c->live)
		return;
	uint32_t ins = c->ncode;
	emit_op(c, branch_op(f, XW_OP_BR));
	emit_target(c, f, ins);
}

static void set_unreachable(struct cc *c)
{
	struct ctl *f = top_ctl(c);
	truncate_stack(c, f->height);
	f->unreachable = true;
	c->live = false;
}

/* Moves the function results into fp[0..n) and returns. */
static void emit_return(struct cc *c)
{
	if (!c->live)
		return;
	uint32_t n = c->ft->nresults;
	uint32_t src_h = c->sp - n;
	if (n > 1)
		materialize_range(c, src_h, c->sp);
	for (uint32_t i = 0, rpos = 0; i < n; rpos += xw_type_slots(c->ft->results[i]), i++) {
		struct opd *o = &c->stack[src_h + i];
		if (o->kind == K_LOCAL && c->lpos[o->idx] == rpos)
			continue; /* already in place */
		if (n == 1 && o->kind == K_STACK && c->last_dst >= 0 && c->last_dst_h == src_h) {
			c->code[c->last_dst] = 0; /* the producer writes the result slot */
			continue;
		}
		emit_move(c, rpos, o, src_h + i);
	}
	/* the instruction just before (no label between) becomes its _RET form */
	static const struct { enum xw_op op, ret; uint32_t words; } fused[] = {
		{ XW_OP_COPY, XW_OP_COPY_RET, 3 },
		{ XW_OP_I32_ADD, XW_OP_I32_ADD_RET, 4 },
		{ XW_OP_I32_ADD_I, XW_OP_I32_ADD_I_RET, 4 },
	};
	if (c->last_ins != UINT32_MAX && !c->rc)
		for (size_t i = 0; i < sizeof fused / sizeof fused[0]; i++)
			if (c->last_ins + fused[i].words == c->ncode &&
			    c->code[c->last_ins] == (uint32_t)c->handlers[fused[i].op]) {
				c->code[c->last_ins] = (uint32_t)c->handlers[fused[i].ret];
				c->last_dst = -1;
				return;
			}
	emit_op(c, XW_OP_RETURN);
}

/* ---- immediates ------------------------------------------------------------------------ */

static int rd_u32(struct cc *c, uint32_t *v)
{
	if (xw_read_u32(&c->p, c->end, v))
		MALFORMED("integer (LEB128 u32) or unexpected end");
	return 0;
}

static int rd_u8(struct cc *c, uint8_t *v)
{
	if (xw_read_u8(&c->p, c->end, v))
		MALFORMED("instruction: unexpected end");
	return 0;
}

static int rd_zero_byte(struct cc *c)
{
	uint8_t b;
	CHECK(rd_u8(c, &b));
	if (b != 0)
		MALFORMED("instruction: zero byte expected");
	return 0;
}

static int rd_blocktype(struct cc *c, uint32_t *np, const uint8_t **params,
			uint32_t *nr, const uint8_t **results)
{
	if (c->p >= c->end)
		MALFORMED("block type: unexpected end");
	uint8_t b = *c->p;
	if (b == 0x40) {
		c->p++;
		*np = *nr = 0;
		*params = *results = NULL;
		return 0;
	}
	if (xw_is_numtype(b) || xw_is_reftype(b) || b == XWASM_V128 ||
	    (b == XWASM_EXNREF && xw_feature(c->m, XWASM_FEATURE_EXCEPTIONS))) {
		c->p++;
		*np = 0;
		*params = NULL;
		*nr = 1;
		*results = &single_types[b];
		return 0;
	}
	int64_t idx;
	if (xw_read_s33(&c->p, c->end, &idx))
		MALFORMED("block type");
	if (idx < 0 || (uint64_t)idx >= c->m->ntypes)
		FAIL("unknown type %lld", (long long)idx);
	const xw_functype *t = &c->m->types[idx];
	*np = t->nparams;
	*params = t->params;
	*nr = t->nresults;
	*results = t->results;
	return 0;
}

/* memarg: alignment, then (multi-memory, alignment bit 6 set) a memory index, then offset
 * (a u64 for a 64-bit memory: memory64). */
static int rd_memarg_x(struct cc *c, uint32_t natural, bool atomic, uint64_t *offset, uint32_t *mem);
static int rd_memarg(struct cc *c, uint32_t natural, uint64_t *offset, uint32_t *mem)
{
	return rd_memarg_x(c, natural, false, offset, mem);
}

/* atomic (threads): the alignment must be exactly the natural one */
static int rd_memarg_x(struct cc *c, uint32_t natural, bool atomic, uint64_t *offset, uint32_t *mem)
{
	uint32_t align, off32;
	CHECK(rd_u32(c, &align));
	*mem = 0;
	if ((align & 0x40) && align < 0x80 && xw_feature(c->m, XWASM_FEATURE_MULTI_MEMORY)) {
		align -= 0x40;
		CHECK(rd_u32(c, mem));
	}
	if (*mem < c->m->nmems && c->m->mems[*mem].is64) {
		if (xw_read_u64(&c->p, c->end, offset))
			MALFORMED("integer (LEB128 u64) or unexpected end");
	} else {
		CHECK(rd_u32(c, &off32));
		*offset = off32;
	}
	if (*mem >= c->m->nmems)
		FAIL("unknown memory %u", *mem);
	if (atomic && align != natural)
		FAIL("atomic alignment must be natural");
	if (align > natural)
		FAIL("alignment must not be larger than natural");
	return 0;
}

/* The memory index of memory.size/grow/fill/copy/init: a zero byte in 2.0, a u32 with
 * multi-memory (checked against the memories by the caller, once all are read). */
static int rd_memidx(struct cc *c, uint32_t *mem)
{
	*mem = 0;
	if (xw_feature(c->m, XWASM_FEATURE_MULTI_MEMORY))
		return rd_u32(c, mem);
	return rd_zero_byte(c);
}

/* ---- instruction groups ------------------------------------------------------------------ */

static int op_unary(struct cc *c, enum xw_op op, uint8_t tin, uint8_t tout)
{
	struct opd a;
	uint32_t h;
	CHECK(pop(c, tin, &a, &h));
	uint32_t dpos = 0;
	if (c->live) {
		emit_op(c, op);
		dpos = c->ncode;
		emit_slot(c, SH(c, h));
		emit_slot(c, slot_of(c, &a, h));
	}
	return push_result(c, tout, dpos);
}

/* Position of op among f64 add, sub, mul, div, or -1. */
static int f64_arith_index(int op)
{
	return op >= XW_OP_F64_ADD && op <= XW_OP_F64_DIV ? op - XW_OP_F64_ADD : -1;
}

/* Which operand of a binary op is the value the instruction emitted just before produced: 0
 * the left (a), 1 the right (b), -1 neither (or no such instruction). *other and *ho get the
 * other operand and its height. */
static int prev_result_side(const struct cc *c, struct opd *a, uint32_t ha, struct opd *b,
			    uint32_t hb, struct opd **other, uint32_t *ho)
{
	if (c->last_dst < 0 || c->last_ins == UINT32_MAX)
		return -1;
	if (a->kind == K_STACK && c->last_dst_h == ha) {
		*other = b, *ho = hb;
		return 0;
	}
	if (b->kind == K_STACK && c->last_dst_h == hb) {
		*other = a, *ho = ha;
		return 1;
	}
	return -1;
}

/* f64 arithmetic whose operand at height h is the result of the f64 arithmetic op emitted
 * just before: both become one fused op. Returns true when emitted (dst word at *dpos). */
static bool fuse_f64_pair(struct cc *c, enum xw_op op, struct opd *a, uint32_t ha,
			  struct opd *b, uint32_t hb, uint32_t *dpos)
{
	int ib = f64_arith_index(op);
	struct opd *other;
	uint32_t ho;
	int side = ib < 0 ? -1 : prev_result_side(c, a, ha, b, hb, &other, &ho);
	if (side < 0) /* 0: the temp is the left operand */
		return false;
	int ia = -1;
	for (int o = XW_OP_F64_ADD; o <= XW_OP_F64_DIV; o++)
		if (c->code[c->last_ins] == (uint32_t)c->handlers[o])
			ia = o - XW_OP_F64_ADD;
	if (ia < 0)
		return false;
	uint32_t x = c->code[c->last_ins + 2], y = c->code[c->last_ins + 3];
	rewind_code(c, c->last_ins);
	emit_op(c, (enum xw_op)(XW_OP_F64_ADD_ADD_L + (ia * 4 + ib) * 2 + side));
	*dpos = c->ncode;
	emit_slot(c, SH(c, ha));
	emit_slot(c, x);
	emit_slot(c, y);
	emit_slot(c, slot_of(c, other, ho));
	return true;
}

/* If the instruction emitted last is an i32 compare of two slots (I32_EQ..I32_GE_U) or of a
 * slot and an immediate (the _I forms), removes it and gives its relation (0..9, in that
 * order), whether b is a slot (reg) or the immediate, and its operand words a and b. */
static bool take_i32_compare(struct cc *c, int *rel, bool *reg, uint32_t *a, uint32_t *b)
{
	uint32_t hw = c->code[c->last_ins];
	for (int i = 0; i <= XW_OP_I32_GE_U - XW_OP_I32_EQ; i++) {
		*reg = hw == (uint32_t)c->handlers[XW_OP_I32_EQ + i];
		if (!*reg && hw != (uint32_t)c->handlers[XW_OP_I32_EQ_I + i])
			continue;
		*rel = i;
		*a = c->code[c->last_ins + 2];
		*b = c->code[c->last_ins + 3];
		rewind_code(c, c->last_ins);
		return true;
	}
	return false;
}

/* Emits an operand word: a slot (fixed up later when tagged) or an immediate. */
static void emit_operand(struct cc *c, uint32_t w, bool slot)
{
	if (slot)
		emit_slot(c, w);
	else
		emit_word(c, w);
}

/* f64 arithmetic one of whose operands is the value an f64.load (I64_LOAD or I64_LOAD_AI, on
 * memory 0) emitted just before put on the stack: both become F64_<A>_LD[I]_<side>, the
 * loaded value never written to the frame. Returns true when emitted (dst word at *dpos). */
static bool fuse_f64_load(struct cc *c, enum xw_op op, struct opd *a, uint32_t ha,
			  struct opd *b, uint32_t hb, uint32_t *dpos)
{
	int ia = f64_arith_index(op);
	struct opd *other;
	uint32_t ho;
	int side = ia < 0 ? -1 : prev_result_side(c, a, ha, b, hb, &other, &ho);
	if (side < 0) /* 0: the loaded value is the left operand */
		return false;
	uint32_t hw = c->code[c->last_ins];
	bool ai = hw == (uint32_t)c->handlers[XW_OP_I64_LOAD_AI];
	if (!ai && hw != (uint32_t)c->handlers[XW_OP_I64_LOAD])
		return false;
	/* [d base off] or [d base imm off] */
	uint32_t base = c->code[c->last_ins + 2], w3 = c->code[c->last_ins + 3];
	uint32_t w4 = ai ? c->code[c->last_ins + 4] : 0;
	rewind_code(c, c->last_ins);
	emit_op(c, (enum xw_op)(XW_OP_F64_ADD_LD_L + ia * 4 + (ai ? 2 : 0) + side));
	*dpos = c->ncode;
	emit_slot(c, SH(c, ha < hb ? ha : hb));
	emit_slot(c, base);
	emit_word(c, w3);
	if (ai)
		emit_word(c, w4);
	emit_slot(c, slot_of(c, other, ho));
	return true;
}

/* i32.add whose operand at height h is the result of the instruction emitted just before,
 * when that was an i32.mul by a constant and the add's other operand a constant (x * k1 + k2),
 * an i32.shl by a constant (o + (x << k)) or an i32 compare (o + (a CMP b)): both become one
 * fused op, the intermediate never written. Returns true when emitted (dst word at *dpos). */
static bool fuse_i32_pair(struct cc *c, enum xw_op op, struct opd *a, uint32_t ha,
			  struct opd *b, uint32_t hb, uint32_t *dpos)
{
	struct opd *other; /* the operand that is not the previous result */
	uint32_t ho;
	if (op != XW_OP_I32_ADD || prev_result_side(c, a, ha, b, hb, &other, &ho) < 0)
		return false;
	int rel;
	bool reg;
	uint32_t ca, cb;
	if (take_i32_compare(c, &rel, &reg, &ca, &cb)) { /* o + (ca CMP cb) */
		emit_op(c, (enum xw_op)((reg ? XW_OP_ADD_I32_EQ : XW_OP_ADD_I32_EQ_I) + rel));
		*dpos = c->ncode;
		emit_slot(c, SH(c, ha < hb ? ha : hb));
		emit_slot(c, ca);
		emit_operand(c, cb, reg);
		emit_slot(c, slot_of(c, other, ho));
		return true;
	}
	uint32_t prev = c->code[c->last_ins];
	bool mul = prev == (uint32_t)c->handlers[XW_OP_I32_MUL_I] && other->kind == K_CONST;
	if (!mul && prev != (uint32_t)c->handlers[XW_OP_I32_SHL_I])
		return false;
	/* both are [d x k]: their operands are there */
	uint32_t x = c->code[c->last_ins + 2], k = c->code[c->last_ins + 3];
	if (mul) {
		rewind_code(c, c->last_ins);
		emit_op(c, XW_OP_I32_MUL_ADD_II);
		*dpos = c->ncode;
		emit_slot(c, SH(c, ha < hb ? ha : hb));
		emit_slot(c, x);
		emit_word(c, k);
		emit_word(c, (uint32_t)other->val);
		return true;
	}
	rewind_code(c, c->last_ins);
	emit_op(c, XW_OP_I32_SHL_ADD_I);
	*dpos = c->ncode;
	emit_slot(c, SH(c, ha < hb ? ha : hb));
	emit_slot(c, x);
	emit_word(c, k);
	emit_slot(c, slot_of(c, other, ho));
	return true;
}

/* select whose condition the i32 compare emitted just before computed (the caller checked):
 * the compare is replaced by SEL_I32_<cmp>[_I] d, x, y, a, b|imm. False if it is no such
 * compare (i32.eqz, i64 and float compares stay separate). */
static bool emit_select_cmp(struct cc *c, struct opd *x, uint32_t hx, struct opd *y, uint32_t hy,
			    uint32_t *dpos)
{
	int rel;
	bool reg;
	uint32_t a, b;
	if (!take_i32_compare(c, &rel, &reg, &a, &b))
		return false;
	emit_op(c, (enum xw_op)((reg ? XW_OP_SEL_I32_EQ : XW_OP_SEL_I32_EQ_I) + rel));
	*dpos = c->ncode;
	emit_slot(c, SH(c, hx));
	emit_slot(c, slot_of(c, x, hx));
	emit_slot(c, slot_of(c, y, hy));
	emit_slot(c, a);
	emit_operand(c, b, reg);
	return true;
}

/* The immediate-operand form of an i32 binary op, or -1. */
static int imm_form(enum xw_op op)
{
	if (op >= XW_OP_I32_EQ && op <= XW_OP_I32_GE_U)
		return op - XW_OP_I32_EQ + XW_OP_I32_EQ_I;
	if (op >= XW_OP_I32_ADD && op <= XW_OP_I32_MUL)
		return op - XW_OP_I32_ADD + XW_OP_I32_ADD_I;
	if (op >= XW_OP_I32_AND && op <= XW_OP_I32_ROTR)
		return op - XW_OP_I32_AND + XW_OP_I32_AND_I;
	return -1;
}

/* The op computing the same with its operands swapped, or -1. */
static int swapped_form(enum xw_op op)
{
	switch (op) {
	case XW_OP_I32_EQ: case XW_OP_I32_NE: case XW_OP_I32_ADD: case XW_OP_I32_MUL:
	case XW_OP_I32_AND: case XW_OP_I32_OR: case XW_OP_I32_XOR:
		return op;
	case XW_OP_I32_LT_S: return XW_OP_I32_GT_S;
	case XW_OP_I32_GT_S: return XW_OP_I32_LT_S;
	case XW_OP_I32_LT_U: return XW_OP_I32_GT_U;
	case XW_OP_I32_GT_U: return XW_OP_I32_LT_U;
	case XW_OP_I32_LE_S: return XW_OP_I32_GE_S;
	case XW_OP_I32_GE_S: return XW_OP_I32_LE_S;
	case XW_OP_I32_LE_U: return XW_OP_I32_GE_U;
	case XW_OP_I32_GE_U: return XW_OP_I32_LE_U;
	default: return -1;
	}
}

/* i32 op with a constant operand: emitted with the constant as an immediate word. */
static bool emit_imm_binary(struct cc *c, enum xw_op op, struct opd *a, uint32_t ha, struct opd *b,
			    uint32_t hb, uint32_t *dpos)
{
	if (a->kind == K_CONST && b->kind != K_CONST && swapped_form(op) >= 0) {
		struct opd *t = a;
		a = b;
		b = t;
		uint32_t th = ha;
		ha = hb;
		hb = th;
		op = (enum xw_op)swapped_form(op);
	}
	int iop = imm_form(op);
	if (b->kind != K_CONST || iop < 0)
		return false;
	uint32_t dst_h = ha < hb ? ha : hb;
	emit_op(c, (enum xw_op)iop);
	*dpos = c->ncode;
	emit_slot(c, SH(c, dst_h));
	emit_slot(c, slot_of(c, a, ha));
	emit_word(c, (uint32_t)b->val);
	return true;
}

static int op_binary(struct cc *c, enum xw_op op, uint8_t tin, uint8_t tout)
{
	struct opd a, b;
	uint32_t ha, hb;
	CHECK(pop(c, tin, &b, &hb));
	CHECK(pop(c, tin, &a, &ha));
	if (op == XW_OP_I32_ADD && c->live && a.type == XWASM_I32 && b.type == XWASM_I32 &&
	    ((a.kind == K_LOCAL && b.kind == K_CONST) || (a.kind == K_CONST && b.kind == K_LOCAL))) {
		/* local + constant: left for the consumer (a memory access takes it as base + imm) */
		struct opd *l = a.kind == K_LOCAL ? &a : &b, *k = a.kind == K_LOCAL ? &b : &a;
		uint32_t lidx = l->idx;
		uint64_t kval = (uint32_t)k->val;
		CHECK(push(c, XWASM_I32, K_ADDK, lidx));
		c->stack[c->sp - 1].val = kval;
		return 0;
	}
	uint32_t dpos = 0;
	if (c->live && fuse_f64_pair(c, op, &a, ha, &b, hb, &dpos)) {
		/* fused */
	} else if (c->live && tin == XWASM_F64 && fuse_f64_load(c, op, &a, ha, &b, hb, &dpos)) {
		/* fused with the load before */
	} else if (c->live && tin == XWASM_I32 && fuse_i32_pair(c, op, &a, ha, &b, hb, &dpos)) {
		/* fused with the instruction before */
	} else if (c->live && tin == XWASM_I32 && emit_imm_binary(c, op, &a, ha, &b, hb, &dpos)) {
		/* immediate form */
	} else if (c->live) {
		emit_op(c, op);
		dpos = c->ncode;
		emit_slot(c, SH(c, ha));
		emit_slot(c, slot_of(c, &a, ha));
		emit_slot(c, slot_of(c, &b, hb));
	}
	return push_result(c, tout, dpos);
}

/* If the address operand at height h is a local plus a constant not yet added (K_ADDK), or
 * was just produced by an i32.add (which is then removed; with imm_only, only an i32.add of a
 * constant), returns the add's two operand words: the memory op computes the address itself. */
static bool take_address_add(struct cc *c, const struct opd *a, uint32_t h, bool imm_only,
			     uint32_t *base, uint32_t *k, bool *imm)
{
	if (c->live && a->kind == K_ADDK) {
		*imm = true;
		*base = c->lpos[a->idx];
		*k = (uint32_t)a->val;
		return true;
	}
	if (!c->live || a->kind != K_STACK || c->last_dst < 0 || c->last_dst_h != h ||
	    c->last_ins == UINT32_MAX)
		return false;
	uint32_t hw = c->code[c->last_ins];
	*imm = hw == (uint32_t)c->handlers[XW_OP_I32_ADD_I];
	if (!*imm && (imm_only || hw != (uint32_t)c->handlers[XW_OP_I32_ADD]))
		return false;
	*base = c->code[c->last_ins + 2];
	*k = c->code[c->last_ins + 3];
	rewind_code(c, c->last_ins);
	return true;
}

static int op_load_m(struct cc *c, enum xw_op op, uint32_t mem, uint32_t off, uint8_t tout);
static int op_store_m(struct cc *c, enum xw_op op, uint32_t mem, uint32_t off, uint8_t tval);

static int op_load(struct cc *c, enum xw_op op, uint32_t natural, uint8_t tout)
{
	uint64_t off;
	uint32_t mem;
	CHECK(rd_memarg(c, natural, &off, &mem));
	if (c->m->mems[mem].is64)
		return xw_compile_mem64_load(c, op, mem, off, tout);
	if (mem)
		return op_load_m(c, op, mem, (uint32_t)off, tout);
	struct opd a;
	uint32_t h;
	CHECK(pop_keep(c, XWASM_I32, &a, &h));
	uint32_t dpos = 0, base, k;
	bool imm;
	if (take_address_add(c, &a, h, false, &base, &k, &imm)) {
		emit_op(c, op - XW_OP_I32_LOAD + (imm ? XW_OP_I32_LOAD_AI : XW_OP_I32_LOAD_A));
		dpos = c->ncode;
		emit_slot(c, SH(c, h));
		emit_slot(c, base);
		emit_operand(c, k, !imm);
		emit_word(c, (uint32_t)off);
	} else if (c->live) {
		emit_op(c, op);
		dpos = c->ncode;
		emit_slot(c, SH(c, h));
		emit_slot(c, slot_of(c, &a, h));
		emit_word(c, (uint32_t)off);
	}
	return push_result(c, tout, dpos);
}

static int op_store(struct cc *c, enum xw_op op, uint32_t natural, uint8_t tval)
{
	uint64_t off;
	uint32_t mem;
	CHECK(rd_memarg(c, natural, &off, &mem));
	if (c->m->mems[mem].is64)
		return xw_compile_mem64_store(c, op, mem, off, tval);
	if (mem)
		return op_store_m(c, op, mem, (uint32_t)off, tval);
	struct opd a, v;
	uint32_t ha, hv;
	CHECK(pop(c, tval, &v, &hv));
	CHECK(pop_keep(c, XWASM_I32, &a, &ha));
	/* i32.store8 of a value an i32.shr_u by a constant just computed: STORE8_SHR[_A|_AI] */
	uint32_t sx = 0, sk = 0;
	bool shr = op == XW_OP_STORE8 && c->live && v.kind == K_STACK && c->last_dst >= 0 &&
		   c->last_dst_h == hv && c->last_ins != UINT32_MAX &&
		   c->code[c->last_ins] == (uint32_t)c->handlers[XW_OP_I32_SHR_U_I];
	if (shr) {
		sx = c->code[c->last_ins + 2];
		sk = c->code[c->last_ins + 3];
		rewind_code(c, c->last_ins);
	}
	uint32_t base, k;
	bool imm;
	bool add = take_address_add(c, &a, ha, false, &base, &k, &imm);
	if (shr) {
		emit_op(c, !add ? XW_OP_STORE8_SHR : imm ? XW_OP_STORE8_SHR_AI : XW_OP_STORE8_SHR_A);
		emit_slot(c, add ? base : slot_of(c, &a, ha));
		if (add)
			emit_operand(c, k, !imm);
		emit_slot(c, sx);
		emit_word(c, sk);
		emit_word(c, (uint32_t)off);
	} else if (add) {
		emit_op(c, op - XW_OP_I32_STORE + (imm ? XW_OP_I32_STORE_AI : XW_OP_I32_STORE_A));
		emit_slot(c, base);
		emit_operand(c, k, !imm);
		emit_slot(c, slot_of(c, &v, hv));
		emit_word(c, (uint32_t)off);
	} else if (c->live) {
		emit_op(c, op);
		emit_slot(c, slot_of(c, &a, ha));
		emit_slot(c, slot_of(c, &v, hv));
		emit_word(c, (uint32_t)off);
	}
	return 0;
}

/* ---- multi-memory: accesses to memories other than 0 take generic ops (memory 0 keeps the
 * fused and immediate forms above) ---- */

/* A load from memory `mem`: LOAD_M d, addr, offset, mem, kind (the plain load op). */
static int op_load_m(struct cc *c, enum xw_op op, uint32_t mem, uint32_t off, uint8_t tout)
{
	struct opd a;
	uint32_t h, dpos = 0;
	CHECK(pop(c, XWASM_I32, &a, &h));
	if (c->live) {
		emit_op(c, XW_OP_LOAD_M);
		dpos = c->ncode;
		emit_slot(c, SH(c, h));
		emit_slot(c, slot_of(c, &a, h));
		emit_word(c, off);
		emit_word(c, mem);
		emit_word(c, (uint32_t)op);
	}
	return push_result(c, tout, dpos);
}

/* A store to memory `mem`: STORE_M addr, value, offset, mem, kind (the plain store op). */
static int op_store_m(struct cc *c, enum xw_op op, uint32_t mem, uint32_t off, uint8_t tval)
{
	struct opd a, v;
	uint32_t ha, hv;
	CHECK(pop(c, tval, &v, &hv));
	CHECK(pop(c, XWASM_I32, &a, &ha));
	if (c->live) {
		emit_op(c, XW_OP_STORE_M);
		emit_slot(c, slot_of(c, &a, ha));
		emit_slot(c, slot_of(c, &v, hv));
		emit_word(c, off);
		emit_word(c, mem);
		emit_word(c, (uint32_t)op);
	}
	return 0;
}

/* memory.grow on memory `mem`: MEMORY_GROW_M d, delta, mem. */
static int op_memory_grow_m(struct cc *c, uint32_t mem)
{
	struct opd a;
	uint32_t h, dpos = 0;
	CHECK(pop(c, XWASM_I32, &a, &h));
	if (c->live) {
		emit_op(c, XW_OP_MEMORY_GROW_M);
		dpos = c->ncode;
		emit_slot(c, SH(c, h));
		emit_slot(c, slot_of(c, &a, h));
		emit_word(c, mem);
	}
	return push_result(c, XWASM_I32, dpos);
}

static int op_const(struct cc *c, uint8_t type, uint64_t bits)
{
	CHECK(push(c, type, K_CONST, NO_SLOT));
	c->stack[c->sp - 1].val = bits;
	return 0;
}

static void fused_target(struct cc *c, struct ctl *target, int32_t *patch_head, uint32_t ins)
{
	if (target) {
		emit_target(c, target, ins);
	} else {
		add_patch(c, patch_head, c->ncode, ins);
		emit_word(c, 0);
	}
}

/* A loop's counter step and test: the i32 compare at `ins` (relation rel, 1..10 as EQ..GE_U;
 * b a slot or, with imm, an immediate) branches back to loop `target`, and the instruction
 * just before it is an i32.add (register or immediate) writing the compare's left operand a.
 * Both become one ADD[I]_BR_I32_<rel>[_I]_L: true when emitted. */
static bool fuse_step_backedge(struct cc *c, uint32_t ins, int rel, bool imm, uint32_t a,
			       uint32_t b, struct ctl *target)
{
	uint32_t p = c->prev_ins;
	if (!target || target->kind != 0x03 || p == UINT32_MAX || p + 4 != ins)
		return false;
	bool addi = c->code[p] == (uint32_t)c->handlers[XW_OP_I32_ADD_I];
	if ((!addi && c->code[p] != (uint32_t)c->handlers[XW_OP_I32_ADD]) || c->code[p + 1] != a)
		return false;
	uint32_t x = c->code[p + 2], y = c->code[p + 3];
	rewind_code(c, p);
	enum xw_op base = addi ? (imm ? XW_OP_ADDI_BR_I32_EQ_I_L : XW_OP_ADDI_BR_I32_EQ_L)
			       : (imm ? XW_OP_ADD_BR_I32_EQ_I_L : XW_OP_ADD_BR_I32_EQ_L);
	emit_op(c, (enum xw_op)(base + rel - 1));
	emit_slot(c, a);
	emit_slot(c, x);
	emit_operand(c, y, !addi);
	emit_operand(c, b, !imm);
	emit_target(c, target, p);
	return true;
}

/* Fuses a just-emitted integer comparison producing the condition into a branch.
 * Returns true when fused (the compare was removed and a BR_<cmp> emitted without target). */
static bool fuse_compare(struct cc *c, uint32_t cond_h, bool invert, struct ctl *target,
			 int32_t *patch_head)
{
	if (c->last_dst < 0 || c->last_dst_h != cond_h || c->last_ins == UINT32_MAX)
		return false;
	uint32_t ins = c->last_ins;
	int32_t h = (int32_t)c->code[ins];
	int op = -1;
	for (int o = XW_OP_I32_EQZ; o <= XW_OP_I32_GE_U; o++)
		if (c->handlers[o] == h) { op = o; break; }
	if (op < 0)
		for (int o = XW_OP_I64_EQZ; o <= XW_OP_I64_GE_U; o++)
			if (c->handlers[o] == h) { op = o; break; }
	int imm_rel = -1; /* compare with an immediate right operand: EQ..GE_U as 1..10 */
	if (op < 0)
		for (int o = XW_OP_I32_EQ_I; o <= XW_OP_I32_GE_U_I; o++)
			if (c->handlers[o] == h) { imm_rel = o - XW_OP_I32_EQ_I + 1; break; }
	if (op < 0 && imm_rel < 0)
		return false;
	static const uint8_t inv32[] = { /* EQZ..GE_U inverse within the i32 compare group */
		0, 2, 1, 9, 10, 7, 8, 5, 6, 3, 4 };
	bool is64 = op >= XW_OP_I64_EQZ;
	int rel = imm_rel > 0 ? imm_rel : op - (is64 ? XW_OP_I64_EQZ : XW_OP_I32_EQZ);
	uint32_t a = c->code[ins + 2];
	if (rel == 0) { /* eqz */
		if (is64 && invert)
			return false; /* no "branch if i64 nonzero" op: keep the compare */
		rewind_code(c, ins);
		enum xw_op bop = is64 ? XW_OP_BR_I64_EQZ : invert ? XW_OP_BR_IF : XW_OP_BR_UNLESS;
		emit_op(c, target ? branch_op(target, bop) : bop);
		emit_slot(c, a);
		fused_target(c, target, patch_head, ins);
		return true;
	}
	uint32_t b = c->code[ins + 3];
	if (invert)
		rel = inv32[rel];
	if (!is64 && fuse_step_backedge(c, ins, rel, imm_rel > 0, a, b, target))
		return true;
	rewind_code(c, ins);
	if (imm_rel > 0) {
		enum xw_op bop = (enum xw_op)(XW_OP_BR_I32_EQ_I + rel - 1);
		emit_op(c, target ? branch_op(target, bop) : bop);
		emit_slot(c, a);
		emit_word(c, b); /* the immediate */
		fused_target(c, target, patch_head, ins);
		return true;
	}
	enum xw_op bop = (enum xw_op)((is64 ? XW_OP_BR_I64_EQ : XW_OP_BR_I32_EQ) + rel - 1);
	emit_op(c, target ? branch_op(target, bop) : bop);
	emit_slot(c, a);
	emit_slot(c, b);
	fused_target(c, target, patch_head, ins);
	return true;
}

static int op_br_if(struct cc *c, uint32_t depth)
{
	if (depth >= c->nctl)
		FAIL("unknown label %u", depth);
	struct opd cond;
	uint32_t hc;
	CHECK(pop(c, XWASM_I32, &cond, &hc));
	struct ctl *f = &c->ctl[c->nctl - 1 - depth];
	uint32_t n = label_arity(f);
	CHECK(check_top(c, n, label_types(f)));
	if (!c->live) {
		/* the label's values stay on the stack with the label's types */
		CHECK(pop_types(c, n, label_types(f)));
		for (uint32_t i = 0; i < n; i++)
			CHECK(push(c, label_types(f)[i], K_STACK, 0));
		return 0;
	}
	if (!branch_needs_copies(c, f, n)) {
		if (!(cond.kind == K_STACK && fuse_compare(c, hc, false, f, NULL))) {
			uint32_t ins = c->ncode;
			emit_op(c, branch_op(f, XW_OP_BR_IF));
			emit_slot(c, slot_of(c, &cond, hc));
			emit_target(c, f, ins);
		}
		label_here(c);
		return 0;
	}
	/* if (!cond) skip; copies; br */
	uint32_t ins = c->ncode;
	emit_op(c, XW_OP_BR_UNLESS);
	emit_slot(c, slot_of(c, &cond, hc));
	emit_word(c, 0);
	emit_branch_copies(c, f, n);
	emit_jump(c, f);
	c->code[ins + 2] = c->ncode - ins;
	label_here(c);
	return 0;
}

static int op_br_table(struct cc *c)
{
	uint32_t n;
	CHECK(rd_u32(c, &n));
	if ((size_t)n > (size_t)(c->end - c->p))
		MALFORMED("br_table: unexpected end");
	uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
	if (!depths)
		return fail(c, -ENOMEM, "out of memory");
	int rc = 0;
	for (uint32_t i = 0; i <= n && !rc; i++)
		rc = rd_u32(c, &depths[i]);
	struct opd idx;
	uint32_t hi;
	if (!rc)
		rc = pop(c, XWASM_I32, &idx, &hi);
	if (rc) {
		free(depths);
		return rc;
	}
	uint32_t arity = 0;
	for (uint32_t i = 0; i <= n; i++) {
		if (depths[i] >= c->nctl) {
			uint32_t d = depths[i];
			free(depths);
			FAIL("unknown label %u", d);
		}
		struct ctl *f = &c->ctl[c->nctl - 1 - depths[i]];
		if (i == 0)
			arity = label_arity(f);
		else if (label_arity(f) != arity) {
			free(depths);
			FAIL("type mismatch: br_table targets differ in arity");
		}
		rc = work_n(c, arity); /* compared again below (branch_needs_copies) */
		if (!rc)
			rc = check_top(c, arity, label_types(f));
		if (rc) {
			free(depths);
			return rc;
		}
	}
	if (c->live) {
		uint32_t ins = c->ncode;
		emit_op(c, XW_OP_BR_TABLE);
		emit_slot(c, slot_of(c, &idx, hi));
		emit_word(c, n);
		uint32_t tab = c->ncode;
		for (uint32_t i = 0; i <= n; i++)
			emit_word(c, 0);
		for (uint32_t i = 0; i <= n && !c->rc; i++) {
			struct ctl *f = &c->ctl[c->nctl - 1 - depths[i]];
			if (f->kind != 0x03 && !branch_needs_copies(c, f, arity)) {
				add_patch(c, &f->patches, tab + i, ins);
				f->branched = true;
			} else {
				c->code[tab + i] = c->ncode - ins;
				emit_branch_copies(c, f, arity);
				emit_jump(c, f);
			}
		}
	}
	free(depths);
	set_unreachable(c);
	return c->rc;
}

static int op_call(struct cc *c, const xw_functype *t, enum xw_op op, uint32_t a1, uint32_t a2,
		   bool indirect)
{
	struct opd idx = { 0 };
	uint32_t hi = 0;
	if (indirect)
		CHECK(pop(c, XWASM_I32, &idx, &hi));
	CHECK(check_top(c, t->nparams, t->params));
	uint32_t base = c->sp >= t->nparams ? c->sp - t->nparams : 0;
	if (base < top_ctl(c)->height)
		base = top_ctl(c)->height; /* polymorphic, not live */
	if (c->live) {
		materialize_range(c, base, c->sp);
		emit_op(c, op);
		emit_word(c, a1);
		if (indirect) {
			emit_word(c, a2);
			emit_slot(c, slot_of(c, &idx, hi));
		}
		emit_slot(c, SH(c, base));
	}
	CHECK(pop_types(c, t->nparams, t->params));
	for (uint32_t i = 0; i < t->nresults; i++)
		CHECK(push(c, t->results[i], K_STACK, 0));
	return 0;
}

/* return_call (0x12) and return_call_indirect (0x13), the tail-call feature: the callee's
 * results must be the function's; its arguments go to stack slots (as for a call), then the
 * RETURN_CALL op hands the frame over. Code after it is unreachable. */
static int op_return_call(struct cc *c, uint8_t b)
{
	xw_module *m = c->m;
	uint32_t x, y = 0;
	const char *name = b == 0x12 ? "return_call" : "return_call_indirect";
	if (!xw_feature(m, XWASM_FEATURE_TAIL_CALL)) {
		c->p--;
		return fail(c, -ENOTSUP, "tail calls disabled (opcode 0x%02x %s; "
			    "xwasm_load_opts.features)", b, name);
	}
	const xw_functype *t;
	CHECK(rd_u32(c, &x));
	if (b == 0x12) {
		if (x >= m->nfuncs)
			FAIL("unknown function %u", x);
		t = xw_func_type(m, x);
	} else {
		y = x;
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		if (y >= m->ntypes)
			FAIL("unknown type %u", y);
		if (m->tables[x].elemtype != XWASM_FUNCREF)
			FAIL("type mismatch: return_call_indirect table must be funcref");
		t = &m->types[y];
	}
	bool same = t->nresults == c->ft->nresults;
	for (uint32_t i = 0; same && i < t->nresults; i++)
		same = t->results[i] == c->ft->results[i];
	if (!same)
		FAIL("type mismatch: %s callee's results differ from the function's", name);
	struct opd idx = { 0 };
	uint32_t hi = 0;
	if (b == 0x13)
		CHECK(pop(c, XWASM_I32, &idx, &hi));
	CHECK(check_top(c, t->nparams, t->params));
	uint32_t base = c->sp >= t->nparams ? c->sp - t->nparams : 0;
	if (base < top_ctl(c)->height)
		base = top_ctl(c)->height; /* polymorphic, not live */
	if (c->live) {
		materialize_range(c, base, c->sp);
		if (b == 0x12) {
			emit_op(c, XW_OP_RETURN_CALL);
			emit_word(c, x);
		} else {
			emit_op(c, XW_OP_RETURN_CALL_INDIRECT);
			emit_word(c, x);
			emit_word(c, y);
			emit_slot(c, slot_of(c, &idx, hi));
		}
		emit_slot(c, SH(c, base));
	}
	CHECK(pop_types(c, t->nparams, t->params));
	set_unreachable(c);
	return c->rc;
}

/* ---- block structure --------------------------------------------------------------------- */

static int op_block(struct cc *c, uint8_t kind)
{
	uint32_t np = 0, nr = 0;
	const uint8_t *params = NULL, *results = NULL;
	CHECK(rd_blocktype(c, &np, &params, &nr, &results));
	struct opd cond = { 0 };
	uint32_t hc = 0;
	if (kind == 0x04)
		CHECK(pop(c, XWASM_I32, &cond, &hc));
	CHECK(check_top(c, np, params));
	/* values the block may see or that sit below it must not be lazy local reads */
	materialize_all_locals(c);
	for (uint32_t h = c->sp > np ? c->sp - np : 0; h < c->sp; h++)
		materialize(c, h); /* block params live in their stack slots */
	/* in unreachable code the polymorphic bottom supplies missing params */
	for (uint32_t avail = c->sp - top_ctl(c)->height; avail < np; avail++)
		CHECK(push(c, T_UNKNOWN, K_STACK, 0));
	CHECK(push_ctl(c, kind, np, params, nr, results));
	struct ctl *f = top_ctl(c);
	/* params take the declared types (and, in unreachable code, their slots) */
	for (uint32_t i = 0; i < np; i++) {
		struct opd *o = &c->stack[f->height + i];
		o->type = params[i];
		o->pos = pos_at(c, f->height + i);
		if (o->pos + xw_type_slots(o->type) > c->max_h)
			c->max_h = o->pos + xw_type_slots(o->type);
	}
	if (kind == 0x03) {
		label_here(c);
		f->start_pc = c->ncode;
	} else if (kind == 0x04 && c->live) {
		if (cond.kind == K_STACK && fuse_compare(c, hc, true, NULL, &f->else_patch)) {
			/* fused: the inverted compare branches to else/end */
		} else {
			uint32_t ins = c->ncode;
			emit_op(c, XW_OP_BR_UNLESS);
			emit_slot(c, slot_of(c, &cond, hc));
			emit_word(c, 0);
			add_patch(c, &f->else_patch, ins + 2, ins);
		}
		label_here(c);
	}
	return c->rc;
}

/* Ensures the frame's results are in their slots at the end of a reachable path. */
static int close_path(struct cc *c, struct ctl *f)
{
	CHECK(check_top(c, f->nresults, f->results));
	if (c->sp != f->height + f->nresults && !(f->unreachable && c->sp <= f->height + f->nresults))
		FAIL("type mismatch: block leaves %u value(s), expected %u", c->sp - f->height,
		     f->nresults);
	if (c->live && f->kind != 0)
		materialize_range(c, f->height, c->sp);
	return 0;
}

static int op_else(struct cc *c)
{
	struct ctl *f = top_ctl(c);
	if (f->kind != 0x04)
		FAIL("else without matching if");
	CHECK(close_path(c, f));
	if (c->live)
		emit_jump(c, f);
	/* the false path starts here */
	label_here(c);
	resolve_patches(c, f->else_patch, c->ncode);
	f->else_patch = -1;
	truncate_stack(c, f->height);
	for (uint32_t i = 0; i < f->nparams; i++)
		CHECK(push(c, f->params[i], K_STACK, 0));
	f->kind = 0x05;
	f->unreachable = false;
	c->live = f->live_entry;
	return 0;
}

static int op_end(struct cc *c)
{
	struct ctl *f = top_ctl(c);
	if (f->eh.kind)
		xw_compile_eh_end(c, &f->eh);
	if (f->kind == 0x04) {
		/* an if without else must have matching params and results */
		bool same = f->nparams == f->nresults;
		for (uint32_t i = 0; same && i < f->nparams; i++)
			same = f->params[i] == f->results[i];
		if (!same)
			FAIL("type mismatch: if without else must not change the stack");
	}
	CHECK(close_path(c, f));
	if (f->kind == 0) {
		/* function end: branches to the function label join here, then return */
		if (f->branched) {
			if (c->live)
				materialize_range(c, f->height, c->sp);
			label_here(c);
			resolve_patches(c, f->patches, c->ncode);
			truncate_stack(c, f->height);
			for (uint32_t i = 0; i < f->nresults; i++)
				CHECK(push(c, f->results[i], K_STACK, 0));
			c->live = true;
		}
		emit_return(c);
		c->nctl--;
		return 0;
	}
	if (f->kind == 0x03)
		for (int32_t i = f->fuel_patches; i >= 0; i = c->patches[i].next)
			c->code[c->patches[i].pos] = c->ninstr - f->ninstr_start + 1;
	bool live_after = f->live_entry && (c->live || f->branched || f->else_patch >= 0);
	label_here(c);
	resolve_patches(c, f->patches, c->ncode);
	resolve_patches(c, f->else_patch, c->ncode);
	uint32_t height = f->height, nr = f->nresults;
	const uint8_t *res = f->results;
	c->nctl--;
	truncate_stack(c, height);
	for (uint32_t i = 0; i < nr; i++)
		CHECK(push(c, res[i], K_STACK, 0));
	c->live = live_after;
	return 0;
}

/* ---- the main loop --------------------------------------------------------------------- */

/* Reinterpretations keep the bits: the value stays where it is with a new type. */
static int op_reinterpret(struct cc *c, uint8_t tin, uint8_t tout)
{
	struct opd a;
	uint32_t h;
	CHECK(pop(c, tin, &a, &h)); /* (a K_ADDK is computed now: it then was the last result) */
	int64_t keep = c->last_dst;
	uint32_t keep_h = c->last_dst_h;
	a.type = tout;
	CHECK(push(c, tout, a.kind, a.idx));
	c->stack[c->sp - 1] = a;
	c->last_dst = keep;
	c->last_dst_h = keep_h;
	return 0;
}

static int op_local(struct cc *c, uint8_t b)
{
	uint32_t x;
	CHECK(rd_u32(c, &x));
	if (x >= c->nlocals)
		FAIL("unknown local %u", x);
	uint8_t t = c->local_types[x];
	if (b == 0x20)
		return push(c, t, K_LOCAL, x);
	struct opd v;
	uint32_t h;
	CHECK(pop(c, t, &v, &h)); /* (a K_ADDK is computed now: it then was the last result) */
	if (c->entry && c->unwritten[x] && v.kind == K_CONST && v.val == 0 && t != XWASM_V128) {
		/* the local already holds 0 (see struct cc: entry) */
		if (b == 0x22)
			CHECK(push(c, t, K_LOCAL, x));
		return 0;
	}
	c->unwritten[x] = 0;
	int64_t last = c->last_dst;
	uint32_t last_h = c->last_dst_h;
	if (c->live) {
		if (v.kind == K_STACK && last >= 0 && last_h == h && !local_on_stack(c, x)) {
			c->code[last] = c->lpos[x]; /* the producer writes the local directly */
			c->last_dst = -1;
		} else if (!(v.kind == K_LOCAL && v.idx == x)) {
			materialize_local(c, x);
			emit_move(c, c->lpos[x], &v, h);
		}
	}
	if (b == 0x22)
		CHECK(push(c, t, K_LOCAL, x));
	return 0;
}

static int op_fc(struct cc *c)
{
	uint32_t sub;
	CHECK(rd_u32(c, &sub));
	xw_module *m = c->m;
	struct opd a, b, d;
	uint32_t ha, hb, hd;
	uint32_t x, y;
	if (sub <= 7) {
		static const uint8_t tin[] = { XWASM_F32, XWASM_F32, XWASM_F64, XWASM_F64,
					       XWASM_F32, XWASM_F32, XWASM_F64, XWASM_F64 };
		return op_unary(c, XW_OP_I32_TRUNC_SAT_F32_S + sub, tin[sub],
				sub < 4 ? XWASM_I32 : XWASM_I64);
	}
	switch (sub) {
	case 8: /* memory.init */
		CHECK(rd_u32(c, &x));
		CHECK(rd_memidx(c, &y));
		if (!m->has_datacount)
			FAIL("data count section required");
		if (y >= m->nmems)
			FAIL("unknown memory %u", y);
		if (x >= m->datacount)
			FAIL("unknown data segment %u", x);
		if (m->mems[y].is64)
			return xw_compile_mem64_init(c, x, y);
		CHECK(pop(c, XWASM_I32, &b, &hb));
		CHECK(pop(c, XWASM_I32, &a, &ha));
		CHECK(pop(c, XWASM_I32, &d, &hd));
		if (c->live) {
			emit_op(c, y ? XW_OP_MEMORY_INIT_M : XW_OP_MEMORY_INIT);
			emit_word(c, x);
			emit_slot(c, slot_of(c, &d, hd));
			emit_slot(c, slot_of(c, &a, ha));
			emit_slot(c, slot_of(c, &b, hb));
			if (y)
				emit_word(c, y);
		}
		return 0;
	case 9: /* data.drop */
		CHECK(rd_u32(c, &x));
		if (!m->has_datacount)
			FAIL("data count section required");
		if (x >= m->datacount)
			FAIL("unknown data segment %u", x);
		if (c->live) {
			emit_op(c, XW_OP_DATA_DROP);
			emit_word(c, x);
		}
		return 0;
	case 10: /* memory.copy dst src */
	case 11: /* memory.fill */
		CHECK(rd_memidx(c, &x));
		y = x;
		if (sub == 10)
			CHECK(rd_memidx(c, &y));
		if (x >= m->nmems || y >= m->nmems)
			FAIL("unknown memory %u", x >= m->nmems ? x : y);
		if (m->mems[x].is64 || m->mems[y].is64)
			return sub == 10 ? xw_compile_mem64_copy(c, x, y) : xw_compile_mem64_fill(c, x);
		CHECK(pop(c, XWASM_I32, &b, &hb));
		CHECK(pop(c, XWASM_I32, &a, &ha));
		CHECK(pop(c, XWASM_I32, &d, &hd));
		if (c->live) {
			if (x || y)
				emit_op(c, sub == 10 ? XW_OP_MEMORY_COPY_M : XW_OP_MEMORY_FILL_M);
			else
				emit_op(c, sub == 10 ? XW_OP_MEMORY_COPY : XW_OP_MEMORY_FILL);
			emit_slot(c, slot_of(c, &d, hd));
			emit_slot(c, slot_of(c, &a, ha));
			emit_slot(c, slot_of(c, &b, hb));
			if (x || y)
				emit_word(c, x);
			if ((x || y) && sub == 10)
				emit_word(c, y);
		}
		return 0;
	case 12: /* table.init elem table */
		CHECK(rd_u32(c, &x));
		CHECK(rd_u32(c, &y));
		if (y >= m->ntables)
			FAIL("unknown table %u", y);
		if (x >= m->nelems)
			FAIL("unknown elem segment %u", x);
		if (m->elems[x].elemtype != m->tables[y].elemtype)
			FAIL("type mismatch: table.init element type");
		CHECK(pop(c, XWASM_I32, &b, &hb));
		CHECK(pop(c, XWASM_I32, &a, &ha));
		CHECK(pop(c, XWASM_I32, &d, &hd));
		if (c->live) {
			emit_op(c, XW_OP_TABLE_INIT);
			emit_word(c, y);
			emit_word(c, x);
			emit_slot(c, slot_of(c, &d, hd));
			emit_slot(c, slot_of(c, &a, ha));
			emit_slot(c, slot_of(c, &b, hb));
		}
		return 0;
	case 13: /* elem.drop */
		CHECK(rd_u32(c, &x));
		if (x >= m->nelems)
			FAIL("unknown elem segment %u", x);
		if (c->live) {
			emit_op(c, XW_OP_ELEM_DROP);
			emit_word(c, x);
		}
		return 0;
	case 14: /* table.copy dst src */
		CHECK(rd_u32(c, &x));
		CHECK(rd_u32(c, &y));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		if (y >= m->ntables)
			FAIL("unknown table %u", y);
		if (m->tables[x].elemtype != m->tables[y].elemtype)
			FAIL("type mismatch: table.copy element types differ");
		CHECK(pop(c, XWASM_I32, &b, &hb));
		CHECK(pop(c, XWASM_I32, &a, &ha));
		CHECK(pop(c, XWASM_I32, &d, &hd));
		if (c->live) {
			emit_op(c, XW_OP_TABLE_COPY);
			emit_word(c, x);
			emit_word(c, y);
			emit_slot(c, slot_of(c, &d, hd));
			emit_slot(c, slot_of(c, &a, ha));
			emit_slot(c, slot_of(c, &b, hb));
		}
		return 0;
	case 15: /* table.grow: init n -> old */
	case 17: /* table.fill: i v n */
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		CHECK(pop(c, XWASM_I32, &b, &hb));
		CHECK(pop(c, m->tables[x].elemtype, &a, &ha));
		if (sub == 17) {
			CHECK(pop(c, XWASM_I32, &d, &hd));
			if (c->live) {
				emit_op(c, XW_OP_TABLE_FILL);
				emit_word(c, x);
				emit_slot(c, slot_of(c, &d, hd));
				emit_slot(c, slot_of(c, &a, ha));
				emit_slot(c, slot_of(c, &b, hb));
			}
			return 0;
		}
		{
			uint32_t dpos = 0;
			if (c->live) {
				emit_op(c, XW_OP_TABLE_GROW);
				dpos = c->ncode;
				emit_slot(c, SH(c, ha));
				emit_word(c, x);
				emit_slot(c, slot_of(c, &a, ha));
				emit_slot(c, slot_of(c, &b, hb));
			}
			return push_result(c, XWASM_I32, dpos);
		}
	case 16: /* table.size */
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		{
			uint32_t dpos = 0;
			if (c->live) {
				emit_op(c, XW_OP_TABLE_SIZE);
				dpos = c->ncode;
				emit_slot(c, SH(c, c->sp));
				emit_word(c, x);
			}
			return push_result(c, XWASM_I32, dpos);
		}
	default:
		if (sub >= 18)
			MALFORMED("opcode 0xfc (unknown sub-opcode)");
		MALFORMED("opcode");
	}
}

/* ---- the interface of compile_int.h (instruction families in other files) ------------- */

int xw_cc_u32(struct cc *c, uint32_t *v) { return rd_u32(c, v); }
int xw_cc_u8(struct cc *c, uint8_t *v) { return rd_u8(c, v); }
int xw_cc_bytes(struct cc *c, void *dst, size_t n)
{
	if (xw_read_bytes(&c->p, c->end, dst, n))
		MALFORMED("instruction: unexpected end");
	return 0;
}
int xw_cc_memarg(struct cc *c, uint32_t natural, uint64_t *offset, uint32_t *mem)
{
	return rd_memarg(c, natural, offset, mem);
}
int xw_cc_memarg_atomic(struct cc *c, uint32_t natural, uint64_t *offset, uint32_t *mem)
{
	return rd_memarg_x(c, natural, true, offset, mem);
}
bool xw_cc_mem64(const struct cc *c, uint32_t mem) { return c->m->mems[mem].is64; }
int xw_cc_invalid(struct cc *c, const char *what) { FAIL("%s", what); }
int xw_cc_bad_simd(struct cc *c, uint32_t sub)
{
	char what[120];
	if (xw_unsupported_simd(sub, what, sizeof what))
		return fail(c, -ENOTSUP, "%s", what);
	return fail(c, -EINVAL, "malformed: illegal opcode 0xfd 0x%x", sub);
}
int xw_cc_pop(struct cc *c, uint8_t want, struct opd *out, uint32_t *h) { return pop(c, want, out, h); }
int xw_cc_pop_address(struct cc *c, struct opd *out, uint32_t *h) { return pop_keep(c, XWASM_I32, out, h); }
int xw_cc_push_result(struct cc *c, uint8_t type, uint32_t dst_pos) { return push_result(c, type, dst_pos); }
bool xw_cc_live(const struct cc *c) { return c->live; }
uint32_t xw_cc_here(const struct cc *c) { return c->ncode; }
void xw_cc_op(struct cc *c, enum xw_op op) { emit_op(c, op); }
void xw_cc_word(struct cc *c, uint32_t w) { emit_word(c, w); }
void xw_cc_operand(struct cc *c, struct opd *o, uint32_t h) { emit_slot(c, slot_of(c, o, h)); }
void xw_cc_dst(struct cc *c, uint32_t h) { emit_slot(c, SH(c, h)); }
void xw_cc_dst_top(struct cc *c) { emit_slot(c, SH(c, c->sp)); }
void xw_cc_slot(struct cc *c, uint32_t slot_word) { emit_slot(c, slot_word); }

/* exception handling (compile_eh.c) */
struct xwasm_module *xw_cc_module(struct cc *c) { return c->m; }
int xw_cc_blocktype(struct cc *c, uint32_t *np, const uint8_t **params, uint32_t *nr,
		    const uint8_t **results)
{
	return rd_blocktype(c, np, params, nr, results);
}
int xw_cc_open(struct cc *c, uint32_t np, const uint8_t *params, uint32_t nr, const uint8_t *results)
{
	/* as op_block for a block (0x02), the block type already read */
	CHECK(check_top(c, np, params));
	materialize_all_locals(c);
	for (uint32_t h = c->sp > np ? c->sp - np : 0; h < c->sp; h++)
		materialize(c, h);
	for (uint32_t avail = c->sp - top_ctl(c)->height; avail < np; avail++)
		CHECK(push(c, T_UNKNOWN, K_STACK, 0));
	CHECK(push_ctl(c, 0x02, np, params, nr, results));
	struct ctl *f = top_ctl(c);
	for (uint32_t i = 0; i < np; i++) {
		struct opd *o = &c->stack[f->height + i];
		o->type = params[i];
		o->pos = pos_at(c, f->height + i);
		if (o->pos + xw_type_slots(o->type) > c->max_h)
			c->max_h = o->pos + xw_type_slots(o->type);
	}
	label_here(c);
	return c->rc;
}
int xw_cc_end(struct cc *c) { return op_end(c); }
uint32_t xw_cc_nctl(const struct cc *c) { return c->nctl; }
struct xw_eh_ctl *xw_cc_eh_ctl(struct cc *c, uint32_t depth)
{
	return depth < c->nctl ? &c->ctl[c->nctl - 1 - depth].eh : NULL;
}
int xw_cc_label(struct cc *c, uint32_t depth, uint32_t *n, const uint8_t **types)
{
	if (depth >= c->nctl)
		FAIL("unknown label %u", depth);
	const struct ctl *f = &c->ctl[c->nctl - 1 - depth];
	*n = label_arity(f);
	*types = label_types(f);
	return 0;
}
uint32_t xw_cc_label_slot(struct cc *c, uint32_t depth)
{
	return TAG_STACK | pos_at(c, c->ctl[c->nctl - 1 - depth].height);
}
void xw_cc_jump(struct cc *c, uint32_t depth) { emit_jump(c, &c->ctl[c->nctl - 1 - depth]); }
void xw_cc_patch(struct cc *c, uint32_t pos, uint32_t w)
{
	if (!c->rc && pos < c->ncode)
		c->code[pos] = w;
}
void xw_cc_label_here(struct cc *c) { label_here(c); }
int xw_cc_restart(struct cc *c, uint32_t n, const uint8_t *types)
{
	struct ctl *f = top_ctl(c);
	CHECK(close_path(c, f));
	if (c->live)
		emit_jump(c, f);
	label_here(c);
	truncate_stack(c, f->height);
	for (uint32_t i = 0; i < n; i++)
		CHECK(push(c, types[i], K_STACK, 0));
	f->unreachable = false;
	c->live = f->live_entry;
	return 0;
}
int xw_cc_args(struct cc *c, uint32_t n, const uint8_t *types, uint32_t *h)
{
	CHECK(check_top(c, n, types));
	uint32_t base = c->sp >= n ? c->sp - n : 0;
	if (base < top_ctl(c)->height)
		base = top_ctl(c)->height; /* polymorphic, not live */
	if (c->live)
		materialize_range(c, base, c->sp);
	*h = base;
	return 0;
}
int xw_cc_pop_types(struct cc *c, uint32_t n, const uint8_t *types) { return pop_types(c, n, types); }
void xw_cc_unreachable(struct cc *c) { set_unreachable(c); }
int xw_cc_eh_add(struct cc *c, const struct xw_eh_entry *e)
{
	CHECK(grow(c, (void **)&c->eh, &c->ehcap, c->neh + 1, sizeof *c->eh));
	c->eh[c->neh] = *e;
	c->eh[c->neh].seq = c->neh;
	c->neh++;
	return 0;
}
struct xw_eh_entry *xw_cc_eh_entry(struct cc *c, uint32_t i) { return &c->eh[i]; }
uint32_t xw_cc_eh_count(const struct cc *c) { return c->neh; }
uint32_t *xw_cc_legacy_open(struct cc *c) { return &c->nlegacy; }
uint32_t xw_cc_exn_slot(struct cc *c, uint32_t idx)
{
	if (idx + 1 > c->nexn)
		c->nexn = idx + 1;
	return TAG_EXN | idx;
}
bool xw_cc_take_address_imm(struct cc *c, const struct opd *o, uint32_t h, uint32_t *base, uint32_t *k)
{
	bool imm;
	return take_address_add(c, o, h, true, base, k, &imm);
}

static int compile_instr(struct cc *c)
{
	xw_module *m = c->m;
	uint8_t b;
	CHECK(rd_u8(c, &b));
	c->ninstr++;
	if (b <= 0x1f) /* unreachable and every control instruction end the entry code */
		c->entry = false;
	struct opd a, v;
	uint32_t h, hv, x, y;

	/* numeric, load and store instructions: from their rows of the opcode table */
	const struct xw_opcode *oi = &xw_opcodes[b];
	switch (oi->kind) {
	case XW_OK_UN: return op_unary(c, (enum xw_op)oi->op, oi->t1, oi->t2);
	case XW_OK_BIN: return op_binary(c, (enum xw_op)oi->op, oi->t1, oi->t2);
	case XW_OK_REINT: return op_reinterpret(c, oi->t1, oi->t2);
	case XW_OK_LOAD: return op_load(c, (enum xw_op)oi->op, oi->t1, oi->t2);
	case XW_OK_STORE: return op_store(c, (enum xw_op)oi->op, oi->t1, oi->t2);
	default: break;
	}
	if ((oi->group == XW_G_EH || oi->group == XW_G_EH_LEGACY) && xw_feature(m, XWASM_FEATURE_EXCEPTIONS))
		return xw_compile_eh(c, b);
	switch (b) {
	case 0x00: /* unreachable */
		if (c->live)
			emit_op(c, XW_OP_UNREACHABLE);
		set_unreachable(c);
		return 0;
	case 0x01:
		return 0;
	case 0x02:
	case 0x03:
	case 0x04:
		return op_block(c, b);
	case 0x05:
		return op_else(c);
	case 0x0b:
		return op_end(c);
	case 0x0c: { /* br */
		CHECK(rd_u32(c, &x));
		if (x >= c->nctl)
			FAIL("unknown label %u", x);
		struct ctl *f = &c->ctl[c->nctl - 1 - x];
		uint32_t n = label_arity(f);
		CHECK(check_top(c, n, label_types(f)));
		if (c->live) {
			emit_branch_copies(c, f, n);
			emit_jump(c, f);
		}
		set_unreachable(c);
		return 0;
	}
	case 0x0d:
		CHECK(rd_u32(c, &x));
		return op_br_if(c, x);
	case 0x0e:
		return op_br_table(c);
	case 0x0f: /* return */
		CHECK(check_top(c, c->ft->nresults, c->ft->results));
		emit_return(c);
		set_unreachable(c);
		return 0;
	case 0x10: /* call */
		CHECK(rd_u32(c, &x));
		if (x >= m->nfuncs)
			FAIL("unknown function %u", x);
		return op_call(c, xw_func_type(m, x), XW_OP_CALL, x, 0, false);
	case 0x11: /* call_indirect type table */
		CHECK(rd_u32(c, &y));
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		if (y >= m->ntypes)
			FAIL("unknown type %u", y);
		if (m->tables[x].elemtype != XWASM_FUNCREF)
			FAIL("type mismatch: call_indirect table must be funcref");
		return op_call(c, &m->types[y], XW_OP_CALL_INDIRECT, x, y, true);
	case 0x12: /* return_call */
	case 0x13: /* return_call_indirect */
		return op_return_call(c, b);
	case 0x1a: /* drop */
		return pop_keep(c, 0, &a, &h);
	case 0x1b:   /* select */
	case 0x1c: { /* select t* */
		uint8_t t = 0;
		if (b == 0x1c) {
			CHECK(rd_u32(c, &x));
			if (x != 1)
				FAIL("invalid result arity for typed select");
			CHECK(rd_u8(c, &t));
			if (!xw_is_numtype(t) && !xw_is_reftype(t) && t != XWASM_V128 &&
			    !(t == XWASM_EXNREF && xw_feature(m, XWASM_FEATURE_EXCEPTIONS)))
				MALFORMED("value type");
		}
		struct opd cond;
		uint32_t hc;
		CHECK(pop(c, XWASM_I32, &cond, &hc));
		/* an i32 compare emitted just before computed the condition: fused below unless
		 * popping the values emits code (a deferred local + constant) */
		uint32_t cmp_ins = cond.kind == K_STACK && c->last_dst >= 0 && c->last_dst_h == hc ?
				   c->last_ins : UINT32_MAX;
		CHECK(pop(c, t, &v, &hv));
		CHECK(pop(c, t ? t : v.type, &a, &h));
		uint8_t rt = t ? t : (a.type != T_UNKNOWN ? a.type : v.type);
		if (!t && rt != T_UNKNOWN && !xw_is_numtype(rt) && rt != XWASM_V128)
			FAIL("type mismatch: select needs numeric operands (use typed select)");
		if (!t && a.type != T_UNKNOWN && v.type != T_UNKNOWN && a.type != v.type)
			FAIL("type mismatch in select");
		uint32_t dpos = 0;
		if (c->live && rt != XWASM_V128 && cmp_ins != UINT32_MAX && cmp_ins == c->last_ins &&
		    emit_select_cmp(c, &a, h, &v, hv, &dpos)) {
			/* fused with the compare */
		} else if (c->live) {
			emit_op(c, rt == XWASM_V128 ? XW_OP_SELECT128 : XW_OP_SELECT);
			dpos = c->ncode;
			emit_slot(c, SH(c, h));
			emit_slot(c, slot_of(c, &a, h));
			emit_slot(c, slot_of(c, &v, hv));
			emit_slot(c, slot_of(c, &cond, hc));
		}
		return push_result(c, rt, dpos);
	}
	case 0x20:
	case 0x21:
	case 0x22:
		return op_local(c, b);
	case 0x23: { /* global.get */
		CHECK(rd_u32(c, &x));
		if (x >= m->nglobals)
			FAIL("unknown global %u", x);
		uint32_t dpos = 0;
		if (c->live) {
			emit_op(c, m->globals[x].type.valtype == XWASM_V128 ? XW_OP_GLOBAL_GET128 : XW_OP_GLOBAL_GET);
			dpos = c->ncode;
			emit_slot(c, SH(c, c->sp));
			emit_word(c, x);
		}
		return push_result(c, m->globals[x].type.valtype, dpos);
	}
	case 0x24: /* global.set */
		CHECK(rd_u32(c, &x));
		if (x >= m->nglobals)
			FAIL("unknown global %u", x);
		if (!m->globals[x].type.mutable_)
			FAIL("global is immutable");
		CHECK(pop(c, m->globals[x].type.valtype, &v, &hv));
		if (c->live) {
			emit_op(c, m->globals[x].type.valtype == XWASM_V128 ? XW_OP_GLOBAL_SET128 : XW_OP_GLOBAL_SET);
			emit_slot(c, slot_of(c, &v, hv));
			emit_word(c, x);
		}
		return 0;
	case 0x25: { /* table.get */
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		CHECK(pop(c, XWASM_I32, &a, &h));
		uint32_t dpos = 0;
		if (c->live) {
			emit_op(c, XW_OP_TABLE_GET);
			dpos = c->ncode;
			emit_slot(c, SH(c, h));
			emit_word(c, x);
			emit_slot(c, slot_of(c, &a, h));
		}
		return push_result(c, m->tables[x].elemtype, dpos);
	}
	case 0x26: /* table.set */
		CHECK(rd_u32(c, &x));
		if (x >= m->ntables)
			FAIL("unknown table %u", x);
		CHECK(pop(c, m->tables[x].elemtype, &v, &hv));
		CHECK(pop(c, XWASM_I32, &a, &h));
		if (c->live) {
			emit_op(c, XW_OP_TABLE_SET);
			emit_word(c, x);
			emit_slot(c, slot_of(c, &a, h));
			emit_slot(c, slot_of(c, &v, hv));
		}
		return 0;
	case 0x3f: { /* memory.size */
		CHECK(rd_memidx(c, &x));
		if (x >= m->nmems)
			FAIL("unknown memory %u", x);
		if (m->mems[x].is64)
			return xw_compile_mem64_size(c, x);
		uint32_t dpos = 0;
		if (c->live) {
			emit_op(c, x ? XW_OP_MEMORY_SIZE_M : XW_OP_MEMORY_SIZE);
			dpos = c->ncode;
			emit_slot(c, SH(c, c->sp));
			if (x)
				emit_word(c, x);
		}
		return push_result(c, XWASM_I32, dpos);
	}
	case 0x40: /* memory.grow */
		CHECK(rd_memidx(c, &x));
		if (x >= m->nmems)
			FAIL("unknown memory %u", x);
		if (m->mems[x].is64)
			return xw_compile_mem64_grow(c, x);
		if (x)
			return op_memory_grow_m(c, x);
		return op_unary(c, XW_OP_MEMORY_GROW, XWASM_I32, XWASM_I32);
	case 0x41: {
		int32_t k;
		if (xw_read_s32(&c->p, c->end, &k))
			MALFORMED("i32 constant");
		return op_const(c, XWASM_I32, (uint32_t)k);
	}
	case 0x42: {
		int64_t k;
		if (xw_read_s64(&c->p, c->end, &k))
			MALFORMED("i64 constant");
		return op_const(c, XWASM_I64, (uint64_t)k);
	}
	case 0x43: {
		uint32_t k;
		if (xw_read_bytes(&c->p, c->end, &k, 4))
			MALFORMED("f32 constant");
		return op_const(c, XWASM_F32, k);
	}
	case 0x44: {
		uint64_t k;
		if (xw_read_bytes(&c->p, c->end, &k, 8))
			MALFORMED("f64 constant");
		return op_const(c, XWASM_F64, k);
	}
	case 0xd0: { /* ref.null t */
		uint8_t t;
		CHECK(rd_u8(c, &t));
		if (!xw_is_reftype(t) && !(t == XWASM_EXNREF && xw_feature(m, XWASM_FEATURE_EXCEPTIONS)))
			MALFORMED("reference type");
		return op_const(c, t, 0);
	}
	case 0xd1: { /* ref.is_null */
		CHECK(pop(c, 0, &a, &h));
		if (a.type != T_UNKNOWN && !xw_is_reftype(a.type) && a.type != XWASM_EXNREF)
			FAIL("type mismatch: ref.is_null needs a reference");
		uint32_t dpos = 0;
		if (c->live) {
			emit_op(c, XW_OP_REF_IS_NULL);
			dpos = c->ncode;
			emit_slot(c, SH(c, h));
			emit_slot(c, slot_of(c, &a, h));
		}
		return push_result(c, XWASM_I32, dpos);
	}
	case 0xd2: { /* ref.func */
		CHECK(rd_u32(c, &x));
		if (x >= m->nfuncs)
			FAIL("unknown function %u", x);
		if (!m->declared_funcs || !(m->declared_funcs[x / 8] & (1u << (x % 8))))
			FAIL("undeclared function reference %u", x);
		uint32_t dpos = 0;
		if (c->live) {
			emit_op(c, XW_OP_REF_FUNC);
			dpos = c->ncode;
			emit_slot(c, SH(c, c->sp));
			emit_word(c, x);
		}
		return push_result(c, XWASM_FUNCREF, dpos);
	}
	case 0xfc:
		return op_fc(c);
	case 0xfd:
		return xw_compile_simd(c);
	case 0xfe:
		if (xw_feature(m, XWASM_FEATURE_THREADS))
			return xw_compile_atomic(c);
		goto unsupported;
	default:
	unsupported: {
		c->p--;
		char what[160];
		if (xw_unsupported_op(b, c->p + 1, c->end, what, sizeof what))
			return fail(c, -ENOTSUP, "%s", what);
		return fail(c, -EINVAL, "malformed: illegal opcode 0x%02x", b);
	}
	}
}

static void cc_free(struct cc *c)
{
	free(c->local_types);
	free(c->lpos);
	free(c->lazy_refs);
	free(c->unwritten);
	free(c->stack);
	free(c->ctl);
	free(c->code);
	free(c->fixups);
	free(c->patches);
	free(c->consts);
	free(c->chash);
	free(c->eh);
}

static uint32_t resolve_slot(uint32_t w, uint32_t cbase, uint32_t ebase, uint32_t sbase)
{
	switch (w & TAG_MASK) {
	case TAG_STACK: return sbase + (w & ~TAG_MASK);
	case TAG_CONST: return cbase + (w & ~TAG_MASK);
	case TAG_EXN: return ebase + (w & ~TAG_MASK);
	default: return w;
	}
}

static int compile_func(xw_module *m, uint32_t i, xw_compiled_func *out, uint64_t *work_left, char *err,
			size_t errlen)
{
	struct cc cc = { 0 };
	struct cc *c = &cc;
	const xw_code *code = &m->codes[i];
	c->m = m;
	c->fidx = m->nimported_funcs + i;
	c->ft = xw_func_type(m, c->fidx);
	c->p = c->start = code->body;
	c->end = code->body_end;
	c->base_off = code->body_offset;
	c->err = err;
	c->errlen = errlen;
	c->handlers = xw_interp_handlers();
	c->live = true;
	c->last_dst = -1;
	c->last_ins = UINT32_MAX;
	c->prev_ins = UINT32_MAX;
	c->nlocals = c->ft->nparams + code->nlocals;
	c->local_types = malloc(c->nlocals ? c->nlocals : 1);
	if (!c->local_types) {
		fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	c->lazy_refs = calloc(c->nlocals ? c->nlocals : 1, sizeof *c->lazy_refs);
	c->unwritten = calloc(c->nlocals ? c->nlocals : 1, 1);
	if (!c->lazy_refs || !c->unwritten) {
		fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t k = c->ft->nparams; k < c->nlocals; k++)
		c->unwritten[k] = 1;
	c->entry = true;
	/* generous for real code (a few words per instruction byte); bounds hostile bodies, e.g.
	 * many branches carrying hundreds of values each */
	c->code_limit = 64 * (size_t)(c->end - c->start) + 4096;
	c->work_limit = *work_left;
	memcpy(c->local_types, c->ft->params, c->ft->nparams);
	memcpy(c->local_types + c->ft->nparams, code->local_types, code->nlocals);
	c->lpos = malloc((c->nlocals ? c->nlocals : 1) * sizeof *c->lpos);
	if (!c->lpos) {
		fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t k = 0; k < c->nlocals; k++) {
		if (k == c->ft->nparams)
			c->nparam_slots = c->nlocal_slots;
		c->lpos[k] = c->nlocal_slots;
		c->nlocal_slots += xw_type_slots(c->local_types[k]);
	}
	if (c->nlocals == c->ft->nparams)
		c->nparam_slots = c->nlocal_slots;

	if (push_ctl(c, 0, 0, NULL, c->ft->nresults, c->ft->results))
		goto out;
	while (c->nctl > 0 && !c->rc) {
		if (c->p >= c->end) {
			fail(c, -EINVAL, "malformed: unexpected end of function body");
			break;
		}
		compile_instr(c);
	}
	if (!c->rc && c->p != c->end)
		fail(c, -EINVAL, "malformed: operators after the end of the function body");
	if (c->rc)
		goto out;

	/* resolve tagged slots: [params+locals][constants][legacy catches' exceptions][stack];
	 * the hidden slots are constants 0 to the frame set-up, so every frame starts them null */
	uint32_t cbase = c->nlocal_slots, ebase = cbase + c->nconsts, sbase = ebase + c->nexn;
	if (c->nexn) {
		if (grow(c, (void **)&c->consts, &c->constcap, c->nconsts + c->nexn, sizeof(uint64_t)))
			goto out;
		memset(c->consts + c->nconsts, 0, (size_t)c->nexn * sizeof(uint64_t));
		c->nconsts += c->nexn;
	}
	for (uint32_t k = 0; k < c->nfix; k++)
		c->code[c->fixups[k]] = resolve_slot(c->code[c->fixups[k]], cbase, ebase, sbase);
	for (uint32_t k = 0; k < c->neh; k++) {
		c->eh[k].dst = resolve_slot(c->eh[k].dst, cbase, ebase, sbase);
		if (c->eh[k].exn != XW_EH_NONE)
			c->eh[k].exn = resolve_slot(c->eh[k].exn, cbase, ebase, sbase);
	}
	xw_compile_eh_sort(c->eh, c->neh);
	/* what the module keeps: the code and constants at their exact sizes */
	uint64_t keep = (uint64_t)c->ncode * sizeof(uint32_t) + (uint64_t)c->nconsts * sizeof(uint64_t) +
			(uint64_t)c->neh * sizeof(struct xw_eh_entry);
	if (!xw_module_charge(m, keep + XW_ALLOC_OVERHEAD)) {
		fail(c, -EFBIG, "translating it needs more than its limit of %llu bytes",
		     (unsigned long long)m->max_bytes);
		goto out;
	}
	uint32_t *code_fit = realloc(c->code, (c->ncode ? c->ncode : 1) * sizeof(uint32_t));
	if (code_fit)
		c->code = code_fit;
	if (c->nconsts) {
		uint64_t *consts_fit = realloc(c->consts, c->nconsts * sizeof(uint64_t));
		if (consts_fit)
			c->consts = consts_fit;
	}
	out->code = c->code;
	out->ncode = c->ncode;
	c->code = NULL;
	out->consts = c->consts;
	c->consts = NULL;
	out->nconsts = c->nconsts;
	out->eh = c->eh;
	out->neh = c->neh;
	c->eh = NULL;
	out->func_index = c->fidx;
	out->nparams = c->nparam_slots;
	out->nresults = xw_types_slots(c->ft->results, c->ft->nresults);
	out->nlocals = c->nlocal_slots;
	/* results are written to fp[0..nresults) on return */
	out->frame_slots = sbase + c->max_h > out->nresults ? sbase + c->max_h : out->nresults;
	/* entry cost: the body's instructions plus initialising the frame */
	out->fuel_cost = c->ninstr + (c->nlocal_slots - c->nparam_slots) + c->nconsts;
out:
	*work_left -= c->work < *work_left ? c->work : *work_left;
	cc_free(c);
	return c->rc;
}

int xw_compile_module(xw_module *m, char *err, size_t errlen)
{
	if (m->ncodes == 0)
		return 0;
	if (!xw_module_charge(m, (uint64_t)m->ncodes * sizeof *m->compiled)) {
		snprintf(err, errlen, "module too large: translating its %u functions needs more than its "
			 "limit of %llu bytes", m->ncodes, (unsigned long long)m->max_bytes);
		return -EFBIG;
	}
	m->compiled = calloc(m->ncodes, sizeof *m->compiled);
	if (!m->compiled) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bool dump = getenv("XDPERF_WASM_DUMP") != NULL;
	uint64_t work_left = WORK_BASE;
	for (uint32_t i = 0; i < m->ncodes; i++)
		work_left += WORK_PER_BYTE * (uint64_t)(m->codes[i].body_end - m->codes[i].body);
	for (uint32_t i = 0; i < m->ncodes; i++) {
		if (m->load_irq && xwasm_interrupt_pending(m->load_irq)) {
			snprintf(err, errlen, "loading interrupted");
			return -EINTR;
		}
		int rc = compile_func(m, i, &m->compiled[i], &work_left, err, errlen);
		if (rc)
			return rc;
		if (dump)
			xw_dump_code(stderr, &m->compiled[i]);
	}
	return 0;
}

void xw_compiled_release(xw_module *m)
{
	if (!m->compiled)
		return;
	for (uint32_t i = 0; i < m->ncodes; i++) {
		free(m->compiled[i].code);
		free(m->compiled[i].consts);
		free(m->compiled[i].eh);
	}
	free(m->compiled);
	m->compiled = NULL;
}
