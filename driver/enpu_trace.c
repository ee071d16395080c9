// SPDX-License-Identifier: GPL-2.0-only
/* ENPU tracepoint definitions (see enpu_trace.h). */
#define CREATE_TRACE_POINTS
#include "enpu_trace.h"
