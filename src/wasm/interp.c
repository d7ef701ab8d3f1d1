/* The interpreter: executes translated code (code.h) with computed-goto threading.
 * wasm-to-wasm calls do not recurse on the C stack: frames live in xw_exec. Hot state
 * (ip, fp, memory base and size, fuel) stays in locals; it is reloaded after anything that
 * may change it (calls, memory.grow, host functions). The fuel local is one slice of the
 * call's budget (interrupt.c): when it runs out, fuel_out takes the next one or traps with
 * fuel exhausted or interrupted. */
#include <math.h>
#include <string.h>
#include "wasm/runtime.h"
#include "wasm/simd_exec.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host"
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline float f32_of(uint64_t s) { float f; uint32_t u = (uint32_t)s; memcpy(&f, &u, 4); return f; }
static inline uint64_t of_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline double f64_of(uint64_t s) { double d; memcpy(&d, &s, 8); return d; }
static inline uint64_t of_f64(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static inline float wf32_min(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}
static inline float wf32_max(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}
static inline double wf64_min(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}
static inline double wf64_max(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t a, uint32_t k) { k &= 31; return (a << k) | (a >> ((32 - k) & 31)); }
static inline uint32_t rotr32(uint32_t a, uint32_t k) { k &= 31; return (a >> k) | (a << ((32 - k) & 31)); }
static inline uint64_t rotl64(uint64_t a, uint64_t k) { k &= 63; return (a << k) | (a >> ((64 - k) & 63)); }
static inline uint64_t rotr64(uint64_t a, uint64_t k) { k &= 63; return (a >> k) | (a << ((64 - k) & 63)); }

/* Saturating truncations. */
static inline int32_t sat_i32_f64(double x)
{
	if (x != x) return 0;
	if (x <= -2147483649.0) return INT32_MIN;
	if (x >= 2147483648.0) return INT32_MAX;
	return (int32_t)x;
}
static inline uint32_t sat_u32_f64(double x)
{
	if (x != x || x <= -1.0) return 0;
	if (x >= 4294967296.0) return UINT32_MAX;
	return (uint32_t)x;
}
static inline int64_t sat_i64_f64(double x)
{
	if (x != x) return 0;
	if (x < -9223372036854775808.0) return INT64_MIN;
	if (x >= 9223372036854775808.0) return INT64_MAX;
	return (int64_t)x;
}
static inline uint64_t sat_u64_f64(double x)
{
	if (x != x || x <= -1.0) return 0;
	if (x >= 18446744073709551616.0) return UINT64_MAX;
	return (uint64_t)x;
}

/* Every load: name, C type, width, conversion of the loaded value v to a slot. */
#define XW_LOADS(M)                                                                       \
	M(I32_LOAD, uint32_t, 4, v)                                                       \
	M(I64_LOAD, uint64_t, 8, v)                                                       \
	M(I32_LOAD8_S, int8_t, 1, (uint32_t)(int32_t)v)                                   \
	M(I32_LOAD8_U, uint8_t, 1, v)                                                     \
	M(I32_LOAD16_S, int16_t, 2, (uint32_t)(int32_t)v)                                 \
	M(I32_LOAD16_U, uint16_t, 2, v)                                                   \
	M(I64_LOAD8_S, int8_t, 1, (uint64_t)(int64_t)v)                                   \
	M(I64_LOAD8_U, uint8_t, 1, v)                                                     \
	M(I64_LOAD16_S, int16_t, 2, (uint64_t)(int64_t)v)                                 \
	M(I64_LOAD16_U, uint16_t, 2, v)                                                   \
	M(I64_LOAD32_S, int32_t, 4, (uint64_t)(int64_t)v)                                 \
	M(I64_LOAD32_U, uint32_t, 4, v)
/* Every store: name, C type the value is narrowed to, width. */
#define XW_STORES(M) M(I32_STORE, uint32_t, 4) M(I64_STORE, uint64_t, 8) M(STORE8, uint8_t, 1) \
	M(STORE16, uint16_t, 2)

/* Bulk memory operations larger than XW_BULK_PIECE bytes run in pieces with a look at the
 * interrupt flag between them, so that one fill or copy of up to 4 GiB does not hold up an
 * interrupt. False: interrupted, the operation partly done. */
#define XW_BULK_PIECE ((uint64_t)16 << 20)

__attribute__((noinline, cold)) static bool bulk_fill(const struct xw_exec *ex, uint8_t *d, int v, uint64_t n)
{
	for (; n > XW_BULK_PIECE; n -= XW_BULK_PIECE, d += XW_BULK_PIECE) {
		memset(d, v, XW_BULK_PIECE);
		if (xw_interrupted(ex))
			return false;
	}
	memset(d, v, n);
	return true;
}

/* memmove in pieces: front to back when the destination is below the source, back to front
 * otherwise, so that overlapping ranges copy as one memmove would. */
__attribute__((noinline, cold)) static bool bulk_move(const struct xw_exec *ex, uint8_t *d, const uint8_t *s, uint64_t n)
{
	if ((uintptr_t)d <= (uintptr_t)s) {
		for (; n > XW_BULK_PIECE; n -= XW_BULK_PIECE, d += XW_BULK_PIECE, s += XW_BULK_PIECE) {
			memmove(d, s, XW_BULK_PIECE);
			if (xw_interrupted(ex))
				return false;
		}
		memmove(d, s, n);
		return true;
	}
	for (; n > XW_BULK_PIECE; n -= XW_BULK_PIECE) {
		memmove(d + n - XW_BULK_PIECE, s + n - XW_BULK_PIECE, XW_BULK_PIECE);
		if (xw_interrupted(ex))
			return false;
	}
	memmove(d, s, n);
	return true;
}

/* memory.atomic.wait sleeps out its timeout in pieces of at most this many nanoseconds, with
 * a look at fuel and the interrupt flag before each (interp_atomic.inc). */
#define XW_WAIT_PIECE ((uint64_t)10 * 1000 * 1000)

static inline void reload_mem(xwasm_instance *inst, uint8_t **base, uint64_t *size)
{
	xwasm_memory *m = inst->mem;
	*base = m ? m->base : NULL;
	*size = m ? m->size : 0;
}

static int run(struct xw_exec *ex, xwasm_func *entry, uint64_t *fp, const int32_t **handlers_out)
{
#define H(name, n) [XW_OP_##name] = (int32_t)((char *)&&L_##name - (char *)&&L_base),
	static const int32_t handlers[XW_OP_COUNT] = { XW_OPS(H) };
#undef H
	if (handlers_out) {
		*handlers_out = handlers;
		return 0;
	}

	xwasm_instance *inst = entry->inst;
	const xw_compiled_func *cf = entry->code;
	const uint32_t *ip;
	uint8_t *mem;
	uint64_t memsize;
	int64_t fuel = ex->fuel;
	int trap = 0;
	const char *detail = NULL;
	char exn_detail[64]; /* an uncaught exception's tag (interp_eh.inc) */
	reload_mem(inst, &mem, &memsize);

#define DISPATCH() goto *(void *)((char *)&&L_base + (int32_t)ip[0])
#define NEXT(n) do { ip += 1 + (n); DISPATCH(); } while (0)
#define S(i) fp[ip[i]]
#define U32(i) ((uint32_t)S(i))
#define I32(i) ((int32_t)(uint32_t)S(i))
#define U64(i) (S(i))
#define I64(i) ((int64_t)S(i))
#define F32(i) f32_of(S(i))
#define F64(i) f64_of(S(i))
#define TRAP(kind, msg) do { trap = (kind); detail = (msg); goto do_trap; } while (0)
/* bulk operations cost fuel in proportion to their size (1 unit per 16 bytes or per element),
 * charged before they run */
#define CHARGE(units)                                                                     \
	do {                                                                             \
		fuel -= (int64_t)(units);                                                \
		if (UNLIKELY(fuel < 0)) {                                                \
			trap = xw_fuel_next_slice(ex, fuel);                             \
			fuel = ex->fuel;                                                 \
			reload_mem(inst, &mem, &memsize); /* not kept across the call */ \
			if (trap)                                                        \
				goto do_trap;                                            \
		}                                                                        \
	} while (0)

	/* entry frame: a sentinel return address ends the run */
	if (UNLIKELY(ex->depth >= ex->max_depth || fp + cf->frame_slots > ex->stack_end))
		TRAP(XWASM_TRAP_STACK_EXHAUSTED, NULL);
	{
		struct xw_frame *fr = &ex->frames[ex->depth++];
		fr->ip = NULL;
		fr->fp = NULL;
		fr->inst = inst;
		fr->cf = NULL;
	}
	memset(fp + cf->nparams, 0, (size_t)(cf->nlocals - cf->nparams) * 8);
	if (cf->nconsts)
		memcpy(fp + cf->nlocals, cf->consts, (size_t)cf->nconsts * 8);
	fuel -= cf->fuel_cost;
	ip = cf->code;
	if (UNLIKELY(fuel < 0))
		goto fuel_out;
	DISPATCH();

	/* the fuel slice ran out (at a function entry or a loop back-edge, ip at the next
	 * instruction): take the next slice, or trap */
fuel_out:
	trap = xw_fuel_next_slice(ex, fuel);
	fuel = ex->fuel;
	reload_mem(inst, &mem, &memsize); /* so that they need not be kept across the call */
	if (UNLIKELY(trap))
		goto do_trap;
	DISPATCH();

L_base:
L_UNREACHABLE:
	TRAP(XWASM_TRAP_UNREACHABLE, NULL);
L_BR:
	ip += (int32_t)ip[1];
	DISPATCH();
L_BR_IF:
	if (U32(1)) { ip += (int32_t)ip[2]; DISPATCH(); }
	NEXT(2);
L_BR_UNLESS:
	if (!U32(1)) { ip += (int32_t)ip[2]; DISPATCH(); }
	NEXT(2);
L_BR_TABLE: {
	uint32_t i = U32(1), n = ip[2];
	if (i > n)
		i = n;
	ip += (int32_t)ip[3 + i];
	DISPATCH();
}
L_COPY:
	S(1) = S(2);
	NEXT(2);
L_SELECT:
	S(1) = U32(4) ? S(2) : S(3);
	NEXT(4);
L_GLOBAL_GET:
	S(1) = inst->globals[ip[2]]->value;
	NEXT(2);
L_GLOBAL_SET:
	inst->globals[ip[2]]->value = S(1);
	NEXT(2);

#define BRCMP(name, T, cmp)                                                               \
	L_BR_##name:                                                                     \
	if ((T)S(1) cmp (T)S(2)) { ip += (int32_t)ip[3]; DISPATCH(); }                     \
	NEXT(3);
	BRCMP(I32_EQ, uint32_t, ==) BRCMP(I32_NE, uint32_t, !=) BRCMP(I32_LT_S, int32_t, <)
	BRCMP(I32_LT_U, uint32_t, <) BRCMP(I32_GT_S, int32_t, >) BRCMP(I32_GT_U, uint32_t, >)
	BRCMP(I32_LE_S, int32_t, <=) BRCMP(I32_LE_U, uint32_t, <=) BRCMP(I32_GE_S, int32_t, >=)
	BRCMP(I32_GE_U, uint32_t, >=)
	BRCMP(I64_EQ, uint64_t, ==) BRCMP(I64_NE, uint64_t, !=) BRCMP(I64_LT_S, int64_t, <)
	BRCMP(I64_LT_U, uint64_t, <) BRCMP(I64_GT_S, int64_t, >) BRCMP(I64_GT_U, uint64_t, >)
	BRCMP(I64_LE_S, int64_t, <=) BRCMP(I64_LE_U, uint64_t, <=) BRCMP(I64_GE_S, int64_t, >=)
	BRCMP(I64_GE_U, uint64_t, >=)
#undef BRCMP
L_BR_I32_EQZ:
	if (!U32(1)) { ip += (int32_t)ip[2]; DISPATCH(); }
	NEXT(2);
L_BR_I64_EQZ:
	if (!U64(1)) { ip += (int32_t)ip[2]; DISPATCH(); }
	NEXT(2);

	/* backward branches to loop labels charge fuel when taken: the cost in word costw, the
	 * offset in word offw */
#define BACKEDGE(costw, offw)                                                             \
	do {                                                                             \
		fuel -= ip[costw];                                                       \
		ip += (int32_t)ip[offw];                                                 \
		if (UNLIKELY(fuel < 0))                                                  \
			goto fuel_out;                                                   \
		DISPATCH();                                                              \
	} while (0)
L_BR_L:
	BACKEDGE(2, 1);
L_BR_IF_L:
	if (U32(1)) BACKEDGE(3, 2);
	NEXT(3);
L_BR_UNLESS_L:
L_BR_I32_EQZ_L:
	if (!U32(1)) BACKEDGE(3, 2);
	NEXT(3);
L_BR_I64_EQZ_L:
	if (!U64(1)) BACKEDGE(3, 2);
	NEXT(3);
#define BRCMP_L(name, T, cmp)                                                             \
	L_BR_##name##_L:                                                                 \
	if ((T)S(1) cmp (T)S(2)) BACKEDGE(4, 3);                                           \
	NEXT(4);
	BRCMP_L(I32_EQ, uint32_t, ==) BRCMP_L(I32_NE, uint32_t, !=) BRCMP_L(I32_LT_S, int32_t, <)
	BRCMP_L(I32_LT_U, uint32_t, <) BRCMP_L(I32_GT_S, int32_t, >) BRCMP_L(I32_GT_U, uint32_t, >)
	BRCMP_L(I32_LE_S, int32_t, <=) BRCMP_L(I32_LE_U, uint32_t, <=) BRCMP_L(I32_GE_S, int32_t, >=)
	BRCMP_L(I32_GE_U, uint32_t, >=)
	BRCMP_L(I64_EQ, uint64_t, ==) BRCMP_L(I64_NE, uint64_t, !=) BRCMP_L(I64_LT_S, int64_t, <)
	BRCMP_L(I64_LT_U, uint64_t, <) BRCMP_L(I64_GT_S, int64_t, >) BRCMP_L(I64_GT_U, uint64_t, >)
	BRCMP_L(I64_LE_S, int64_t, <=) BRCMP_L(I64_LE_U, uint64_t, <=) BRCMP_L(I64_GE_S, int64_t, >=)
	BRCMP_L(I64_GE_U, uint64_t, >=)
#undef BRCMP_L

	/* ---- calls ---- */
	{
		xwasm_func *callee;
		uint64_t *nfp;
		const uint32_t *ret;
L_CALL:
		callee = inst->funcs[ip[1]];
		nfp = fp + ip[2];
		ret = ip + 3;
		goto do_call;
L_CALL_INDIRECT: {
		xwasm_table *t = inst->tables[ip[1]];
		uint32_t i = U32(3);
		if (UNLIKELY(i >= t->size))
			TRAP(XWASM_TRAP_UNDEFINED_ELEM, NULL);
		callee = t->elems[i];
		if (UNLIKELY(!callee))
			TRAP(XWASM_TRAP_UNINIT_ELEM, NULL);
		if (UNLIKELY(!xw_functype_eq(callee->type, &inst->mod->types[ip[2]])))
			TRAP(XWASM_TRAP_INDIRECT_TYPE, NULL);
		nfp = fp + ip[4];
		ret = ip + 5;
	}
do_call:
		if (LIKELY(callee->code != NULL)) {
			const xw_compiled_func *ncf = callee->code;
			if (UNLIKELY(ex->depth >= ex->max_depth || nfp + ncf->frame_slots > ex->stack_end))
				TRAP(XWASM_TRAP_STACK_EXHAUSTED, NULL);
			struct xw_frame *fr = &ex->frames[ex->depth++];
			fr->ip = ret;
			fr->fp = fp;
			fr->inst = inst;
			fr->cf = cf;
			fp = nfp;
			cf = ncf;
			if (callee->inst != inst) {
				inst = callee->inst;
				reload_mem(inst, &mem, &memsize);
			}
			for (uint32_t k = cf->nparams; k < cf->nlocals; k++)
				fp[k] = 0;
			for (uint32_t k = 0; k < cf->nconsts; k++)
				fp[cf->nlocals + k] = cf->consts[k];
			fuel -= cf->fuel_cost;
			ip = cf->code;
			if (UNLIKELY(fuel < 0))
				goto fuel_out;
			DISPATCH();
		}
		/* host function: arguments at AT (its results are left there, NR slots); the fuel
		 * goes with the call, which then costs XW_HOST_CALL_FUEL more (looked at by the
		 * next charge: a loop's back-edge or a call); a host trap's message is already in
		 * ex->trap */
#define HOST_CALL(F, AT, NR)                                                                     \
	{                                                                                        \
		const xw_functype *ht_ = (F)->type;                                              \
		uint32_t np_ = xw_types_slots(ht_->params, ht_->nparams);                        \
		NR = xw_types_slots(ht_->results, ht_->nresults);                                \
		uint32_t n_ = np_ > NR ? np_ : NR;                                               \
		if (UNLIKELY((AT) + n_ > ex->stack_end))                                         \
			TRAP(XWASM_TRAP_STACK_EXHAUSTED, NULL);                                  \
		ex->fuel = fuel;                                                                 \
		uint64_t *saved_sp_ = ex->sp;                                                    \
		ex->sp = (AT) + n_;                                                              \
		int r_ = xw_call_host(ex, inst, (F), (AT));                                      \
		ex->sp = saved_sp_;                                                              \
		fuel = ex->fuel - XW_HOST_CALL_FUEL;                                             \
		reload_mem(inst, &mem, &memsize);                                                \
		if (UNLIKELY(r_)) {                                                              \
			trap = r_;                                                               \
			goto do_host_trap;                                                       \
		}                                                                                \
		/* a host function may have taken long (or waited): look at the flag now */    \
		if (UNLIKELY(xw_interrupted(ex)))                                                \
			TRAP(XWASM_TRAP_INTERRUPTED, NULL);                                      \
	}
		uint32_t nr;
		HOST_CALL(callee, nfp, nr);
		(void)nr;
		ip = ret;
		DISPATCH();
	}
L_RETURN: {
	struct xw_frame *fr = &ex->frames[--ex->depth];
	if (UNLIKELY(!fr->ip))
		goto done;
	ip = fr->ip;
	fp = fr->fp;
	cf = fr->cf;
	if (fr->inst != inst) {
		inst = fr->inst;
		reload_mem(inst, &mem, &memsize);
	}
	DISPATCH();
}

	/* ---- tail calls: the callee takes over the caller's frame (same return address, same
	 * depth: a chain of tail calls never grows the frame stack); its arguments move down to
	 * fp[0..). A host callee runs where its arguments are, then its results return. ---- */
	{
		xwasm_func *tcallee;
		uint32_t tbase;
L_RETURN_CALL:
		tcallee = inst->funcs[ip[1]];
		tbase = ip[2];
		goto do_tail_call;
L_RETURN_CALL_INDIRECT: {
		xwasm_table *t = inst->tables[ip[1]];
		uint32_t i = U32(3);
		if (UNLIKELY(i >= t->size))
			TRAP(XWASM_TRAP_UNDEFINED_ELEM, NULL);
		tcallee = t->elems[i];
		if (UNLIKELY(!tcallee))
			TRAP(XWASM_TRAP_UNINIT_ELEM, NULL);
		if (UNLIKELY(!xw_functype_eq(tcallee->type, &inst->mod->types[ip[2]])))
			TRAP(XWASM_TRAP_INDIRECT_TYPE, NULL);
		tbase = ip[4];
	}
do_tail_call:
		if (LIKELY(tcallee->code != NULL)) {
			const xw_compiled_func *ncf = tcallee->code;
			if (UNLIKELY(fp + ncf->frame_slots > ex->stack_end))
				TRAP(XWASM_TRAP_STACK_EXHAUSTED, NULL);
			memmove(fp, fp + tbase, (size_t)ncf->nparams * 8);
			cf = ncf;
			if (tcallee->inst != inst) {
				inst = tcallee->inst;
				reload_mem(inst, &mem, &memsize);
			}
			for (uint32_t k = cf->nparams; k < cf->nlocals; k++)
				fp[k] = 0;
			for (uint32_t k = 0; k < cf->nconsts; k++)
				fp[cf->nlocals + k] = cf->consts[k];
			fuel -= cf->fuel_cost;
			ip = cf->code;
			if (UNLIKELY(fuel < 0))
				goto fuel_out;
			DISPATCH();
		}
		/* a host function: called like a call, its results then returned as ours */
		uint64_t *tfp = fp + tbase;
		uint32_t tnr;
		HOST_CALL(tcallee, tfp, tnr);
		memmove(fp, tfp, (size_t)tnr * 8);
		goto L_RETURN;
	}

	/* ---- memory ---- */
/* Loads and stores in three addressing forms: slot + offset; (slot + slot) + offset
	 * (fused i32.add); (slot + immediate) + offset. The address is computed in 64 bits, so
	 * one compare against the memory size bounds-checks the whole access. */
#define MEM_LOAD(EA, NW, T, n, conv)                                                      \
	{                                                                                \
		uint64_t ea = (EA);                                                      \
		if (UNLIKELY(ea + (n) > memsize))                                        \
			TRAP(XWASM_TRAP_MEMORY_OOB, NULL);                               \
		T v;                                                                     \
		memcpy(&v, mem + ea, n);                                                 \
		S(1) = conv;                                                             \
		NEXT(NW);                                                                \
	}
#define MEM_STORE(EA, VAL, NW, T, n)                                                      \
	{                                                                                \
		uint64_t ea = (EA);                                                      \
		if (UNLIKELY(ea + (n) > memsize))                                        \
			TRAP(XWASM_TRAP_MEMORY_OOB, NULL);                               \
		T v = (T)(VAL);                                                          \
		memcpy(mem + ea, &v, n);                                                 \
		NEXT(NW);                                                                \
	}
#define LOAD(name, T, n, conv) L_##name: MEM_LOAD((uint64_t)U32(2) + ip[3], 3, T, n, conv)
#define LOAD_A(name, T, n, conv)                                                          \
	L_##name##_A: MEM_LOAD((uint64_t)(uint32_t)(U32(2) + U32(3)) + ip[4], 4, T, n, conv)
#define LOAD_AI(name, T, n, conv)                                                         \
	L_##name##_AI: MEM_LOAD((uint64_t)(uint32_t)(U32(2) + ip[3]) + ip[4], 4, T, n, conv)
#define STORE(name, T, n) L_##name: MEM_STORE((uint64_t)U32(1) + ip[3], S(2), 3, T, n)
#define STORE_A(name, T, n)                                                               \
	L_##name##_A: MEM_STORE((uint64_t)(uint32_t)(U32(1) + U32(2)) + ip[4], S(3), 4, T, n)
#define STORE_AI(name, T, n)                                                              \
	L_##name##_AI: MEM_STORE((uint64_t)(uint32_t)(U32(1) + ip[2]) + ip[4], S(3), 4, T, n)
	XW_LOADS(LOAD) XW_LOADS(LOAD_A) XW_LOADS(LOAD_AI)
	XW_STORES(STORE) XW_STORES(STORE_A) XW_STORES(STORE_AI)
#undef LOAD
#undef LOAD_A
#undef LOAD_AI
#undef STORE
#undef STORE_A
#undef STORE_AI
L_MEMORY_SIZE:
	S(1) = inst->mem->pages;
	NEXT(1);
L_MEMORY_GROW: {
	int64_t r = xw_memory_grow(inst->mem, U32(2));
	reload_mem(inst, &mem, &memsize);
	S(1) = (uint32_t)(int32_t)r;
	NEXT(2);
}
L_MEMORY_FILL: {
	uint64_t d = U32(1), n = U32(3);
	if (UNLIKELY(d + n > memsize))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE))
		memset(mem + d, (int)(uint8_t)U32(2), n);
	else if (!bulk_fill(ex, mem + d, (int)(uint8_t)U32(2), n))
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	NEXT(3);
}
L_MEMORY_COPY: {
	uint64_t d = U32(1), s = U32(2), n = U32(3);
	if (UNLIKELY(d + n > memsize || s + n > memsize))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE))
		memmove(mem + d, mem + s, n);
	else if (!bulk_move(ex, mem + d, mem + s, n))
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	NEXT(3);
}
L_MEMORY_INIT: {
	uint32_t seg = ip[1];
	uint64_t d = U32(2), s = U32(3), n = U32(4);
	if (UNLIKELY(s + n > inst->data_sizes[seg] || d + n > memsize))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE)) {
		if (n)
			memcpy(mem + d, inst->mod->datas[seg].bytes + s, n);
	} else if (!bulk_move(ex, mem + d, inst->mod->datas[seg].bytes + s, n)) {
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	}
	NEXT(4);
}
L_DATA_DROP:
	inst->data_sizes[ip[1]] = 0;
	NEXT(1);

	/* ---- multi-memory: memories other than 0, looked up per instruction ---- */
