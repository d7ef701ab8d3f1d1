/* A stack bytecode interpreter with a dense switch (br_table), a sparse switch over
 * scattered constants, and a character-class tokenizer state machine. Runs a few bytecode
 * programs (loops, calls, arithmetic) and prints results plus an execution trace sample. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER, OP_ADD, OP_SUB, OP_MUL, OP_DIVU, OP_MODU,
       OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR, OP_NOT, OP_NEG, OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ,
       OP_CALL, OP_RET, OP_LOAD, OP_STORE, OP_INC, OP_DEC, OP_PRINT, OP_ROT, OP_NOP, OP_COUNT };

typedef struct {
	int32_t stack[256];
	int sp;
	int rstack[64];
	int rsp;
	int32_t mem[64];
	uint64_t steps;
	uint32_t trace;
} vm_t;

static int run(vm_t *vm, const int32_t *code, int maxsteps)
{
	int pc = 0;
	for (;;) {
		if (vm->steps++ >= (uint64_t)maxsteps) return -1;
		int32_t op = code[pc++];
		vm->trace = (vm->trace * 33u) ^ (uint32_t)op ^ ((uint32_t)vm->sp << 8);
		int32_t a, b;
		switch (op) {
		case OP_HALT: return 0;
		case OP_PUSH: vm->stack[vm->sp++] = code[pc++]; break;
		case OP_POP: vm->sp--; break;
		case OP_DUP: vm->stack[vm->sp] = vm->stack[vm->sp - 1]; vm->sp++; break;
		case OP_SWAP: a = vm->stack[vm->sp - 1]; vm->stack[vm->sp - 1] = vm->stack[vm->sp - 2]; vm->stack[vm->sp - 2] = a; break;
		case OP_OVER: vm->stack[vm->sp] = vm->stack[vm->sp - 2]; vm->sp++; break;
		case OP_ROT: a = vm->stack[vm->sp - 3]; vm->stack[vm->sp - 3] = vm->stack[vm->sp - 2];
			vm->stack[vm->sp - 2] = vm->stack[vm->sp - 1]; vm->stack[vm->sp - 1] = a; break;
#define BIN(OPC, EXPR) case OPC: b = vm->stack[--vm->sp]; a = vm->stack[vm->sp - 1]; vm->stack[vm->sp - 1] = (EXPR); break;
		BIN(OP_ADD, (int32_t)((uint32_t)a + (uint32_t)b))
		BIN(OP_SUB, (int32_t)((uint32_t)a - (uint32_t)b))
		BIN(OP_MUL, (int32_t)((uint32_t)a * (uint32_t)b))
		BIN(OP_DIVU, b ? (int32_t)((uint32_t)a / (uint32_t)b) : 0)
		BIN(OP_MODU, b ? (int32_t)((uint32_t)a % (uint32_t)b) : 0)
		BIN(OP_AND, a & b)
		BIN(OP_OR, a | b)
		BIN(OP_XOR, a ^ b)
		BIN(OP_SHL, (int32_t)((uint32_t)a << (b & 31)))
		BIN(OP_SHR, (int32_t)((uint32_t)a >> (b & 31)))
		BIN(OP_LT, a < b)
		BIN(OP_EQ, a == b)
		case OP_NOT: vm->stack[vm->sp - 1] = ~vm->stack[vm->sp - 1]; break;
		case OP_NEG: vm->stack[vm->sp - 1] = (int32_t)(0u - (uint32_t)vm->stack[vm->sp - 1]); break;
		case OP_JMP: pc = code[pc]; break;
		case OP_JZ: a = vm->stack[--vm->sp]; pc = a == 0 ? code[pc] : pc + 1; break;
		case OP_JNZ: a = vm->stack[--vm->sp]; pc = a != 0 ? code[pc] : pc + 1; break;
		case OP_CALL: vm->rstack[vm->rsp++] = pc + 1; pc = code[pc]; break;
		case OP_RET: pc = vm->rstack[--vm->rsp]; break;
		case OP_LOAD: vm->stack[vm->sp - 1] = vm->mem[vm->stack[vm->sp - 1] & 63]; break;
		case OP_STORE: b = vm->stack[--vm->sp]; a = vm->stack[--vm->sp]; vm->mem[b & 63] = a; break;
		case OP_INC: vm->stack[vm->sp - 1] = (int32_t)((uint32_t)vm->stack[vm->sp - 1] + 1); break;
		case OP_DEC: vm->stack[vm->sp - 1] = (int32_t)((uint32_t)vm->stack[vm->sp - 1] - 1); break;
		case OP_PRINT: printf("  print %d\n", vm->stack[--vm->sp]); break;
		case OP_NOP: break;
		default: printf("bad opcode %d at %d\n", op, pc - 1); return -2;
		}
	}
}

/* sparse switch: values far apart -> compare tree, not a table */
static int sparse(uint32_t v)
{
	switch (v) {
	case 3: return 11;
	case 100: return 22;
	case 1000: return 33;
	case 4096: return 44;
	case 65535: return 55;
	case 65536: return 66;
	case 1000000: return 77;
	case 0x7fffffffu: return 88;
	case 0x80000000u: return 99;
	case 0xfffffffeu: return 111;
	case 0xffffffffu: return 122;
	default: return (int)(v & 7);
	}
}

