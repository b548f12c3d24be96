package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.Drivers;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The undo of an instance's registration touches only what its own job made. */
class RemoveInstanceTest {
    @TempDir
    Path home;
    @TempDir
    Path root;
    private MetadataStore store;
    private Hosts hosts;
    private RemoveInstance undo;

    @BeforeEach
    void open() {
        ManagerConfig config = ManagerConfig.defaults(home);
        store = MetadataStore.open(config.metadata(), home, new MetaNode("127.0.0.1", 57000));
        hosts = new Hosts(config.ssh());
        undo = new RemoveInstance(new Drivers(config, hosts, store), store);
        String r = root.toString();
        store.machines().insert(new Machine("127.0.0.2", "1", List.of(r + "/data"), List.of(r + "/log"),
                List.of(r + "/wal"), List.of(r + "/comp"), 4096, 8), List.of());
    }

    @AfterEach
    void close() {
        hosts.close();
        store.close();
    }

    private Instance storageNode(String dataDir) {
        String r = root.toString();
        return new Instance("127.0.0.2", 57330, "cluster1", InstanceKind.STORAGE, Optional.of("shard1"),
                Optional.empty(), Optional.of(Role.PRIMARY), InstanceStatus.CREATING, 57331, 57333, dataDir,
                r + "/log/instance_data/log_dir_path/57330", r + "/wal/instance_data/innodb_log_dir_path/57330");
    }

    private String placedDataDir() {
        return root + "/data/instance_data/data_dir_path/57330";
    }

    @Test
    void anInstanceWhosePortsAnotherJobReservedIsLeftToThatJob() throws Exception {
        Instance winners = storageNode(placedDataDir());
        store.clusters().reservePorts("127.0.0.2", Drivers.ports(winners), "cluster1", "winner");
        store.clusters().insertInstance(winners);
        Path winnersFile = Files.createDirectories(Path.of(placedDataDir())).resolve("my.cnf");
        Files.writeString(winnersFile, "[mariadbd]\n");

        undo.undo(new RemoveInstance.Registered("loser", storageNode(placedDataDir())));

        assertThat(winnersFile).hasContent("[mariadbd]\n");
        assertThat(store.clusters().findInstance("127.0.0.2", 57330)).contains(winners);
        assertThat(store.clusters().portHolder("127.0.0.2", 57330))
                .contains(new ClusterTable.PortHolder("cluster1", "winner"));
    }

    @Test
    void aDirectoryOutsideTheMachinesRootsIsRefusedBeforeAnythingIsDeleted() throws Exception {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere/57330"));
        Files.writeString(elsewhere.resolve("keep"), "kept");
        Instance tampered = storageNode(elsewhere.toString());
        store.clusters().reservePorts("127.0.0.2", Drivers.ports(tampered), "cluster1", "job1");
        store.clusters().insertInstance(tampered);

        assertThatThrownBy(() -> undo.undo(new RemoveInstance.Registered("job1", tampered)))
                .isInstanceOf(ManagerException.class)
                .hasMessage("127.0.0.2:57330: refusing to delete " + elsewhere + ": the manager puts this instance's"
                        + " directory only at " + placedDataDir());
        assertThat(elsewhere.resolve("keep")).hasContent("kept");
        assertThat(store.clusters().findInstance("127.0.0.2", 57330)).isPresent();
    }

    @Test
    void aDirectoryTheJobDidNotMakeIsLeftAloneAndTheJobsRowsAreForgotten() throws Exception {
        Instance planned = storageNode(placedDataDir());
        store.clusters().reservePorts("127.0.0.2", Drivers.ports(planned), "cluster1", "job1");
        store.clusters().insertInstance(planned);
        Path operatorsFile = Files.createDirectories(Path.of(placedDataDir())).resolve("notes");
        Files.writeString(operatorsFile, "an operator's");

        undo.undo(new RemoveInstance.Registered("job1", planned));

        assertThat(operatorsFile).hasContent("an operator's");
        assertThat(store.clusters().findInstance("127.0.0.2", 57330)).isEmpty();
        assertThat(store.clusters().heldPorts("127.0.0.2")).isEmpty();
    }
}
