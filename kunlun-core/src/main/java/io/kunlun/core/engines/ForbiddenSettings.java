package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The settings set_variable refuses on one engine, each with the reason it gives: those that run
 * programs or load libraries on the machine, name files the server would write or read, change
 * how the manager's own SQL is quoted, or belong to the manager (a replica's role, replication
 * positions, addresses). Names are matched in lower case, whole or by a prefix. docs/api.md's
 * set_variable section lists them with the same reasons.
 */
final class ForbiddenSettings {
    private final Map<String, String> names = new LinkedHashMap<>();
    private final Map<String, String> prefixes = new LinkedHashMap<>();

    /** Refused on MariaDB storage instances. */
    static final ForbiddenSettings MARIADB = new ForbiddenSettings()
            .prefix("wsrep_", "the manager sets Galera's settings (wsrep_notify_cmd and wsrep_provider also run"
                    + " programs on the machine)")
            .prefix("gtid_", "the shard's GTID history belongs to the manager: changing it loses or replays"
                    + " transactions on replicas")
            .names("the manager sets it by the instance's role in its shard", "read_only",
                    "rpl_semi_sync_master_enabled", "rpl_semi_sync_slave_enabled", "rpl_semi_sync_master_wait_point")
            .names("replication relies on it: each instance of a shard has its own", "server_id")
            .names("shards replicate rows; another format makes replicas diverge", "binlog_format")
            .names("it names a file the server writes with query text, anywhere the instance account may write"
                            + " (other instances' configuration included)", "general_log_file", "slow_query_log_file",
                    "innodb_tmpdir", "innodb_buffer_pool_filename")
            .names("it decides how strings and names are quoted (NO_BACKSLASH_ESCAPES, ANSI_QUOTES), which the"
                    + " manager's own SQL relies on; set it per session instead", "sql_mode");

    /** Refused on PostgreSQL compute instances. */
    static final ForbiddenSettings POSTGRESQL = new ForbiddenSettings()
            .names("it runs a shell command on the machine as the instance account", "archive_command",
                    "restore_command", "archive_cleanup_command", "recovery_end_command", "ssl_passphrase_command")
            .names("it loads a library into the server", "archive_library", "shared_preload_libraries",
                    "session_preload_libraries", "local_preload_libraries", "dynamic_library_path", "jit_provider")
            .names("it decides how string literals are quoted, which the manager's own SQL relies on",
                    "standard_conforming_strings", "backslash_quote")
            .names("the manager's SQL runs as the superuser and calls functions by name: a search path before"
                    + " pg_catalog would run an account's functions as the superuser", "search_path")
            .names("the manager, clients and exporters find the instance by it", "listen_addresses", "port",
                    "unix_socket_directories", "unix_socket_permissions", "unix_socket_group")
            .names("it names a file the server reads or writes, anywhere the instance account may",
                    "hba_file", "ident_file", "external_pid_file", "log_directory", "log_filename",
                    "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file", "ssl_crl_dir",
                    "krb_server_keyfile")
            .names("the server logs to postgres.log through its standard error, private to the instance account",
                    "logging_collector", "log_file_mode")
            .names("the cluster's accounts use SCRAM; another method weakens every password set later",
                    "password_encryption");

    private ForbiddenSettings() {
    }

    private ForbiddenSettings names(String reason, String... settings) {
        for (String setting : settings) {
            names.put(setting, reason);
        }
        return this;
    }

    private ForbiddenSettings prefix(String prefix, String reason) {
        prefixes.put(prefix, reason);
        return this;
    }

    /** Refuses a forbidden setting with its reason, naming the instance; nothing has changed yet. */
    void requireAllowed(String label, String setting) {
        String name = setting.toLowerCase(Locale.ROOT);
        String reason = names.get(name);
        if (reason == null) {
            reason = prefixes.entrySet().stream().filter(prefix -> name.startsWith(prefix.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }
        if (reason != null) {
            throw ManagerException.refused(label + ": " + name + " cannot be set through set_variable: " + reason);
        }
    }
}
