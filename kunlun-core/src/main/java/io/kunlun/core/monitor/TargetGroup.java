package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** One entry of a Prometheus file_sd target file: addresses to scrape and the labels they get. */
public record TargetGroup(@JsonProperty("targets") List<String> targets,
                          @JsonProperty("labels") SortedMap<String, String> labels) {
    public TargetGroup {
        targets = List.copyOf(targets);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static TargetGroup of(String target, Map<String, String> labels) {
        return new TargetGroup(List.of(target), new TreeMap<>(labels));
    }
}
