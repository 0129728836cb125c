/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names of ptpsyncd's D-Bus contract, in one place for the daemon, libptpsync, the
 * tests and the benchmarks: the bus name, the object paths, the interfaces, the error
 * names and the signature of an event. Plain #defines, so that code that does not speak
 * D-Bus (the model) may use them too. The public header client-lib/ptpsync.h keeps its
 * own PTPSYNC_* copies of what it exposes: it must stand alone once installed.
 */
#pragma once

#define BUS_NAME "org.ptpsync1"

/* The Manager, the Simulator (with --source=sim) and the ObjectManager live at the root. */
#define MANAGER_OBJECT_PATH "/org/ptpsync1"
#define MANAGER_INTERFACE "org.ptpsync1.Manager"
#define SIMULATOR_INTERFACE "org.ptpsync1.Simulator"

/* One object per resource: RESOURCE_OBJECT_PREFIX "/" the bus-encoded suffix of its address. */
#define RESOURCE_OBJECT_PREFIX "/org/ptpsync1/resource"
#define RESOURCE_INTERFACE "org.ptpsync1.Resource"

/* One object per subscription: SUBSCRIPTION_OBJECT_PREFIX "/" the 32 hex digits of its id. */
#define SUBSCRIPTION_OBJECT_PREFIX "/org/ptpsync1/subscription"
#define SUBSCRIPTION_INTERFACE "org.ptpsync1.Subscription"

/* systemd's interface for a service's logging (org.freedesktop.LogControl1(5)). */
#define LOG_CONTROL_OBJECT_PATH "/org/freedesktop/LogControl1"
#define LOG_CONTROL_INTERFACE "org.freedesktop.LogControl1"

#define BUS_ERROR_NO_SUCH_RESOURCE      "org.ptpsync1.Error.NoSuchResource"
#define BUS_ERROR_NO_DATA               "org.ptpsync1.Error.NoData"
#define BUS_ERROR_INVALID_ADDRESS       "org.ptpsync1.Error.InvalidAddress"
#define BUS_ERROR_INVALID_OPTION        "org.ptpsync1.Error.InvalidOption"
#define BUS_ERROR_NO_SUCH_SUBSCRIPTION  "org.ptpsync1.Error.NoSuchSubscription"
#define BUS_ERROR_QUOTA_EXCEEDED        "org.ptpsync1.Error.QuotaExceeded"
#define BUS_ERROR_ALREADY_ATTACHED      "org.ptpsync1.Error.AlreadyAttached"
#define BUS_ERROR_INVALID_CONFIGURATION "org.ptpsync1.Error.InvalidConfiguration"
/* A call that promises durability, when what it did could not be committed to the store. */
#define BUS_ERROR_STORE_FAILED          "org.ptpsync1.Error.StoreFailed"

/*
 * One event on the bus: seq, id, type, source, time, values (address, data_type,
 * value_type, value). The Event signals carry the fields (a Subscription's with its
 * delivery attempt "u" after them); GetCurrentState returns an array of the struct,
 * GetDeadLetters one of the struct with the dead letter's reason "s" after the fields.
 */
#define EVENT_SIGNATURE_FIELDS "tsssxa(ssss)"
#define EVENT_SIGNATURE "(" EVENT_SIGNATURE_FIELDS ")"
/* GetDeadLetters returns an array of the event's fields and why it is a dead letter. */
#define DEAD_LETTER_SIGNATURE_FIELDS EVENT_SIGNATURE_FIELDS "s"
#define DEAD_LETTER_SIGNATURE "(" DEAD_LETTER_SIGNATURE_FIELDS ")"
