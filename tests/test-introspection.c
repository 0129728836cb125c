/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus API against its contract: the XML files in $INTROSPECTION_DIR, one
 * per interface. What the running daemon introspects must match them member
 * by member, both ways, except for the members listed in not_implemented
 * below, which must be absent until they land (and then leave the list).
 */

#include <gio/gio.h>

#include "common/bus-names.h"
#include "test-env.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

#define EMITS_CHANGED "org.freedesktop.DBus.Property.EmitsChangedSignal"
/* sd-bus's mark of a property left out of GetAll and of every broadcast of properties. */
#define EXPLICIT "org.freedesktop.systemd1.Explicit"

static const char *const contract_interfaces[] = {
        MANAGER_INTERFACE,
        RESOURCE_INTERFACE,
        SIMULATOR_INTERFACE,
        SUBSCRIPTION_INTERFACE,
};

/*
 * In the contract, not in the daemon yet. An entry without a member stands
 * for the whole interface.
 */
static const struct {
        const char *interface;
        const char *member;
} not_implemented[] = {
        /* Nothing now; { NULL, NULL } keeps the array valid C and is skipped. */
        { NULL, NULL },
};

static bool is_not_implemented(const char *interface, const char *member) {
        for (size_t i = 0; i < G_N_ELEMENTS(not_implemented); i++)
                if (not_implemented[i].interface && g_str_equal(not_implemented[i].interface, interface) &&
                    (!not_implemented[i].member || (member && g_str_equal(not_implemented[i].member, member))))
                        return true;
        return false;
}

/* Records a difference and goes on, so that one run reports all of them. */
static void G_GNUC_PRINTF(1, 2) difference(const char *format, ...) {
        g_autofree char *s = NULL;
        va_list ap;

        va_start(ap, format);
        s = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_test_message("%s", s);
        g_test_fail();
}

static char *contract_path(const char *interface) {
        const char *dir = g_getenv("INTROSPECTION_DIR");
        g_autofree char *name = g_strconcat(interface, ".xml", NULL);

        g_assert_nonnull(dir);
        return g_build_filename(dir, name, NULL);
}

static char *contract_text(const char *interface) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = contract_path(interface);
        char *text = NULL;

        g_file_get_contents(path, &text, NULL, &error);
        g_assert_no_error(error);
        return text;
}

static bool is_member_line(const char *line) {
        return g_str_has_prefix(line, "<method ") || g_str_has_prefix(line, "<method>") ||
               g_str_has_prefix(line, "<signal ") || g_str_has_prefix(line, "<signal>") ||
               g_str_has_prefix(line, "<property ") || g_str_has_prefix(line, "<property>");
}

/*
 * Every member starts its own line, right after a one-line comment that documents it.
 * Returns how many member lines there are, for the caller to check against the parse.
 */
static unsigned check_doc_comments(const char *interface, const char *text) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        const char *previous = NULL;
        unsigned n = 0;

        for (size_t i = 0; lines[i]; i++) {
                const char *line = g_strstrip(lines[i]);

                if (*line == '\0')
                        continue;
                if (is_member_line(line)) {
                        n++;
                        if (!previous || !g_str_has_prefix(previous, "<!--") || !g_str_has_suffix(previous, "-->") ||
                            strlen(previous) <= strlen("<!-- -->"))
                                difference("%s.xml line %zu: \"%s\" is not preceded by a one-line <!-- ... --> "
                                           "comment (previous line: \"%s\")",
                                           interface, i + 1, line, previous ?: "");
                }
                previous = line;
        }
        return n;
}

static unsigned n_members(const GDBusInterfaceInfo *i) {
        unsigned n = 0;

        for (GDBusMethodInfo **m = i->methods; m && *m; m++)
                n++;
        for (GDBusSignalInfo **s = i->signals; s && *s; s++)
                n++;
        for (GDBusPropertyInfo **p = i->properties; p && *p; p++)
                n++;
        return n;
}

static const char *emits_changed(const GDBusPropertyInfo *p) {
        return g_dbus_annotation_info_lookup(p->annotations, EMITS_CHANGED);
}

/*
 * Loads one file: well-formed, holding exactly its interface. With check_style, also that it is
 * documented and explicit (checked once, in /introspection/contract-files).
 */
