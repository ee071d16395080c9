// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * The opcode table: one descriptor per &enum enpu_opcode with everything the
 * validator and the interpreter know about it (struct fw_op_desc).  Adding an
 * opcode to the ISA means adding its entry here; the build fails until then.
 */
#include "fw_internal.h"

#define NEVER_ROUNDS(n) \
	n ": ENPU_OP_FLAG_ROUND_HALF_UP set, but " n " never rounds"
#define PLAIN_NEVER_ROUNDS \
	"copy/concat: ENPU_OP_FLAG_ROUND_HALF_UP set on a plain copy (quant_count 0), which never rounds"

const struct fw_op_desc fw_op_table[] = {
	[ENPU_OP_INVALID] = { 0 },	/* no validator: rejected */
	[ENPU_OP_CONV2D] = {
		.name = "conv2d", .nin = 2, .bias = 1,
		.psize = sizeof(struct enpu_op_conv),
		.validate = fw_check_conv,
		.run = enpu_q8_conv2d_nchw__scalar,
	},
	[ENPU_OP_FULLY_CONNECTED] = {
		.name = "fully_connected", .nin = 2, .bias = 1,
		.psize = sizeof(struct enpu_op_fc),
		.validate = fw_check_fc,
		.run = enpu_q8_fully_connected__scalar,
	},
	[ENPU_OP_ADD] = {
		.name = "add", .nin = 2,
		.psize = sizeof(struct enpu_op_eltwise),
		.validate = fw_check_eltwise,
		.run = enpu_q8_add__scalar,
	},
	[ENPU_OP_MUL] = {
		.name = "mul", .nin = 2,
		.psize = sizeof(struct enpu_op_eltwise),
		.validate = fw_check_eltwise,
		.run = enpu_q8_mul__scalar,
	},
	[ENPU_OP_AVGPOOL] = {
		.name = "avgpool", .nin = 1,
		.psize = sizeof(struct enpu_op_pool),
		.validate = fw_check_pool,
		.run = enpu_q8_avgpool_nchw__scalar,
	},
	[ENPU_OP_MAXPOOL] = {
		.name = "maxpool", .nin = 1,
		.psize = sizeof(struct enpu_op_pool),
		.rounding = FW_ROUNDS_NEVER,
		.no_round_msg = NEVER_ROUNDS("maxpool"),
		.validate = fw_check_pool,
		.run = enpu_q8_maxpool_nchw__scalar,
	},
	[ENPU_OP_GLOBAL_AVGPOOL] = {
		.name = "global_avgpool", .nin = 1,
		.validate = fw_check_global_avgpool,
		.run = enpu_q8_global_avgpool_nchw__scalar,
	},
	[ENPU_OP_CONCAT] = {
		.name = "concat", .nin = 1,
		.psize = sizeof(struct enpu_op_concat),
		.rounding = FW_ROUNDS_IF_QUANT,
		.no_round_msg = PLAIN_NEVER_ROUNDS,
		.validate = fw_check_concat,
		.run = enpu_q8_concat__scalar,
	},
	[ENPU_OP_COPY] = {
		.name = "copy", .nin = 1, .in_place = 1,
		.rounding = FW_ROUNDS_IF_QUANT,
		.no_round_msg = PLAIN_NEVER_ROUNDS,
		.validate = fw_check_copy,
		.run = enpu_q8_copy__scalar,
	},
	[ENPU_OP_SOFTMAX] = {
		.name = "softmax", .nin = 2,
		.psize = sizeof(struct enpu_op_softmax),
		.validate = fw_check_softmax,
		.run = enpu_q8_softmax__scalar,
	},
	[ENPU_OP_LUT] = {
		.name = "lut", .nin = 2, .in_place = 1,
		.rounding = FW_ROUNDS_NEVER,
		.no_round_msg = NEVER_ROUNDS("lut"),
		.validate = fw_check_lut,
		.run = enpu_q8_lut__scalar,
	},
};

/*
 * One entry per opcode: an opcode added to the ISA without its entry here
 * shrinks the table below ENPU_OP_COUNT and fails the build.
 */
_Static_assert(FW_ARRAY_SIZE(fw_op_table) == ENPU_OP_COUNT,
	       "fw_op_table[] needs one entry per enum enpu_opcode");