L_LOAD_M: {
	const xwasm_memory *mm = inst->mems[ip[4]];
	uint64_t ea = (uint64_t)U32(2) + ip[3];
	switch (ip[5]) {
#define LOAD_M(name, T, n, conv)                                                          \
	case XW_OP_##name: {                                                             \
		if (UNLIKELY(ea + (n) > mm->size))                                       \
			TRAP(XWASM_TRAP_MEMORY_OOB, NULL);                               \
		T v;                                                                     \
		memcpy(&v, mm->base + ea, n);                                            \
		S(1) = conv;                                                             \
		break;                                                                   \
	}
	XW_LOADS(LOAD_M)
#undef LOAD_M
	default:
		break;
	}
	NEXT(5);
}
L_STORE_M: {
	xwasm_memory *mm = inst->mems[ip[4]];
	uint64_t ea = (uint64_t)U32(1) + ip[3];
	switch (ip[5]) {
#define STORE_M(name, T, n)                                                               \
	case XW_OP_##name: {                                                             \
		if (UNLIKELY(ea + (n) > mm->size))                                       \
			TRAP(XWASM_TRAP_MEMORY_OOB, NULL);                               \
		T v = (T)S(2);                                                           \
		memcpy(mm->base + ea, &v, n);                                            \
		break;                                                                   \
	}
	XW_STORES(STORE_M)
#undef STORE_M
	default:
		break;
	}
	NEXT(5);
}
L_MEMORY_SIZE_M:
	S(1) = inst->mems[ip[2]]->pages;
	NEXT(2);