static GDBusInterfaceInfo *contract_load(const char *interface, bool check_style) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusNodeInfo) node = NULL;
        g_autofree char *text = contract_text(interface);
        GDBusInterfaceInfo *i;
        unsigned member_lines;

        node = g_dbus_node_info_new_for_xml(text, &error);
        if (error)
                g_test_message("%s.xml is not valid introspection XML", interface);
        g_assert_no_error(error);
        g_assert_nonnull(node->interfaces);
        g_assert_nonnull(node->interfaces[0]);
        g_assert_null(node->interfaces[1]);
        i = node->interfaces[0];
        g_assert_cmpstr(i->name, ==, interface);
        g_assert_cmpuint(n_members(i), >, 0);
        if (!check_style)
                return g_dbus_interface_info_ref(i);

        member_lines = check_doc_comments(interface, text);
        if (member_lines != n_members(i))
                difference("%s.xml: %u members, but %u lines start one: each member must start its own line",
                           interface, n_members(i), member_lines);

        /* sd-bus leaves out "true", so the file must say it: silence would be ambiguous. */
        for (GDBusPropertyInfo **p = i->properties; p && *p; p++) {
                const char *v = emits_changed(*p);

                if (!v)
                        difference("%s.xml: property %s has no " EMITS_CHANGED " annotation", interface,
                                   (*p)->name);
                else if (!g_strv_contains((const char *const[]) { "true", "false", "const", "invalidates", NULL },
                                          v))
                        difference("%s.xml: property %s: " EMITS_CHANGED "=\"%s\" is not a valid value",
                                   interface, (*p)->name, v);
        }

        return g_dbus_interface_info_ref(i);
}

static GDBusNodeInfo *introspect(sd_bus *bus, const char *path) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GError) error = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        GDBusNodeInfo *node;
        const char *xml;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Introspectable", "Introspect", &e,
                               &reply, "");
        if (r < 0)
                g_test_message("Introspect(%s): %s: %s", path, e.name, e.message);
        sd_bus_error_free(&e);
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "s", &xml), >=, 0);

        node = g_dbus_node_info_new_for_xml(xml, &error);
        if (error)
                g_test_message("The live XML of %s:\n%s", path, xml);
        g_assert_no_error(error);
        return node;
}

static char **list_resource_paths(sd_bus *bus) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) paths = g_ptr_array_new();
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *address, *kind, *path;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListResources", &e, &reply, "");
        if (r < 0)
                g_test_message("ListResources: %s: %s", e.name, e.message);
        sd_bus_error_free(&e);
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sso)"), >=, 0);
        while ((r = sd_bus_message_read(reply, "(sso)", &address, &kind, &path)) > 0)
                g_ptr_array_add(paths, g_strdup(path));
        g_assert_cmpint(r, ==, 0);
        g_ptr_array_add(paths, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&paths), false);
}

/* GDBus names an unnamed argument arg_<index>. */
static bool is_default_arg_name(const char *name, size_t index) {
        g_autofree char *d = g_strdup_printf("arg_%zu", index);

        return g_str_equal(name, d);
}

static void compare_args(const char *what, GDBusArgInfo **contract, GDBusArgInfo **live, bool names) {
        size_t n_contract = contract ? g_strv_length((char **) contract) : 0;
        size_t n_live = live ? g_strv_length((char **) live) : 0;

        if (n_contract != n_live) {
                difference("%s: %zu arguments live, %zu in the contract", what, n_live, n_contract);
                return;
        }
        for (size_t k = 0; k < n_live; k++) {
                if (!g_str_equal(contract[k]->signature, live[k]->signature))
                        difference("%s: argument %zu (%s) is \"%s\" live, \"%s\" in the contract", what, k,
                                   contract[k]->name ?: "unnamed", live[k]->signature, contract[k]->signature);
                if (names && g_strcmp0(contract[k]->name, live[k]->name) != 0)
                        difference("%s: argument %zu is named \"%s\" live, \"%s\" in the contract", what, k,
                                   live[k]->name ?: "(none)", contract[k]->name ?: "(none)");
        }
}

static const char *access_string(GDBusPropertyInfoFlags flags) {
        switch ((unsigned) flags) {
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE:
                return "read";
        case G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "write";
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE | G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "readwrite";
        default:
                return "neither readable nor writable";
        }
}

/* A member live must be in the contract; one in the contract must be live, unless not implemented yet. */
static bool check_presence(const char *iface, const char *kind, const char *name, bool in_contract, bool live) {
        bool pending = is_not_implemented(iface, name);

        if (live && !in_contract)
                difference("%s %s.%s is live but not in %s.xml", kind, iface, name, iface);
        else if (live && pending)
                difference("%s %s.%s is live now: take it off not_implemented in " __FILE__, kind, iface, name);
        else if (!live && in_contract && !pending)
                difference("%s %s.%s is in %s.xml but not live", kind, iface, name, iface);
        return live && in_contract;
}

