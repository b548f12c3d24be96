package io.kunlun.model;

import java.util.List;

/** What get_meta_mode and get_meta report about the metadata store. */
public record MetaStoreInfo(HaMode mode, List<MetaNode> nodes) {
    public MetaStoreInfo {
        nodes = List.copyOf(nodes);
    }
}
