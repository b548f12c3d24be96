package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;

/** get_variable, set_variable and control_instance requests for an instance of a getter's reply. */
final class InstanceRequests {
    private InstanceRequests() {
    }

    static ObjectNode at(String jobType, String ip, String port) {
        return JsonNodeFactory.instance.objectNode().put("job_type", jobType).put("ip", ip).put("port", port);
    }

    static ObjectNode at(String jobType, JsonNode instance) {
        return at(jobType, instance.get("ip").asText(), instance.get("port").asText());
    }

    static Reply getVariable(TestManager manager, JsonNode instance, String variable) {
        return manager.post(at("get_variable", instance).put("variable", variable).toString());
    }

    static Reply setVariable(TestManager manager, JsonNode instance, String variable, long value) {
        return manager.post(at("set_variable", instance).put("variable", variable).put("value_int", value).toString());
    }

    static Reply setVariable(TestManager manager, JsonNode instance, String variable, String value) {
        return manager.post(at("set_variable", instance).put("variable", variable).put("value_str", value).toString());
    }

}
