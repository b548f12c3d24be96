package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kunlunctl instance ...}: one database instance, storage or comp, named by its address. */
@Command(name = "instance", description = "Read and change an instance's variables; stop, start, restart it.",
        subcommands = {InstanceCommands.GetVariable.class, InstanceCommands.SetVariable.class,
                InstanceCommands.Stop.class, InstanceCommands.Start.class, InstanceCommands.Restart.class})
final class InstanceCommands {
    private InstanceCommands() {
    }

    /** The instance a command is about. */
    static final class Address {
        @Option(names = "--ip", required = true, paramLabel = "ADDR", description = "The instance's machine address.")
        String ip;

        @Option(names = "--port", required = true, paramLabel = "PORT", description = "The instance's port.")
        int port;

        void fill(ObjectNode request) {
            request.put("ip", ip).put("port", port);
        }
    }

    @Command(name = "get-variable", description = "get_variable: a variable's value as the running instance shows it.")
    static final class GetVariable extends RequestCommand {
        @Mixin
        Address address;

        @Option(names = "--variable", required = true, paramLabel = "NAME", description = "The variable's name.")
        String variable;

        @Override
        protected JobType jobType() {
            return JobType.GET_VARIABLE;
        }

        @Override
        protected void fill(ObjectNode request) {
            address.fill(request);
            request.put("variable", variable);
        }
    }

    @Command(name = "set-variable", description = {"set_variable: change a variable of the running instance and"
            + " keep it across its restarts.", "Exit status 1 when the change did not take effect, with the reason."})
    static final class SetVariable extends RequestCommand {
        @Mixin
        Address address;

        @Option(names = "--variable", required = true, paramLabel = "NAME", description = "The variable's name.")
        String variable;

        @ArgGroup(multiplicity = "1")
        Value value;

        /** Exactly one of the two. */
        static final class Value {
            @Option(names = "--value-int", required = true, paramLabel = "N", description = "An integer value.")
            Long integer;

            @Option(names = "--value-str", required = true, paramLabel = "TEXT", description = "A text value.")
            String text;
        }

        @Override
        protected JobType jobType() {
            return JobType.SET_VARIABLE;
        }

        @Override
        protected void fill(ObjectNode request) {
            address.fill(request);
            request.put("variable", variable);
            if (value.integer != null) {
                request.put("value_int", value.integer);
            } else {
                request.put("value_str", value.text);
            }
        }
    }

    /** control_instance with one of its controls. */
    abstract static class Control extends JobSubmitCommand {
        @Mixin
        Address address;

        abstract String control();

        @Override
        protected JobType jobType() {
            return JobType.CONTROL_INSTANCE;
        }

        @Override
        protected void fill(ObjectNode request) {
            address.fill(request);
            request.put("control", control());
        }
    }

    @Command(name = "stop", description = "control_instance stop: shut the instance down, keeping its data.")
    static final class Stop extends Control {
        @Override
        String control() {
            return "stop";
        }
    }

    @Command(name = "start", description = "control_instance start: start a stopped instance on its data.")
    static final class Start extends Control {
        @Override
        String control() {
            return "start";
        }
    }

    @Command(name = "restart", description = "control_instance restart: stop the instance, then start it.")
    static final class Restart extends Control {
        @Override
        String control() {
            return "restart";
        }
    }
}