/* dense switch with a gap and a signed range including negatives */
static int dense_signed(int v)
{
	switch (v) {
	case -5: return 1; case -4: return 2; case -3: return 3; case -2: return 5; case -1: return 8;
	case 0: return 13; case 1: return 21; case 2: return 34; case 4: return 55; case 5: return 89;
	case 6: return 144; case 7: return 233; case 8: return 377; case 9: return 610;
	default: return -1;
	}
}

/* tokenizer: counts identifiers, numbers (sum), operators, strings */
static void tokenize(const char *s)
{
	enum { S_START, S_IDENT, S_NUM, S_STR, S_ESC, S_COMMENT } st = S_START;
	int idents = 0, nums = 0, ops = 0, strs = 0, comments = 0;
	uint32_t numsum = 0, cur = 0, identhash = 0;
	for (const char *p = s;; p++) {
		char c = *p;
		switch (st) {
		case S_START:
		start:
			if (c == 0) goto done;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') { st = S_IDENT; identhash = identhash * 31 + (uint32_t)c; idents++; }
			else if (c >= '0' && c <= '9') { st = S_NUM; cur = (uint32_t)(c - '0'); nums++; }
			else if (c == '"') { st = S_STR; strs++; }
			else if (c == '#') { st = S_COMMENT; comments++; }
			else if (c == ' ' || c == '\n' || c == '\t') {}
			else ops++;
			break;
		case S_IDENT:
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9')) identhash = identhash * 31 + (uint32_t)c;
			else { st = S_START; goto start; }
			break;
		case S_NUM:
			if (c >= '0' && c <= '9') cur = cur * 10 + (uint32_t)(c - '0');
			else { numsum += cur; st = S_START; goto start; }
			break;
		case S_STR:
			if (c == 0) goto done;
			if (c == '\\') st = S_ESC; else if (c == '"') st = S_START;
			break;
		case S_ESC:
			if (c == 0) goto done;
			st = S_STR;
			break;
		case S_COMMENT:
			if (c == 0) goto done;
			if (c == '\n') st = S_START;
			break;
		}
	}
done:
	printf("tokens: idents %d (hash %08x) nums %d (sum %u) ops %d strs %d comments %d\n", idents, identhash, nums, numsum, ops, strs, comments);
}

