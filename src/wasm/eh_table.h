/* Exception handling: the internal ops (one table that code.h turns into op enum entries,
 * compile_eh.c translates into and interp_eh.inc executes) and the handler table each
 * translated function carries (xw_compiled_func.eh).
 *
 * Operand layouts (slots unless said otherwise):
 *   THROW      [tag base]   throws a new exception of tag `tag` (index in the module) whose
 *                           values are in the slots from base on
 *   THROW_REF  [ref]        throws the exception exnref `ref` points to (traps when null)
 *   RETHROW    [slot]       legacy rethrow: throws again the exception a legacy catch kept in
 *                           its hidden slot
 *
 * There is no op to enter or leave a try block: a throw looks up the handler table of the
 * function it is in (xw_eh_find, eh.c), then of each caller in turn, by code position. */
#ifndef XW_EH_TABLE_H
#define XW_EH_TABLE_H

#include <stdint.h>

#define XW_EH_OPS(X) X(THROW, 2) X(THROW_REF, 1) X(RETHROW, 1)

#define XW_EH_NONE UINT32_MAX

/* One catch clause (or delegate) of a try / try_table block. Code positions are word offsets
 * in the function's code; entries are ordered innermost block first, a block's clauses in
 * their order, so the first entry that applies is the handler. */
struct xw_eh_entry {
	uint32_t start, end;   /* the block's body: positions start <= pos < end */
	uint32_t tag;          /* tag index in the module, or XW_EH_NONE: catches any */
	uint32_t dst;          /* slot of the first value written (the tag's values, then the
	                          exnref for catch_ref) */
	uint32_t exn;          /* slot receiving the exnref (catch_ref, catch_all_ref, and the
	                          hidden slot of a legacy catch), or XW_EH_NONE */
	uint32_t target;       /* code position to go on at */
	uint32_t level;        /* control-frame depth of the block (for delegate) */
	uint32_t delegate;     /* legacy delegate: not a handler, the search goes on at this
	                          control-frame depth or outer; XW_EH_NONE otherwise */
	uint32_t seq;          /* order of creation (the translator's sort key after level) */
	uint8_t values;        /* 1: the tag's values are written (catch, catch_ref) */
	uint8_t legacy;        /* 1: exn is a legacy catch's hidden slot (counted in slot_refs) */
};

#endif
