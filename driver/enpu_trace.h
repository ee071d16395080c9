/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ENPU tracepoints: a job's submit, start on the engine, completion and
 * timeout.  Jobs are named by their scheduler fence (context, seqno).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM enpu

#if !defined(_ENPU_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _ENPU_TRACE_H_

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(enpu_job,
	TP_PROTO(u64 context, u64 seqno, int status),
	TP_ARGS(context, seqno, status),
	TP_STRUCT__entry(
		__field(u64, context)
		__field(u64, seqno)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->context = context;
		__entry->seqno = seqno;
		__entry->status = status;
	),
	TP_printk("fence=%llu:%llu status=%d",
		  __entry->context, __entry->seqno, __entry->status)
);

DEFINE_EVENT(enpu_job, enpu_job_submit,
	TP_PROTO(u64 context, u64 seqno, int status),
	TP_ARGS(context, seqno, status));
DEFINE_EVENT(enpu_job, enpu_job_start,
	TP_PROTO(u64 context, u64 seqno, int status),
	TP_ARGS(context, seqno, status));
DEFINE_EVENT(enpu_job, enpu_job_done,
	TP_PROTO(u64 context, u64 seqno, int status),
	TP_ARGS(context, seqno, status));
DEFINE_EVENT(enpu_job, enpu_job_timeout,
	TP_PROTO(u64 context, u64 seqno, int status),
	TP_ARGS(context, seqno, status));

#endif /* _ENPU_TRACE_H_ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE enpu_trace
#include <trace/define_trace.h>
