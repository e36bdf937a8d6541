// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_bypass_probe: an irqbypass consumer, as KVM registers one for an
 * irqfd, that records which producers (vfio-pci's MSI/MSI-X vectors)
 * connect to it and disconnect from it.
 *
 * /sys/kernel/debug/vfio_bypass_probe/consumer:
 *   write "<fd>"  register a consumer whose token is the eventfd_ctx of
 *                 the writing process's eventfd <fd> (the producer's
 *                 token when vfio-pci uses that eventfd as a trigger);
 *                 a consumer registered before is unregistered first,
 *                 and the log is cleared
 *   write "-1"    unregister the consumer (the log keeps what it said)
 *   (a write fails with ENOENT if irqbypass.ko is not loaded)
 *   read          the log, one line per callback, oldest first:
 *                   add irq=<producer irq>
 *                   del irq=<producer irq>
 *                 and "overflow" if lines were dropped.
 *
 * irqbypass.ko's functions are looked up with symbol_get() while a
 * consumer is registered, not linked: loading this module (which
 * testmod_load() also does for tests that load a module listed after it)
 * must not pin irqbypass.ko, which the testbed unloads at the end.
 *
 * Locking: probe_lock serializes the writes (registration state); it is
 * held across irq_bypass_(un)register_consumer(), whose callbacks run
 * under irqbypass.ko's lock and take only log_lock, which nests inside
 * everything.
 */
#include <linux/debugfs.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/irqbypass.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#define PROBE_LOG_LEN 1024

static struct dentry *probe_dir;
static DEFINE_MUTEX(probe_lock);
static DEFINE_SPINLOCK(log_lock);
static char probe_log[PROBE_LOG_LEN];
static size_t probe_log_len;
static bool probe_log_overflow;

static struct irq_bypass_consumer probe_consumer;
static struct eventfd_ctx *probe_token;	/* probe_lock */
/* irq_bypass_unregister_consumer(), held while probe_token is set */
static void (*probe_unreg_fn)(struct irq_bypass_consumer *cons);

static void probe_log_add(const char *what, int irq)
{
	char line[32];
	int n;

	n = scnprintf(line, sizeof(line), "%s irq=%d\n", what, irq);
	spin_lock(&log_lock);
	if (probe_log_len + n < PROBE_LOG_LEN) {
		memcpy(probe_log + probe_log_len, line, n);
		probe_log_len += n;
	} else {
		probe_log_overflow = true;
	}
	spin_unlock(&log_lock);
}

static int probe_add_producer(struct irq_bypass_consumer *cons,
			      struct irq_bypass_producer *prod)
{
	probe_log_add("add", prod->irq);
	return 0;
}

static void probe_del_producer(struct irq_bypass_consumer *cons,
			       struct irq_bypass_producer *prod)
{
	probe_log_add("del", prod->irq);
}

static void probe_unregister(void)
{
	lockdep_assert_held(&probe_lock);
	if (!probe_token)
		return;
	probe_unreg_fn(&probe_consumer);
	symbol_put(irq_bypass_unregister_consumer);
	probe_unreg_fn = NULL;
	eventfd_ctx_put(probe_token);
	probe_token = NULL;
}

/* Register the consumer through symbol_get(); 0 or a negative errno. */
static int probe_register(struct irq_bypass_consumer *cons)
{
	int (*reg_fn)(struct irq_bypass_consumer *cons);
	int ret;

	reg_fn = symbol_get(irq_bypass_register_consumer);
	if (!reg_fn)
		return -ENOENT;
	probe_unreg_fn = symbol_get(irq_bypass_unregister_consumer);
	if (!probe_unreg_fn) {
		ret = -ENOENT;
		goto out_put_reg;
	}
	ret = reg_fn(cons);
	if (ret) {
		symbol_put(irq_bypass_unregister_consumer);
		probe_unreg_fn = NULL;
	}
out_put_reg:
	symbol_put(irq_bypass_register_consumer);
	return ret;
}

static ssize_t probe_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct eventfd_ctx *ctx;
	int fd, ret;

	ret = kstrtoint_from_user(ubuf, len, 0, &fd);
	if (ret)
		return ret;

	mutex_lock(&probe_lock);
	probe_unregister();
	if (fd < 0)
		goto out;

	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out;
	}
	spin_lock(&log_lock);
	probe_log_len = 0;
	probe_log_overflow = false;
	spin_unlock(&log_lock);

	memset(&probe_consumer, 0, sizeof(probe_consumer));
	probe_consumer.token = ctx;
	probe_consumer.add_producer = probe_add_producer;
	probe_consumer.del_producer = probe_del_producer;
	ret = probe_register(&probe_consumer);
	if (ret) {
		eventfd_ctx_put(ctx);
		goto out;
	}
	probe_token = ctx;
out:
	mutex_unlock(&probe_lock);
	return ret ? ret : len;
}

static ssize_t probe_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	char *buf;
	size_t n;
	ssize_t ret;

	buf = kmalloc(PROBE_LOG_LEN + 16, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	spin_lock(&log_lock);
	memcpy(buf, probe_log, probe_log_len);
	n = probe_log_len;
	if (probe_log_overflow)
		n += scnprintf(buf + n, 16, "overflow\n");
	spin_unlock(&log_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, buf, n);
	kfree(buf);
	return ret;
}

static const struct file_operations probe_fops = {
	.owner = THIS_MODULE,
	.read = probe_read,
	.write = probe_write,
	.llseek = default_llseek,
};

static int __init probe_init(void)
{
	probe_dir = debugfs_create_dir("vfio_bypass_probe", NULL);
	debugfs_create_file("consumer", 0600, probe_dir, NULL, &probe_fops);
	return 0;
}

static void __exit probe_exit(void)
{
	debugfs_remove_recursive(probe_dir);
	mutex_lock(&probe_lock);
	probe_unregister();
	mutex_unlock(&probe_lock);
}

module_init(probe_init);
module_exit(probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO test helper: an irqbypass consumer that logs its producers");