L_MEMORY_GROW_M: {
	int64_t r = xw_memory_grow(inst->mems[ip[3]], U32(2));
	reload_mem(inst, &mem, &memsize); /* it may be memory 0 imported twice */
	S(1) = (uint32_t)(int32_t)r;
	NEXT(3);
}
L_MEMORY_FILL_M: {
	xwasm_memory *mm = inst->mems[ip[4]];
	uint64_t d = U32(1), n = U32(3);
	if (UNLIKELY(d + n > mm->size))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE))
		memset(mm->base + d, (int)(uint8_t)U32(2), n);
	else if (!bulk_fill(ex, mm->base + d, (int)(uint8_t)U32(2), n))
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	NEXT(4);
}
L_MEMORY_COPY_M: {
	xwasm_memory *dm = inst->mems[ip[4]], *sm = inst->mems[ip[5]];
	uint64_t d = U32(1), s = U32(2), n = U32(3);
	if (UNLIKELY(d + n > dm->size || s + n > sm->size))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE))
		memmove(dm->base + d, sm->base + s, n);
	else if (!bulk_move(ex, dm->base + d, sm->base + s, n))
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	NEXT(5);
}
L_MEMORY_INIT_M: {
	xwasm_memory *mm = inst->mems[ip[5]];
	uint32_t seg = ip[1];
	uint64_t d = U32(2), s = U32(3), n = U32(4);
	if (UNLIKELY(s + n > inst->data_sizes[seg] || d + n > mm->size))
		TRAP(XWASM_TRAP_MEMORY_OOB, NULL);
	CHARGE(n >> 4);
	if (LIKELY(n <= XW_BULK_PIECE)) {
		if (n)
			memcpy(mm->base + d, inst->mod->datas[seg].bytes + s, n);
	} else if (!bulk_move(ex, mm->base + d, inst->mod->datas[seg].bytes + s, n)) {
		TRAP(XWASM_TRAP_INTERRUPTED, NULL);
	}
	NEXT(5);
}

	/* ---- tables and references ---- */
