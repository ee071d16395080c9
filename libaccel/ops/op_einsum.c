// SPDX-License-Identifier: MIT
/*
 * Einsum, the general path: the equation's labels (a-z, A-Z, and the
 * dimensions an ellipsis stands for, broadcast numpy-style) become one
 * loop nest, output labels outside and summed labels inside; a label
 * repeated within one term walks that operand's diagonal.  Explicit
 * ("ij,jk->ik") and implicit ("ij,jk": labels seen once, in ASCII order,
 * after the ellipsis) outputs.  Numeric types, accumulated in double.
 */
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

#define ES_MAX_IN 8
#define ES_LETTERS 52
#define ES_MAX_LBL (ES_LETTERS + IR_MAX_RANK)
#define ES_ELL (-1)

/**
 * struct es_plan - a parsed equation bound to its operands' shapes
 * @n_in: operands; @term/@tlen: each operand's labels (ES_ELL marks "...")
 * @ell_rank: dimensions the ellipsis stands for in each operand
 * @nell: the most of them, over all operands
 * @size: dimension of each label id (-1 unused)
 * @out/@nout: label ids of the output, in order
 * @sum/@nsum: label ids summed over
 */
struct es_plan {
	int n_in;
	int term[ES_MAX_IN][IR_MAX_RANK + 1];
	int tlen[ES_MAX_IN];
	int ell_rank[ES_MAX_IN];
	int nell;
	int64_t size[ES_MAX_LBL];
	int out[ES_MAX_LBL], nout;
	int sum[ES_MAX_LBL], nsum;
};

static int es_letter(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= 'A' && c <= 'Z')
		return c - 'A';	/* ASCII order: upper case first */
	return -1;
}

/* Parse one term at *@p up to ',' '-' or the end into @t. */
static int es_term(const struct ir_node *n, const char **p, int *t, int *len,
		   struct accel_err *e)
{
	bool ell = false;

	*len = 0;
	for (; **p && **p != ',' && **p != '-'; (*p)++) {
		int l = es_letter(**p);

		if (**p == ' ')
			continue;
		if (**p == '.') {
			if (strncmp(*p, "...", 3) || ell)
				return CPU_ERR(n, e, -EINVAL,
					       "equation: bad or repeated ellipsis");
			ell = true;
			*p += 2;
			l = ES_ELL;
		} else if (l < 0) {
			return CPU_ERR(n, e, -EINVAL,
				       "equation: bad label '%c'", **p);
		}
		if (*len > IR_MAX_RANK)
			return CPU_ERR(n, e, -EINVAL, "equation: term too long");
		t[(*len)++] = l;
	}
	return 0;
}

/* Label id of ellipsis dimension @j of a term whose ellipsis has @ne. */
static int es_ell_id(const struct es_plan *pl, int ne, int j)
{
	return ES_LETTERS + pl->nell - ne + j;
}

static int es_parse(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct es_plan *pl, struct accel_err *e)
{
	int cnt[ES_MAX_LBL] = { 0 }, *ell_rank = pl->ell_rank, ret;
	int oterm[IR_MAX_RANK + 1], olen = 0;
	bool explicit = false, seen[ES_MAX_LBL] = { false };
	const char *eq, *p;

	if ((ret = cpu_get_string(n, "equation", NULL, &eq, e)))
		return ret;
	if (!eq)
		return CPU_ERR(n, e, -EINVAL, "attribute 'equation' is required");
	if (n_in > ES_MAX_IN)
		return CPU_ERR(n, e, -EOPNOTSUPP, "more than %d operands",
			       ES_MAX_IN);
	pl->n_in = n_in;
	pl->nell = pl->nout = pl->nsum = 0;
	p = eq;
	for (int i = 0; i < n_in; i++) {
		int nl = 0;
		bool has_ell = false;

		if ((ret = cpu_check_in(n, in, i, "Inputs", in[0].dtype, 0,
					IR_MAX_RANK, e)) ||
		    (ret = es_term(n, &p, pl->term[i], &pl->tlen[i], e)))
			return ret;
		for (int j = 0; j < pl->tlen[i]; j++) {
			if (pl->term[i][j] == ES_ELL)
				has_ell = true;
			else
				nl++;
		}
		ell_rank[i] = in[i].rank - nl;
		if (ell_rank[i] < 0 || (!has_ell && ell_rank[i]))
			return CPU_ERR(n, e, -EINVAL,
				       "term %d has %d labels, operand has rank %d",
				       i, nl, in[i].rank);
		if (ell_rank[i] > pl->nell)
			pl->nell = ell_rank[i];
		if (i + 1 < n_in) {
			if (*p != ',')
				return CPU_ERR(n, e, -EINVAL,
					       "equation has fewer terms than the %d inputs",
					       n_in);
			p++;
		}
	}
	if (*p == '-') {
		if (p[1] != '>')
			return CPU_ERR(n, e, -EINVAL, "equation: '-' without '>'");
		p += 2;
		explicit = true;
		if ((ret = es_term(n, &p, oterm, &olen, e)))
			return ret;
	}
	if (*p)
		return CPU_ERR(n, e, -EINVAL,
			       "equation has more terms than the %d inputs",
			       n_in);
	for (int l = 0; l < ES_MAX_LBL; l++)
		pl->size[l] = -1;
	/* label sizes: letters must agree, ellipsis dimensions broadcast */
	for (int i = 0; i < n_in; i++) {
		int d = 0;

		for (int j = 0; j < pl->tlen[i]; j++) {
			int t = pl->term[i][j], cnt_d = 1;

			if (t == ES_ELL)
				cnt_d = ell_rank[i];
			for (int c = 0; c < cnt_d; c++, d++) {
				int id = t == ES_ELL ? es_ell_id(pl, ell_rank[i], c)
						     : t;
				int64_t sz = in[i].dims[d];

				if (t != ES_ELL)
					cnt[id]++;
				if (pl->size[id] < 0 ||
				    (t == ES_ELL && pl->size[id] == 1))
					pl->size[id] = sz;
				else if (pl->size[id] != sz &&
					 !(t == ES_ELL && sz == 1))
					return CPU_ERR(n, e, -EINVAL,
						       "operand %d dimension %d is %lld, the label has %lld",
						       i, d, (long long)sz,
						       (long long)pl->size[id]);
			}
		}
	}
	for (int j = 0; j < pl->nell; j++)
		if (pl->size[ES_LETTERS + j] < 0)
			pl->size[ES_LETTERS + j] = 1;
	if (explicit) {
		for (int j = 0; j < olen; j++) {
			int t = oterm[j];

			if (t == ES_ELL) {
				for (int c = 0; c < pl->nell; c++)
					pl->out[pl->nout++] = ES_LETTERS + c;
				continue;
			}
			if (pl->size[t] < 0)
				return CPU_ERR(n, e, -EINVAL,
					       "output label %d is in no input", j);
			if (seen[t])
				return CPU_ERR(n, e, -EINVAL,
					       "output label %d is repeated", j);
			seen[t] = true;
			pl->out[pl->nout++] = t;
		}
	} else {
		for (int c = 0; c < pl->nell; c++)
			pl->out[pl->nout++] = ES_LETTERS + c;
		for (int l = 0; l < ES_LETTERS; l++)
			if (cnt[l] == 1)
				pl->out[pl->nout++] = l;
	}
	if (pl->nout > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "output rank %d too large",
			       pl->nout);
	for (int c = 0; c < pl->nout; c++)
		seen[pl->out[c]] = true;
	for (int l = 0; l < ES_MAX_LBL; l++)
		if (pl->size[l] >= 0 && !seen[l])
			pl->sum[pl->nsum++] = l;
	return 0;
}

