package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.MetaNode;
import org.jdbi.v3.core.Handle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * {@code kunlunctl meta migrate}: the embedded H2 store of a manager's home copied into a server
 * store (a metadata group), every row of every table, so that a manager started on the server
 * store has every machine, cluster, instance, job and event the home had. Both stores are at the
 * same schema version (opening each applies this manager's migrations). The target must hold
 * nothing: the copy refuses any table with rows, naming it, and copies in one transaction, so a
 * failure leaves the target as empty as it found it. It copies only as the leader of the
 * target's managers (it joins their election and is refused when a manager leads), so a manager
 * that starts meanwhile follows; the H2 file admits one process, so no manager runs on the home
 * either.
 */
public final class StoreMigration {
    /** Tables of the store itself and of the managers on it rather than of its content. */
    private static final Set<String> NOT_COPIED = Set.of("schema_version", "schema_lock", "manager_lease",
            "manager_member");
    private static final int BATCH = 500;

    private StoreMigration() {
    }

    /** Copies the home's embedded store into {@code target}; answers each table's row count, in copy order. */
    public static Map<String, Integer> migrate(Path home, MetadataConfig target) {
        if (target.isEmbedded()) {
            throw ManagerException.refused("the target configuration names no jdbc_url: it is the embedded store");
        }
        Path file = home.toAbsolutePath().resolve("meta").resolve("kunlun.mv.db");
        if (!Files.exists(file)) {
            throw ManagerException.refused("no embedded metadata store in " + home + " (" + file + " does not exist)");
        }
        MetaNode unused = new MetaNode("127.0.0.1", 0);
        try (MetadataStore source = MetadataStore.open(MetadataConfig.embedded(), home, unused);
             MetadataStore destination = MetadataStore.open(target, home, unused)) {
            if (!source.appliedMigrations().equals(destination.appliedMigrations())) {
                throw ManagerException.refused("the stores' schemas differ: " + source.appliedMigrations() + " in "
                        + home + ", " + destination.appliedMigrations() + " in " + target.jdbcUrl());
            }
            // Joining leads at once when the lease is free; a manager that holds it is using the store.
            AtomicBoolean leads = new AtomicBoolean();
            destination.joinManagers("kunlunctl meta migrate", new ManagerLease.Listener() {
                @Override
                public void leading(long fencing) {
                    leads.set(true);
                }

                @Override
                public void following(String leader) {
                    leads.set(false);
                }
            });
            if (!leads.get()) {
                throw ManagerException.refused("a manager leads on " + target.jdbcUrl() + " (see list_managers):"
                        + " the metadata is migrated into a store no manager uses");
            }
            List<String> tables = source.jdbi().withHandle(StoreMigration::tables);
            destination.jdbi().useHandle(handle -> requireEmpty(handle, target.jdbcUrl()));
            return source.jdbi().withHandle(from -> destination.jdbi().inTransaction(to -> {
                try {
                    return copy(from.getConnection(), to.getConnection(), tables);
                } catch (SQLException e) {
                    throw new ManagerException(ManagerException.Code.METADATA, "cannot copy the metadata into "
                            + target.jdbcUrl() + ": " + e.getMessage() + "; nothing was copied", e);
                }
            }));
        }
    }

    private static List<String> tables(Handle handle) {
        return handle.createQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = CURRENT_SCHEMA() AND table_type = 'BASE TABLE' ORDER BY table_name")
                .mapTo(String.class).list().stream()
                .filter(table -> !NOT_COPIED.contains(table))
                .toList();
    }

    private static void requireEmpty(Handle handle, String location) {
        List<String> filled = new ArrayList<>();
        for (String table : handle.createQuery("SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")
                .mapTo(String.class).list()) {
            if (NOT_COPIED.contains(table)) {
                continue;
            }
            long rows = handle.createQuery("SELECT COUNT(*) FROM " + quoted(table)).mapTo(Long.class).one();
            if (rows > 0) {
                filled.add(table + " (" + rows + " rows)");
            }
        }
        if (!filled.isEmpty()) {
            throw ManagerException.refused("the metadata store " + location + " is not empty: "
                    + String.join(", ", filled) + "; the metadata is migrated into a new store only");
        }
    }

    /** Every row of each table, its columns by name; foreign keys are checked by neither side meanwhile. */
    private static Map<String, Integer> copy(Connection from, Connection to, List<String> tables) throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Statement session = to.createStatement()) {
            session.execute("SET SESSION foreign_key_checks = 0");
        }
        try {
            for (String table : tables) {
                counts.put(table, copyTable(from, to, table));
            }
        } finally {
            try (Statement session = to.createStatement()) {
                session.execute("SET SESSION foreign_key_checks = 1");
            }
        }
        return counts;
    }

    private static int copyTable(Connection from, Connection to, String table) throws SQLException {
        int rows = 0;
        try (Statement select = from.createStatement(); ResultSet result = select.executeQuery("SELECT * FROM "
                + quoted(table))) {
            ResultSetMetaData columns = result.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                names.add(quoted(columns.getColumnName(i).toLowerCase(java.util.Locale.ROOT)));
            }
            String insert = "INSERT INTO " + quoted(table) + " (" + String.join(", ", names) + ") VALUES ("
                    + names.stream().map(name -> "?").collect(Collectors.joining(", ")) + ")";
            try (PreparedStatement statement = to.prepareStatement(insert)) {
                while (result.next()) {
                    for (int i = 1; i <= names.size(); i++) {
                        statement.setObject(i, portable(result.getObject(i)));
                    }
                    statement.addBatch();
                    if (++rows % BATCH == 0) {
                        statement.executeBatch();
                    }
                }
                statement.executeBatch();
            }
        }
        return rows;
    }

    /** H2's large objects as plain values, which any driver takes. */
    private static Object portable(Object value) throws SQLException {
        if (value instanceof Clob clob) {
            return clob.getSubString(1, (int) clob.length());
        }
        if (value instanceof Blob blob) {
            return blob.getBytes(1, (int) blob.length());
        }
        return value;
    }

    /** A table or column name the schema made: letters, digits and underscores. */
    private static String quoted(String name) {
        if (!name.matches("[A-Za-z0-9_]+")) {
            throw new IllegalStateException("unexpected name in the metadata schema: " + name);
        }
        return "`" + name + "`";
    }
}
