// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * The device firmware's command processor: the entry table the device calls
 * (enpu_fw_image.h).  A job is checked against the device's layout before
 * anything is read through it, its command buffer and slot table are copied
 * into core-private memory (later host writes cannot change a running job),
 * the copy is validated against the slot sizes and then executed by the
 * firmware core: the same validator, interpreter and scalar int8 kernels as
 * libaccel's CPU backend and enpu.ko's soft engine.
 */
#include <drm/enpu_isa.h>

#include "enpu_fw.h"
#include "enpu_fw_image.h"

#define FW_EFAULT	14
/* Words of enpu_hw_sq_entry.reserved. */
#define FW_JOB_RESERVED	7
_Static_assert(sizeof(((struct enpu_hw_sq_entry *)0)->reserved) == FW_JOB_RESERVED * 4,
	       "reserved words");

/* Largest command buffer: what fits the core's memory, at most the ISA's. */
static __u64 fw_max_cmdbuf(__u64 local_size)
{
	__u64 m = local_size & ~7ull;

	return m < ENPU_ISA_MAX_SIZE ? m : ENPU_ISA_MAX_SIZE;
}

static int fw_init(__u64 local_size, struct enpu_fw_boot_info *info)
{
	if (fw_max_cmdbuf(local_size) < sizeof(struct enpu_cmdbuf_header))
		return -ENPU_FW_ENOMEM;
	info->capabilities = ENPU_HW_CAP_ISA_INT8 | ENPU_HW_CAP_PROGRESS;
	info->max_cmdbuf_size = (__u32)fw_max_cmdbuf(local_size);
	info->max_slots = ENPU_ISA_MAX_SLOTS;
	return 0;
}

/* [off, off + size) inside [roff, roff + rsize), without overflow. */
static int fw_inside(__u64 off, __u64 size, __u64 roff, __u64 rsize)
{
	return off >= roff && size <= rsize && off - roff <= rsize - size;
}

static int fw_yield(void *ctx)
{
	const struct enpu_fw_env *env = ctx;

	return env->yield ? env->yield(env->ctx) : 0;
}

static int fw_job(const struct enpu_fw_env *env, const struct enpu_hw_sq_entry *job,
		  struct enpu_hw_cq_entry *done)
{
	struct enpu_hw_slot slot[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_buf buf[ENPU_ISA_MAX_SLOTS];
	__u64 size[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_hooks hooks = { .yield = fw_yield, .ctx = (void *)env };
	struct enpu_fw_status st = { ENPU_NO_TENSOR, ENPU_NO_TENSOR, "ok" };
	__u32 i, n = job->num_slots;
	int r;

	if (job->job_id == 0 || job->flags & ~ENPU_HW_JOB_FLAGS_ALL)
		return -ENPU_FW_EINVAL;
	for (i = 0; i < FW_JOB_RESERVED; i++)
		if (job->reserved[i])
			return -ENPU_FW_EINVAL;
	if ((job->cmdbuf_offset | job->slots_offset) & 7)
		return -ENPU_FW_EINVAL;
	if (n == 0 || n > ENPU_ISA_MAX_SLOTS ||
	    job->cmdbuf_size < sizeof(struct enpu_cmdbuf_header))
		return -ENPU_FW_EINVAL;
	if (job->cmdbuf_size > fw_max_cmdbuf(env->local_size))
		return -ENPU_FW_E2BIG;
	if (!fw_inside(job->cmdbuf_offset, job->cmdbuf_size, env->cmd_offset,
		       env->cmd_size) ||
	    !fw_inside(job->slots_offset, (__u64)n * sizeof(slot[0]),
		       env->cmd_offset, env->cmd_size))
		return -FW_EFAULT;

	__builtin_memcpy(env->local, env->bar + job->cmdbuf_offset, job->cmdbuf_size);
	__builtin_memcpy(slot, env->bar + job->slots_offset, n * sizeof(slot[0]));
	for (i = 0; i < n; i++) {
		if (!fw_inside(slot[i].offset, slot[i].size, env->mem_offset,
			       env->mem_size))
			return -FW_EFAULT;
		size[i] = slot[i].size;
		buf[i].data = env->bar + slot[i].offset;
		buf[i].size = slot[i].size;
	}
	r = enpu_fw_validate_hooked(env->local, job->cmdbuf_size, size, n, &hooks, &st);
	if (!r)
		r = enpu_fw_execute_validated(env->local, buf, &hooks, &st);
	done->op = st.op;
	done->tensor = st.tensor;
	return r;
}

static void fw_run_job(const struct enpu_fw_env *env,
		       const struct enpu_hw_sq_entry *job,
		       struct enpu_hw_cq_entry *done)
{
	done->job_id = job->job_id;
	done->op = ENPU_NO_TENSOR;
	done->tensor = ENPU_NO_TENSOR;
	done->status = fw_job(env, job, done);
}

/* The entry table; mkfw finds it as the ELF entry point. */
extern const struct enpu_fw_entry enpu_fw_entry_table;
const struct enpu_fw_entry enpu_fw_entry_table = {
	.magic = ENPU_FW_ENTRY_MAGIC,
	.abi = ENPU_FW_ENTRY_ABI,
	.fw_version = (ENPU_FW_VERSION_MAJOR << 16) | ENPU_FW_VERSION_MINOR,
	.isa_version = (ENPU_ISA_VERSION_MAJOR << 16) | ENPU_ISA_VERSION_MINOR,
	.hw_version = ENPU_HW_VERSION,
	.init = fw_init,
	.run_job = fw_run_job,
};
