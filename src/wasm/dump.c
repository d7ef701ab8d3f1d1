/* Debug listing of translated code (set XDPERF_WASM_DUMP=1 to print every function as it
 * is translated). */
#include <stdio.h>
#include "wasm/code.h"

#define NAME(name, n) #name,
const char *const xw_op_names[XW_OP_COUNT] = { XW_OPS(NAME) };
#undef NAME
#define NARGS(name, n) n,
const uint8_t xw_op_nargs[XW_OP_COUNT] = { XW_OPS(NARGS) };
#undef NARGS

void xw_dump_code(FILE *f, const xw_compiled_func *cf)
{
	const int32_t *h = xw_interp_handlers();
	fprintf(f, "func[%u]: params %u locals %u consts %u frame %u\n", cf->func_index, cf->nparams,
		cf->nlocals, cf->nconsts, cf->frame_slots);
	for (uint32_t i = 0; i < cf->nconsts; i++)
		fprintf(f, "  const s%u = 0x%llx\n", cf->nlocals + i, (unsigned long long)cf->consts[i]);
	for (uint32_t pc = 0; pc < cf->ncode;) {
		int op = -1;
		for (int o = 0; o < XW_OP_COUNT; o++)
			if (h[o] == (int32_t)cf->code[pc]) {
				op = o;
				break;
			}
		if (op < 0) {
			fprintf(f, "  %4u: ??? 0x%x\n", pc, cf->code[pc]);
			return;
		}
		uint32_t n = xw_op_nargs[op];
		if (op == XW_OP_BR_TABLE)
			n += cf->code[pc + 2] + 1;
		fprintf(f, "  %4u: %-16s", pc, xw_op_names[op]);
		for (uint32_t k = 1; k <= n && pc + k < cf->ncode; k++)
			fprintf(f, " %d", (int32_t)cf->code[pc + k]);
		fputc('\n', f);
		pc += 1 + n;
	}
}