L_TABLE_GET: {
	xwasm_table *t = inst->tables[ip[2]];
	uint32_t i = U32(3);
	if (UNLIKELY(i >= t->size))
		TRAP(XWASM_TRAP_TABLE_OOB, NULL);
	S(1) = (uint64_t)(uintptr_t)t->elems[i];
	NEXT(3);
}
L_TABLE_SET: {
	xwasm_table *t = inst->tables[ip[1]];
	uint32_t i = U32(2);
	if (UNLIKELY(i >= t->size))
		TRAP(XWASM_TRAP_TABLE_OOB, NULL);
	t->elems[i] = (void *)(uintptr_t)S(3);
	NEXT(3);
}
L_TABLE_SIZE:
	S(1) = inst->tables[ip[2]]->size;
	NEXT(2);
L_TABLE_GROW: {
	int64_t r = xw_table_grow(inst->tables[ip[2]], U32(4), (void *)(uintptr_t)S(3));
	S(1) = (uint32_t)(int32_t)r;
	NEXT(4);
}
L_TABLE_FILL: {
	xwasm_table *t = inst->tables[ip[1]];
	uint64_t i = U32(2), n = U32(4);
	void *v = (void *)(uintptr_t)S(3);
	if (UNLIKELY(i + n > t->size))
		TRAP(XWASM_TRAP_TABLE_OOB, NULL);
	CHARGE(n);
	for (uint64_t k = 0; k < n; k++)
		t->elems[i + k] = v;
	NEXT(4);
}
L_TABLE_COPY: {
	xwasm_table *td = inst->tables[ip[1]], *ts = inst->tables[ip[2]];
	uint64_t d = U32(3), s = U32(4), n = U32(5);
	if (UNLIKELY(d + n > td->size || s + n > ts->size))
		TRAP(XWASM_TRAP_TABLE_OOB, NULL);
	CHARGE(n);
	if (n)
		memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
	NEXT(5);
}
L_TABLE_INIT: {
	xwasm_table *t = inst->tables[ip[1]];
	uint32_t seg = ip[2];
	uint64_t d = U32(3), s = U32(4), n = U32(5);
	if (UNLIKELY(s + n > inst->elem_sizes[seg] || d + n > t->size))
		TRAP(XWASM_TRAP_TABLE_OOB, NULL);
	CHARGE(n);
	if (n)
		memcpy(t->elems + d, inst->elem_items[seg] + s, n * sizeof(void *));
	NEXT(5);
}
L_ELEM_DROP:
	inst->elem_sizes[ip[1]] = 0;
	NEXT(1);
