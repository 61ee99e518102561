/*
 * kernel/cap/console.h - the Console object: user processes' log lines.
 */
#ifndef CAPROCK_CAP_CONSOLE_H
#define CAPROCK_CAP_CONSOLE_H

#include "kernel/core/kobj.h"

extern struct kobj console_object;

#endif
