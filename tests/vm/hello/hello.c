// SPDX-License-Identifier: GPL-2.0
/*
 * hello.ko - the smallest out-of-tree module, built against the cached Debian
 * 6.12 headers and loaded in the QEMU guest to prove the VM harness works end
 * to end (build, initramfs, boot, insmod, sysfs, rmmod, dmesg scan).  With
 * warn=1 it WARNs at load, so the harness self-test can check that a splat
 * fails the run.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static unsigned int greeting = 42;
module_param(greeting, uint, 0444);
MODULE_PARM_DESC(greeting, "Number printed at load (read back via sysfs)");

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN at load: the harness self-test's dmesg splat");

static int __init hello_init(void)
{
	pr_info("hello: loaded, greeting=%u\n", greeting);
	WARN(warn, "hello: warning requested by the warn parameter\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("hello: unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_DESCRIPTION("ENPU VM harness smoke-test module");
MODULE_AUTHOR("ENPU project");
MODULE_LICENSE("GPL");