static void compare_interface(const char *path, const GDBusInterfaceInfo *contract, const GDBusInterfaceInfo *live) {
        const char *iface = contract->name;

        for (GDBusMethodInfo **m = live->methods; m && *m; m++)
                if (!g_dbus_interface_info_lookup_method((GDBusInterfaceInfo *) contract, (*m)->name))
                        check_presence(iface, "Method", (*m)->name, false, true);
        for (GDBusMethodInfo **c = contract->methods; c && *c; c++) {
                GDBusMethodInfo *l = g_dbus_interface_info_lookup_method((GDBusInterfaceInfo *) live, (*c)->name);
                g_autofree char *in = g_strdup_printf("%s %s.%s() in", path, iface, (*c)->name);
                g_autofree char *out = g_strdup_printf("%s %s.%s() out", path, iface, (*c)->name);

                if (!check_presence(iface, "Method", (*c)->name, true, l))
                        continue;
                compare_args(in, (*c)->in_args, l->in_args, true);
                compare_args(out, (*c)->out_args, l->out_args, true);
        }

        for (GDBusSignalInfo **s = live->signals; s && *s; s++)
                if (!g_dbus_interface_info_lookup_signal((GDBusInterfaceInfo *) contract, (*s)->name))
                        check_presence(iface, "Signal", (*s)->name, false, true);
        for (GDBusSignalInfo **c = contract->signals; c && *c; c++) {
                GDBusSignalInfo *l = g_dbus_interface_info_lookup_signal((GDBusInterfaceInfo *) live, (*c)->name);
                g_autofree char *what = g_strdup_printf("%s %s.%s signal", path, iface, (*c)->name);
                bool live_names = false;

                if (!check_presence(iface, "Signal", (*c)->name, true, l))
                        continue;
                /* Signal argument names are optional: compared when the daemon gives them. */
                for (size_t k = 0; l->args && l->args[k]; k++)
                        live_names = live_names || !is_default_arg_name(l->args[k]->name, k);
                compare_args(what, (*c)->args, l->args, live_names);
        }

        for (GDBusPropertyInfo **p = live->properties; p && *p; p++)
                if (!g_dbus_interface_info_lookup_property((GDBusInterfaceInfo *) contract, (*p)->name))
                        check_presence(iface, "Property", (*p)->name, false, true);
        for (GDBusPropertyInfo **c = contract->properties; c && *c; c++) {
                GDBusPropertyInfo *l = g_dbus_interface_info_lookup_property((GDBusInterfaceInfo *) live, (*c)->name);
                const char *live_emits, *contract_emits;

                if (!check_presence(iface, "Property", (*c)->name, true, l))
                        continue;
                if (!g_str_equal((*c)->signature, l->signature))
                        difference("%s property %s.%s is \"%s\" live, \"%s\" in the contract", path, iface,
                                   (*c)->name, l->signature, (*c)->signature);
                if ((*c)->flags != l->flags)
                        difference("%s property %s.%s is %s live, %s in the contract", path, iface, (*c)->name,
                                   access_string(l->flags), access_string((*c)->flags));
                /* sd-bus writes the annotation only when it is not "true". */
                live_emits = emits_changed(l) ?: "true";
                contract_emits = emits_changed(*c) ?: "true";
                if (!g_str_equal(live_emits, contract_emits))
                        difference("%s property %s.%s: " EMITS_CHANGED " is \"%s\" live, \"%s\" in the contract",
                                   path, iface, (*c)->name, live_emits, contract_emits);
                if (!streq_ptr(g_dbus_annotation_info_lookup(l->annotations, EXPLICIT),
                               g_dbus_annotation_info_lookup((*c)->annotations, EXPLICIT)))
                        difference("%s property %s.%s: " EXPLICIT " is \"%s\" live, \"%s\" in the contract", path,
                                   iface, (*c)->name, g_dbus_annotation_info_lookup(l->annotations, EXPLICIT) ?: "",
                                   g_dbus_annotation_info_lookup((*c)->annotations, EXPLICIT) ?: "");
        }
}

/*
 * The ptpsync interfaces of one live object must be exactly those expected there (besides the
 * standard org.freedesktop.DBus ones), each matching its contract.
 */
static void check_object(const char *path, GDBusNodeInfo *live, GHashTable *contracts, const char *const *expected) {
        for (const char *const *e = expected; *e; e++) {
                GDBusInterfaceInfo *i = g_dbus_node_info_lookup_interface(live, *e);

                if (!i)
                        difference("%s: interface %s is not live", path, *e);
                else
                        compare_interface(path, g_hash_table_lookup(contracts, *e), i);
        }
        for (GDBusInterfaceInfo **i = live->interfaces; i && *i; i++) {
                if (g_str_has_prefix((*i)->name, "org.freedesktop.DBus.") || g_strv_contains(expected, (*i)->name))
                        continue;
                if (is_not_implemented((*i)->name, NULL))
                        difference("%s: interface %s is live now: take it off not_implemented in " __FILE__, path,
                                   (*i)->name);
                else
                        difference("%s: interface %s is live but not expected here (contract: %s)", path,
                                   (*i)->name, g_hash_table_contains(contracts, (*i)->name) ? "elsewhere" : "none");
        }
}