static int es_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	struct es_plan pl;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, ES_MAX_IN, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "Inputs", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EINVAL, "type %s is not numeric",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = es_parse(n, in, n_in, &pl, e)))
		return ret;
	for (int c = 0; c < pl.nout; c++)
		dims[c] = pl.size[pl.out[c]];
	return cpu_set_out(n, &out[0], in[0].dtype, pl.nout, dims, e);
}

static int es_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	int64_t st[ES_MAX_IN][ES_MAX_LBL], odims[IR_MAX_RANK];
	int64_t sdims[ES_MAX_LBL], oi[IR_MAX_RANK] = { 0 }, onumel;
	int dtype = in[0].dtype;
	bool fl = cpu_is_float(dtype);
	struct es_plan pl;
	int ret;

	(void)n_out;
	if ((ret = es_parse(n, in, n_in, &pl, e)))
		return ret;
	/* per operand, the element stride of each label id */
	for (int i = 0; i < n_in; i++) {
		int64_t s[IR_MAX_RANK];
		int d = 0;

		memset(st[i], 0, sizeof(st[i]));
		cpu_strides(in[i].rank, in[i].dims, s);
		for (int j = 0; j < pl.tlen[i]; j++) {
			int t = pl.term[i][j];

			if (t != ES_ELL) {
				st[i][t] += s[d++];
				continue;
			}
			/* broadcast (size 1) dimensions keep stride 0 */
			for (int c = 0; c < pl.ell_rank[i]; c++, d++)
				if (in[i].dims[d] != 1)
					st[i][es_ell_id(&pl, pl.ell_rank[i],
							c)] += s[d];
		}
	}
	for (int c = 0; c < pl.nout; c++)
		odims[c] = pl.size[pl.out[c]];
	for (int c = 0; c < pl.nsum; c++)
		sdims[c] = pl.size[pl.sum[c]];
	onumel = cpu_numel(&out[0]);
	for (int64_t o = 0; o < onumel; o++) {
		int64_t base[ES_MAX_IN] = { 0 }, si[ES_MAX_LBL] = { 0 };
		double acc = 0.0;
		int64_t iacc = 0;
		bool empty = false;

		for (int c = 0; c < pl.nsum; c++)
			empty |= sdims[c] == 0;
		for (int i = 0; i < n_in; i++)
			for (int c = 0; c < pl.nout; c++)
				base[i] += oi[c] * st[i][pl.out[c]];
		while (!empty) {
			double p = 1.0;
			int64_t ip = 1;

			for (int i = 0; i < n_in; i++) {
				int64_t off = base[i];

				for (int c = 0; c < pl.nsum; c++)
					off += si[c] * st[i][pl.sum[c]];
				if (fl)
					p *= cpu_load_f64(in[i].data, dtype, off);
				else
					ip = (int64_t)((uint64_t)ip *
						       (uint64_t)cpu_load_i64(in[i].data,
									      dtype, off));
			}
			acc += p;
			iacc = (int64_t)((uint64_t)iacc + (uint64_t)ip);
			if (!cpu_odo_next(si, sdims, pl.nsum))
				break;
		}
		if (fl)
			cpu_store_f64(out[0].data, dtype, o, acc);
		else
			cpu_store_i64(out[0].data, dtype, o, iacc);
		cpu_odo_next(oi, odims, pl.nout);
	}
	return 0;
}

const struct cpu_op cpu_op_einsum = { "", "Einsum", es_infer, es_run };