L_REF_FUNC:
	S(1) = (uint64_t)(uintptr_t)inst->funcs[ip[2]];
	NEXT(2);
L_REF_IS_NULL:
	S(1) = S(2) == 0;
	NEXT(2);

	/* ---- numeric ---- */
#define UN(name, expr)  L_##name: { S(1) = (expr); NEXT(2); }
#define BIN(name, expr) L_##name: { S(1) = (expr); NEXT(3); }
	UN(I32_EQZ, U32(2) == 0)
	BIN(I32_EQ, U32(2) == U32(3)) BIN(I32_NE, U32(2) != U32(3))
	BIN(I32_LT_S, I32(2) < I32(3)) BIN(I32_LT_U, U32(2) < U32(3))
	BIN(I32_GT_S, I32(2) > I32(3)) BIN(I32_GT_U, U32(2) > U32(3))
	BIN(I32_LE_S, I32(2) <= I32(3)) BIN(I32_LE_U, U32(2) <= U32(3))
	BIN(I32_GE_S, I32(2) >= I32(3)) BIN(I32_GE_U, U32(2) >= U32(3))
	UN(I32_CLZ, U32(2) ? (uint32_t)__builtin_clz(U32(2)) : 32)
	UN(I32_CTZ, U32(2) ? (uint32_t)__builtin_ctz(U32(2)) : 32)
	UN(I32_POPCNT, (uint32_t)__builtin_popcount(U32(2)))
	BIN(I32_ADD, (uint32_t)(U32(2) + U32(3))) BIN(I32_SUB, (uint32_t)(U32(2) - U32(3)))
	BIN(I32_MUL, (uint32_t)(U32(2) * U32(3)))
	BIN(I32_AND, U32(2) & U32(3)) BIN(I32_OR, U32(2) | U32(3)) BIN(I32_XOR, U32(2) ^ U32(3))
	BIN(I32_SHL, (uint32_t)(U32(2) << (U32(3) & 31)))
	BIN(I32_SHR_S, (uint32_t)(I32(2) >> (U32(3) & 31)))
	BIN(I32_SHR_U, U32(2) >> (U32(3) & 31))
	BIN(I32_ROTL, rotl32(U32(2), U32(3))) BIN(I32_ROTR, rotr32(U32(2), U32(3)))
