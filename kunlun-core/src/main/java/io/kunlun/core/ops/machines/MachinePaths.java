package io.kunlun.core.ops.machines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.model.Machine;
import io.kunlun.model.PathSpace;

import java.util.ArrayList;
import java.util.List;

/** Checks a machine's root paths on the machine itself and reads their space. */
public final class MachinePaths {
    private MachinePaths() {
    }

    /** Every path must be a writable directory on the machine; answers the space of each. */
    static List<PathSpace> inspect(Hosts hosts, Machine machine) {
        HostAccess host = hosts.get(machine.hostaddr());
        List<String> missing = new ArrayList<>();
        List<PathSpace> spaces = new ArrayList<>();
        for (String path : machine.allPaths()) {
            if (!host.isWritableDirectory(path)) {
                missing.add(path);
            } else {
                spaces.add(host.space(path));
            }
        }
        if (!missing.isEmpty()) {
            throw ManagerException.refused(machine.hostaddr() + ": "
                    + (missing.size() == 1 ? "path " : "paths ") + String.join(", ", missing)
                    + (missing.size() == 1 ? " is not a writable directory" : " are not writable directories"));
        }
        return spaces;
    }
}