static GHashTable *contracts_load(bool check_style) {
        GHashTable *contracts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                      (GDestroyNotify) g_dbus_interface_info_unref);

        for (size_t i = 0; i < G_N_ELEMENTS(contract_interfaces); i++)
                g_hash_table_insert(contracts, (char *) contract_interfaces[i], contract_load(contract_interfaces[i], check_style));
        return contracts;
}

/* The files alone: parse, document every member, state every property's signalling. */
static void test_contract_files(void) {
        g_autoptr(GHashTable) contracts = contracts_load(true);
        g_autoptr(GDir) dir = NULL;
        g_autoptr(GError) error = NULL;
        const char *name;

        /* Every file in the directory is one of the known contracts, so none escapes the checks. */
        dir = g_dir_open(g_getenv("INTROSPECTION_DIR"), 0, &error);
        g_assert_no_error(error);
        while ((name = g_dir_read_name(dir))) {
                g_autofree char *interface = NULL;

                if (!g_str_has_suffix(name, ".xml"))
                        continue;
                interface = g_strndup(name, strlen(name) - strlen(".xml"));
                if (!g_hash_table_contains(contracts, interface))
                        difference("%s: not a known contract; add it to contract_interfaces", name);
        }
        /* Not implemented members must exist in their contract, or the list has gone stale. */
        for (size_t i = 0; i < G_N_ELEMENTS(not_implemented); i++) {
                GDBusInterfaceInfo *c;
                const char *m = not_implemented[i].member;

                if (!not_implemented[i].interface)
                        continue;
                c = g_hash_table_lookup(contracts, not_implemented[i].interface);
                g_assert_nonnull(c);
                if (m && !g_dbus_interface_info_lookup_method(c, m) && !g_dbus_interface_info_lookup_signal(c, m) &&
                    !g_dbus_interface_info_lookup_property(c, m))
                        difference("not_implemented lists %s.%s, which is not in the contract",
                                   not_implemented[i].interface, m);
        }
}

static void test_live(void) {
        static const char *const manager_interfaces[] = { MANAGER_INTERFACE, SIMULATOR_INTERFACE, NULL };
        static const char *const resource_interfaces[] = { RESOURCE_INTERFACE, NULL };
        g_autoptr(GHashTable) contracts = contracts_load(false);
        g_autoptr(GDBusNodeInfo) manager = NULL;
        g_auto(GStrv) resources = NULL;
        TestEnv *env = test_env_start(NULL);
        sd_bus *bus = env->client;

        manager = introspect(bus, MANAGER_OBJECT_PATH);
        check_object(MANAGER_OBJECT_PATH, manager, contracts, manager_interfaces);
        /* The Manager's contract promises the standard ObjectManager beside it. */
        if (!g_dbus_node_info_lookup_interface(manager, "org.freedesktop.DBus.ObjectManager"))
                difference(MANAGER_OBJECT_PATH ": org.freedesktop.DBus.ObjectManager is not live");

        /* A subscription of our own, to see the Subscription interface live. */
        {
                static const char *const subscription_interfaces[] = { SUBSCRIPTION_INTERFACE, NULL };
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                g_autoptr(GDBusNodeInfo) node = NULL;
                sd_bus_error e = SD_BUS_ERROR_NULL;
                const char *path;

                g_assert_cmpint(sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Subscribe",
                                                   &e, &reply, "sa{sv}", "/", 0), >=, 0);
                g_assert_cmpint(sd_bus_message_read(reply, "o", &path), >, 0);
                node = introspect(bus, path);
                check_object(path, node, contracts, subscription_interfaces);
                sd_bus_error_free(&e);
        }

        resources = list_resource_paths(bus);
        g_assert_nonnull(resources[0]);
        for (size_t i = 0; resources[i]; i++) {
                g_autoptr(GDBusNodeInfo) node = introspect(bus, resources[i]);

                /* All share one vtable: compared in full once, the others only for what they have. */
                if (i == 0)
                        check_object(resources[i], node, contracts, resource_interfaces);
                else if (!g_dbus_node_info_lookup_interface(node, RESOURCE_INTERFACE))
                        difference("%s: interface org.ptpsync1.Resource is not live", resources[i]);
        }

        test_env_stop(env);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/introspection/contract-files", test_contract_files);
        g_test_add_func("/introspection/live", test_live);

        return g_test_run();
}