L_I32_DIV_S: {
	int32_t a = I32(2), b = I32(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP(XWASM_TRAP_INT_OVERFLOW, NULL);
	S(1) = (uint32_t)(a / b);
	NEXT(3);
}
L_I32_DIV_U: {
	uint32_t a = U32(2), b = U32(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = a / b;
	NEXT(3);
}
L_I32_REM_S: {
	int32_t a = I32(2), b = I32(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = (b == -1) ? 0 : (uint32_t)(a % b);
	NEXT(3);
}
L_I32_REM_U: {
	uint32_t a = U32(2), b = U32(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = a % b;
	NEXT(3);
}
	UN(I64_EQZ, U64(2) == 0)
	BIN(I64_EQ, U64(2) == U64(3)) BIN(I64_NE, U64(2) != U64(3))
	BIN(I64_LT_S, I64(2) < I64(3)) BIN(I64_LT_U, U64(2) < U64(3))
	BIN(I64_GT_S, I64(2) > I64(3)) BIN(I64_GT_U, U64(2) > U64(3))
	BIN(I64_LE_S, I64(2) <= I64(3)) BIN(I64_LE_U, U64(2) <= U64(3))
	BIN(I64_GE_S, I64(2) >= I64(3)) BIN(I64_GE_U, U64(2) >= U64(3))
	UN(I64_CLZ, U64(2) ? (uint64_t)__builtin_clzll(U64(2)) : 64)
	UN(I64_CTZ, U64(2) ? (uint64_t)__builtin_ctzll(U64(2)) : 64)
	UN(I64_POPCNT, (uint64_t)__builtin_popcountll(U64(2)))
	BIN(I64_ADD, U64(2) + U64(3)) BIN(I64_SUB, U64(2) - U64(3)) BIN(I64_MUL, U64(2) * U64(3))
	BIN(I64_AND, U64(2) & U64(3)) BIN(I64_OR, U64(2) | U64(3)) BIN(I64_XOR, U64(2) ^ U64(3))
	BIN(I64_SHL, U64(2) << (U64(3) & 63))
	BIN(I64_SHR_S, (uint64_t)(I64(2) >> (U64(3) & 63)))
	BIN(I64_SHR_U, U64(2) >> (U64(3) & 63))
	BIN(I64_ROTL, rotl64(U64(2), U64(3))) BIN(I64_ROTR, rotr64(U64(2), U64(3)))
L_I64_DIV_S: {
	int64_t a = I64(2), b = I64(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP(XWASM_TRAP_INT_OVERFLOW, NULL);
	S(1) = (uint64_t)(a / b);
	NEXT(3);
}
L_I64_DIV_U: {
	uint64_t a = U64(2), b = U64(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = a / b;
	NEXT(3);
}
L_I64_REM_S: {
	int64_t a = I64(2), b = I64(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = (b == -1) ? 0 : (uint64_t)(a % b);
	NEXT(3);
}
L_I64_REM_U: {
	uint64_t a = U64(2), b = U64(3);
	if (UNLIKELY(b == 0)) TRAP(XWASM_TRAP_DIV_ZERO, NULL);
	S(1) = a % b;
	NEXT(3);
}
	/* f32 */
	BIN(F32_EQ, F32(2) == F32(3)) BIN(F32_NE, F32(2) != F32(3))
	BIN(F32_LT, F32(2) < F32(3)) BIN(F32_GT, F32(2) > F32(3))
	BIN(F32_LE, F32(2) <= F32(3)) BIN(F32_GE, F32(2) >= F32(3))
	UN(F32_ABS, U32(2) & 0x7fffffffu)
	UN(F32_NEG, U32(2) ^ 0x80000000u)
	UN(F32_CEIL, of_f32(F32(2) != F32(2) ? F32(2) + F32(2) : ceilf(F32(2))))
	UN(F32_FLOOR, of_f32(F32(2) != F32(2) ? F32(2) + F32(2) : floorf(F32(2))))
	UN(F32_TRUNC, of_f32(F32(2) != F32(2) ? F32(2) + F32(2) : truncf(F32(2))))
	UN(F32_NEAREST, of_f32(F32(2) != F32(2) ? F32(2) + F32(2) : rintf(F32(2))))
	UN(F32_SQRT, of_f32(sqrtf(F32(2))))
	BIN(F32_ADD, of_f32(F32(2) + F32(3))) BIN(F32_SUB, of_f32(F32(2) - F32(3)))
	BIN(F32_MUL, of_f32(F32(2) * F32(3))) BIN(F32_DIV, of_f32(F32(2) / F32(3)))
	BIN(F32_MIN, of_f32(wf32_min(F32(2), F32(3))))
	BIN(F32_MAX, of_f32(wf32_max(F32(2), F32(3))))
	BIN(F32_COPYSIGN, (U32(2) & 0x7fffffffu) | (U32(3) & 0x80000000u))
	/* f64 */
	BIN(F64_EQ, F64(2) == F64(3)) BIN(F64_NE, F64(2) != F64(3))
	BIN(F64_LT, F64(2) < F64(3)) BIN(F64_GT, F64(2) > F64(3))
	BIN(F64_LE, F64(2) <= F64(3)) BIN(F64_GE, F64(2) >= F64(3))
	UN(F64_ABS, U64(2) & 0x7fffffffffffffffull)
	UN(F64_NEG, U64(2) ^ 0x8000000000000000ull)
	UN(F64_CEIL, of_f64(F64(2) != F64(2) ? F64(2) + F64(2) : ceil(F64(2))))
	UN(F64_FLOOR, of_f64(F64(2) != F64(2) ? F64(2) + F64(2) : floor(F64(2))))
	UN(F64_TRUNC, of_f64(F64(2) != F64(2) ? F64(2) + F64(2) : trunc(F64(2))))
	UN(F64_NEAREST, of_f64(F64(2) != F64(2) ? F64(2) + F64(2) : rint(F64(2))))
	UN(F64_SQRT, of_f64(sqrt(F64(2))))
	BIN(F64_ADD, of_f64(F64(2) + F64(3))) BIN(F64_SUB, of_f64(F64(2) - F64(3)))
	BIN(F64_MUL, of_f64(F64(2) * F64(3))) BIN(F64_DIV, of_f64(F64(2) / F64(3)))
	BIN(F64_MIN, of_f64(wf64_min(F64(2), F64(3))))
	BIN(F64_MAX, of_f64(wf64_max(F64(2), F64(3))))
	BIN(F64_COPYSIGN, (U64(2) & 0x7fffffffffffffffull) | (U64(3) & 0x8000000000000000ull))


	/* ---- immediates ---- */
#define IMM32 (ip[3])
L_CONST32:
	S(1) = ip[2];
	NEXT(2);
L_CONST64:
	S(1) = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
	NEXT(3);
#define BINI(name, expr) L_I32_##name##_I: { S(1) = (expr); NEXT(3); }
	BINI(EQ, U32(2) == IMM32) BINI(NE, U32(2) != IMM32)
	BINI(LT_S, I32(2) < (int32_t)IMM32) BINI(LT_U, U32(2) < IMM32)
	BINI(GT_S, I32(2) > (int32_t)IMM32) BINI(GT_U, U32(2) > IMM32)
	BINI(LE_S, I32(2) <= (int32_t)IMM32) BINI(LE_U, U32(2) <= IMM32)
	BINI(GE_S, I32(2) >= (int32_t)IMM32) BINI(GE_U, U32(2) >= IMM32)
	BINI(ADD, (uint32_t)(U32(2) + IMM32)) BINI(SUB, (uint32_t)(U32(2) - IMM32))
	BINI(MUL, (uint32_t)(U32(2) * IMM32))
	BINI(AND, U32(2) & IMM32) BINI(OR, U32(2) | IMM32) BINI(XOR, U32(2) ^ IMM32)
	BINI(SHL, (uint32_t)(U32(2) << (IMM32 & 31)))
	BINI(SHR_S, (uint32_t)(I32(2) >> (IMM32 & 31)))
	BINI(SHR_U, U32(2) >> (IMM32 & 31))
	BINI(ROTL, rotl32(U32(2), IMM32)) BINI(ROTR, rotr32(U32(2), IMM32))
#undef BINI
#define BRCMPI(name, T, cmp)                                                              \
	L_BR_I32_##name##_I:                                                             \
	if ((T)U32(1) cmp (T)ip[2]) { ip += (int32_t)ip[3]; DISPATCH(); }                  \
	NEXT(3);                                                                         \
	L_BR_I32_##name##_I_L:                                                           \
	if ((T)U32(1) cmp (T)ip[2]) BACKEDGE(4, 3);                                        \
	NEXT(4);
	BRCMPI(EQ, uint32_t, ==) BRCMPI(NE, uint32_t, !=) BRCMPI(LT_S, int32_t, <)
	BRCMPI(LT_U, uint32_t, <) BRCMPI(GT_S, int32_t, >) BRCMPI(GT_U, uint32_t, >)
	BRCMPI(LE_S, int32_t, <=) BRCMPI(LE_U, uint32_t, <=) BRCMPI(GE_S, int32_t, >=)
	BRCMPI(GE_U, uint32_t, >=)
#undef BRCMPI

	/* fused f64 pairs: the intermediate never touches the frame */
#define F2(A, opa, B, opb)                                                                \
	L_F64_##A##_##B##_L: { double t = F64(2) opa F64(3); S(1) = of_f64(t opb F64(4)); NEXT(4); } \
	L_F64_##A##_##B##_R: { double t = F64(2) opa F64(3); S(1) = of_f64(F64(4) opb t); NEXT(4); }
#define F2ROW(A, opa) F2(A, opa, ADD, +) F2(A, opa, SUB, -) F2(A, opa, MUL, *) F2(A, opa, DIV, /)
	F2ROW(ADD, +) F2ROW(SUB, -) F2ROW(MUL, *) F2ROW(DIV, /)
#undef F2ROW
#undef F2

	/* a loop's counter step fused with its back-edge test (the sum is written first, so a
	 * compare operand that is d itself reads the new value) */
#define ADDBR(name, T, cmp)                                                               \
	L_ADD_BR_I32_##name##_L: {                                                       \
		uint32_t d = U32(2) + U32(3);                                            \
		S(1) = d;                                                                \
		if ((T)d cmp (T)U32(4)) BACKEDGE(6, 5);                                   \
		NEXT(6);                                                                 \
	}                                                                                \
	L_ADD_BR_I32_##name##_I_L: {                                                     \
		uint32_t d = U32(2) + U32(3);                                            \
		S(1) = d;                                                                \
		if ((T)d cmp (T)ip[4]) BACKEDGE(6, 5);                                    \
		NEXT(6);                                                                 \
	}                                                                                \
	L_ADDI_BR_I32_##name##_L: {                                                      \
		uint32_t d = U32(2) + ip[3];                                             \
		S(1) = d;                                                                \
		if ((T)d cmp (T)U32(4)) BACKEDGE(6, 5);                                   \
		NEXT(6);                                                                 \
	}                                                                                \
	L_ADDI_BR_I32_##name##_I_L: {                                                    \
		uint32_t d = U32(2) + ip[3];                                             \
		S(1) = d;                                                                \
		if ((T)d cmp (T)ip[4]) BACKEDGE(6, 5);                                    \
		NEXT(6);                                                                 \
	}
	ADDBR(EQ, uint32_t, ==) ADDBR(NE, uint32_t, !=) ADDBR(LT_S, int32_t, <)
	ADDBR(LT_U, uint32_t, <) ADDBR(GT_S, int32_t, >) ADDBR(GT_U, uint32_t, >)
	ADDBR(LE_S, int32_t, <=) ADDBR(LE_U, uint32_t, <=) ADDBR(GE_S, int32_t, >=)
	ADDBR(GE_U, uint32_t, >=)
#undef ADDBR

	/* fused i32 pairs (the intermediate likewise) */
	L_I32_MUL_ADD_II: S(1) = (uint32_t)(U32(2) * ip[3] + ip[4]); NEXT(4);
	L_I32_SHL_ADD_I: S(1) = (uint32_t)(U32(4) + (U32(2) << (ip[3] & 31))); NEXT(4);
#define SELCMP(name, T, cmp)                                                              \
	L_SEL_I32_##name: S(1) = (T)U32(4) cmp (T)U32(5) ? S(2) : S(3); NEXT(5);             \
	L_SEL_I32_##name##_I: S(1) = (T)U32(4) cmp (T)ip[5] ? S(2) : S(3); NEXT(5);
	SELCMP(EQ, uint32_t, ==) SELCMP(NE, uint32_t, !=) SELCMP(LT_S, int32_t, <)
	SELCMP(LT_U, uint32_t, <) SELCMP(GT_S, int32_t, >) SELCMP(GT_U, uint32_t, >)
	SELCMP(LE_S, int32_t, <=) SELCMP(LE_U, uint32_t, <=) SELCMP(GE_S, int32_t, >=)
	SELCMP(GE_U, uint32_t, >=)
#undef SELCMP

	/* conversions */
	UN(I32_WRAP_I64, (uint32_t)U64(2))
#define TRUNC(name, FT, getf, lo_ok, hi_ok, T, store)                                     \
	L_##name: {                                                                      \
		FT x = getf(2);                                                          \
		if (UNLIKELY(x != x)) TRAP(XWASM_TRAP_INVALID_CONV, NULL);               \
		if (UNLIKELY(!(lo_ok && hi_ok))) TRAP(XWASM_TRAP_INT_OVERFLOW, NULL);     \
		S(1) = store((T)x);                                                      \
		NEXT(2);                                                                 \
	}
#define ST32(v) (uint32_t)(v)
#define ST64(v) (uint64_t)(v)
	TRUNC(I32_TRUNC_F32_S, float, F32, x >= -2147483648.0f, x < 2147483648.0f, int32_t, ST32)
	TRUNC(I32_TRUNC_F32_U, float, F32, x > -1.0f, x < 4294967296.0f, uint32_t, ST32)
	TRUNC(I32_TRUNC_F64_S, double, F64, x > -2147483649.0, x < 2147483648.0, int32_t, ST32)
	TRUNC(I32_TRUNC_F64_U, double, F64, x > -1.0, x < 4294967296.0, uint32_t, ST32)
	TRUNC(I64_TRUNC_F32_S, float, F32, x >= -9223372036854775808.0f, x < 9223372036854775808.0f, int64_t, ST64)
	TRUNC(I64_TRUNC_F32_U, float, F32, x > -1.0f, x < 18446744073709551616.0f, uint64_t, ST64)
	TRUNC(I64_TRUNC_F64_S, double, F64, x >= -9223372036854775808.0, x < 9223372036854775808.0, int64_t, ST64)
	TRUNC(I64_TRUNC_F64_U, double, F64, x > -1.0, x < 18446744073709551616.0, uint64_t, ST64)
#undef TRUNC
	UN(I64_EXTEND_I32_S, (uint64_t)(int64_t)I32(2))
	UN(I64_EXTEND_I32_U, (uint64_t)U32(2))
	UN(F32_CONVERT_I32_S, of_f32((float)I32(2)))
	UN(F32_CONVERT_I32_U, of_f32((float)U32(2)))
	UN(F32_CONVERT_I64_S, of_f32((float)I64(2)))
	UN(F32_CONVERT_I64_U, of_f32((float)U64(2)))
	UN(F32_DEMOTE_F64, of_f32((float)F64(2)))
	UN(F64_CONVERT_I32_S, of_f64((double)I32(2)))
	UN(F64_CONVERT_I32_U, of_f64((double)U32(2)))
	UN(F64_CONVERT_I64_S, of_f64((double)I64(2)))
	UN(F64_CONVERT_I64_U, of_f64((double)U64(2)))
	UN(F64_PROMOTE_F32, of_f64((double)F32(2)))
	UN(I32_EXTEND8_S, (uint32_t)(int32_t)(int8_t)U32(2))
	UN(I32_EXTEND16_S, (uint32_t)(int32_t)(int16_t)U32(2))
	UN(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)U64(2))
	UN(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)U64(2))
	UN(I64_EXTEND32_S, (uint64_t)(int64_t)(int32_t)U64(2))
	UN(I32_TRUNC_SAT_F32_S, (uint32_t)sat_i32_f64(F32(2)))
	UN(I32_TRUNC_SAT_F32_U, sat_u32_f64(F32(2)))
	UN(I32_TRUNC_SAT_F64_S, (uint32_t)sat_i32_f64(F64(2)))
	UN(I32_TRUNC_SAT_F64_U, sat_u32_f64(F64(2)))
	UN(I64_TRUNC_SAT_F32_S, (uint64_t)sat_i64_f64(F32(2)))
	UN(I64_TRUNC_SAT_F32_U, sat_u64_f64(F32(2)))
	UN(I64_TRUNC_SAT_F64_S, (uint64_t)sat_i64_f64(F64(2)))
	UN(I64_TRUNC_SAT_F64_U, sat_u64_f64(F64(2)))
