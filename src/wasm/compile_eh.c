/* Exception handling in the translator: validates and translates throw, throw_ref and
 * try_table (the Wasm 3.0 exnref form) and the legacy try / catch / catch_all / delegate /
 * rethrow, through the narrow interface of compile_int.h. A try block is a plain block to the
 * core translator; its catch clauses become entries of the function's handler table
 * (eh_table.h) that the interpreter searches when something throws:
 *   try_table  each clause's values go straight to its label's slots; the entry's target is a
 *              small landing pad, emitted before the body and jumped over, that branches to the
 *              label (so loop labels charge fuel as any branch does)
 *   try        each catch / catch_all starts a new path of the same block, which the entry
 *              targets; the exception is kept in a hidden frame slot (one per nesting level of
 *              legacy try blocks) for rethrow
 *   delegate   an entry that moves the search out to the block it names */
#include <stdlib.h>
#include "wasm/module.h"
#include "wasm/compile_int.h"

static bool legacy(uint8_t kind) { return kind == 0x06 || kind == 0x07 || kind == 0x19; }

static int tag_type(struct cc *c, xw_module *m, uint32_t x, const xw_functype **t)
{
	if (x >= m->ntags)
		return xw_cc_invalid(c, "unknown tag");
	*t = &m->types[m->tag_types[x]];
	return 0;
}

static int op_throw(struct cc *c, xw_module *m)
{
	uint32_t x, h;
	const xw_functype *t = NULL;
	int rc = xw_cc_u32(c, &x);
	if (!rc)
		rc = tag_type(c, m, x, &t);
	if (!rc)
		rc = xw_cc_args(c, t->nparams, t->params, &h);
	if (rc)
		return rc;
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_THROW);
		xw_cc_word(c, x);
		xw_cc_dst(c, h);
	}
	rc = xw_cc_pop_types(c, t->nparams, t->params);
	xw_cc_unreachable(c);
	return rc;
}

static int op_throw_ref(struct cc *c)
{
	struct opd o;
	uint32_t h;
	int rc = xw_cc_pop(c, XWASM_EXNREF, &o, &h);
	if (rc)
		return rc;
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_THROW_REF);
		xw_cc_operand(c, &o, h);
	}
	xw_cc_unreachable(c);
	return 0;
}

struct clause {
	uint8_t kind;   /* 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref */
	uint32_t tag, label, dst, pad;
	const xw_functype *t;
};

/* The types a clause gives its label must be exactly the label's. */
static int check_clause(struct cc *c, const struct clause *k)
{
	uint32_t n;
	const uint8_t *types;
	int rc = xw_cc_label(c, k->label, &n, &types);
	if (rc)
		return rc;
	uint32_t nv = k->kind < 2 ? k->t->nparams : 0;
	bool ref = k->kind & 1;
	bool ok = n == nv + ref;
	for (uint32_t i = 0; ok && i < nv; i++)
		ok = types[i] == k->t->params[i];
	if (ok && ref)
		ok = types[nv] == XWASM_EXNREF;
	return ok ? 0 : xw_cc_invalid(c, "type mismatch in catch clause");
}

static int op_try_table(struct cc *c, xw_module *m)
{
	uint32_t np, nr, n;
	const uint8_t *params, *results;
	int rc = xw_cc_blocktype(c, &np, &params, &nr, &results);
	if (!rc)
		rc = xw_cc_u32(c, &n);
	if (rc)
		return rc;
	if (n > 1u << 20)
		return xw_cc_invalid(c, "too many catch clauses");
	struct clause *v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return xw_cc_invalid(c, "out of memory");
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct clause *k = &v[i];
		rc = xw_cc_u8(c, &k->kind);
		if (!rc && k->kind > 3)
			rc = xw_cc_invalid(c, "malformed catch clause");
		if (!rc && k->kind < 2) {
			rc = xw_cc_u32(c, &k->tag);
			if (!rc)
				rc = tag_type(c, m, k->tag, &k->t);
		}
		if (!rc)
			rc = xw_cc_u32(c, &k->label);
		if (!rc)
			rc = check_clause(c, k);
	}
	bool live = xw_cc_live(c);
	if (!rc && live && n) {
		/* landing pads: jumped over on entry, each branches to its clause's label */
		uint32_t ins = xw_cc_here(c);
		xw_cc_op(c, XW_OP_BR);
		xw_cc_word(c, 0);
		for (uint32_t i = 0; i < n; i++) {
			v[i].dst = xw_cc_label_slot(c, v[i].label);
			v[i].pad = xw_cc_here(c);
			xw_cc_jump(c, v[i].label);
		}
		xw_cc_patch(c, ins + 1, xw_cc_here(c) - ins);
		xw_cc_label_here(c);
	}
	if (!rc)
		rc = xw_cc_open(c, np, params, nr, results);
	if (!rc) {
		struct xw_eh_ctl *e = xw_cc_eh_ctl(c, 0);
		e->kind = 0x1f;
		e->body_start = xw_cc_here(c);
		e->first = xw_cc_eh_count(c);
		e->n = live ? n : 0;
		uint32_t level = xw_cc_nctl(c) - 1;
		for (uint32_t i = 0; live && i < n && !rc; i++) {
			const struct clause *k = &v[i];
			uint32_t nslots = k->kind < 2 ? xw_types_slots(k->t->params, k->t->nparams) : 0;
			struct xw_eh_entry en = {
				.start = e->body_start, .end = e->body_start,
				.tag = k->kind < 2 ? k->tag : XW_EH_NONE, .dst = k->dst,
				.exn = k->kind & 1 ? k->dst + nslots : XW_EH_NONE, .target = k->pad,
				.level = level, .delegate = XW_EH_NONE, .values = k->kind < 2,
			};
			rc = xw_cc_eh_add(c, &en);
		}
	}
	free(v);
	return rc;
}

