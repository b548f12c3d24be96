package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How one compute instance reaches the cluster's shards on stock PostgreSQL: the mysql_fdw
 * extension in the client database, one foreign server per shard named after the shard and
 * pointing at its primary, and a user mapping that lets the comp's admin log in to the shard.
 * Clients then reach a shard's table through a foreign table:
 *
 * <pre>{@code
 * CREATE FOREIGN TABLE t (id int, v text) SERVER shard1 OPTIONS (dbname 'app', table_name 't');
 * }</pre>
 *
 * and spread one table over shards with foreign partitions of a partitioned table, each shard
 * holding a table of the same shape. Reads go through the parent, with partition pruning; writes
 * must name the partition, since mysql_fdw neither routes an INSERT nor runs an UPDATE or DELETE
 * through a partitioned parent:
 *
 * <pre>{@code
 * CREATE TABLE t (id int, v text) PARTITION BY RANGE (id);
 * CREATE FOREIGN TABLE t_1 PARTITION OF t FOR VALUES FROM (MINVALUE) TO (1000000)
 *     SERVER shard1 OPTIONS (dbname 'app', table_name 't');
 * CREATE FOREIGN TABLE t_2 PARTITION OF t FOR VALUES FROM (1000000) TO (MAXVALUE)
 *     SERVER shard2 OPTIONS (dbname 'app', table_name 't');
 * INSERT INTO t_2 VALUES (1000001, 'x');
 * SELECT * FROM t WHERE id > 10;
 * }</pre>
 *
 * <p>The shards' tables are created on the shards (mysql_fdw passes no DDL), e.g. as the
 * cluster's admin with a MySQL client. Foreign tables need a unique first column for UPDATE
 * and DELETE.
 *
 * <p>Every statement runs as the instance's superuser through the engine's client.
 */
public final class ShardLinks {
    private final ComputeNode comp;
    private final SqlClient client;
    private final String mappedUser;

    /**
     * @param database   the comp's client database, where the foreign servers live
     * @param mappedUser the comp account that gets the user mappings (the cluster's admin)
     */
    public ShardLinks(ComputeEngine engine, ComputeNode comp, String database, String mappedUser) {
        this.comp = comp;
        this.client = engine.client(comp, database);
        this.mappedUser = SqlText.pgName(mappedUser, "mapped user");
    }

    /**
     * Links the shard: creates the extension, the shard's foreign server and the user mapping
     * when missing, and makes them point at the target with its credentials either way, so
     * that adding a shard twice, or again after a failure, converges.
     */
    public void add(ShardTarget shard) {
        String server = SqlText.pgName(shard.name(), "shard name");
        client.execute("CREATE EXTENSION IF NOT EXISTS mysql_fdw;\n"
                + "GRANT USAGE ON FOREIGN DATA WRAPPER mysql_fdw TO " + mappedUser + ";\n"
                + "CREATE SERVER IF NOT EXISTS " + server + " FOREIGN DATA WRAPPER mysql_fdw"
                + " OPTIONS (host " + SqlText.pgString(shard.host()) + ", port " + SqlText.pgString(String.valueOf(shard.port())) + ");\n"
                + pointServer(server, shard)
                + "GRANT USAGE ON FOREIGN SERVER " + server + " TO " + mappedUser + ";\n"
                + "CREATE USER MAPPING IF NOT EXISTS FOR " + mappedUser + " SERVER " + server
                + " OPTIONS (username " + SqlText.pgString(shard.user().user())
                + ", password " + SqlText.pgString(shard.user().password()) + ");\n"
                + "ALTER USER MAPPING FOR " + mappedUser + " SERVER " + server
                + " OPTIONS (SET username " + SqlText.pgString(shard.user().user())
                + ", SET password " + SqlText.pgString(shard.user().password()) + ");\n");
    }

    /**
     * Points a linked shard's foreign server at another instance, when the shard's primary
     * changed. Sessions that already used the old one reconnect: mysql_fdw drops its cached
     * connections when their server changes.
     */
    public void repoint(ShardTarget shard) {
        if (list().stream().noneMatch(linked -> linked.name().equals(shard.name()))) {
            throw ManagerException.notFound(comp.label() + ": no shard " + shard.name() + " is linked");
        }
        client.execute(pointServer(SqlText.pgName(shard.name(), "shard name"), shard));
    }

    /**
     * Unlinks the shard: drops its foreign server, its user mappings and the foreign tables on
     * it. Unlinking a shard that is not linked succeeds.
     */
    public void remove(String shardName) {
        client.execute("DROP SERVER IF EXISTS " + SqlText.pgName(shardName, "shard name") + " CASCADE;\n");
    }

    /** The linked shards in name order, with where they point. */
    public List<LinkedShard> list() {
        List<LinkedShard> shards = new ArrayList<>();
        for (List<String> row : client.rows("SELECT s.srvname, array_to_string(s.srvoptions, ' ')"
                + " FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw"
                + " WHERE w.fdwname = 'mysql_fdw' ORDER BY s.srvname;")) {
            Map<String, String> options = new HashMap<>();
            for (String option : row.get(1) == null ? new String[0] : row.get(1).split(" ")) {
                int equals = option.indexOf('=');
                options.put(option.substring(0, equals), option.substring(equals + 1));
            }
            shards.add(new LinkedShard(row.get(0), options.get("host"), Integer.parseInt(options.get("port"))));
        }
        return shards;
    }

    private static String pointServer(String server, ShardTarget shard) {
        return "ALTER SERVER " + server + " OPTIONS (SET host " + SqlText.pgString(shard.host())
                + ", SET port " + SqlText.pgString(String.valueOf(shard.port())) + ");\n";
    }
}