#undef UN
#undef BIN

	/* ---- v128 ---- */
#include "wasm/interp_simd.inc"

	/* ---- memory64 ---- */
#include "wasm/interp_mem64.inc"
#include "wasm/interp_atomic.inc"

	/* ---- exception handling ---- */
#include "wasm/interp_eh.inc"

	/* an f64 load (v, in the addressing of LOAD and LOAD_AI) fused into the arithmetic that
	 * uses it */
#define F64LD(A, op)                                                                      \
	L_F64_##A##_LD_L: MEM_LOAD((uint64_t)U32(2) + ip[3], 4, double, 8, of_f64(v op F64(4))) \
	L_F64_##A##_LD_R: MEM_LOAD((uint64_t)U32(2) + ip[3], 4, double, 8, of_f64(F64(4) op v)) \
	L_F64_##A##_LDI_L:                                                               \
		MEM_LOAD((uint64_t)(uint32_t)(U32(2) + ip[3]) + ip[4], 5, double, 8, of_f64(v op F64(5))) \
	L_F64_##A##_LDI_R:                                                               \
		MEM_LOAD((uint64_t)(uint32_t)(U32(2) + ip[3]) + ip[4], 5, double, 8, of_f64(F64(5) op v))
	F64LD(ADD, +) F64LD(SUB, -) F64LD(MUL, *) F64LD(DIV, /)
