// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timeouts in whole seconds from the CMOS RTC, which QEMU keeps on the
 * host's clock: a deadline counts the changes of the seconds register,
 * so it needs neither the time's BCD encoding nor a calibrated TSC,
 * whose rate under TCG says nothing about wall time.
 */
#include "nested.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define RTC_SECONDS	0x00
#define RTC_STATUS_A	0x0a
#define RTC_UIP		0x80	/* update in progress */

static uint8_t rtc_seconds(void)
{
	uint8_t sec;

	do {
		outb(CMOS_INDEX, RTC_STATUS_A);
	} while (inb(CMOS_DATA) & RTC_UIP);
	outb(CMOS_INDEX, RTC_SECONDS);
	sec = inb(CMOS_DATA);
	return sec;
}

/*
 * deadline_start(): passes after at least @seconds - 1 and at most
 * @seconds whole seconds.
 */
void deadline_start(struct deadline *d, unsigned int seconds)
{
	d->last = rtc_seconds();
	d->left = seconds;
}

bool deadline_passed(struct deadline *d)
{
	uint8_t now = rtc_seconds();

	if (now != d->last) {
		d->last = now;
		if (d->left)
			d->left--;
	}
	return !d->left;
}
