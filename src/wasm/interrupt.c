/* Interrupting a running call: the embedder's flag (xwasm_interrupt) and the fuel slices at
 * whose ends a call looks at it. The interpreter spends at most XW_FUEL_SLICE units from a
 * local before it comes here, so the flag costs nothing on the hot path, and the call's real
 * budget (a limit, or INT64_MAX units when unlimited) is kept exactly across slices: a budget
 * runs out at the very charge it ran out at without slices. */
#include <stdlib.h>
#include "wasm/runtime.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the interrupt flag must be lock-free (signal handlers)");

struct xwasm_interrupt xw_no_interrupt;

xwasm_interrupt *xwasm_interrupt_new(void)
{
	xwasm_interrupt *irq = malloc(sizeof *irq);
	if (irq)
		atomic_init(&irq->raised, 0);
	return irq;
}

void xwasm_interrupt_free(xwasm_interrupt *irq)
{
	free(irq);
}

void xwasm_interrupt_raise(xwasm_interrupt *irq)
{
	atomic_store_explicit(&irq->raised, 1, memory_order_relaxed);
}

void xwasm_interrupt_clear(xwasm_interrupt *irq)
{
	atomic_store_explicit(&irq->raised, 0, memory_order_relaxed);
}

bool xwasm_interrupt_pending(const xwasm_interrupt *irq)
{
	return atomic_load_explicit(&irq->raised, memory_order_relaxed) != 0;
}

void xw_interrupt_set(xwasm_instance *inst, xwasm_interrupt *irq)
{
	inst->opts.interrupt = irq;
	inst->ex.irq = irq ? irq : &xw_no_interrupt;
}

void xwasm_instance_set_interrupt(xwasm_instance *inst, xwasm_interrupt *irq)
{
	xw_interrupt_set(inst, irq);
}

bool xwasm_instance_interrupted(const xwasm_instance *inst)
{
	return inst->opts.interrupt && xwasm_interrupt_pending(inst->opts.interrupt);
}

void xw_fuel_set(struct xw_exec *ex, uint64_t fuel)
{
	ex->fuel_total = fuel && fuel < (uint64_t)INT64_MAX ? (int64_t)fuel : INT64_MAX;
}

int xw_fuel_next_slice(struct xw_exec *ex, int64_t fuel)
{
	/* fuel >= -(2^32 + 2^32): one charge is at most a bulk size or a frame cost beyond a
	 * slice that was >= 0, so this cannot overflow */
	int64_t left = ex->fuel_reserve + fuel;
	if (left < 0) {
		ex->fuel_reserve = 0;
		ex->fuel = fuel;
		return XWASM_TRAP_FUEL_EXHAUSTED;
	}
	if (xw_interrupted(ex)) {
		ex->fuel_reserve = left;
		ex->fuel = 0;
		return XWASM_TRAP_INTERRUPTED;
	}
	ex->fuel = left < XW_FUEL_SLICE ? left : XW_FUEL_SLICE;
	ex->fuel_reserve = left - ex->fuel;
	return 0;
}
