/* SPDX-License-Identifier: MIT */
/* Error reporting shared by the command-line tools. */
#ifndef ENPU_TOOLS_DIE_H
#define ENPU_TOOLS_DIE_H

/* The tool's name, defined by each tool: the prefix of its messages. */
extern const char tool_name[];

/* Print "NAME: message\n" on stderr; returns 1 (the tools' failure exit). */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* ENPU_TOOLS_DIE_H */