#undef F64LD

	/* the last computation of a function fused with its return */
L_COPY_RET:
	S(1) = S(2);
	goto L_RETURN;
L_I32_ADD_RET:
	S(1) = (uint32_t)(U32(2) + U32(3));
	goto L_RETURN;
L_I32_ADD_I_RET:
	S(1) = (uint32_t)(U32(2) + ip[3]);
	goto L_RETURN;

	/* o + (a CMP b): a compare's 0 or 1 added in (branchless counting) */
#define ADDCMP(name, T, cmp)                                                              \
	L_ADD_I32_##name: S(1) = (uint32_t)(U32(4) + ((T)U32(2) cmp (T)U32(3))); NEXT(4);    \
	L_ADD_I32_##name##_I: S(1) = (uint32_t)(U32(4) + ((T)U32(2) cmp (T)ip[3])); NEXT(4);
	ADDCMP(EQ, uint32_t, ==) ADDCMP(NE, uint32_t, !=) ADDCMP(LT_S, int32_t, <)
	ADDCMP(LT_U, uint32_t, <) ADDCMP(GT_S, int32_t, >) ADDCMP(GT_U, uint32_t, >)
	ADDCMP(LE_S, int32_t, <=) ADDCMP(LE_U, uint32_t, <=) ADDCMP(GE_S, int32_t, >=)
	ADDCMP(GE_U, uint32_t, >=)
#undef ADDCMP

	/* a byte of a wider value stored, in the addressing of STORE8[_A|_AI]: (uint8_t)(x >> k) */
L_STORE8_SHR: MEM_STORE((uint64_t)U32(1) + ip[4], U32(2) >> (ip[3] & 31), 4, uint8_t, 1)
L_STORE8_SHR_A:
	MEM_STORE((uint64_t)(uint32_t)(U32(1) + U32(2)) + ip[5], U32(3) >> (ip[4] & 31), 5, uint8_t, 1)
L_STORE8_SHR_AI:
	MEM_STORE((uint64_t)(uint32_t)(U32(1) + ip[2]) + ip[5], U32(3) >> (ip[4] & 31), 5, uint8_t, 1)

done:
	ex->fuel = fuel;
	return 0;

do_trap:
	xw_trap_fill(ex, trap, inst->mod, cf->func_index, detail);
do_host_trap:
	/* unwind every frame this run pushed */
	while (ex->depth > 0 && ex->frames[ex->depth - 1].ip != NULL)
		ex->depth--;
	if (ex->depth > 0)
		ex->depth--; /* the entry sentinel */
	ex->fuel = fuel;
	return trap;
}

int xw_interp_call(struct xw_exec *ex, xwasm_func *f, uint64_t *fp)
{
	return run(ex, f, fp, NULL);
}

const int32_t *xw_interp_handlers(void)
{
	const int32_t *h = NULL;
	run(NULL, NULL, NULL, &h);
	return h;
}