static int op_try(struct cc *c)
{
	uint32_t np, nr;
	const uint8_t *params, *results;
	int rc = xw_cc_blocktype(c, &np, &params, &nr, &results);
	if (rc)
		return rc;
	/* hidden-slot index: the legacy blocks around it */
	uint32_t idx = *xw_cc_legacy_open(c);
	bool live = xw_cc_live(c);
	rc = xw_cc_open(c, np, params, nr, results);
	if (rc)
		return rc;
	++*xw_cc_legacy_open(c);
	struct xw_eh_ctl *e = xw_cc_eh_ctl(c, 0);
	e->kind = 0x06;
	e->exn_idx = idx;
	e->body_start = live ? xw_cc_here(c) : XW_EH_NONE;
	return 0;
}

static int op_catch(struct cc *c, xw_module *m, uint8_t b)
{
	struct xw_eh_ctl *e = xw_cc_eh_ctl(c, 0);
	if (e->kind != 0x06 && e->kind != 0x07)
		return xw_cc_invalid(c, b == 0x07 ? "catch without try" : "catch_all without try");
	const xw_functype *t = NULL;
	uint32_t x = XW_EH_NONE;
	int rc = 0;
	if (b == 0x07) {
		rc = xw_cc_u32(c, &x);
		if (!rc)
			rc = tag_type(c, m, x, &t);
	}
	if (rc)
		return rc;
	if (e->kind == 0x06)
		e->body_end = xw_cc_here(c);
	rc = xw_cc_restart(c, t ? t->nparams : 0, t ? t->params : NULL);
	if (rc)
		return rc;
	e = xw_cc_eh_ctl(c, 0);
	e->kind = b;
	if (e->body_start == XW_EH_NONE || e->body_end <= e->body_start)
		return 0;
	struct xw_eh_entry en = {
		.start = e->body_start, .end = e->body_end, .tag = x,
		.dst = xw_cc_label_slot(c, 0), .exn = xw_cc_exn_slot(c, e->exn_idx),
		.target = xw_cc_here(c), .level = xw_cc_nctl(c) - 1, .delegate = XW_EH_NONE,
		.values = b == 0x07, .legacy = 1,
	};
	return xw_cc_eh_add(c, &en);
}

static int op_delegate(struct cc *c)
{
	struct xw_eh_ctl *e = xw_cc_eh_ctl(c, 0);
	if (e->kind != 0x06)
		return xw_cc_invalid(c, "delegate without try");
	uint32_t l;
	int rc = xw_cc_u32(c, &l);
	if (rc)
		return rc;
	uint32_t level = xw_cc_nctl(c) - 1;
	if (l >= level)
		return xw_cc_invalid(c, "unknown label");
	uint32_t here = xw_cc_here(c);
	if (e->body_start != XW_EH_NONE && here > e->body_start) {
		struct xw_eh_entry en = {
			.start = e->body_start, .end = here, .tag = XW_EH_NONE, .dst = 0,
			.exn = XW_EH_NONE, .target = 0, .level = level, .delegate = level - 1 - l,
		};
		rc = xw_cc_eh_add(c, &en);
	}
	e->kind = 0x02; /* ends as a plain block */
	--*xw_cc_legacy_open(c);
	return rc ? rc : xw_cc_end(c);
}

static int op_rethrow(struct cc *c)
{
	uint32_t l;
	int rc = xw_cc_u32(c, &l);
	if (rc)
		return rc;
	struct xw_eh_ctl *e = xw_cc_eh_ctl(c, l);
	if (!e)
		return xw_cc_invalid(c, "unknown label");
	if (e->kind != 0x07 && e->kind != 0x19)
		return xw_cc_invalid(c, "invalid rethrow label");
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_RETHROW);
		xw_cc_slot(c, xw_cc_exn_slot(c, e->exn_idx));
	}
	xw_cc_unreachable(c);
	return 0;
}

int xw_compile_eh(struct cc *c, uint8_t b)
{
	xw_module *m = xw_cc_module(c);
	switch (b) {
	case 0x06: return op_try(c);
	case 0x07:
	case 0x19: return op_catch(c, m, b);
	case 0x08: return op_throw(c, m);
	case 0x09: return op_rethrow(c);
	case 0x0a: return op_throw_ref(c);
	case 0x18: return op_delegate(c);
	default: return op_try_table(c, m);
	}
}

void xw_compile_eh_end(struct cc *c, struct xw_eh_ctl *e)
{
	if (legacy(e->kind))
		--*xw_cc_legacy_open(c);
	if (e->kind == 0x1f) {
		uint32_t here = xw_cc_here(c);
		for (uint32_t i = 0; i < e->n; i++)
			xw_cc_eh_entry(c, e->first + i)->end = here;
	}
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct xw_eh_entry *a = pa, *b = pb;
	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void xw_compile_eh_sort(struct xw_eh_entry *v, uint32_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_entry);
}