int main(void)
{
	/* program 1: sum of i*i for i in 1..N with a subroutine, then fib via memory */
	const int32_t prog1[] = {
		/*0*/ OP_PUSH, 0, OP_PUSH, 0, OP_STORE,        /* mem[0] = 0 (acc) */
		/*5*/ OP_PUSH, 3000,                            /* counter */
		/*7*/ OP_DUP, OP_JZ, 20,
		/*10*/ OP_DUP, OP_CALL, 40, OP_DEC, OP_JMP, 7,
		/*16*/ OP_NOP, OP_NOP, OP_NOP, OP_NOP,
		/*20*/ OP_POP, OP_PUSH, 0, OP_LOAD, OP_PRINT,
		/*25*/ OP_PUSH, 1, OP_PUSH, 0, /* a b */
		/*29*/ OP_PUSH, 45, OP_JMP, 50,
		/*33*/ OP_HALT, OP_HALT, OP_HALT, OP_HALT, OP_HALT, OP_HALT, OP_HALT,
		/*40*/ OP_DUP, OP_MUL, OP_PUSH, 0, OP_LOAD, OP_ADD, OP_PUSH, 0, OP_STORE, OP_RET,
		/*50*/ OP_DUP, OP_JZ, 64,                       /* a b n */
		/*53*/ OP_ROT, OP_ROT, OP_OVER, OP_ADD, OP_SWAP, /* n b a+b ... -> n b' a' */
		/*58*/ OP_ROT, OP_DEC, OP_JMP, 50, OP_NOP, OP_NOP,
		/*64*/ OP_POP, OP_PRINT, OP_PRINT, OP_HALT,
	};
	vm_t vm;
	memset(&vm, 0, sizeof vm);
	int rc = run(&vm, prog1, 1000000);
	printf("prog1 rc %d steps %llu trace %08x sp %d\n", rc, (unsigned long long)vm.steps, vm.trace, vm.sp);

	/* program 2: xorshift PRNG with shifts, bit ops, div/mod, 2000 iterations */
	const int32_t prog2[] = {
		/*0*/ OP_PUSH, 2463534, OP_PUSH, 2000,        /* x n */
		/*4*/ OP_DUP, OP_JZ, 40,
		/*7*/ OP_SWAP,                                 /* n x */
		/*8*/ OP_DUP, OP_PUSH, 13, OP_SHL, OP_XOR,
		/*13*/ OP_DUP, OP_PUSH, 17, OP_SHR, OP_XOR,
		/*18*/ OP_DUP, OP_PUSH, 5, OP_SHL, OP_XOR,
		/*23*/ OP_DUP, OP_PUSH, 1000, OP_MODU, OP_PUSH, 1, OP_LOAD, OP_ADD, OP_PUSH, 1, OP_STORE,
		/*34*/ OP_SWAP, OP_DEC, OP_JMP, 4, OP_NOP, OP_NOP,
		/*40*/ OP_POP, OP_PRINT, OP_PUSH, 1, OP_LOAD, OP_PRINT,
		/*46*/ OP_PUSH, -7, OP_NEG, OP_PUSH, 3, OP_LT, OP_PRINT,
		/*53*/ OP_PUSH, 0x7fffffff, OP_INC, OP_NOT, OP_PRINT, OP_PUSH, 5, OP_PUSH, 5, OP_EQ, OP_PRINT,
		/*64*/ OP_PUSH, 77, OP_PUSH, 0, OP_DIVU, OP_PRINT, OP_PUSH, 12, OP_PUSH, 10, OP_AND, OP_PUSH, 1, OP_OR, OP_PRINT,
		/*79*/ OP_PUSH, 99, OP_JNZ, 84, OP_HALT, OP_PUSH, 123, OP_PRINT, OP_PUSH, 255, OP_HALT,
	};
	memset(&vm, 0, sizeof vm);
	rc = run(&vm, prog2, 1000000);
	printf("prog2 rc %d steps %llu trace %08x sp %d top %d\n", rc, (unsigned long long)vm.steps, vm.trace, vm.sp, vm.stack[vm.sp - 1]);

	/* program 3: an infinite loop stopped by the step limit; and a bad opcode */
	const int32_t prog3[] = {OP_PUSH, 1, OP_INC, OP_JMP, 2};
	memset(&vm, 0, sizeof vm);
	rc = run(&vm, prog3, 5001);
	printf("prog3 rc %d top %d\n", rc, vm.stack[0]);
	const int32_t prog4[] = {OP_NOP, OP_COUNT + 5};
	memset(&vm, 0, sizeof vm);
	printf("prog4 rc %d\n", run(&vm, prog4, 100));

	uint32_t sacc = 0;
	static const uint32_t probes[] = {0, 3, 4, 100, 101, 1000, 4096, 65535, 65536, 65537, 1000000, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu, 12345};
	for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) { int r = sparse(probes[i]); printf("%d ", r); sacc = sacc * 7 + (uint32_t)r; }
	printf("\nsparse acc %u\n", sacc);
	for (int v = -7; v <= 11; v++) printf("%d ", dense_signed(v));
	printf("\n");
	uint32_t x = 1;
	int64_t dsum = 0;
	for (int i = 0; i < 100000; i++) { x = x * 1103515245u + 12345u; dsum += sparse(x >> (x & 15)) + dense_signed((int)(x >> 28) - 6); }
	printf("switch sum %lld\n", (long long)dsum);

	tokenize("int main(void) { return foo_bar + 42 * baz3 - 7; } # comment here\n"
		 "x = \"a string with \\\" escape\" + 1000000 / y2;\n s = 65536 << 3;# tail");
	return 0;
}
