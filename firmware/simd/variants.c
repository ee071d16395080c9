// SPDX-License-Identifier: MIT
/*
 * The kernel variants this build carries, which of them this CPU runs, and
 * the preparation (weight packing) of a command buffer for one of them.
 * Built into libaccel, the tests and enpu.ko (x86-64 only; there the CPU
 * checks are the kernel's, and other architectures' modules carry the
 * scalar kernels alone); the freestanding firmware carries the scalar
 * kernels of firmware/ alone.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#if defined(__x86_64__)
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#endif
#else
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif
#endif

#include "simd.h"

static const struct enpu_fw_kernels fw_kernels_scalar = {
	.name = "scalar",
};

/* Every variant of this build, best last. */
static const struct enpu_fw_kernels *const fw_variants[] = {
	&fw_kernels_scalar,
#if defined(__x86_64__)
	&fw_kernels_avx2,
	&fw_kernels_avxvnni,
	&fw_kernels_avx512bw,
	&fw_kernels_avx512vnni,
#elif defined(__aarch64__) && !defined(__KERNEL__)
	&fw_kernels_neon,
	&fw_kernels_neondot,
#endif
};

#if defined(__x86_64__) && defined(__KERNEL__)
/* The CPU has the instructions and the kernel saves their registers. */
static int fw_xsave_has(u64 mask)
{
	return cpu_has_xfeatures(mask, NULL);
}

int fw_cpu_avx2(void)
{
	return boot_cpu_has(X86_FEATURE_AVX2) && boot_cpu_has(X86_FEATURE_FMA) &&
	       boot_cpu_has(X86_FEATURE_F16C) && boot_cpu_has(X86_FEATURE_BMI2) &&
	       fw_xsave_has(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM);
}

int fw_cpu_avxvnni(void)
{
	return fw_cpu_avx2() && boot_cpu_has(X86_FEATURE_AVX_VNNI);
}

int fw_cpu_avx512bw(void)
{
	return fw_cpu_avx2() && boot_cpu_has(X86_FEATURE_AVX512F) &&
	       boot_cpu_has(X86_FEATURE_AVX512BW) &&
	       boot_cpu_has(X86_FEATURE_AVX512VL) &&
	       boot_cpu_has(X86_FEATURE_AVX512DQ) &&
	       fw_xsave_has(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM |
			    XFEATURE_MASK_AVX512);
}

int fw_cpu_avx512vnni(void)
{
	return fw_cpu_avx512bw() && boot_cpu_has(X86_FEATURE_AVX512_VNNI);
}
#elif defined(__x86_64__) && !defined(__KERNEL__)
int fw_cpu_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int fw_cpu_avxvnni(void)
{
	unsigned int a, b, c, d;

	/* CPUID.(7,1):EAX[4]; not every compiler's builtin knows the name */
	if (!fw_cpu_avx2() || __get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 1, a, b, c, d);
	(void)b;
	(void)c;
	(void)d;
	return !!(a & (1u << 4));
}

int fw_cpu_avx512bw(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512dq");
}

int fw_cpu_avx512vnni(void)
{
	return fw_cpu_avx512bw() && __builtin_cpu_supports("avx512vnni");
}
#elif defined(__aarch64__) && !defined(__KERNEL__)
int fw_cpu_neon(void)
{
	return !!(getauxval(AT_HWCAP) & HWCAP_ASIMD);
}

int fw_cpu_neondot(void)
{
	return fw_cpu_neon() && (getauxval(AT_HWCAP) & HWCAP_ASIMDDP);
}
#endif

static int fw_runs_here(const struct enpu_fw_kernels *k)
{
	return !k->supported || k->supported();
}

const struct enpu_fw_kernels *enpu_fw_kernels_find(const char *name)
{
	__u32 i;

	if (!name)
		return NULL;
	if (!strcmp(name, "auto"))
		return enpu_fw_kernels_best();
	for (i = 0; i < FW_ARRAY_SIZE(fw_variants); i++)
		if (!strcmp(fw_variants[i]->name, name))
			return fw_runs_here(fw_variants[i]) ? fw_variants[i] :
							      NULL;
	return NULL;
}

const struct enpu_fw_kernels *enpu_fw_kernels_best(void)
{
	__u32 i = FW_ARRAY_SIZE(fw_variants);

	while (--i)
		if (fw_runs_here(fw_variants[i]))
			return fw_variants[i];
	return fw_variants[0];
}

const char *enpu_fw_kernels_name(const struct enpu_fw_kernels *k)
{
	return k ? k->name : "scalar";
}

__u32 enpu_fw_kernels_list(const struct enpu_fw_kernels **out, __u32 max)
{
	__u32 i, n = 0;

	for (i = 0; i < FW_ARRAY_SIZE(fw_variants); i++) {
		if (!fw_runs_here(fw_variants[i]))
			continue;
		if (n < max)
			out[n] = fw_variants[i];
		n++;
	}
	return n;
}

int enpu_fw_kernels_prepare(const struct enpu_fw_kernels *k,
			    const void *cmdbuf,
			    const struct enpu_fw_buf *slots, __u32 const_slot,
			    void **state, void *(*alloc)(void *actx, __u64 size),
			    void *actx)
{
	struct fw_exec ex = { .cb = cmdbuf };
	struct fw_op_ctx c;
	__u32 i;
	int err = 0;

	fw_read_header(ex.cb, &ex.hdr);
	for (i = 0; i < ex.hdr.num_ops; i++) {
		state[i] = NULL;
		if (!k)
			continue;
		fw_op_ctx_init(&ex, slots, i, &c);
		if (!k->prepare[c.op.opcode] ||
		    !fw_in_slot(&ex, c.op.in[1], const_slot))
			continue;
		state[i] = k->prepare[c.op.opcode](&c, alloc, actx, &err);
		if (err)
			return err;
	}
	return 0;
}
