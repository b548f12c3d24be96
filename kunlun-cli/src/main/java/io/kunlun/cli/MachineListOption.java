package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code --machine ADDR}, repeatable: the request's machinelist, for the jobs that place instances. */
final class MachineListOption {
    @Option(names = "--machine", paramLabel = "ADDR",
            description = "A machine the new instances may go to; repeat for several (default: any registered"
                    + " machine).")
    List<String> machines;

    /** Adds machinelist when machines were given. */
    void fill(ObjectNode request) {
        if (machines != null && !machines.isEmpty()) {
            ArrayNode list = request.putArray("machinelist");
            machines.forEach(machine -> list.addObject().put("hostaddr", machine));
        }
    }
}
